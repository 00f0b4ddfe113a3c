import pg from "pg";
import { type RateLimiterAbstract, RateLimiterPostgres } from "rate-limiter-flexible";
import { changeColumn, type LedgerEntry, ledgerEntryOfRow } from "../ledger/ledger-entry.js";
import { Semaphore } from "./semaphore.js";
import { withClient } from "./postgres-client.js";
import { guarded } from "./store-errors.js";
import { type ChallengeClaim, type ChallengeRecord, claimFrom, OIDC_LOOKUP_COLUMNS, type OidcRecord, oidcPayload, type RateLimit, type StoredReceipt, type VerifierStore } from "./store.js";

const SCHEMA = `
CREATE TABLE IF NOT EXISTS realdid_challenges (challenge TEXT PRIMARY KEY, site TEXT NOT NULL, action TEXT, day TEXT NOT NULL, expires_at TIMESTAMPTZ NOT NULL, used_at TIMESTAMPTZ);
CREATE INDEX IF NOT EXISTS realdid_challenges_expires_at ON realdid_challenges (expires_at);
CREATE TABLE IF NOT EXISTS realdid_nullifiers (scope TEXT NOT NULL, nullifier TEXT NOT NULL, used_at TIMESTAMPTZ NOT NULL, PRIMARY KEY (scope, nullifier));
CREATE TABLE IF NOT EXISTS realdid_oidc_records (model TEXT NOT NULL, id TEXT NOT NULL, payload JSONB NOT NULL, grant_id TEXT, user_code TEXT, uid TEXT, expires_at TIMESTAMPTZ, consumed_at TIMESTAMPTZ, PRIMARY KEY (model, id));
CREATE INDEX IF NOT EXISTS realdid_oidc_records_grant_id ON realdid_oidc_records (grant_id);
CREATE INDEX IF NOT EXISTS realdid_oidc_records_uid ON realdid_oidc_records (model, uid);
CREATE INDEX IF NOT EXISTS realdid_oidc_records_user_code ON realdid_oidc_records (model, user_code);
CREATE INDEX IF NOT EXISTS realdid_oidc_records_expires_at ON realdid_oidc_records (expires_at);
CREATE TABLE IF NOT EXISTS realdid_receipts (id BIGSERIAL PRIMARY KEY, site TEXT NOT NULL, did TEXT NOT NULL, time TIMESTAMPTZ NOT NULL, receipt JSONB NOT NULL);
CREATE INDEX IF NOT EXISTS realdid_receipts_site_did ON realdid_receipts (site, did, time);
CREATE TABLE IF NOT EXISTS realdid_ledger_entries (seq INTEGER PRIMARY KEY, root TEXT NOT NULL, tree_size BIGINT NOT NULL, time TEXT NOT NULL, prev_hash TEXT NOT NULL, signature TEXT NOT NULL);
-- realdid-ledger/2: an entry's change ({kind, digest} as JSON) is signed with it.
ALTER TABLE realdid_ledger_entries ADD COLUMN IF NOT EXISTS change TEXT;
-- rate-limiter-flexible's own table, as it would create it: made here under the schema lock,
-- because two instances starting at once both ran its CREATE TABLE IF NOT EXISTS and one
-- failed on PostgreSQL's catalogue (a duplicate pg_type row).
CREATE TABLE IF NOT EXISTS realdid_rate_limits (key VARCHAR(255) PRIMARY KEY, points INTEGER NOT NULL DEFAULT 0, expire BIGINT);
`;
const SCHEMA_LOCK = 7415001;
/** Serialises challenge issuance while the cap is checked, so instances cannot overshoot it together. */
const CHALLENGE_CAP_LOCK = 7415002;
/** Pool connections per instance. */
const POOL_SIZE = 8;
/**
 * Challenge issuance per instance that may hold a connection at once: it waits on the
 * cap lock, and a burst must not take the connections claims, nullifiers, rate limits
 * and the readiness ping need.
 */
const CONCURRENT_CHALLENGE_ISSUES = 2;

export interface PostgresStoreOptions {
  /** Told about connections the server dropped while idle (pg's Pool `error` event); the pool replaces them by itself. */
  readonly onConnectionError?: (error: Error) => void;
}

