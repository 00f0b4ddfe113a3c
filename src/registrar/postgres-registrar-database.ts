import pg from "pg";
import { RealDidError } from "../errors.js";
import { withClient } from "../service/postgres-client.js";
import type { RegistrarDatabase, SqlTransaction, SqlValue } from "./registrar-database.js";
import { POSTGRES_SCHEMA, POSTGRES_SCHEMA_NAME, POSTGRES_SCHEMA_VERSION } from "./store-schema.js";

/** Serialises schema creation when several front ends start at once. */
const SCHEMA_LOCK = 7415101;
/** The one writer of the registrar's tree and ledger at a time, across every front end (a transaction-level advisory lock). */
const WRITER_LOCK = 7415102;
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

function transactionOn(client: pg.PoolClient): SqlTransaction {
  const query = (sql: string, params: readonly SqlValue[] = []) => client.query({ text: postgresText(sql), values: params as SqlValue[], types: TYPES });
  return {
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
    return this.transaction("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", [], work);
  }

  write<T>(work: (tx: SqlTransaction) => Promise<T>): Promise<T> {
    return this.transaction("BEGIN ISOLATION LEVEL READ COMMITTED", [`SELECT pg_advisory_xact_lock(${WRITER_LOCK})`], work);
  }

  async close(): Promise<void> {
    await this.pool.end();
  }

  private async transaction<T>(begin: string, first: readonly string[], work: (tx: SqlTransaction) => Promise<T>): Promise<T> {
    const outcome = await withClient(this.pool, "the registrar's store", async (client) => {
      await client.query(begin);
      for (const statement of first) await client.query(statement);
      try {
        const value = await work(transactionOn(client));
        await client.query("COMMIT");
        return { value };
      } catch (error) {
        // A refusal (already enrolled, revoked, …) rolls back and keeps the connection; any
        // other failure destroys it (withClient), which rolls back on the server.
        if (!(error instanceof RealDidError)) throw error;
        await client.query("ROLLBACK");
        return { refused: error };
      }
    });
    if ("refused" in outcome) throw outcome.refused;
    return outcome.value;
  }
}
