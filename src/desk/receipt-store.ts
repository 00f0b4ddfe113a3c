import { join } from "node:path";
import Database from "better-sqlite3";
import { RealDidError } from "../errors.js";
import { ensureFolder } from "../files.js";
import type { DeskReceipt } from "./desk-receipt.js";

// One receipt per code and person: a Groth16 proof can be re-randomised by anyone, so the same visit may come with another proof (and id).
const SCHEMA = "CREATE TABLE IF NOT EXISTS receipts (id TEXT PRIMARY KEY, code TEXT NOT NULL, did TEXT NOT NULL, time TEXT NOT NULL, received_at TEXT NOT NULL, receipt TEXT NOT NULL, UNIQUE (code, did))";

/** The desk's receipts for the regulator: one SQLite file in its data folder; a visit (code and DID) is stored once. */
export class DeskReceiptStore {
  private constructor(private readonly db: Database.Database) {}

  /** The store in `dataDir`, created there unless `mustExist` (an export reads a desk's store, never makes an empty one). */
  static open(dataDir: string, { mustExist = false } = {}): DeskReceiptStore {
    const file = join(dataDir, "desk.sqlite");
    if (!mustExist) ensureFolder(dataDir);
    let db: Database.Database;
    try {
      db = new Database(file, { fileMustExist: mustExist });
    } catch (error) {
      throw new RealDidError("file_not_found", `no desk receipts in ${dataDir}: ${file} cannot be opened (${(error as Error).message})`);
    }
    db.pragma("journal_mode = WAL");
    db.pragma("synchronous = FULL");
    db.exec(SCHEMA);
    return new DeskReceiptStore(db);
  }

  /** Stores a receipt; false when it or another of the same visit is already stored (an upload repeated). */
  add(receipt: DeskReceipt, receivedAt = new Date()): boolean {
    const { changes } = this.db
      .prepare("INSERT INTO receipts (id, code, did, time, received_at, receipt) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING")
      .run(receipt.id, receipt.code, receipt.did, receipt.time, receivedAt.toISOString(), JSON.stringify(receipt));
    return changes === 1;
  }

  get(id: string): DeskReceipt | undefined {
    const row = this.db.prepare("SELECT receipt FROM receipts WHERE id = ?").get(id) as { receipt: string } | undefined;
    return row === undefined ? undefined : (JSON.parse(row.receipt) as DeskReceipt);
  }

  /**
   * Stored receipts, as stored (JSON text, for the caller to parse), in the order the desk server received
   * them, from `since` (an ISO time) on. By receipt time the page's offline verifications
   * uploaded late would be missed by an export that runs from the last one's time.
   */
  receivedSince(since = ""): { id: string; receivedAt: string; stored: string }[] {
    const rows = this.db.prepare("SELECT id, received_at, receipt FROM receipts WHERE received_at >= ? ORDER BY received_at, id").all(since) as { id: string; received_at: string; receipt: string }[];
    return rows.map((row) => ({ id: row.id, receivedAt: row.received_at, stored: row.receipt }));
  }

  count(): number {
    return (this.db.prepare("SELECT count(*) AS n FROM receipts").get() as { n: number }).n;
  }

  close(): void {
    this.db.close();
  }
}
