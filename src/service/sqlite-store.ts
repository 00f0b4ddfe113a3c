import { mkdirSync } from "node:fs";
import { join } from "node:path";
import Database from "better-sqlite3";
import { type RateLimiterAbstract, RateLimiterMemory } from "rate-limiter-flexible";
import type { LedgerEntry } from "../ledger/ledger-entry.js";
import { guarded } from "./store-errors.js";
import { type ChallengeClaim, type ChallengeRecord, claimFrom, type RateLimit, type VerifierStore } from "./store.js";

const SCHEMA = `
CREATE TABLE IF NOT EXISTS challenges (challenge TEXT PRIMARY KEY, site TEXT NOT NULL, action TEXT, day TEXT NOT NULL, expires_at INTEGER NOT NULL, used_at INTEGER);
CREATE INDEX IF NOT EXISTS challenges_expires_at ON challenges (expires_at);
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

/**
 * The embedded store: one SQLite file in the service's data folder (WAL, synchronous FULL).
 * A busy, locked, full or failing file is store_unavailable; rate limits count in this
 * process (one instance owns an embedded store).
 */
export class SqliteVerifierStore implements VerifierStore {
  private constructor(private readonly db: Database.Database) {}

  static open(dataDir: string): SqliteVerifierStore {
    mkdirSync(dataDir, { recursive: true });
    const db = new Database(join(dataDir, "verifier.sqlite"));
    db.pragma("journal_mode = WAL");
    db.pragma("synchronous = FULL"); // an accepted nullifier must survive a crash
    // better-sqlite3 waits synchronously: a long busy timeout would stall the whole event loop (/livez included).
    db.pragma("busy_timeout = 200");
    db.exec(SCHEMA);
    return new SqliteVerifierStore(db);
  }

  async addChallenge(r: ChallengeRecord, maxUnexpired = Number.MAX_SAFE_INTEGER): Promise<boolean> {
    return guarded("issuing a challenge", () => {
      // One statement, so the count and the insert are one atomic step.
      const insert = this.db.prepare("INSERT INTO challenges (challenge, site, action, day, expires_at) SELECT ?, ?, ?, ?, ? WHERE (SELECT count(*) FROM challenges WHERE expires_at > ?) < ?");
      return insert.run(r.challenge, r.site, r.action, r.day, r.expiresAt.getTime(), Date.now(), maxUnexpired).changes === 1;
    });
  }

  claimChallenge(challenge: string, now: Date): Promise<ChallengeClaim> {
    return guarded("claiming a challenge", () => this.claim(challenge, now));
  }

  private claim(challenge: string, now: Date): ChallengeClaim {
    const claimed = this.db.prepare("UPDATE challenges SET used_at = ? WHERE challenge = ? AND used_at IS NULL RETURNING *").get(now.getTime(), challenge) as ChallengeRow | undefined;
    const existing = claimed ? undefined : (this.db.prepare("SELECT expires_at FROM challenges WHERE challenge = ?").get(challenge) as { expires_at: number } | undefined);
    return claimFrom(claimed && toRecord(claimed), existing && { expiresAt: new Date(existing.expires_at) }, now);
  }

  pruneChallenges(before: Date): Promise<number> {
    return guarded("pruning challenges", () => this.db.prepare("DELETE FROM challenges WHERE expires_at < ?").run(before.getTime()).changes);
  }

  addNullifier(scope: string, nullifier: string, now: Date): Promise<boolean> {
    return guarded("recording a nullifier", () => this.db.prepare("INSERT INTO nullifiers (scope, nullifier, used_at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING").run(scope, nullifier, now.getTime()).changes === 1);
  }

  async ledgerEntries(): Promise<LedgerEntry[]> {
    return this.db.prepare("SELECT seq, root, tree_size AS treeSize, time, prev_hash AS prevHash, signature FROM ledger_entries ORDER BY seq").all() as LedgerEntry[];
  }

  addLedgerEntries(entries: readonly LedgerEntry[]): Promise<void> {
    const insert = this.db.prepare("INSERT INTO ledger_entries (seq, root, tree_size, time, prev_hash, signature) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (seq) DO NOTHING");
    return guarded("storing ledger entries", () => this.db.transaction(() => entries.forEach((e) => insert.run(e.seq, e.root, e.treeSize, e.time, e.prevHash, e.signature)))());
  }

  ping(): Promise<void> {
    return guarded("health check", () => void this.db.prepare("SELECT 1").get());
  }

  async rateLimiter(name: string, { points, seconds }: RateLimit): Promise<RateLimiterAbstract> {
    return new RateLimiterMemory({ keyPrefix: name, points, duration: seconds });
  }

  async close(): Promise<void> {
    this.db.close();
  }
}
