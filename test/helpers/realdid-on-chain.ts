// realdid's contracts deployed on an in-process chain for tests and the bench: a root
// registry holding a registrar's ledger, the published key's Groth16 verifier and a
// RealDidVerifier over both.
import { contractArtifact } from "../../src/chain/contract-artifacts.js";
import { regulatorKeyWords } from "../../src/chain/realdid-verifier.js";
import { publishedEntry } from "../../src/chain/root-registry.js";
import type { Point } from "../../src/crypto/baby-jubjub.js";
import type { LedgerEntry } from "../../src/ledger/ledger-entry.js";
import type { Deployed, InProcessChain } from "./evm.js";

export interface RealDidOnChain {
  readonly registry: Deployed;
  readonly groth16: Deployed;
  readonly verifier: Deployed;
  /** Gas of each ledger entry's publish, in order. */
  readonly publishGas: bigint[];
}

/** Deploys the three contracts, the registry's publisher being the chain's first account, and publishes `entries`. */
export async function deployRealDid(chain: InProcessChain, { registrarKey, entries, regulatorKey, windowSeconds }: { registrarKey: string; entries: readonly LedgerEntry[]; regulatorKey: Point; windowSeconds: number }): Promise<RealDidOnChain> {
  const registry = await chain.deploy(contractArtifact("RealDidRootRegistry"), [chain.accounts[0].hex, `0x${registrarKey}`]);
  const publishGas: bigint[] = [];
  for (const entry of entries) publishGas.push((await chain.send(registry, "publish", [publishedEntry(entry)])).gasUsed);
  const groth16 = await chain.deploy(contractArtifact("RealDidGroth16Verifier"), [regulatorKeyWords(regulatorKey)]);
  const verifier = await chain.deploy(contractArtifact("RealDidVerifier"), [registry.address.toString(), groth16.address.toString(), BigInt(windowSeconds)]);
  return { registry, groth16, verifier, publishGas };
}
