import { mkdirSync } from "node:fs";
import { join } from "node:path";
import Database from "better-sqlite3";
import type { LedgerEntry } from "../ledger/ledger-entry.js";
import { type ChallengeClaim, type ChallengeRecord, claimFrom, type VerifierStore } from "./store.js";

const SCHEMA = `
CREATE TABLE IF NOT EXISTS challenges (challenge TEXT PRIMARY KEY, site TEXT NOT NULL, action TEXT, day TEXT NOT NULL, expires_at INTEGER NOT NULL, used_at INTEGER);
CREATE TABLE IF NOT EXISTS nullifiers (scope TEXT NOT NULL, nullifier TEXT NOT NULL, used_at INTEGER NOT NULL, PRIMARY KEY (scope, nullifier));
CREATE TABLE IF NOT EXISTS ledger_entries (seq INTEGER PRIMARY KEY, root TEXT NOT NULL, tree_size INTEGER NOT NULL, time TEXT NOT NULL, prev_hash TEXT NOT NULL, signature TEXT NOT NULL);
`;

interface ChallengeRow {
  challenge: string;
  site: string;
  action: string | null;
  day: string;
  expires_at: number;
}
const toRecord = (row: ChallengeRow): ChallengeRecord => ({ challenge: row.challenge, site: row.site, action: row.action, day: row.day, expiresAt: new Date(row.expires_at) });

/** The embedded store: one SQLite file in the service's data folder (WAL, synchronous FULL). */
export class SqliteVerifierStore implements VerifierStore {
  private constructor(private readonly db: Database.Database) {}

  static open(dataDir: string): SqliteVerifierStore {
    mkdirSync(dataDir, { recursive: true });
    const db = new Database(join(dataDir, "verifier.sqlite"));
    db.pragma("journal_mode = WAL");
    db.pragma("synchronous = FULL"); // an accepted nullifier must survive a crash
    db.pragma("busy_timeout = 5000");
    db.exec(SCHEMA);
    return new SqliteVerifierStore(db);
  }

  async addChallenge(r: ChallengeRecord): Promise<void> {
    this.db.prepare("INSERT INTO challenges (challenge, site, action, day, expires_at) VALUES (?, ?, ?, ?, ?)").run(r.challenge, r.site, r.action, r.day, r.expiresAt.getTime());
  }

  async claimChallenge(challenge: string, now: Date): Promise<ChallengeClaim> {
    const claimed = this.db.prepare("UPDATE challenges SET used_at = ? WHERE challenge = ? AND used_at IS NULL RETURNING *").get(now.getTime(), challenge) as ChallengeRow | undefined;
    const existing = claimed ? undefined : (this.db.prepare("SELECT expires_at FROM challenges WHERE challenge = ?").get(challenge) as { expires_at: number } | undefined);
    return claimFrom(claimed && toRecord(claimed), existing && { expiresAt: new Date(existing.expires_at) }, now);
  }

  async pruneChallenges(before: Date): Promise<number> {
    return this.db.prepare("DELETE FROM challenges WHERE expires_at < ?").run(before.getTime()).changes;
  }

  async addNullifier(scope: string, nullifier: string, now: Date): Promise<boolean> {
    return this.db.prepare("INSERT INTO nullifiers (scope, nullifier, used_at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING").run(scope, nullifier, now.getTime()).changes === 1;
  }

  async ledgerEntries(): Promise<LedgerEntry[]> {
    return this.db.prepare("SELECT seq, root, tree_size AS treeSize, time, prev_hash AS prevHash, signature FROM ledger_entries ORDER BY seq").all() as LedgerEntry[];
  }

  async addLedgerEntries(entries: readonly LedgerEntry[]): Promise<void> {
    const insert = this.db.prepare("INSERT INTO ledger_entries (seq, root, tree_size, time, prev_hash, signature) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (seq) DO NOTHING");
    this.db.transaction(() => entries.forEach((e) => insert.run(e.seq, e.root, e.treeSize, e.time, e.prevHash, e.signature)))();
  }

  async close(): Promise<void> {
    this.db.close();
  }
}
