import type Database from "better-sqlite3";
import { type LedgerEntry, ledgerEntryOfRow } from "../ledger/ledger-entry.js";

/** The registrar's SQLite store. */
export const DB_FILE = "registrar.sqlite";

/**
 * Nothing in the store is readable without the key provider: a record is sealed (see
 * RecordVault), and the national ID and commitment are found through keyed blind indexes.
 * Leaves stay in the clear: they are public (the bucket API serves them).
 */
export const PEOPLE_TABLE = `
CREATE TABLE people (
  leaf_index         INTEGER PRIMARY KEY,
  national_id_index  TEXT NOT NULL UNIQUE,
  commitment_index   TEXT NOT NULL UNIQUE,
  record             BLOB NOT NULL,
  data_key_id        INTEGER NOT NULL REFERENCES data_keys (id),
  leaf               TEXT NOT NULL,
  revoked            INTEGER NOT NULL DEFAULT 0 CHECK (revoked IN (0, 1)),
  enrolled_at        TEXT NOT NULL,
  updated_at         TEXT NOT NULL,
  -- The ledger entry that last changed this row.
  changed_seq        INTEGER NOT NULL DEFAULT 0
);`;

const LEAF_TABLES = ["people", "enterprises", "mandates"] as const;

/** Refuses a row whose leaf index another kind of leaf already holds: the three tables share one index space. */
const leafIndexTrigger = (table: (typeof LEAF_TABLES)[number]) => {
  const taken = LEAF_TABLES.filter((other) => other !== table).map((other) => `EXISTS (SELECT 1 FROM ${other} WHERE leaf_index = NEW.leaf_index)`);
  return `CREATE TRIGGER IF NOT EXISTS ${table}_leaf_index_free BEFORE INSERT ON ${table} WHEN ${taken.join(" OR ")}
  BEGIN SELECT RAISE(ABORT, 'leaf_index is held by another kind of leaf'); END;`;
};

/**
 * Enterprises and mandates: their leaves share the registry tree (and its index space)
 * with people's. Records are sealed like people's. An enterprise's leaf is Poseidon3 of
 * its credit code's fields, which anyone can compute: it is public (as the code and the
 * status are, in the enterprise credit registry) and is how a code is looked up. A mandate
 * is found by a keyed blind index of its enterprise's code, so the store alone does not
 * link a mandate leaf to its enterprise; its leaf is kept after revocation so an escrowed
 * mandate handle still resolves. Created on open in stores written before them.
 */
export const BUSINESS_TABLES = `
CREATE TABLE IF NOT EXISTS enterprises (
  leaf_index   INTEGER PRIMARY KEY,
  leaf         TEXT NOT NULL UNIQUE,
  -- Anything but active empties the enterprise's leaf (and revokes its mandates).
  status       TEXT NOT NULL CHECK (status IN ('active', 'suspended', 'struck_off')),
  record       BLOB NOT NULL,
  data_key_id  INTEGER NOT NULL REFERENCES data_keys (id),
  enrolled_at  TEXT NOT NULL,
  updated_at   TEXT NOT NULL,
  changed_seq  INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS mandates (
  leaf_index        INTEGER PRIMARY KEY,
  enterprise_index  TEXT NOT NULL,
  record            BLOB NOT NULL,
  data_key_id       INTEGER NOT NULL REFERENCES data_keys (id),
  leaf              TEXT NOT NULL UNIQUE,
  revoked           INTEGER NOT NULL DEFAULT 0 CHECK (revoked IN (0, 1)),
  granted_at        TEXT NOT NULL,
  updated_at        TEXT NOT NULL,
  changed_seq       INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS mandates_enterprise ON mandates (enterprise_index);
-- A legal representative's grants and revocations, by the digest of the act (not of its proof, which anyone can
-- re-randomise): each is accepted once, so a copied act cannot be replayed, e.g. after the mandate it granted was revoked.
-- evidence: the act and its proof as JSON (nothing personal: the act names an enterprise and a leaf, the proof is public
-- signals), which the ledger entry's change document commits to.
CREATE TABLE IF NOT EXISTS representative_acts (digest TEXT PRIMARY KEY, ledger_seq INTEGER NOT NULL, evidence TEXT NOT NULL);
-- Every slot of the registry tree, whatever kind of leaf it holds.
CREATE VIEW IF NOT EXISTS registry_leaves AS
  SELECT leaf_index, leaf, revoked, changed_seq FROM people
  UNION ALL SELECT leaf_index, leaf, status != 'active', changed_seq FROM enterprises
  UNION ALL SELECT leaf_index, leaf, revoked, changed_seq FROM mandates;
${LEAF_TABLES.map(leafIndexTrigger).join("\n")}
`;

