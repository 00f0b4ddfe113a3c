// `realdid registrar anchor`: publishes the ledger entries a RealDidRootRegistry does not
// hold yet, over JSON-RPC. Idempotent and resumable: it starts from the contract's length,
// after checking that the chain's last entry is this ledger's (same entry hash), so a run
// cut off anywhere is finished by the next one. Platform-neutral (viem's HTTP transport).
import { BaseError, ContractFunctionRevertedError, createPublicClient, createWalletClient, type Hex, HttpRequestError, http, type PublicClient } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { RealDidError } from "../errors.js";
import { LEDGER_KIND, type LedgerEntry } from "../ledger/ledger-entry.js";
import { entryHash } from "../signed-log/signed-log.js";
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
  const { client, wallet } = clientsOf(target.rpcUrl, publisherKey);
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

/** A reader and a signer on the chain at `rpcUrl` (no retries: the caller reports an outage in one line). */
function clientsOf(rpcUrl: string, publisherKey: Hex) {
  const account = privateKeyToAccount(publisherKey);
  const transport = http(rpcUrl, { retryCount: 0 });
  return { account, client: createPublicClient({ transport, pollingInterval: 250 }), wallet: createWalletClient({ account, transport }) };
}

/** Deploys a RealDidRootRegistry whose publisher is `publisherKey`'s account, for the ledger signed by `registrarKey` (hex). */
export async function deployRootRegistry(rpcUrl: string, registryArtifact: ContractArtifact, publisherKey: Hex, registrarKey: string): Promise<{ registry: Hex; publisher: Hex }> {
  const { client, wallet, account } = clientsOf(rpcUrl, publisherKey);
  const hash = await onChain(rpcUrl, "deploying the root registry", () =>
    wallet.deployContract({ chain: null, abi: registryArtifact.abi, bytecode: registryArtifact.bytecode, args: [account.address, `0x${registrarKey}`] }),
  );
  const receipt = await onChain(rpcUrl, "deploying the root registry", () => client.waitForTransactionReceipt({ hash }));
  if (receipt.status !== "success" || !receipt.contractAddress) throw new RealDidError("chain_refused", `the root registry was not deployed (transaction ${hash})`);
  return { registry: receipt.contractAddress, publisher: account.address };
}

/** A chain call; its failure as one line: the contract's refusal by name, or the node unreachable. */
async function onChain<T>(rpcUrl: string, what: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    if (!(error instanceof BaseError)) throw error;
    const reverted = error.walk((cause) => cause instanceof ContractFunctionRevertedError);
    if (reverted instanceof ContractFunctionRevertedError) {
      throw new RealDidError("chain_refused", `${what}: the registry refused it (${reverted.data?.errorName ?? reverted.reason ?? "no reason given"})`);
    }
    const unreachable = error.walk((cause) => cause instanceof HttpRequestError) !== null;
    throw new RealDidError(unreachable ? "chain_unavailable" : "chain_refused", `${what}: ${unreachable ? `the chain at ${rpcUrl} did not answer` : "the chain refused it"} (${error.shortMessage})`);
  }
}
