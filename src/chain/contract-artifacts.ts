import { readFileSync } from "node:fs";
import type { Abi, Hex } from "viem";

/** A compiled contract as scripts/build-contracts.ts writes it to contracts/compiled (committed: installs need no compiler). */
export interface ContractArtifact {
  readonly contractName: string;
  readonly compiler: string;
  readonly abi: Abi;
  readonly bytecode: Hex;
}

/** The committed artifact of one of realdid's contracts (Node only: read from the package). */
export function contractArtifact(name: "RealDidRootRegistry" | "RealDidGroth16Verifier" | "RealDidVerifier"): ContractArtifact {
  return JSON.parse(readFileSync(new URL(`../../contracts/compiled/${name}.json`, import.meta.url), "utf8")) as ContractArtifact;
}
