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
  -- The ledger entry that last changed this row: other processes catch up by it.
  changed_seq        INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX people_changed_seq ON people (changed_seq);`;

export const SCHEMA = `
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
-- Envelope encryption: every change seals its records under a fresh data key, stored here
-- wrapped by a master key that only the key provider holds.
CREATE TABLE data_keys (id INTEGER PRIMARY KEY, master_key_id TEXT NOT NULL, wrapped BLOB NOT NULL);
${PEOPLE_TABLE}
-- Every leaf ever issued, so an escrowed handle from before a re-issue still resolves.
CREATE TABLE issued_leaves (leaf TEXT PRIMARY KEY, leaf_index INTEGER NOT NULL REFERENCES people (leaf_index), issued_at TEXT NOT NULL);
CREATE TABLE ledger (seq INTEGER PRIMARY KEY, root TEXT NOT NULL, tree_size INTEGER NOT NULL, time TEXT NOT NULL, prev_hash TEXT NOT NULL, signature TEXT NOT NULL);
`;

