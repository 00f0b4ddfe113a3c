/** A value a registrar's SQL statement takes or returns (BLOB/BYTEA columns are Buffers, integers numbers). */
export type SqlValue = string | number | Buffer | null;

/**
 * One transaction on the registrar's store. Statements are written once, in the SQL that
 * SQLite and PostgreSQL both accept, with `?` placeholders (the PostgreSQL adapter numbers
 * them); integer columns come back as numbers in both (leaf indexes stay below 2^53).
 */
export interface SqlTransaction {
  get<T>(sql: string, params?: readonly SqlValue[]): Promise<T | undefined>;
  all<T>(sql: string, params?: readonly SqlValue[]): Promise<T[]>;
  /** Runs a statement; returns how many rows it changed. */
  run(sql: string, params?: readonly SqlValue[]): Promise<number>;
  /**
   * Inserts many rows into `table` (as few round trips as the database allows);
   * `conflict` is an `ON CONFLICT …` clause both databases accept, or nothing.
   */
  insertRows(table: string, columns: readonly string[], rows: readonly (readonly SqlValue[])[], conflict?: string): Promise<void>;
}

/** A write transaction: it may widen itself to the store's only writer (see RegistrarDatabase.write). */
export interface WriteTransaction extends SqlTransaction {
  /** Waits until this is the store's only writer (at once where it is already). */
  exclusive(): Promise<void>;
}

/**
 * The registrar's store: SQLite in its data folder (sqlite-registrar-database.ts) or a
 * PostgreSQL database several registrar front ends share (postgres-registrar-database.ts).
 */
export interface RegistrarDatabase {
  /** Where the store is, for messages (a file path, or a PostgreSQL URL without its password). */
  readonly location: string;
  /** Runs `work` in a read-only transaction: every statement reads one snapshot. */
  read<T>(work: (tx: SqlTransaction) => Promise<T>): Promise<T>;
  /** Runs one read statement on its own snapshot, outside a transaction: one round trip to PostgreSQL instead of a transaction's three or more. */
  readStatement<T>(sql: string, params?: readonly SqlValue[]): Promise<T[]>;
  /**
   * Runs `work` in a write transaction. Without `shards` it is the store's only writer: the
   * database makes every other writer, in this process or another, wait until it commits or
   * rolls back. With `shards` (province shard slots, an enrollment's) it only excludes other
   * writers of those shards and the store's only writers, so enrollments in different
   * provinces overlap until they call `tx.exclusive()` for the tree's top and the ledger.
   * (SQLite has one writer at a time anyway: there every write is exclusive from its start.)
   */
  write<T>(work: (tx: WriteTransaction) => Promise<T>, shards?: readonly number[]): Promise<T>;
  close(): Promise<void>;
}

/** PostgreSQL's names of the unique indexes that keep one enrollment per person (national-ID and commitment blind indexes). */
const PERSON_KEYS = new Set(["people_national_id_index_key", "people_commitment_index_key"]);

/**
 * Whether a write was refused because a person's national-ID or commitment blind index is
 * taken: someone enrolled already (or by another front end at the same time), not a fault.
 * Other unique keys (a leaf slot, a ledger sequence) taken twice are bugs and stay errors.
 */
export function isPersonAlreadyEnrolled(error: unknown): boolean {
  const e = error as { code?: unknown; constraint?: unknown; message?: unknown } | undefined;
  if (e?.code === "23505") return PERSON_KEYS.has(String(e.constraint));
  return e?.code === "SQLITE_CONSTRAINT_UNIQUE" && /^UNIQUE constraint failed: people\.(national_id_index|commitment_index)$/.test(String(e.message));
}

/** Up to this many values in one `IN (…)` list (both databases take far more; this keeps statements short). */
const IN_LIST_CHUNK = 500;

/** Which of `values` a column already holds (in chunks of IN lists), e.g. to refuse a batch naming a taken key. */
export async function existingValues(tx: SqlTransaction, table: string, column: string, values: readonly string[]): Promise<Set<string>> {
  const found = new Set<string>();
  for (let k = 0; k < values.length; k += IN_LIST_CHUNK) {
    const chunk = values.slice(k, k + IN_LIST_CHUNK);
    const rows = await tx.all<Record<string, string>>(`SELECT ${column} AS value FROM ${table} WHERE ${column} IN (${chunk.map(() => "?").join(", ")})`, chunk);
    for (const row of rows) found.add(row.value);
  }
  return found;
}
