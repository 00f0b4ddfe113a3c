import pg from "pg";
import { RealDidError } from "../errors.js";
import { withClient } from "../service/postgres-client.js";
import { SHARD_SLOTS } from "../registry/province-shards.js";
import type { RegistrarDatabase, SqlTransaction, SqlValue, WriteTransaction } from "./registrar-database.js";
import { POSTGRES_SCHEMA, POSTGRES_SCHEMA_NAME, POSTGRES_SCHEMA_VERSION } from "./store-schema.js";

/** Serialises schema creation when several front ends start at once. */
const SCHEMA_LOCK = 7415101;
/** The one writer of the registrar's tree and ledger at a time, across every front end (a transaction-level advisory lock). */
const WRITER_LOCK = 7415102;
/** With a province shard's slot as the second key: the one writer of that shard's records and subtree at a time. */
const SHARD_LOCK = 7415103;
/** Shard locks in ascending order (unnest keeps the array's order), always before the writer's lock: two writers never wait on each other in a circle. */
const LOCK_SHARDS = `SELECT pg_advisory_xact_lock(${SHARD_LOCK}, slot) FROM unnest($1::int[]) AS slot`;
const LOCK_WRITER = `SELECT pg_advisory_xact_lock(${WRITER_LOCK})`;
/** unique_violation: two front ends enrolled the same person (or enterprise) at once, in different shards. */
const UNIQUE_VIOLATION = "23505";
const POOL_SIZE = 4;
/** Parameters per statement (PostgreSQL takes at most 65,535). */
const MAX_PARAMETERS = 30_000;

/** BIGINT (int8) columns as numbers, not pg's default strings: leaf indexes, sequence numbers and counts stay below 2^53. */
const INT8_OID = 20;
const TYPES = { getTypeParser: (oid: number, format?: "text" | "binary") => (oid === INT8_OID ? Number : pg.types.getTypeParser(oid, format as "text")) };

/** `?` placeholders numbered $1, $2, … (the statements are written once for both databases; none has a `?` in a literal). */
const numbered = new Map<string, string>();
function postgresText(sql: string): string {
  let text = numbered.get(sql);
  if (text === undefined) {
    let n = 0;
    text = sql.replace(/\?/g, () => `$${++n}`);
    numbered.set(sql, text);
  }
  return text;
}

/** The URL without its password, for messages. */
function redacted(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = "***";
    return parsed.href;
  } catch {
    throw new RealDidError("invalid_argument", "the registrar's database must be a postgres:// URL");
  }
}

function transactionOn(client: pg.PoolClient, exclusive: () => Promise<void>): WriteTransaction {
  const query = (sql: string, params: readonly SqlValue[] = []) => client.query({ text: postgresText(sql), values: params as SqlValue[], types: TYPES });
  return {
    exclusive,
    get: async <T>(sql: string, params?: readonly SqlValue[]) => (await query(sql, params)).rows[0] as T | undefined,
    all: async <T>(sql: string, params?: readonly SqlValue[]) => (await query(sql, params)).rows as T[],
    run: async (sql, params) => (await query(sql, params)).rowCount ?? 0,
    insertRows: async (table, columns, rows, conflict = "") => {
      const perStatement = Math.max(1, Math.floor(MAX_PARAMETERS / columns.length));
      for (let k = 0; k < rows.length; k += perStatement) {
        const chunk = rows.slice(k, k + perStatement);
        const values = chunk.map(() => `(${columns.map(() => "?").join(", ")})`).join(", ");
        await query(`INSERT INTO ${table} (${columns.join(", ")}) VALUES ${values} ${conflict}`, chunk.flat());
      }
    },
  };
}

/** A unique key taken by a writer of another shard between this one's check and its insert. */
function concurrentEnrollment(error: pg.DatabaseError): RealDidError {
  return new RealDidError("already_enrolled", `another registrar front end enrolled the same ${error.table === "enterprises" ? "enterprise" : "person"} at the same time (${error.constraint}): nothing of this batch was written`);
}

/**
 * The registrar's store in PostgreSQL (schema `realdid_registrar`), shared by several
 * registrar front ends: a change takes a transaction-level advisory lock first, so the
 * database, not timing, makes writers of the tree and the ledger take turns, and each
 * writer reads the last one's commit (READ COMMITTED) before it appends. A read is one
 * REPEATABLE READ snapshot. While the database is down every call fails with store_unavailable.
 */
