// The registrar's ledger read from a RealDidRootRegistry on an EVM chain instead of the
// registrar's server: `chain+http(s)://<JSON-RPC URL>?registry=0x…` as a verifier's
// ledger source. The RootPublished events carry every field of each entry, its signature
// included; the replica verifies them against the registrar's key as it does any source's
// (the chain's own hash chain is checked by the contract, the signatures off chain).
import type { Hex } from "viem";
import { RealDidError } from "../errors.js";
import { LEDGER_KIND, type LedgerEntry } from "../ledger/ledger-entry.js";
import type { LedgerSource, SourceLimits } from "../service/ledger-source.js";
import { SignedLog } from "../signed-log/signed-log.js";
import type { ContractArtifact } from "./contract-artifacts.js";

export const CHAIN_SOURCE_PREFIX = "chain+";
/** Blocks per eth_getLogs request unless the source says `&logRange=` (public nodes often allow no more than 1,000). */
const DEFAULT_LOG_RANGE = 1000;

/** What the registry's `entry(seq)` answers (the fields read here). */
interface RegistryEntry {
  blockNumber: bigint;
}

interface RootPublished {
  seq: bigint;
  root: bigint;
  treeSize: bigint;
  time: string;
  prevHash: Hex;
  changeKind: string;
  changeDigest: Hex;
  signature: Hex;
}

const unhex = (value: Hex) => value.slice(2);

/** An entry as the event gives it, checked as any ledger line is (SignedLog.parseEntry). */
function entryOfEvent(event: RootPublished, where: string): LedgerEntry {
  const change = event.changeKind === "" ? undefined : { kind: event.changeKind, digest: unhex(event.changeDigest) };
  const row = { seq: Number(event.seq), root: event.root.toString(), treeSize: Number(event.treeSize), time: event.time, prevHash: unhex(event.prevHash), signature: unhex(event.signature), ...(change && { change }) };
  return SignedLog.parseEntry(LEDGER_KIND, row, where);
}

/** A whole number from the source URL's query (`name`), or `fallback` when it is absent. */
function countParameter(url: URL, location: string, name: string, fallback: number, min: number): number {
  const text = url.searchParams.get(name);
  url.searchParams.delete(name);
  if (text === null) return fallback;
  if (!/^\d{1,9}$/.test(text) || Number(text) < min) throw new RealDidError("invalid_argument", `ledger source ${location}: ?${name}= must be a whole number of blocks, at least ${min}`);
  return Number(text);
}

/**
 * Reads the entries a replica lacks from their RootPublished events. The registry says
 * how many entries it holds and the block of each, so a sync costs one call when nothing
 * is new; otherwise it reads from the first missing entry's block to the last one's,
 * `logRange` blocks per eth_getLogs (nodes cap the range one request may ask), jumping
 * over blocks without entries. With `confirmations`, every read is pinned to the block
 * that many below the newest, so a shallow reorganisation is never seen; a deeper one
 * would show as entries that no longer link, which the replica refuses.
 */
export function chainLedgerSource(location: string, registryArtifact: ContractArtifact, { timeoutMs }: Pick<SourceLimits, "timeoutMs">): LedgerSource {
  const url = new URL(location.slice(CHAIN_SOURCE_PREFIX.length));
  const registry = (url.searchParams.get("registry") ?? "") as Hex;
  if (!/^0x[0-9a-fA-F]{40}$/.test(registry)) throw new RealDidError("invalid_argument", `ledger source ${location}: ?registry= must be the root registry's address`);
  url.searchParams.delete("registry");
  const confirmations = BigInt(countParameter(url, location, "confirmations", 0, 0));
  const logRange = BigInt(countParameter(url, location, "logRange", DEFAULT_LOG_RANGE, 1));
  const rpcUrl = url.toString();
  const description = `the root registry ${registry} on ${rpcUrl}`;
  // viem is loaded at the first sync, not with every command that could start a service.
  let chain: Promise<typeof import("./chain-client.js")> | undefined;
  return {
    description,
    async entriesFrom(seq) {
      try {
        const { chainReader, noContractAnswer } = await (chain ??= import("./chain-client.js"));
        const client = chainReader(rpcUrl, timeoutMs);
        const blockNumber = (await client.getBlockNumber({ cacheTime: 0 })) - confirmations;
        const read = <T>(functionName: "length" | "entry", args: readonly unknown[] = []) =>
          client.readContract({ address: registry, abi: registryArtifact.abi, functionName, args, blockNumber }) as Promise<T>;
        // With confirmations, the pinned block may be older than the registry itself: no entries yet.
        const length = blockNumber < 0n ? 0 : Number(await read<bigint>("length").catch((error) => (confirmations > 0n && noContractAnswer(error) ? 0n : Promise.reject(error))));
        if (length === 0 && seq === 0) return [];
        if (length <= seq) {
          // A registry never shrinks: this node is behind (a load-balanced one, or more confirmations than before).
          throw new RealDidError("io_error", `${description} holds ${length} entries at block ${blockNumber}, fewer than the ${seq + 1} asked for: the node is behind; the next sync tries again`);
        }
        const blockOf = async (k: number) => (await read<RegistryEntry>("entry", [BigInt(k)])).blockNumber;
        const lastBlock = await blockOf(length - 1);
        const entries: LedgerEntry[] = [];
        for (let from = await blockOf(seq); ; ) {
          const toBlock = from + logRange - 1n < lastBlock ? from + logRange - 1n : lastBlock;
          const events = await client.getContractEvents({ address: registry, abi: registryArtifact.abi, eventName: "RootPublished", fromBlock: from, toBlock });
          for (const event of events) {
            const entry = entryOfEvent(event.args as unknown as RootPublished, `RootPublished in block ${event.blockNumber} of ${registry}`);
            if (entry.seq >= seq && entry.seq < length) entries.push(entry);
          }
          const next = seq + entries.length;
          if (toBlock >= lastBlock || next >= length) break;
          const nextBlock = await blockOf(next);
          from = nextBlock > toBlock ? nextBlock : toBlock + 1n;
        }
        if (entries.length !== length - seq || entries.some((entry, k) => entry.seq !== seq + k)) {
          throw new RealDidError("log_malformed", `${description} holds entries ${seq} to ${length - 1}, but its events gave ${entries.length} (is the node missing logs?)`);
        }
        return entries;
      } catch (error) {
        if (error instanceof RealDidError) throw error;
        throw new RealDidError("io_error", `cannot read the ledger from ${description}: ${(error as { shortMessage?: string }).shortMessage ?? String(error)}`);
      }
    },
  };
}
