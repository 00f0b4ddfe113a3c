import { type ChainFields, type LogKind, SignedLog } from "../signed-log/signed-log.js";

/** What can change the registry tree; every entry after the genesis names one (see ledger-change.ts). */
export const LEDGER_CHANGE_KINDS = ["enroll", "revoke", "reissue", "enterprise", "enterprise-status", "enterprise-representative", "mandate-grant", "mandate-revoke"] as const;
export type LedgerChangeKind = (typeof LEDGER_CHANGE_KINDS)[number];

/** The change an entry's root reflects: its kind and the SHA-256 (hex) of its change document's canonical JSON. */
export interface LedgerChange {
  readonly kind: LedgerChangeKind;
  readonly digest: string;
}

/**
 * One published registry root in the registrar's signed, hash-chained ledger: anyone
 * can replay it offline and see which roots are genuine and when each was current.
 */
export interface LedgerEntry extends ChainFields {
  /** The registry root, decimal. */
  readonly root: string;
  /** Leaf slots used when the root was published. */
  readonly treeSize: number;
  /** What changed (absent in the genesis entry and in entries written before realdid-ledger/2). */
  readonly change?: LedgerChange;
}

const isChange = (value: unknown): value is LedgerChange => {
  const change = value as Record<string, unknown>;
  return (
    typeof change === "object" && change !== null && !Array.isArray(change) && Object.keys(change).length === 2 &&
    (LEDGER_CHANGE_KINDS as readonly unknown[]).includes(change.kind) && typeof change.digest === "string" && /^[0-9a-f]{64}$/.test(change.digest)
  );
};

/**
 * realdid-ledger/2 adds the optional `change`. It is signed as part of the entry when
 * present (last in the canonical form) and left out when absent, so every realdid-ledger/1
 * entry is a valid /2 entry with the same signature and hash; the signatures keep their
 * realdid-ledger/1 domain for that reason. A /1 reader refuses a /2 file by its header
 * instead of calling its entries forged.
 */
export const LEDGER_KIND: LogKind<LedgerEntry> = {
  format: "realdid-ledger/2",
  olderFormats: ["realdid-ledger/1"],
  signingDomain: "realdid-ledger/1",
  entryName: "ledger entry",
  canonical: (e) =>
    JSON.stringify({ seq: e.seq, root: e.root, treeSize: e.treeSize, time: e.time, prevHash: e.prevHash, ...(e.change && { change: { kind: e.change.kind, digest: e.change.digest } }) }),
  parsePayload: (e) =>
    typeof e.root === "string" && /^(0|[1-9][0-9]{0,77})$/.test(e.root) && Number.isSafeInteger(e.treeSize) && (e.treeSize as number) >= 0 && (e.change === undefined || isChange(e.change))
      ? { root: e.root, treeSize: e.treeSize as number, ...(e.change !== undefined && { change: { kind: e.change.kind, digest: e.change.digest } }) }
      : undefined,
};

/** A ledger entry as a database row holds it: `change` as its JSON text, NULL when absent (or a column not there yet). */
export interface LedgerRow {
  readonly seq: number;
  readonly root: string;
  readonly treeSize: number;
  readonly time: string;
  readonly prevHash: string;
  readonly signature: string;
  readonly change?: string | null;
}

export const changeColumn = (entry: LedgerEntry): string | null => (entry.change ? JSON.stringify({ kind: entry.change.kind, digest: entry.change.digest }) : null);

/** Reads a row back into an entry, checking its shape (its signature is checked when it joins a ledger). */
export function ledgerEntryOfRow({ change, ...row }: LedgerRow, where: string): LedgerEntry {
  let parsedChange: unknown;
  try {
    parsedChange = change === null || change === undefined ? undefined : JSON.parse(change);
  } catch {
    parsedChange = change; // not JSON: refused by parseEntry below
  }
  return SignedLog.parseEntry(LEDGER_KIND, { ...row, change: parsedChange }, where);
}
