import { RealDidError } from "../errors.js";
import { checkLink, entryHash, type LedgerEntry, type LedgerSigner, parseEntry, signEntry } from "./ledger-entry.js";

/** How long a replaced root still proves (Semaphore and iden3 use one hour too). */
export const DEFAULT_ROOT_WINDOW_MS = 60 * 60 * 1000;

const FILE_FORMAT = "realdid-ledger/1";

export type RootStatus = "current" | "recent" | "expired" | "unknown";

/**
 * The append-only, hash-chained, signed log of registry roots. Every entry is checked
 * on the way in, so a RootLedger only ever holds a valid chain under one registrar key.
 */
export class RootLedger {
  private readonly entries: LedgerEntry[] = [];
  /** Latest position of each root: a root can only be judged by its last appearance. */
  private readonly lastSeqOfRoot = new Map<string, number>();

  constructor(
    readonly publicKey: string,
    entries: Iterable<LedgerEntry> = [],
  ) {
    if (!/^[0-9a-f]{64}$/.test(publicKey)) throw new RealDidError("ledger_wrong_key", "the registrar key must be 32 bytes of hex");
    for (const entry of entries) this.append(entry);
  }

  get length(): number {
    return this.entries.length;
  }

  get head(): LedgerEntry | undefined {
    return this.entries.at(-1);
  }

  entriesFrom(seq: number): LedgerEntry[] {
    return this.entries.slice(seq);
  }

  append(entry: LedgerEntry): void {
    checkLink(entry, this.head, this.publicKey);
    this.entries.push(entry);
    this.lastSeqOfRoot.set(entry.root, entry.seq);
  }

  /** Signs and appends the next entry. */
  publish(root: bigint, treeSize: number, time: Date, signer: LedgerSigner): LedgerEntry {
    if (signer.publicKey !== this.publicKey) throw new RealDidError("ledger_wrong_key", "the signing key is not this ledger's key");
    const head = this.head;
    const previousTime = head ? Date.parse(head.time) : 0;
    // Keep times monotonic even if the clock steps back.
    const when = new Date(Math.max(time.getTime(), previousTime)).toISOString();
    const entry = signEntry({ seq: this.length, root: root.toString(), treeSize, time: when, prevHash: head ? entryHash(head) : "0".repeat(64) }, signer);
    this.append(entry);
    return entry;
  }

  /**
   * Takes the entries another copy has beyond ours. Entries we already hold must be
   * identical: a different entry at the same position is a forked history.
   * Returns how many entries were added.
   */
  sync(theirs: readonly LedgerEntry[]): number {
    let added = 0;
    for (const entry of theirs) {
      if (entry.seq < this.length) {
        if (entryHash(entry) !== entryHash(this.entries[entry.seq])) {
          throw new RealDidError("ledger_fork", `entry ${entry.seq} differs from the one already accepted: the source's history was forked or rewritten`);
        }
      } else {
        this.append(entry);
        added++;
      }
    }
    return added;
  }

  /** The entry that last published `root`, and when it was replaced (if it was). */
  lookup(root: bigint): { entry: LedgerEntry; replacedAt?: Date } | undefined {
    const seq = this.lastSeqOfRoot.get(root.toString());
    if (seq === undefined) return undefined;
    const next = this.entries[seq + 1];
    return { entry: this.entries[seq], replacedAt: next ? new Date(next.time) : undefined };
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

  /** Header line with the registrar key, then one entry per line. */
  toJsonLines(): string {
    return [JSON.stringify({ format: FILE_FORMAT, publicKey: this.publicKey }), ...this.entries.map((e) => JSON.stringify(e))].join("\n") + "\n";
  }

  /**
   * Reads and fully verifies an exported ledger. With `expectedKey`, the file must be
   * signed by that registrar (a ledger re-signed with another key is refused).
   */
  static fromJsonLines(text: string, expectedKey?: string): RootLedger {
    const lines = text.split("\n").filter((line) => line.trim() !== "");
    const parse = (line: string, where: string) => {
      try {
        return JSON.parse(line);
      } catch {
        throw new RealDidError("ledger_malformed", `${where} is not valid JSON`);
      }
    };
    const header = lines.length > 0 ? parse(lines[0], "line 1") : undefined;
    if (header?.format !== FILE_FORMAT || typeof header.publicKey !== "string") {
      throw new RealDidError("ledger_malformed", `line 1 is not a ${FILE_FORMAT} header`);
    }
    if (expectedKey !== undefined && header.publicKey !== expectedKey) {
      throw new RealDidError("ledger_wrong_key", "the ledger is signed by another registrar key than the one expected");
    }
    const ledger = new RootLedger(header.publicKey);
    lines.slice(1).forEach((line, i) => ledger.append(parseEntry(parse(line, `line ${i + 2}`), `line ${i + 2}`)));
    return ledger;
  }
}
