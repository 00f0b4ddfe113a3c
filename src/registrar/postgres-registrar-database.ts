import { createHash } from "node:crypto";
import pg from "pg";
import { RealDidError } from "../errors.js";
import { withClient } from "../service/postgres-client.js";
import { isPersonAlreadyEnrolled, type RegistrarDatabase, type SqlTransaction, type SqlValue, type WriteTransaction } from "./registrar-database.js";
import { POSTGRES_SCHEMA, POSTGRES_SCHEMA_NAME, POSTGRES_SCHEMA_VERSION } from "./store-schema.js";

/** Serialises schema creation when several front ends start at once. */
const SCHEMA_LOCK = 7415101;
/*
 * Writers take transaction-level advisory locks, so the database, not timing, decides who
 * waits (and a killed front end's locks go with its connection):
 * - a change that is the store's only writer holds WRITER_LOCK exclusively (as every
 *   version before shards did, so older front ends on the same database still wait for
 *   the newer ones and the other way round);
 * - an enrollment holds its shards' SHARD_LOCKs and WRITER_LOCK *shared* (only-writer
 *   changes wait for it, other enrollments do not) while it writes its records and
 *   subtrees, then TOP_LOCK exclusively for the tree's top and the ledger entry.
 * Shard locks are taken first, in ascending order, and a holder of TOP_LOCK or of the
 * exclusive WRITER_LOCK waits for nothing else: no two writers wait on each other in a circle.
 */
const WRITER_LOCK = 7415102;
/** With a province shard's slot as the second key: the one writer of that shard's records and subtree at a time. */
const SHARD_LOCK = 7415103;
/** The one writer of the tree's top two levels and the ledger among enrollments. */
const TOP_LOCK = 7415104;
const LOCK_SHARDS = `SELECT pg_advisory_xact_lock(${SHARD_LOCK}, slot) FROM unnest($1::int[]) AS slot`; // unnest keeps the (ascending) order
const LOCK_WRITER_SHARED = `SELECT pg_advisory_xact_lock_shared(${WRITER_LOCK})`;
const LOCK_WRITER = `SELECT pg_advisory_xact_lock(${WRITER_LOCK})`;
const LOCK_TOP = `SELECT pg_advisory_xact_lock(${TOP_LOCK})`;
/**
 * Two enrollments in different shards writing the same person at once: the second's insert
 * waits for the first's row and fails with unique_violation when it commits, or, when each
 * waits for a row of the other, one is chosen by deadlock_detected.
 */
const DEADLOCK_DETECTED = "40P01";
const POOL_SIZE = 4;
/** Column types by column (SQL names without modifiers: a cast to varchar(n) would truncate where an insert refuses). */
const COLUMN_TYPES_OF = "SELECT attname AS name, format_type(atttypid, NULL) AS type FROM pg_attribute WHERE attrelid = $1::regclass AND attnum > 0 AND NOT attisdropped";
type ColumnTypes = (client: pg.PoolClient, table: string) => Promise<Map<string, string>>;

/** A reader of each table's column types, read once (per database; a failed read is asked again). */
function columnTypeCache(): ColumnTypes {
  const tables = new Map<string, Promise<Map<string, string>>>();
  return (client, table) => {
    let types = tables.get(table);
    if (types === undefined) {
      types = client.query<{ name: string; type: string }>(COLUMN_TYPES_OF, [table]).then(({ rows }) => new Map(rows.map(({ name, type }) => [name, type])));
      tables.set(table, types);
      types.catch(() => tables.delete(table));
    }
    return types;
  };
}

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

function transactionOn(client: pg.PoolClient, exclusive: () => Promise<void>, columnTypes: ColumnTypes): WriteTransaction {
  const query = (sql: string, params: readonly SqlValue[] = []) => client.query({ text: postgresText(sql), values: params as SqlValue[], types: TYPES });
  return {
    exclusive,
    get: async <T>(sql: string, params?: readonly SqlValue[]) => (await query(sql, params)).rows[0] as T | undefined,
    all: async <T>(sql: string, params?: readonly SqlValue[]) => (await query(sql, params)).rows as T[],
    run: async (sql, params) => (await query(sql, params)).rowCount ?? 0,
    // One statement of one typed array per column (unnest): PostgreSQL parses and plans it
    // once, where a multi-row VALUES list of 30,000 parameters cost a tenth of its CPU time
    // in planning at 1,000,000 people (perf, docs/national-scale.md). In the rows' order
    // (ORDER BY their ordinal): enrollments insert people sorted, to meet rivals without a deadlock.
    insertRows: async (table, columns, rows, conflict = "") => {
      if (rows.length === 0) return;
      const types = await columnTypes(client, table);
      const params: unknown[] = [];
      const param = (value: unknown) => `$${params.push(value)}`;
      const arrays: string[] = [];
      const names: string[] = [];
      const selected: string[] = [];
      columns.forEach((column, c) => {
        const type = types.get(column);
        if (type === undefined) throw new Error(`table ${table} has no column ${column}`);
        const values = rows.map((row) => row[c]);
        if (type === "bytea" && values.every((value) => Buffer.isBuffer(value))) {
          // One binary parameter cut by offsets, not hex text in an array: a batch's sealed records are megabytes.
          const blob = param(Buffer.concat(values));
          const starts: number[] = [];
          let next = 1; // substring counts from 1
          for (const { length } of values) {
            starts.push(next);
            next += length;
          }
          arrays.push(`${param(starts)}::int[]`, `${param(values.map(({ length }) => length))}::int[]`);
          names.push(`${column}_from`, `${column}_length`);
          selected.push(`substring(${blob}::bytea FROM ${column}_from FOR ${column}_length)`);
        } else {
          arrays.push(`${param(values)}::${type}[]`);
          names.push(column);
          selected.push(column);
        }
      });
      const sql = `INSERT INTO ${table} (${columns.join(", ")}) SELECT ${selected.join(", ")} FROM unnest(${arrays.join(", ")}) WITH ORDINALITY AS rows (${names.join(", ")}, ordinal) ORDER BY ordinal ${conflict}`;
      await client.query({ text: sql, values: params, types: TYPES });
    },
  };
}

