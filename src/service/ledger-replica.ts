import { RealDidError } from "../errors.js";
import { RootLedger } from "../ledger/root-ledger.js";
import type { LedgerSource } from "./ledger-source.js";
import type { VerifierStore } from "./store.js";

/** A source that answered a shorter or different history than the one already verified. */
export interface LedgerRollback {
  readonly detectedAt: string;
  /** Entries we had verified (and keep). */
  readonly ourEntries: number;
  readonly message: string;
}

export interface ReplicaOptions {
  /**
   * A proof whose root is unknown pulls at most once per this interval (however many such
   * proofs arrive): unknown roots cost a pull, and anyone can send them.
   */
  readonly unknownRootPullIntervalMs: number;
  /** Each pull from the source, as it starts. */
  readonly onPull?: () => void;
  readonly onRollback?: (rollback: LedgerRollback) => void;
}

/**
 * The verifier's copy of the registrar's root ledger: loaded from the store, pulled
 * from the source, every new entry checked (chain and signature) before it is stored.
 * One pull at a time. A source whose history is shorter than ours or forks from it is a
 * rollback: refused, reported (`rollback`, onRollback), and the replica keeps what it had.
 */
export class LedgerReplica {
  private syncing: Promise<number> | undefined;
  private timer: NodeJS.Timeout | undefined;
  private lastPullStarted = Number.NEGATIVE_INFINITY;
  lastError: string | undefined;
  /** The last rollback seen, until the source answers our history again. */
  rollback: LedgerRollback | undefined;
  /** Entries already in the store: those after it are written at the next pull if a write failed. */
  private stored: number;

  private constructor(
    readonly ledger: RootLedger,
    private readonly store: VerifierStore,
    private readonly source: LedgerSource,
    private readonly options: ReplicaOptions,
  ) {
    this.stored = ledger.length;
  }

  static async open(store: VerifierStore, source: LedgerSource, registrarKey: string | undefined, options: ReplicaOptions = { unknownRootPullIntervalMs: 5000 }): Promise<LedgerReplica> {
    const key = registrarKey ?? source.localKey;
    if (key === undefined) throw new RealDidError("invalid_argument", `ledger.registrarKey is required for ledger source ${source.description}`);
    if (source.localKey !== undefined && source.localKey !== key) throw new RealDidError("log_wrong_key", `the registrar at ${source.description} signs with another key than ledger.registrarKey`);
    return new LedgerReplica(new RootLedger(key, await store.ledgerEntries()), store, source, options);
  }

  /** Pulls new entries; concurrent callers share one pull. Returns how many were added. */
  sync(): Promise<number> {
    this.syncing ??= this.pull().finally(() => (this.syncing = undefined));
    return this.syncing;
  }

  /**
   * For a proof with a root we do not know: joins the pull under way, or pulls unless the
   * last pull started less than unknownRootPullIntervalMs ago (then it adds nothing).
   */
  syncForUnknownRoot(): Promise<number> {
    if (this.syncing === undefined && Date.now() - this.lastPullStarted < this.options.unknownRootPullIntervalMs) return Promise.resolve(0);
    return this.sync();
  }

  private async pull(): Promise<number> {
    this.lastPullStarted = Date.now();
    this.options.onPull?.();
    const before = this.ledger.length;
    let failure: unknown;
    try {
      const from = Math.max(0, before - 1); // overlap one entry: a rewritten head is a fork too
      const theirs = await this.source.entriesFrom(from);
      if (before > 0 && theirs.length === 0) throw this.rolledBack(`the source ${this.source.description} has fewer than the ${before} entries already verified`);
      if (theirs.length > 0 && theirs[0].seq !== from) throw new RealDidError("log_malformed", `the source ${this.source.description} answered from entry ${theirs[0].seq} when asked from ${from}`);
      try {
        this.ledger.sync(theirs);
      } catch (error) {
        if ((error as RealDidError).code === "log_fork") throw this.rolledBack(`the source ${this.source.description} diverges from the verified history: ${(error as Error).message}`);
        throw error;
      }
      this.rollback = undefined;
    } catch (error) {
      failure = error;
    }
    // Entries verified before a bad one are kept: stored even when the pull failed later.
    // A failed write is retried at the next pull; the pull's own failure, if any, is the one reported.
    try {
      if (this.ledger.length > this.stored) {
        await this.store.addLedgerEntries(this.ledger.entriesFrom(this.stored));
        this.stored = this.ledger.length;
      }
    } catch (error) {
      failure ??= error;
    }
    if (failure !== undefined) {
      // Shown by the unauthenticated readiness check: a database's own words (host, user names) stay in the log the caller writes.
      this.lastError = (failure as RealDidError).code === "store_unavailable" ? "store_unavailable: the verified entries could not be stored" : (failure as Error).message;
      throw failure;
    }
    this.lastError = undefined;
    return this.ledger.length - before;
  }

  private rolledBack(message: string): RealDidError {
    this.rollback = { detectedAt: new Date().toISOString(), ourEntries: this.ledger.length, message };
    this.options.onRollback?.(this.rollback);
    return new RealDidError("log_rollback", `${message}; keeping the ${this.ledger.length} entries already verified`);
  }

  startPolling(intervalMs: number, onError: (message: string) => void): void {
    this.timer = setInterval(() => this.sync().catch((error) => onError((error as Error).message)), intervalMs);
    this.timer.unref();
  }

  stopPolling(): void {
    clearInterval(this.timer);
  }
}
