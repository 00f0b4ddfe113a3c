// The root registry contract (contracts/RealDidRootRegistry.sol): the registrar's ledger
// entries as its `publish` takes them. Platform-neutral.
import type { Hex } from "viem";
import type { LedgerEntry } from "../ledger/ledger-entry.js";

const ZERO_DIGEST: Hex = `0x${"0".repeat(64)}`;

/** What `publish(LedgerEntry)` takes for an entry of realdid-ledger/2: the same fields, hex as bytes. */
export function publishedEntry(entry: LedgerEntry) {
  return {
    seq: BigInt(entry.seq),
    root: BigInt(entry.root),
    treeSize: BigInt(entry.treeSize),
    time: entry.time,
    prevHash: `0x${entry.prevHash}` as Hex,
    changeKind: entry.change?.kind ?? "",
    changeDigest: entry.change ? (`0x${entry.change.digest}` as Hex) : ZERO_DIGEST,
    signature: `0x${entry.signature}` as Hex,
  };
}

/** rootStatus's answers, as RootLedger names them (src/ledger/root-ledger.ts). */
export const ROOT_STATUS = ["unknown", "current", "recent", "expired"] as const;