/**
 * The registry tree's nodes, level 0 (the leaves as the tree holds them: 0 once revoked)
 * to the root, each a 32-byte little-endian field element, written in the same transaction
 * as the records and the ledger entry of a change: opening a registrar reads no leaf.
 */
const TREE_NODES_TABLE = `
CREATE TABLE IF NOT EXISTS tree_nodes (level INTEGER NOT NULL, idx INTEGER NOT NULL, hash BLOB NOT NULL, PRIMARY KEY (level, idx)) WITHOUT ROWID;`;

export const SCHEMA = `
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
-- Envelope encryption: every change seals its records under a fresh data key, stored here
-- wrapped by a master key that only the key provider holds.
CREATE TABLE data_keys (id INTEGER PRIMARY KEY, master_key_id TEXT NOT NULL, wrapped BLOB NOT NULL);
${PEOPLE_TABLE}
-- Every leaf ever issued, so an escrowed handle from before a re-issue still resolves.
CREATE TABLE issued_leaves (leaf TEXT PRIMARY KEY, leaf_index INTEGER NOT NULL REFERENCES people (leaf_index), issued_at TEXT NOT NULL);
-- change: the entry's {kind, digest} as JSON (realdid-ledger/2), NULL in the genesis entry and older ones.
CREATE TABLE ledger (seq INTEGER PRIMARY KEY, root TEXT NOT NULL, tree_size INTEGER NOT NULL, time TEXT NOT NULL, prev_hash TEXT NOT NULL, signature TEXT NOT NULL, change TEXT);
${BUSINESS_TABLES}
${TREE_NODES_TABLE}`;

const exists = (db: Database.Database, type: string, name: string): boolean => db.prepare("SELECT 1 FROM sqlite_schema WHERE type = ? AND name = ?").get(type, name) !== undefined;

/** Whether the store was written before the tree's nodes were kept in it. */
export const treeNodesMissing = (db: Database.Database): boolean => !exists(db, "table", "tree_nodes");

const hasColumn = (db: Database.Database, table: string, column: string): boolean =>
  (db.prepare(`PRAGMA table_info(${table})`).all() as { name: string }[]).some((c) => c.name === column);

/**
 * Brings a store written by an earlier version up to SCHEMA (after upgradePlaintextStore):
 * the ledger's change column, the enterprise and mandate tables, and the tree's nodes, which
 * `storeTree` computes from the records once. Under the write lock, so two processes opening
 * one old store do not both alter it; nothing is written when it is current.
 */
export function upgradeStoreSchema(db: Database.Database, storeTree: () => void): void {
  const current = () => hasColumn(db, "ledger", "change") && exists(db, "view", "registry_leaves") && exists(db, "table", "representative_acts") && !treeNodesMissing(db);
  if (current()) return;
  db.transaction(() => {
    if (current()) return;
    if (!hasColumn(db, "ledger", "change")) db.exec("ALTER TABLE ledger ADD COLUMN change TEXT");
    db.exec(BUSINESS_TABLES);
    if (treeNodesMissing(db)) {
      db.exec(TREE_NODES_TABLE);
      storeTree();
      // Other processes found changed rows by these before the tree was stored; now nothing reads them.
      db.exec("DROP INDEX IF EXISTS people_changed_seq; DROP INDEX IF EXISTS enterprises_changed_seq; DROP INDEX IF EXISTS mandates_changed_seq;");
    }
  }).immediate();
}