/** An enrollment refused by a person's unique key (the registrar names who, see Registrar.alreadyEnrolled), or by a deadlock with a rival enrolling some of the same people. */
function refusedEnrollment(error: pg.DatabaseError): RealDidError {
  const why = error.code === DEADLOCK_DETECTED ? "another registrar front end was enrolling some of the same people at the same time (a deadlock on their rows)" : `some of these people are enrolled already (${error.constraint})`;
  return new RealDidError("already_enrolled", `${why}: nothing of this batch was written`);
}

/**
 * The registrar's store in PostgreSQL (schema `realdid_registrar`), shared by several
 * registrar front ends: writers take advisory locks (above), so the database, not timing,
 * makes writers of the same shard, and of the tree's top and the ledger, take turns, and
 * each writer reads the last one's commit (READ COMMITTED) before it appends. A read is one
 * REPEATABLE READ snapshot. While the database is down every call fails with store_unavailable.
 */
export class PostgresRegistrarDatabase implements RegistrarDatabase {
  private readonly columnTypes = columnTypeCache();

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
      // No parallel plans: every statement here reads a few index ranges, and a parallel plan
      // (chosen when statistics lag behind a bulk load) made a 1.5 ms path take 63 ms at 10 million people.
      options: `-c search_path=${POSTGRES_SCHEMA_NAME} -c idle_in_transaction_session_timeout=60000 -c max_parallel_workers_per_gather=0`,
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

  /** Prepared on each connection once (named by its text's hash): the server plans it once, not at every call. */
  async readStatement<T>(sql: string, params: readonly SqlValue[] = []): Promise<T[]> {
    const text = postgresText(sql);
    const name = `realdid_${createHash("sha256").update(text).digest("hex").slice(0, 32)}`;
    return withClient(this.pool, "the registrar's store", async (client) => (await client.query({ name, text, values: params as SqlValue[], types: TYPES })).rows as T[]);
  }

  write<T>(work: (tx: WriteTransaction) => Promise<T>, shards?: readonly number[]): Promise<T> {
    return this.transaction("BEGIN ISOLATION LEVEL READ COMMITTED", shards === undefined ? "only" : [...new Set(shards)].sort((a, b) => a - b), work);
  }

  async close(): Promise<void> {
    await this.pool.end();
  }

  /**
   * A transaction; a writer takes its locks (see WRITER_LOCK): the only writer's at once;
   * an enrollment's shards and the shared writer's lock, then the top's when its work asks
   * for it (`exclusive()`).
   */
  private async transaction<T>(begin: string, writer: "only" | readonly number[] | undefined, work: (tx: WriteTransaction) => Promise<T>): Promise<T> {
    const outcome = await withClient(this.pool, "the registrar's store", async (client) => {
      await client.query(begin);
      let exclusive = writer === "only";
      if (writer === "only") await client.query(LOCK_WRITER);
      else if (writer !== undefined) {
        await client.query(LOCK_SHARDS, [writer]);
        await client.query(LOCK_WRITER_SHARED);
      }
      const takeTopLock = async () => {
        if (!exclusive) await client.query(LOCK_TOP);
        exclusive = true;
      };
      try {
        const value = await work(transactionOn(client, takeTopLock, this.columnTypes));
        await client.query("COMMIT");
        return { value };
      } catch (error) {
        // A refusal (already enrolled, revoked, …) rolls back and keeps the connection; any
        // other failure destroys it (withClient), which rolls back on the server.
        const duplicate = Array.isArray(writer) && error instanceof pg.DatabaseError && (error.code === DEADLOCK_DETECTED || isPersonAlreadyEnrolled(error));
        const refused = duplicate ? refusedEnrollment(error) : error;
        if (!(refused instanceof RealDidError)) throw error;
        await client.query("ROLLBACK");
        return { refused };
      }
    });
    if ("refused" in outcome) throw outcome.refused;
    return outcome.value;
  }
}
