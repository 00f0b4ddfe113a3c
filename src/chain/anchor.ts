// `realdid registrar anchor`: publishes the ledger entries a RealDidRootRegistry does not
// hold yet, over JSON-RPC. Idempotent and resumable: it starts from the contract's length,
// after checking that the chain's last entry is this ledger's (same entry hash), so a run
// cut off anywhere is finished by the next one. Platform-neutral (viem's HTTP transport).
import type { Hex, PublicClient } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { RealDidError } from "../errors.js";
import { LEDGER_KIND, type LedgerEntry } from "../ledger/ledger-entry.js";
import { entryHash } from "../signed-log/signed-log.js";
import { chainClients, deployContract, onChain } from "./chain-client.js";
import type { ContractArtifact } from "./contract-artifacts.js";
import { publishedEntry } from "./root-registry.js";

export interface AnchorTarget {
  /** The chain's JSON-RPC URL. */
  readonly rpcUrl: string;
  /** The RealDidRootRegistry's address. */
  readonly registry: Hex;
  readonly registryArtifact: ContractArtifact;
}

/** Entries the registry holds; refuses a registry whose last entry is not this ledger's. */
async function anchoredLength(client: PublicClient, target: AnchorTarget, entries: readonly LedgerEntry[]): Promise<number> {
  const read = (functionName: "length" | "headHash") =>
    onChain(target.rpcUrl, `reading the registry at ${target.registry}`, () => client.readContract({ address: target.registry, abi: target.registryArtifact.abi, functionName }));
  const length = Number(await read("length"));
  if (length > entries.length) {
    throw new RealDidError("chain_ledger_mismatch", `the registry at ${target.registry} holds ${length} entries, this ledger ${entries.length}: it is another registrar's, or this ledger lost entries`);
  }
  if (length > 0 && (await read("headHash")) !== `0x${entryHash(LEDGER_KIND, entries[length - 1])}`) {
    throw new RealDidError("chain_ledger_mismatch", `the registry at ${target.registry} holds another entry ${length - 1} than this ledger: it is another registrar's (or a fork)`);
  }
  return length;
}

/**
 * Publishes entries from the registry's length on, one transaction each, waiting for each
 * to be mined. `publisherKey` is the publisher account's secp256k1 key (0x + 64 hex).
 */
export async function anchorLedger(target: AnchorTarget, entries: readonly LedgerEntry[], publisherKey: Hex): Promise<{ before: number; published: number }> {
  const { client, wallet } = chainClients(target.rpcUrl, publisherKey);
  const before = await anchoredLength(client, target, entries);
  for (const entry of entries.slice(before)) {
    const where = `publishing ledger entry ${entry.seq}`;
    const hash = await onChain(target.rpcUrl, where, () =>
      wallet.writeContract({ chain: null, address: target.registry, abi: target.registryArtifact.abi, functionName: "publish", args: [publishedEntry(entry)] }),
    );
    const receipt = await onChain(target.rpcUrl, where, () => client.waitForTransactionReceipt({ hash }));
    if (receipt.status !== "success") throw new RealDidError("chain_refused", `the registry refused ledger entry ${entry.seq} (transaction ${hash})`);
  }
  return { before, published: entries.length - before };
}

/** Deploys a RealDidRootRegistry whose publisher is `publisherKey`'s account, for the ledger signed by `registrarKey` (hex). */
export async function deployRootRegistry(rpcUrl: string, registryArtifact: ContractArtifact, publisherKey: Hex, registrarKey: string): Promise<{ registry: Hex; publisher: Hex }> {
  const publisher = privateKeyToAccount(publisherKey).address;
  const { address } = await deployContract(rpcUrl, registryArtifact, [publisher, `0x${registrarKey}`], publisherKey);
  return { registry: address, publisher };
}