/** The ledger's rows from a sequence number on, in order (SQL both databases take). */
export const LEDGER_ROWS_FROM = "SELECT * FROM ledger WHERE seq >= ? ORDER BY seq";

type LedgerRow = { seq: number; root: string; tree_size: number; time: string; prev_hash: string; signature: string; change?: string | null };

/** The entries of rows LEDGER_ROWS_FROM read. Also reads a store not upgraded yet (no change column), as a verifier reading a registrar's folder may. */
export function ledgerEntriesOfRows(rows: readonly unknown[]): LedgerEntry[] {
  return (rows as LedgerRow[]).map((row) =>
    ledgerEntryOfRow({ seq: row.seq, root: row.root, treeSize: row.tree_size, time: row.time, prevHash: row.prev_hash, signature: row.signature, change: row.change }, `the registrar's ledger entry ${row.seq}`),
  );
}

/** The ledger's entries from `fromSeq`, in order, from a SQLite store opened directly. */
export function readLedgerRows(db: Database.Database, fromSeq: number): LedgerEntry[] {
  return ledgerEntriesOfRows(db.prepare(LEDGER_ROWS_FROM).all(fromSeq));
}

/** The PostgreSQL schema that holds a registrar's tables (the connection's search_path): a database may hold a verifier's too. */
export const POSTGRES_SCHEMA_NAME = "realdid_registrar";
/** The schema's comment once POSTGRES_SCHEMA has run: a front end that finds it runs no DDL. */
export const POSTGRES_SCHEMA_VERSION = "realdid-registrar-schema/2";

const POSTGRES_LEAF_TRIGGERS = LEAF_TABLES.map(
  (table) => `CREATE OR REPLACE TRIGGER ${table}_leaf_index_free AFTER INSERT ON ${table} REFERENCING NEW TABLE AS inserted FOR EACH STATEMENT EXECUTE FUNCTION leaf_indexes_free();`,
).join("\n");

/**
 * The same store in PostgreSQL (see SCHEMA for what each table holds): BIGINT for leaf
 * indexes (2^33 slots), BYTEA for sealed records and tree nodes, and the shared leaf index
 * space kept by trigger functions (CREATE OR REPLACE TRIGGER: PostgreSQL 14 or later).
 * Run by `registrar init`, and by a front end that finds another version.
 *
 * Version 2 checks a statement's rows at once, where version 1 checked each row (a trigger
 * call per row for the leaf slots; for issued_leaves a foreign key, which also locks the
 * person's row and writes that lock to the WAL): at ten million people these were about 8%
 * of the machine. It drops version 1's foreign key and replaces its row triggers, which
 * have the same names. A version 1 front end opening the store puts its row triggers back
 * (not the foreign key; the statement triggers on issued_leaves and people stay): the
 * registrar's rules hold under either, and the next version 2 front end to open it swaps
 * them again. (Without the foreign key a person is not locked while an issued leaf
 * refers to it; the registrar never deletes people, and a deletion by hand waits for
 * issued leaves being inserted; see people_keep_issued_leaves.)
 */
