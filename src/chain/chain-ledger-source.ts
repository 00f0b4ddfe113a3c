// The registrar's ledger read from a RealDidRootRegistry on an EVM chain instead of the
// registrar's server: `chain+http(s)://<JSON-RPC URL>?registry=0x…` as a verifier's
// ledger source. The RootPublished events carry every field of each entry, its signature
// included; the replica verifies them against the registrar's key as it does any source's
// (the chain's own hash chain is checked by the contract, the signatures off chain).
import { createPublicClient, type Hex, http, isAddress } from "viem";
import { RealDidError } from "../errors.js";
import { LEDGER_KIND, type LedgerEntry } from "../ledger/ledger-entry.js";
import type { LedgerSource, SourceLimits } from "../service/ledger-source.js";
import { SignedLog } from "../signed-log/signed-log.js";
import type { ContractArtifact } from "./contract-artifacts.js";

export const CHAIN_SOURCE_PREFIX = "chain+";

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

/**
 * Reads the registry's events once from its first block, then only the blocks after the
 * last one read; the entries are kept (a ledger entry is a few hundred bytes).
 */
export function chainLedgerSource(location: string, registryArtifact: ContractArtifact, { timeoutMs }: Pick<SourceLimits, "timeoutMs">): LedgerSource {
  const url = new URL(location.slice(CHAIN_SOURCE_PREFIX.length));
  const registry = url.searchParams.get("registry") ?? "";
  if (!isAddress(registry)) throw new RealDidError("invalid_argument", `ledger source ${location}: ?registry= must be the root registry's address`);
  url.searchParams.delete("registry");
  const rpcUrl = url.toString();
  const client = createPublicClient({ transport: http(rpcUrl, { retryCount: 0, timeout: timeoutMs }) });
  const entries: LedgerEntry[] = [];
  let nextBlock = 0n;
  return {
    description: `the root registry ${registry} on ${rpcUrl}`,
    async entriesFrom(seq) {
      try {
        const latest = await client.getBlockNumber({ cacheTime: 0 });
        if (latest >= nextBlock) {
          const events = await client.getContractEvents({ address: registry, abi: registryArtifact.abi, eventName: "RootPublished", fromBlock: nextBlock, toBlock: latest });
          // All parsed before any is kept: a refused event leaves the blocks to be read again, not half taken.
          const read = events.map((event) => entryOfEvent(event.args as unknown as RootPublished, `RootPublished in block ${event.blockNumber} of ${registry}`));
          entries.push(...read);
          nextBlock = latest + 1n;
        }
      } catch (error) {
        if (error instanceof RealDidError) throw error;
        throw new RealDidError("io_error", `cannot read the ledger from the root registry ${registry} on ${rpcUrl}: ${(error as { shortMessage?: string }).shortMessage ?? String(error)}`);
      }
      return entries.filter((entry) => entry.seq >= seq);
    },
  };
}
