import type { ChainFields, LogKind } from "../signed-log/signed-log.js";

/**
 * One published registry root in the registrar's signed, hash-chained ledger: anyone
 * can replay it offline and see which roots are genuine and when each was current.
 */
export interface LedgerEntry extends ChainFields {
  /** The registry root, decimal. */
  readonly root: string;
  /** Leaf slots used when the root was published. */
  readonly treeSize: number;
}

export const LEDGER_KIND: LogKind<LedgerEntry> = {
  format: "realdid-ledger/1",
  entryName: "ledger entry",
  canonical: (e) => JSON.stringify({ seq: e.seq, root: e.root, treeSize: e.treeSize, time: e.time, prevHash: e.prevHash }),
  parsePayload: (e) =>
    typeof e.root === "string" && /^(0|[1-9][0-9]{0,77})$/.test(e.root) && Number.isSafeInteger(e.treeSize) && (e.treeSize as number) >= 0
      ? { root: e.root, treeSize: e.treeSize as number }
      : undefined,
};
