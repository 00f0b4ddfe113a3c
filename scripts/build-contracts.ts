// Writes the Groth16 verifier contract of the published verification key
// (src/chain/groth16-solidity.ts), then compiles contracts/*.sol with solc-js (the npm
// package's own compiler: nothing is downloaded) into contracts/compiled/<Contract>.json
// ({ contractName, compiler, abi, bytecode }). Sources and artifacts are committed, so that
// installs and the CLI need no compiler; test/root-registry.test.ts checks they equal a
// fresh build. `npm run build:contracts`.
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import solc from "solc";
import { REALDID_CIRCUIT } from "../src/artifacts/circuit-id.js";
import { keySetFiles, publishedKeysDir } from "../src/artifacts/paths.js";
import type { ContractArtifact } from "../src/chain/contract-artifacts.js";
import { groth16VerifierSource } from "../src/chain/groth16-solidity.js";
import { PUBLIC_SIGNAL_NAMES } from "../src/proof/public-signals.js";

const CONTRACTS = fileURLToPath(new URL("../contracts/", import.meta.url));
export const CONTRACTS_COMPILED = join(CONTRACTS, "compiled");

/** The generated contracts: file name under contracts/ and text. */
export function generatedSources(): { file: string; text: string }[] {
  const key = JSON.parse(readFileSync(keySetFiles(publishedKeysDir(REALDID_CIRCUIT), REALDID_CIRCUIT).verificationKey, "utf8"));
  // The regulator key and its shift are fixed per deployment (RealDidVerifier reads them from the verifier).
  const regulatorInputs = ["regulatorKey.x", "regulatorKey.y", "regulatorKeyShifted.x", "regulatorKeyShifted.y"].map((name) => PUBLIC_SIGNAL_NAMES.indexOf(name as (typeof PUBLIC_SIGNAL_NAMES)[number]));
  return [{ file: "RealDidGroth16Verifier.sol", text: groth16VerifierSource(key, "RealDidGroth16Verifier", `keys/${REALDID_CIRCUIT.name}/verification_key.json`, regulatorInputs) }];
}

interface SolcOutput {
  errors?: { severity: string; formattedMessage: string }[];
  contracts: Record<string, Record<string, { abi: unknown[]; evm: { bytecode: { object: string } } }>>;
}

/** Every contract of contracts/*.sol, compiled with the optimizer for the Cancun EVM. */
export function compileContracts(): ContractArtifact[] {
  const sources = Object.fromEntries(
    readdirSync(CONTRACTS)
      .filter((name) => name.endsWith(".sol"))
      .sort()
      .map((name) => [name, { content: readFileSync(join(CONTRACTS, name), "utf8") }]),
  );
  const input = { language: "Solidity", sources, settings: { optimizer: { enabled: true, runs: 200 }, evmVersion: "cancun", outputSelection: { "*": { "*": ["abi", "evm.bytecode.object"] } } } };
  const output = JSON.parse(solc.compile(JSON.stringify(input))) as SolcOutput;
  const errors = (output.errors ?? []).filter((e) => e.severity === "error");
  if (errors.length > 0) throw new Error(`solc: ${errors.map((e) => e.formattedMessage).join("\n")}`);
  // Interfaces have no code: only deployable contracts get an artifact.
  return Object.values(output.contracts).flatMap((file) =>
    Object.entries(file).filter(([, { evm }]) => evm.bytecode.object !== "").map(([contractName, { abi, evm }]): ContractArtifact => ({ contractName, compiler: `solc ${solc.version()}`, abi: abi as ContractArtifact["abi"], bytecode: `0x${evm.bytecode.object}` })),
  );
}

export const artifactText = (artifact: ContractArtifact): string => `${JSON.stringify(artifact, null, 2)}\n`;

if (import.meta.url === pathToFileURL(process.argv[1]).href) {
  for (const { file, text } of generatedSources()) writeFileSync(join(CONTRACTS, file), text);
  for (const artifact of compileContracts()) {
    writeFileSync(join(CONTRACTS_COMPILED, `${artifact.contractName}.json`), artifactText(artifact));
    console.log(`[contracts] ${artifact.contractName}: ${(artifact.bytecode.length - 2) / 2} bytes`);
  }
}