/**
 * The scale-out store: several verifier instances behind a load balancer share one
 * PostgreSQL database. Claims are one conditional UPDATE and nullifiers a primary key,
 * so the database decides every race. While the database is down or restarting every
 * call fails fast with store_unavailable; the pool opens new connections once it is back.
 */
export class PostgresVerifierStore implements VerifierStore {
  private readonly issuing = new Semaphore(CONCURRENT_CHALLENGE_ISSUES);

  private constructor(private readonly pool: pg.Pool) {}

  static async open(connectionString: string, { onConnectionError }: PostgresStoreOptions = {}): Promise<PostgresVerifierStore> {
    // A short connect timeout and a query timeout: during an outage requests get a 503 in
    // seconds instead of hanging; with no `error` listener a dropped idle connection would
    // end the process (pg's Pool re-emits its clients' errors).
    const pool = new pg.Pool({ connectionString, max: POOL_SIZE, connectionTimeoutMillis: 3000, query_timeout: 10_000 });
    pool.on("error", (error) => onConnectionError?.(error));
    await withClient(pool, "opening", async (client) => {
      // Several instances may start at once: serialise the schema creation.
      await client.query("SELECT pg_advisory_lock($1)", [SCHEMA_LOCK]);
      await client.query(SCHEMA);
      await client.query("SELECT pg_advisory_unlock($1)", [SCHEMA_LOCK]);
    }).catch(async (error) => {
      await pool.end();
      throw error;
    });
    return new PostgresVerifierStore(pool);
  }

  private query(what: string, text: string, values?: unknown[]): Promise<pg.QueryResult> {
    return guarded(what, () => this.pool.query(text, values));
  }

  async addChallenge(r: ChallengeRecord, maxUnexpired = Number.MAX_SAFE_INTEGER): Promise<boolean> {
    return this.issuing.run(() => this.insertChallengeUnderCap(r, maxUnexpired));
  }

  private insertChallengeUnderCap(r: ChallengeRecord, maxUnexpired: number): Promise<boolean> {
    return withClient(this.pool, "issuing a challenge", async (client) => {
      // READ COMMITTED: the count, taken after the lock, must see what the last holder committed.
      await client.query("BEGIN ISOLATION LEVEL READ COMMITTED");
      await client.query("SELECT pg_advisory_xact_lock($1)", [CHALLENGE_CAP_LOCK]);
      const inserted = await client.query(
        "INSERT INTO realdid_challenges (challenge, site, action, day, expires_at) SELECT $1, $2, $3, $4, $5 WHERE (SELECT count(*) FROM realdid_challenges WHERE expires_at > now()) < $6",
        [r.challenge, r.site, r.action, r.day, r.expiresAt, maxUnexpired],
      );
      await client.query("COMMIT");
      return inserted.rowCount === 1;
    });
  }

  async claimChallenge(challenge: string, now: Date): Promise<ChallengeClaim> {
    const claimed = await this.query("claiming a challenge", "UPDATE realdid_challenges SET used_at = $1 WHERE challenge = $2 AND used_at IS NULL RETURNING challenge, site, action, day, expires_at", [now, challenge]);
    const row = claimed.rows[0];
    const existing = row ? undefined : (await this.query("claiming a challenge", "SELECT expires_at FROM realdid_challenges WHERE challenge = $1", [challenge])).rows[0];
    return claimFrom(row && { challenge: row.challenge, site: row.site, action: row.action, day: row.day, expiresAt: new Date(row.expires_at) }, existing && { expiresAt: new Date(existing.expires_at) }, now);
  }

  async pruneChallenges(before: Date): Promise<number> {
    return (await this.query("pruning challenges", "DELETE FROM realdid_challenges WHERE expires_at < $1", [before])).rowCount ?? 0;
  }

  async addNullifier(scope: string, nullifier: string, now: Date): Promise<boolean> {
    const result = await this.query("recording a nullifier", "INSERT INTO realdid_nullifiers (scope, nullifier, used_at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING", [scope, nullifier, now]);
    return result.rowCount === 1;
  }

  async saveOidcRecord(r: OidcRecord): Promise<void> {
    await this.query(
      "storing a login record",
      "INSERT INTO realdid_oidc_records (model, id, payload, grant_id, user_code, uid, expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (model, id) DO UPDATE SET payload = EXCLUDED.payload, grant_id = EXCLUDED.grant_id, user_code = EXCLUDED.user_code, uid = EXCLUDED.uid, expires_at = EXCLUDED.expires_at",
      [r.model, r.id, JSON.stringify(r.payload), r.grantId ?? null, r.userCode ?? null, r.uid ?? null, r.expiresAt ?? null],
    );
  }

