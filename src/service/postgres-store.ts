import pg from "pg";
import type { LedgerEntry } from "../ledger/ledger-entry.js";
import { type ChallengeClaim, type ChallengeRecord, claimFrom, type VerifierStore } from "./store.js";

const SCHEMA = `
CREATE TABLE IF NOT EXISTS realdid_challenges (challenge TEXT PRIMARY KEY, site TEXT NOT NULL, action TEXT, day TEXT NOT NULL, expires_at TIMESTAMPTZ NOT NULL, used_at TIMESTAMPTZ);
CREATE TABLE IF NOT EXISTS realdid_nullifiers (scope TEXT NOT NULL, nullifier TEXT NOT NULL, used_at TIMESTAMPTZ NOT NULL, PRIMARY KEY (scope, nullifier));
CREATE TABLE IF NOT EXISTS realdid_ledger_entries (seq INTEGER PRIMARY KEY, root TEXT NOT NULL, tree_size BIGINT NOT NULL, time TEXT NOT NULL, prev_hash TEXT NOT NULL, signature TEXT NOT NULL);
`;

/**
 * The scale-out store: several verifier instances behind a load balancer share one
 * PostgreSQL database. Claims are one conditional UPDATE and nullifiers a primary key,
 * so the database decides every race.
 */
export class PostgresVerifierStore implements VerifierStore {
  private constructor(private readonly pool: pg.Pool) {}

  static async open(connectionString: string): Promise<PostgresVerifierStore> {
    const pool = new pg.Pool({ connectionString, max: 8 });
    const client = await pool.connect();
    try {
      // Several instances may start at once: serialise the schema creation.
      await client.query("SELECT pg_advisory_lock(7415001)");
      await client.query(SCHEMA);
      await client.query("SELECT pg_advisory_unlock(7415001)");
    } finally {
      client.release();
    }
    return new PostgresVerifierStore(pool);
  }

  async addChallenge(r: ChallengeRecord): Promise<void> {
    await this.pool.query("INSERT INTO realdid_challenges (challenge, site, action, day, expires_at) VALUES ($1, $2, $3, $4, $5)", [r.challenge, r.site, r.action, r.day, r.expiresAt]);
  }

  async claimChallenge(challenge: string, now: Date): Promise<ChallengeClaim> {
    const claimed = await this.pool.query("UPDATE realdid_challenges SET used_at = $1 WHERE challenge = $2 AND used_at IS NULL RETURNING challenge, site, action, day, expires_at", [now, challenge]);
    const row = claimed.rows[0];
    const existing = row ? undefined : (await this.pool.query("SELECT expires_at FROM realdid_challenges WHERE challenge = $1", [challenge])).rows[0];
    return claimFrom(row && { challenge: row.challenge, site: row.site, action: row.action, day: row.day, expiresAt: new Date(row.expires_at) }, existing && { expiresAt: new Date(existing.expires_at) }, now);
  }

  async pruneChallenges(before: Date): Promise<number> {
    return (await this.pool.query("DELETE FROM realdid_challenges WHERE expires_at < $1", [before])).rowCount ?? 0;
  }

  async addNullifier(scope: string, nullifier: string, now: Date): Promise<boolean> {
    const result = await this.pool.query("INSERT INTO realdid_nullifiers (scope, nullifier, used_at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING", [scope, nullifier, now]);
    return result.rowCount === 1;
  }

  async ledgerEntries(): Promise<LedgerEntry[]> {
    const result = await this.pool.query("SELECT seq, root, tree_size, time, prev_hash, signature FROM realdid_ledger_entries ORDER BY seq");
    return result.rows.map((r) => ({ seq: r.seq, root: r.root, treeSize: Number(r.tree_size), time: r.time, prevHash: r.prev_hash, signature: r.signature }));
  }

  async addLedgerEntries(entries: readonly LedgerEntry[]): Promise<void> {
    for (const e of entries) {
      await this.pool.query("INSERT INTO realdid_ledger_entries (seq, root, tree_size, time, prev_hash, signature) VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (seq) DO NOTHING", [e.seq, e.root, e.treeSize, e.time, e.prevHash, e.signature]);
    }
  }

  async close(): Promise<void> {
    await this.pool.end();
  }
}