export const POSTGRES_SCHEMA = `
CREATE SCHEMA IF NOT EXISTS ${POSTGRES_SCHEMA_NAME};
-- An existing store's tables locked at once, people first as an enrollment takes them: the
-- changes below (a constraint dropped, triggers replaced) would otherwise lock them one by
-- one and could deadlock with an enrollment under way.
DO $$ BEGIN
  IF to_regclass('${POSTGRES_SCHEMA_NAME}.mandates') IS NOT NULL THEN
    LOCK TABLE ${POSTGRES_SCHEMA_NAME}.people, ${POSTGRES_SCHEMA_NAME}.issued_leaves, ${POSTGRES_SCHEMA_NAME}.enterprises, ${POSTGRES_SCHEMA_NAME}.mandates IN ACCESS EXCLUSIVE MODE;
  END IF;
END $$;
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS data_keys (id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY, master_key_id TEXT NOT NULL, wrapped BYTEA NOT NULL);
CREATE TABLE IF NOT EXISTS people (
  leaf_index BIGINT PRIMARY KEY, national_id_index TEXT NOT NULL UNIQUE, commitment_index TEXT NOT NULL UNIQUE, record BYTEA NOT NULL,
  data_key_id BIGINT NOT NULL REFERENCES data_keys (id), leaf TEXT NOT NULL, revoked SMALLINT NOT NULL DEFAULT 0 CHECK (revoked IN (0, 1)),
  enrolled_at TEXT NOT NULL, updated_at TEXT NOT NULL, changed_seq BIGINT NOT NULL DEFAULT 0);
-- Each issued leaf's leaf_index is a person's slot: kept by issued_leaves_of_people below.
CREATE TABLE IF NOT EXISTS issued_leaves (leaf TEXT PRIMARY KEY, leaf_index BIGINT NOT NULL, issued_at TEXT NOT NULL);
ALTER TABLE issued_leaves DROP CONSTRAINT IF EXISTS issued_leaves_leaf_index_fkey;
CREATE TABLE IF NOT EXISTS ledger (seq BIGINT PRIMARY KEY, root TEXT NOT NULL, tree_size BIGINT NOT NULL, time TEXT NOT NULL, prev_hash TEXT NOT NULL, signature TEXT NOT NULL, change TEXT);
CREATE TABLE IF NOT EXISTS enterprises (
  leaf_index BIGINT PRIMARY KEY, leaf TEXT NOT NULL UNIQUE, status TEXT NOT NULL CHECK (status IN ('active', 'suspended', 'struck_off')),
  record BYTEA NOT NULL, data_key_id BIGINT NOT NULL REFERENCES data_keys (id), enrolled_at TEXT NOT NULL, updated_at TEXT NOT NULL, changed_seq BIGINT NOT NULL DEFAULT 0);
CREATE TABLE IF NOT EXISTS mandates (
  leaf_index BIGINT PRIMARY KEY, enterprise_index TEXT NOT NULL, record BYTEA NOT NULL, data_key_id BIGINT NOT NULL REFERENCES data_keys (id),
  leaf TEXT NOT NULL UNIQUE, revoked SMALLINT NOT NULL DEFAULT 0 CHECK (revoked IN (0, 1)), granted_at TEXT NOT NULL, updated_at TEXT NOT NULL, changed_seq BIGINT NOT NULL DEFAULT 0);
CREATE INDEX IF NOT EXISTS mandates_enterprise ON mandates (enterprise_index);
CREATE TABLE IF NOT EXISTS representative_acts (digest TEXT PRIMARY KEY, ledger_seq BIGINT NOT NULL, evidence TEXT NOT NULL);
CREATE OR REPLACE VIEW registry_leaves AS
  SELECT leaf_index, leaf, revoked, changed_seq FROM people
  UNION ALL SELECT leaf_index, leaf, CASE WHEN status = 'active' THEN 0 ELSE 1 END::SMALLINT, changed_seq FROM enterprises
  UNION ALL SELECT leaf_index, leaf, revoked, changed_seq FROM mandates;
CREATE OR REPLACE FUNCTION leaf_indexes_free() RETURNS trigger LANGUAGE plpgsql SET search_path = ${POSTGRES_SCHEMA_NAME} AS $$
BEGIN
  IF (TG_TABLE_NAME <> 'people' AND EXISTS (SELECT 1 FROM inserted JOIN people USING (leaf_index)))
    OR (TG_TABLE_NAME <> 'enterprises' AND EXISTS (SELECT 1 FROM inserted JOIN enterprises USING (leaf_index)))
    OR (TG_TABLE_NAME <> 'mandates' AND EXISTS (SELECT 1 FROM inserted JOIN mandates USING (leaf_index))) THEN
    RAISE EXCEPTION 'leaf_index is held by another kind of leaf';
  END IF;
  RETURN NULL;
END $$;
${POSTGRES_LEAF_TRIGGERS}
CREATE OR REPLACE FUNCTION issued_leaves_of_people() RETURNS trigger LANGUAGE plpgsql SET search_path = ${POSTGRES_SCHEMA_NAME} AS $$
BEGIN
  IF EXISTS (SELECT 1 FROM issued WHERE NOT EXISTS (SELECT 1 FROM people WHERE people.leaf_index = issued.leaf_index)) THEN
    RAISE EXCEPTION 'issued_leaves: a leaf_index that is no person''s slot';
  END IF;
  RETURN NULL;
END $$;
CREATE OR REPLACE TRIGGER issued_leaves_of_people AFTER INSERT ON issued_leaves REFERENCING NEW TABLE AS issued FOR EACH STATEMENT EXECUTE FUNCTION issued_leaves_of_people();
-- People are never deleted nor moved to another slot. A deletion may not leave an issued leaf
-- without its person: it waits for issued leaves being inserted (the lock) and then sees them.
CREATE OR REPLACE FUNCTION people_keep_issued_leaves() RETURNS trigger LANGUAGE plpgsql SET search_path = ${POSTGRES_SCHEMA_NAME} AS $$
BEGIN
  LOCK TABLE issued_leaves IN SHARE MODE;
  IF EXISTS (SELECT 1 FROM gone JOIN issued_leaves USING (leaf_index) WHERE NOT EXISTS (SELECT 1 FROM people WHERE people.leaf_index = gone.leaf_index)) THEN
    RAISE EXCEPTION 'people: a slot an issued leaf refers to would have no person';
  END IF;
  RETURN NULL;
END $$;
CREATE OR REPLACE TRIGGER people_deleted_keep_issued_leaves AFTER DELETE ON people REFERENCING OLD TABLE AS gone FOR EACH STATEMENT EXECUTE FUNCTION people_keep_issued_leaves();
CREATE OR REPLACE FUNCTION people_not_truncated() RETURNS trigger LANGUAGE plpgsql SET search_path = ${POSTGRES_SCHEMA_NAME} AS $$
BEGIN
  IF EXISTS (SELECT 1 FROM issued_leaves) THEN
    RAISE EXCEPTION 'people: a slot an issued leaf refers to would have no person';
  END IF;
  RETURN NULL;
END $$;
CREATE OR REPLACE TRIGGER people_truncated_keep_issued_leaves BEFORE TRUNCATE ON people FOR EACH STATEMENT EXECUTE FUNCTION people_not_truncated();
-- Per row, only when the slot changes (a column list cannot go with a transition table): a revocation pays nothing.
CREATE OR REPLACE FUNCTION person_not_moved() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'people: a person''s leaf_index never changes';
END $$;
CREATE OR REPLACE TRIGGER people_moved BEFORE UPDATE OF leaf_index ON people FOR EACH ROW WHEN (OLD.leaf_index IS DISTINCT FROM NEW.leaf_index) EXECUTE FUNCTION person_not_moved();
DROP FUNCTION IF EXISTS leaf_index_free();
CREATE TABLE IF NOT EXISTS tree_nodes (level SMALLINT NOT NULL, idx BIGINT NOT NULL, hash BYTEA NOT NULL, PRIMARY KEY (level, idx));
COMMENT ON SCHEMA ${POSTGRES_SCHEMA_NAME} IS '${POSTGRES_SCHEMA_VERSION}';
`;
