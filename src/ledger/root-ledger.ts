import { type LogSigner, SignedLog } from "../signed-log/signed-log.js";
import { LEDGER_KIND, type LedgerChange, type LedgerEntry } from "./ledger-entry.js";

const rootPayload = (root: bigint, treeSize: number, change?: LedgerChange) => ({ root: root.toString(), treeSize, ...(change && { change }) });

/** How long a replaced root still proves (Semaphore and iden3 use one hour too). */
export const DEFAULT_ROOT_WINDOW_MS = 60 * 60 * 1000;

export type RootStatus = "current" | "recent" | "expired" | "unknown";

/**
 * The registrar's append-only, hash-chained, signed log of registry roots. Every entry
 * is checked on the way in (read back from the registrar's own store: every link, and the
 * head's signature, which covers the rest), so a RootLedger only ever holds a valid chain
 * under one key.
 */
export class RootLedger extends SignedLog<LedgerEntry> {
  /** Latest position of each root: a root is judged by its last appearance. */
  private readonly lastSeqOfRoot = new Map<string, number>();

  constructor(publicKey: string, entries: Iterable<LedgerEntry> = []) {
    super(LEDGER_KIND, publicKey);
    // Appended here, not by super(): the root index above exists only after super() returns.
    for (const entry of entries) this.append(entry);
  }

  protected override appended(entry: LedgerEntry): void {
    this.lastSeqOfRoot.set(entry.root, entry.seq);
  }

  /** The registrar's ledger as its own store holds it: links checked, the head's signature only (see appendStoredChain). */
  static fromOwnStore(publicKey: string, entries: readonly LedgerEntry[]): RootLedger {
    const ledger = new RootLedger(publicKey);
    ledger.appendStoredChain(entries);
    return ledger;
  }

  /** Signs and appends the entry for a new root; `change` says what changed (all but the genesis entry name it). */
  publishRoot(root: bigint, treeSize: number, time: Date, signer: LogSigner, change?: LedgerChange): LedgerEntry {
    return this.publish(rootPayload(root, treeSize, change), time, signer);
  }

  /** The entry for a new root, signed but not appended (see signNext). */
  signNextRoot(root: bigint, treeSize: number, time: Date, signer: LogSigner, change?: LedgerChange): LedgerEntry {
    return this.signNext(rootPayload(root, treeSize, change), time, signer);
  }

  /** The entry that last published `root`, and when it was replaced (if it was). */
  lookup(root: bigint): { entry: LedgerEntry; replacedAt?: Date } | undefined {
    const seq = this.lastSeqOfRoot.get(root.toString());
    if (seq === undefined) return undefined;
    const next = this.entry(seq + 1);
    return { entry: this.entry(seq)!, replacedAt: next ? new Date(next.time) : undefined };
  }

  /**
   * "current", "recent" (replaced less than `windowMs` ago), "expired" or "unknown".
   * The window counts from the replacement, not from publication (Semaphore issue #1093
   * counted from creation, cutting short the life of roots that were current for long).
   */
  rootStatus(root: bigint, now: number = Date.now(), windowMs: number = DEFAULT_ROOT_WINDOW_MS): RootStatus {
    const found = this.lookup(root);
    if (!found) return "unknown";
    if (found.replacedAt === undefined) return "current";
    return now - found.replacedAt.getTime() < windowMs ? "recent" : "expired";
  }

  isRootAccepted(root: bigint, now: number = Date.now(), windowMs: number = DEFAULT_ROOT_WINDOW_MS): boolean {
    const status = this.rootStatus(root, now, windowMs);
    return status === "current" || status === "recent";
  }

  /** Reads and fully verifies an exported ledger; with `expectedKey`, only that registrar's. */
  static fromJsonLines(text: string, expectedKey?: string): RootLedger {
    const { publicKey, entries } = SignedLog.parseJsonLines(LEDGER_KIND, text, expectedKey);
    return new RootLedger(publicKey, entries);
  }
}
