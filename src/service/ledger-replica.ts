import { RealDidError } from "../errors.js";
import { RootLedger } from "../ledger/root-ledger.js";
import type { LedgerSource } from "./ledger-source.js";
import type { VerifierStore } from "./store.js";

/**
 * The verifier's copy of the registrar's root ledger: loaded from the store, pulled
 * from the source, every new entry checked (chain and signature) before it is stored.
 * A forked or re-signed history is refused and the replica keeps what it had.
 */
export class LedgerReplica {
  private syncing: Promise<number> | undefined;
  private timer: NodeJS.Timeout | undefined;
  lastError: string | undefined;

  private constructor(
    readonly ledger: RootLedger,
    private readonly store: VerifierStore,
    private readonly source: LedgerSource,
  ) {}

  static async open(store: VerifierStore, source: LedgerSource, registrarKey: string | undefined): Promise<LedgerReplica> {
    const key = registrarKey ?? source.localKey;
    if (key === undefined) throw new RealDidError("invalid_argument", `ledger.registrarKey is required for ledger source ${source.description}`);
    if (source.localKey !== undefined && source.localKey !== key) throw new RealDidError("log_wrong_key", `the registrar at ${source.description} signs with another key than ledger.registrarKey`);
    return new LedgerReplica(new RootLedger(key, await store.ledgerEntries()), store, source);
  }

  /** Pulls new entries; concurrent callers share one pull. Returns how many were added. */
  sync(): Promise<number> {
    this.syncing ??= this.pull().finally(() => (this.syncing = undefined));
    return this.syncing;
  }

  private async pull(): Promise<number> {
    try {
      const theirs = await this.source.entriesFrom(Math.max(0, this.ledger.length - 1)); // overlap one entry: a rewritten head is a fork too
      const before = this.ledger.length;
      this.ledger.sync(theirs);
      await this.store.addLedgerEntries(this.ledger.entriesFrom(before));
      this.lastError = undefined;
      return this.ledger.length - before;
    } catch (error) {
      this.lastError = (error as Error).message;
      throw error;
    }
  }

  startPolling(intervalMs: number, onError: (message: string) => void): void {
    this.timer = setInterval(() => this.sync().catch((error) => onError((error as Error).message)), intervalMs);
    this.timer.unref();
  }

  stopPolling(): void {
    clearInterval(this.timer);
  }
}
