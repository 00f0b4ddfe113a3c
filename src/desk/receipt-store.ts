import { join } from "node:path";
import Database from "better-sqlite3";
import { ensureFolder } from "../files.js";
import type { DeskReceipt } from "./desk-receipt.js";

// One receipt per code and person: a Groth16 proof can be re-randomised by anyone, so the same visit may come with another proof (and id).
const SCHEMA = "CREATE TABLE IF NOT EXISTS receipts (id TEXT PRIMARY KEY, code TEXT NOT NULL, did TEXT NOT NULL, time TEXT NOT NULL, received_at TEXT NOT NULL, receipt TEXT NOT NULL, UNIQUE (code, did))";

/** The desk's receipts for the regulator: one SQLite file in its data folder; a visit (code and DID) is stored once. */
export class DeskReceiptStore {
  private constructor(private readonly db: Database.Database) {}

  static open(dataDir: string): DeskReceiptStore {
    ensureFolder(dataDir);
    const db = new Database(join(dataDir, "desk.sqlite"));
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

  count(): number {
    return (this.db.prepare("SELECT count(*) AS n FROM receipts").get() as { n: number }).n;
  }

  close(): void {
    this.db.close();
  }
}
