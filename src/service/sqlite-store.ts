import { mkdirSync } from "node:fs";
import { join } from "node:path";
import Database from "better-sqlite3";
import { type RateLimiterAbstract, RateLimiterMemory } from "rate-limiter-flexible";
import { changeColumn, type LedgerEntry, ledgerEntryOfRow, type LedgerRow } from "../ledger/ledger-entry.js";
import { guarded } from "./store-errors.js";
import { type ChallengeClaim, type ChallengeRecord, claimFrom, OIDC_LOOKUP_COLUMNS, type OidcRecord, oidcPayload, type RateLimit, type StoredReceipt, type VerifierStore } from "./store.js";

const SCHEMA = `
CREATE TABLE IF NOT EXISTS challenges (challenge TEXT PRIMARY KEY, site TEXT NOT NULL, action TEXT, day TEXT NOT NULL, expires_at INTEGER NOT NULL, used_at INTEGER);
CREATE INDEX IF NOT EXISTS challenges_expires_at ON challenges (expires_at);
CREATE TABLE IF NOT EXISTS nullifiers (scope TEXT NOT NULL, nullifier TEXT NOT NULL, used_at INTEGER NOT NULL, PRIMARY KEY (scope, nullifier));
CREATE TABLE IF NOT EXISTS oidc_records (model TEXT NOT NULL, id TEXT NOT NULL, payload TEXT NOT NULL, grant_id TEXT, user_code TEXT, uid TEXT, expires_at INTEGER, consumed_at INTEGER, PRIMARY KEY (model, id));
CREATE INDEX IF NOT EXISTS oidc_records_grant_id ON oidc_records (grant_id);
CREATE INDEX IF NOT EXISTS oidc_records_uid ON oidc_records (model, uid);
CREATE INDEX IF NOT EXISTS oidc_records_user_code ON oidc_records (model, user_code);
CREATE INDEX IF NOT EXISTS oidc_records_expires_at ON oidc_records (expires_at);
CREATE TABLE IF NOT EXISTS receipts (id INTEGER PRIMARY KEY AUTOINCREMENT, site TEXT NOT NULL, did TEXT NOT NULL, time INTEGER NOT NULL, receipt TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS receipts_site_did ON receipts (site, did, time);
CREATE TABLE IF NOT EXISTS ledger_entries (seq INTEGER PRIMARY KEY, root TEXT NOT NULL, tree_size INTEGER NOT NULL, time TEXT NOT NULL, prev_hash TEXT NOT NULL, signature TEXT NOT NULL, change TEXT);
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
    // A store written before realdid-ledger/2: entries that name their change are signed with it.
    if (!(db.prepare("PRAGMA table_info(ledger_entries)").all() as { name: string }[]).some((column) => column.name === "change")) db.exec("ALTER TABLE ledger_entries ADD COLUMN change TEXT");
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

  saveOidcRecord(r: OidcRecord): Promise<void> {
    return guarded("storing a login record", () => {
      this.db
        .prepare(
          "INSERT INTO oidc_records (model, id, payload, grant_id, user_code, uid, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (model, id) DO UPDATE SET payload = excluded.payload, grant_id = excluded.grant_id, user_code = excluded.user_code, uid = excluded.uid, expires_at = excluded.expires_at",
        )
        .run(r.model, r.id, JSON.stringify(r.payload), r.grantId ?? null, r.userCode ?? null, r.uid ?? null, r.expiresAt?.getTime() ?? null);
    });
  }

  findOidcRecord(model: string, by: "id" | "uid" | "userCode", value: string, now: Date): Promise<Record<string, unknown> | undefined> {
    const column = OIDC_LOOKUP_COLUMNS[by];
    return guarded("reading a login record", () => {
      const row = this.db.prepare(`SELECT payload, consumed_at FROM oidc_records WHERE model = ? AND ${column} = ? AND (expires_at IS NULL OR expires_at > ?)`).get(model, value, now.getTime()) as
        | { payload: string; consumed_at: number | null }
        | undefined;
      return row && oidcPayload(row.payload, row.consumed_at === null ? undefined : new Date(row.consumed_at));
    });
  }

  consumeOidcRecord(model: string, id: string, now: Date): Promise<boolean> {
    return guarded("consuming a login record", () => this.db.prepare("UPDATE oidc_records SET consumed_at = ? WHERE model = ? AND id = ? AND consumed_at IS NULL").run(now.getTime(), model, id).changes === 1);
  }

  destroyOidcRecord(model: string, id: string): Promise<void> {
    return guarded("deleting a login record", () => void this.db.prepare("DELETE FROM oidc_records WHERE model = ? AND id = ?").run(model, id));
  }

  revokeOidcGrant(grantId: string): Promise<void> {
    return guarded("revoking a grant", () => void this.db.prepare("DELETE FROM oidc_records WHERE grant_id = ?").run(grantId));
  }

  pruneOidcRecords(before: Date): Promise<number> {
    return guarded("pruning login records", () => this.db.prepare("DELETE FROM oidc_records WHERE expires_at < ?").run(before.getTime()).changes);
  }

  addReceipt(r: StoredReceipt): Promise<void> {
    return guarded("storing a receipt", () => void this.db.prepare("INSERT INTO receipts (site, did, time, receipt) VALUES (?, ?, ?, ?)").run(r.site, r.did, r.time.getTime(), JSON.stringify(r.receipt)));
  }

  receipts(site: string, did: string): Promise<StoredReceipt[]> {
    return guarded("reading receipts", () =>
      (this.db.prepare("SELECT site, did, time, receipt FROM receipts WHERE site = ? AND did = ? ORDER BY time, id").all(site, did) as { site: string; did: string; time: number; receipt: string }[]).map((row) => ({
        site: row.site,
        did: row.did,
        time: new Date(row.time),
        receipt: JSON.parse(row.receipt),
      })),
    );
  }

  async ledgerEntries(): Promise<LedgerEntry[]> {
    const rows = this.db.prepare("SELECT seq, root, tree_size AS treeSize, time, prev_hash AS prevHash, signature, change FROM ledger_entries ORDER BY seq").all() as LedgerRow[];
    return rows.map((row) => ledgerEntryOfRow(row, `stored ledger entry ${row.seq}`));
  }

  addLedgerEntries(entries: readonly LedgerEntry[]): Promise<void> {
    const insert = this.db.prepare("INSERT INTO ledger_entries (seq, root, tree_size, time, prev_hash, signature, change) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (seq) DO NOTHING");
    return guarded("storing ledger entries", () => this.db.transaction(() => entries.forEach((e) => insert.run(e.seq, e.root, e.treeSize, e.time, e.prevHash, e.signature, changeColumn(e))))());
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