  async findOidcRecord(model: string, by: "id" | "uid" | "userCode", value: string, now: Date): Promise<Record<string, unknown> | undefined> {
    const column = OIDC_LOOKUP_COLUMNS[by];
    const result = await this.query("reading a login record", `SELECT payload::text AS payload, consumed_at FROM realdid_oidc_records WHERE model = $1 AND ${column} = $2 AND (expires_at IS NULL OR expires_at > $3)`, [model, value, now]);
    const row = result.rows[0];
    return row && oidcPayload(row.payload, row.consumed_at === null ? undefined : new Date(row.consumed_at));
  }

  async consumeOidcRecord(model: string, id: string, now: Date): Promise<boolean> {
    const result = await this.query("consuming a login record", "UPDATE realdid_oidc_records SET consumed_at = $1 WHERE model = $2 AND id = $3 AND consumed_at IS NULL", [now, model, id]);
    return result.rowCount === 1;
  }

  async destroyOidcRecord(model: string, id: string): Promise<void> {
    await this.query("deleting a login record", "DELETE FROM realdid_oidc_records WHERE model = $1 AND id = $2", [model, id]);
  }

  async revokeOidcGrant(grantId: string): Promise<void> {
    await this.query("revoking a grant", "DELETE FROM realdid_oidc_records WHERE grant_id = $1", [grantId]);
  }

  async pruneOidcRecords(before: Date): Promise<number> {
    return (await this.query("pruning login records", "DELETE FROM realdid_oidc_records WHERE expires_at < $1", [before])).rowCount ?? 0;
  }

  async addReceipt(r: StoredReceipt): Promise<void> {
    await this.query("storing a receipt", "INSERT INTO realdid_receipts (site, did, time, receipt) VALUES ($1, $2, $3, $4)", [r.site, r.did, r.time, JSON.stringify(r.receipt)]);
  }

  async receipts(site: string, did: string): Promise<StoredReceipt[]> {
    const result = await this.query("reading receipts", "SELECT site, did, time, receipt FROM realdid_receipts WHERE site = $1 AND did = $2 ORDER BY time, id", [site, did]);
    return result.rows.map((row) => ({ site: row.site, did: row.did, time: new Date(row.time), receipt: row.receipt }));
  }

  async ledgerEntries(): Promise<LedgerEntry[]> {
    const result = await this.query("reading the ledger", "SELECT seq, root, tree_size, time, prev_hash, signature, change FROM realdid_ledger_entries ORDER BY seq");
    return result.rows.map((r) => ledgerEntryOfRow({ seq: r.seq, root: r.root, treeSize: Number(r.tree_size), time: r.time, prevHash: r.prev_hash, signature: r.signature, change: r.change }, `stored ledger entry ${r.seq}`));
  }

  async addLedgerEntries(entries: readonly LedgerEntry[]): Promise<void> {
    for (const e of entries) {
      await this.query("storing ledger entries", "INSERT INTO realdid_ledger_entries (seq, root, tree_size, time, prev_hash, signature, change) VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (seq) DO NOTHING", [e.seq, e.root, e.treeSize, e.time, e.prevHash, e.signature, changeColumn(e)]);
    }
  }

  async ping(): Promise<void> {
    await this.query("health check", "SELECT 1");
  }

  /** Counters in one table every instance updates atomically (rate-limiter-flexible's upsert). */
  rateLimiter(name: string, { points, seconds }: RateLimit): Promise<RateLimiterAbstract> {
    return guarded(
      "creating the rate-limit table",
      () =>
        new Promise<RateLimiterAbstract>((resolve, reject) => {
          const limiter: RateLimiterPostgres = new RateLimiterPostgres({ storeClient: this.pool, storeType: "pool", tableName: "realdid_rate_limits", keyPrefix: name, points, duration: seconds }, (error?: Error) =>
            error ? reject(error) : resolve(limiter),
          );
        }),
    );
  }

  async close(): Promise<void> {
    await this.pool.end();
  }
}
