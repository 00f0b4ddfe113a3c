import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { RealDidError } from "../errors.js";
import { ensureFolder, writeAtomically } from "../files.js";
import { RootLedger } from "../ledger/root-ledger.js";
import { ledgerSource } from "../service/ledger-source.js";

const LEDGER_FILE = "ledger.jsonl";
/** When the ledger was last pulled, said explicitly: a file's modification time changes when a folder is copied or restored. */
const SYNCED_AT_FILE = "ledger-synced-at.txt";

/**
 * The desk's copy of the registrar's ledger, in its data folder (the registrar's own export
 * format): read and verified at start, then extended by sync() from the registrar, each new
 * entry checked before it is written. A registrar whose history forks from ours is refused
 * (the desk keeps what it had). A desk that cannot reach the registrar serves its last copy.
 */
export class DeskLedger {
  private constructor(
    private ledgerNow: RootLedger,
    private readonly file: string,
    private readonly location: string,
    public syncedAt: Date | undefined,
  ) {}

  static open(dataDir: string, registrar: { ledger: string; key: string }): DeskLedger {
    ensureFolder(dataDir);
    const file = join(dataDir, LEDGER_FILE);
    if (!existsSync(file)) return new DeskLedger(new RootLedger(registrar.key), file, registrar.ledger, undefined);
    const ledger = RootLedger.fromJsonLines(readFileSync(file, "utf8"), registrar.key);
    const syncedAtFile = join(dataDir, SYNCED_AT_FILE);
    const syncedAt = existsSync(syncedAtFile) ? new Date(readFileSync(syncedAtFile, "utf8").trim()) : undefined;
    return new DeskLedger(ledger, file, registrar.ledger, syncedAt !== undefined && !Number.isNaN(syncedAt.getTime()) ? syncedAt : undefined);
  }

  get ledger(): RootLedger {
    return this.ledgerNow;
  }

  /** Pulls the entries the registrar has beyond ours; returns how many were added. */
  async sync(): Promise<number> {
    const source = ledgerSource(this.location);
    const from = Math.max(0, this.ledgerNow.length - 1); // overlap one: a rewritten head is a fork too
    const theirs = await source.entriesFrom(from);
    const copy = new RootLedger(this.ledgerNow.publicKey, this.ledgerNow.entriesFrom(0));
    try {
      copy.sync(theirs);
    } catch (error) {
      if ((error as RealDidError).code === "log_fork") throw new RealDidError("log_rollback", `the registrar at ${this.location} diverges from the ledger this desk verified: ${(error as Error).message}; keeping the ${copy.length} entries already verified`);
      throw error;
    }
    if (this.ledgerNow.length > 0 && theirs.length === 0) throw new RealDidError("log_rollback", `the registrar at ${this.location} has fewer entries than the ${this.ledgerNow.length} this desk verified`);
    const added = copy.length - this.ledgerNow.length;
    writeAtomically(this.file, copy.toJsonLines());
    this.ledgerNow = copy;
    this.syncedAt = new Date();
    writeAtomically(join(dirname(this.file), SYNCED_AT_FILE), `${this.syncedAt.toISOString()}\n`);
    return added;
  }
}