export class PostgresRegistrarDatabase implements RegistrarDatabase {
  private constructor(
    private readonly pool: pg.Pool,
    readonly location: string,
  ) {}

  /**
   * Connects to a registrar's database. `create` (init) makes the schema if it is not there;
   * otherwise a database without it is refused (registrar_missing). The schema's version is
   * its comment: the DDL runs only when that is missing or older, under a lock, so opening a
   * front end takes no lock on tables other front ends are writing.
   */
  static async open(url: string, { create = false }: { create?: boolean } = {}): Promise<PostgresRegistrarDatabase> {
    const location = redacted(url);
    const pool = new pg.Pool({
      connectionString: url,
      max: POOL_SIZE,
      connectionTimeoutMillis: 3000,
      keepAlive: true,
      // A front end cut off while holding the writer's lock loses it (and its transaction) after a minute.
      options: `-c search_path=${POSTGRES_SCHEMA_NAME} -c idle_in_transaction_session_timeout=60000`,
    });
    pool.on("error", () => {}); // an idle connection the server dropped: the pool replaces it; the next query reports an outage
    try {
      await withClient(pool, "opening the registrar's store", async (client) => {
        const version = async () => (await client.query("SELECT obj_description(oid, 'pg_namespace') AS version FROM pg_namespace WHERE nspname = $1", [POSTGRES_SCHEMA_NAME])).rows[0]?.version;
        if ((await version()) === POSTGRES_SCHEMA_VERSION) return;
        if ((await version()) === undefined && !create) throw new RealDidError("registrar_missing", `no registrar in ${location} (run: realdid registrar init --data DIR --database …)`);
        await client.query("SELECT pg_advisory_lock($1)", [SCHEMA_LOCK]);
        try {
          if ((await version()) !== POSTGRES_SCHEMA_VERSION) await client.query(POSTGRES_SCHEMA);
        } finally {
          await client.query("SELECT pg_advisory_unlock($1)", [SCHEMA_LOCK]);
        }
      });
    } catch (error) {
      await pool.end();
      throw error;
    }
    return new PostgresRegistrarDatabase(pool, location);
  }

  read<T>(work: (tx: SqlTransaction) => Promise<T>): Promise<T> {
    return this.transaction("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", undefined, work);
  }

  write<T>(work: (tx: WriteTransaction) => Promise<T>, shards?: readonly number[]): Promise<T> {
    const slots = shards === undefined ? Array.from({ length: SHARD_SLOTS }, (_, slot) => slot) : [...new Set(shards)].sort((a, b) => a - b);
    return this.transaction("BEGIN ISOLATION LEVEL READ COMMITTED", { slots, exclusive: shards === undefined }, work);
  }

  async close(): Promise<void> {
    await this.pool.end();
  }

  /**
   * A transaction; a writer (`locks`) takes its shards' locks, then the writer's lock at
   * once when exclusive, or when its work asks for it (the tree's top and the ledger entry).
   */
  private async transaction<T>(begin: string, locks: { slots: readonly number[]; exclusive: boolean } | undefined, work: (tx: WriteTransaction) => Promise<T>): Promise<T> {
    const outcome = await withClient(this.pool, "the registrar's store", async (client) => {
      await client.query(begin);
      let exclusive = false;
      const takeWriterLock = async () => {
        if (!exclusive) await client.query(LOCK_WRITER);
        exclusive = true;
      };
      if (locks) {
        await client.query(LOCK_SHARDS, [locks.slots]);
        if (locks.exclusive) await takeWriterLock();
      }
      try {
        const value = await work(transactionOn(client, takeWriterLock));
        await client.query("COMMIT");
        return { value };
      } catch (error) {
        // A refusal (already enrolled, revoked, …) rolls back and keeps the connection; any
        // other failure destroys it (withClient), which rolls back on the server.
        const refused = error instanceof pg.DatabaseError && error.code === UNIQUE_VIOLATION ? concurrentEnrollment(error) : error;
        if (!(refused instanceof RealDidError)) throw error;
        await client.query("ROLLBACK");
        return { refused };
      }
    });
    if ("refused" in outcome) throw outcome.refused;
    return outcome.value;
  }
}
