import { existsSync, rmSync } from "node:fs";
import { join } from "node:path";
import type Database from "better-sqlite3";
import { RealDidError } from "../errors.js";
import { readJson } from "../files.js";
import { INSERT_DATA_KEY, newWrappedDataKey } from "./record-vault.js";
import { LocalKeyProvider, REGISTRAR_KEYS_FILE, type RegistrarUnlock } from "./registrar-keys.js";
import { PEOPLE_TABLE } from "./store-schema.js";

/** Where versions before sealed records kept the ledger key, in the clear. */
const PLAINTEXT_KEY_FILE = "registrar-key.json";

interface PlaintextRow {
  leaf_index: number;
  name: string;
  national_id: string;
  attributes: string;
  commitment: string;
  leaf: string;
  revoked: number;
  enrolled_at: string;
  updated_at: string;
  changed_seq: number | null;
}

/**
 * Seals a store written by a version that kept records in the clear (people.name, and the
 * ledger key in registrar-key.json): on its first open with a passphrase or key file, the
 * ledger key moves into the sealed key file, every record is sealed in one transaction, and
 * only then is the plaintext key file deleted. A crash in between leaves a store this opens
 * again. The connection must have secure_delete on: the plaintext rows' pages are zeroed in
 * the same commit; the database file itself is cleaned when the write-ahead log is
 * checkpointed, retried on every open until no other reader holds it back.
 */
export function upgradePlaintextStore(db: Database.Database, dataDir: string, unlock: RegistrarUnlock | undefined): void {
  const columns = (db.prepare("PRAGMA table_info(people)").all() as { name: string }[]).map((column) => column.name);
  if (!columns.includes("name")) {
    rmSync(join(dataDir, PLAINTEXT_KEY_FILE), { force: true }); // an upgrade that stopped after its commit
    checkpointScrub(db);
    return;
  }
  if (unlock === undefined || "provider" in unlock) {
    throw new RealDidError("keys_locked", `${dataDir} was written by an earlier realdid that kept records in the clear: open it once with --passphrase-env or --key-file to seal them`);
  }
  const keys = existsSync(join(dataDir, REGISTRAR_KEYS_FILE))
    ? LocalKeyProvider.open(dataDir, unlock)
    : LocalKeyProvider.create(dataDir, unlock, { ledgerSecretKey: plaintextLedgerKey(dataDir) });
  // issued_leaves refers to people while the table is replaced: no checks, and no rewriting of that reference on rename.
  db.pragma("foreign_keys = OFF");
  db.pragma("legacy_alter_table = ON");
  db.transaction(() => {
    const rows = db.prepare("SELECT * FROM people ORDER BY leaf_index").all() as PlaintextRow[];
    db.exec(`DROP INDEX IF EXISTS people_changed_seq; ALTER TABLE people RENAME TO people_plaintext;
      CREATE TABLE IF NOT EXISTS data_keys (id INTEGER PRIMARY KEY, master_key_id TEXT NOT NULL, wrapped BLOB NOT NULL); ${PEOPLE_TABLE}`);
    const { wrapped, seal } = newWrappedDataKey(keys);
    const dataKey = { id: (db.prepare(INSERT_DATA_KEY).get(keys.masterKeyId, wrapped) as { id: number }).id, seal };
    const insert = db.prepare(
      "INSERT INTO people (leaf_index, national_id_index, commitment_index, record, data_key_id, leaf, revoked, enrolled_at, updated_at, changed_seq) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
    );
    for (const row of rows) {
      const person = { name: row.name, nationalId: row.national_id, attributes: JSON.parse(row.attributes), commitment: row.commitment };
      const sealed = dataKey.seal(row.leaf_index, person);
      insert.run(row.leaf_index, keys.blindIndex(`national-id:${row.national_id}`), keys.blindIndex(`commitment:${row.commitment}`), sealed, dataKey.id, row.leaf, row.revoked, row.enrolled_at, row.updated_at, row.changed_seq ?? 0);
    }
    db.exec("DROP TABLE people_plaintext");
    db.prepare("INSERT OR REPLACE INTO meta (key, value) VALUES ('masterKeyId', ?)").run(keys.masterKeyId);
    db.prepare("INSERT OR REPLACE INTO meta (key, value) VALUES ('plaintextScrub', 'pending')").run();
  })();
  db.pragma("legacy_alter_table = OFF");
  db.pragma("foreign_keys = ON");
  rmSync(join(dataDir, PLAINTEXT_KEY_FILE), { force: true });
  checkpointScrub(db);
}

/** Copies the zeroed pages into the database file and empties the log, once no reader holds an older snapshot. */
function checkpointScrub(db: Database.Database): void {
  if (db.prepare("SELECT 1 FROM meta WHERE key = 'plaintextScrub'").get() === undefined) return;
  const [{ busy }] = db.pragma("wal_checkpoint(TRUNCATE)") as { busy: number }[];
  if (busy === 0) db.prepare("DELETE FROM meta WHERE key = 'plaintextScrub'").run();
}

function plaintextLedgerKey(dataDir: string): string {
  const file = readJson(join(dataDir, PLAINTEXT_KEY_FILE), "registrar key") as { secretKey?: unknown };
  if (typeof file?.secretKey !== "string" || !/^[0-9a-f]{64}$/.test(file.secretKey)) throw new RealDidError("invalid_argument", `${join(dataDir, PLAINTEXT_KEY_FILE)} holds no ledger key`);
  return file.secretKey;
}
