import { existsSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import Database from "better-sqlite3";
import { decodeAttributes, type EncodedAttributes, encodeAttributes, type PersonAttributes } from "../attributes/attributes.js";
import { toFieldElement } from "../crypto/field.js";
import { FastPoseidon, type RegistryHasher } from "../crypto/poseidon.js";
import { type ErrorCode, RealDidError } from "../errors.js";
import type { LedgerEntry } from "../ledger/ledger-entry.js";
import type { LogSigner } from "../signed-log/signed-log.js";
import { createSigningKeyFile, readSigningKeyFile } from "../signed-log/signing-key-file.js";
import { RootLedger } from "../ledger/root-ledger.js";
import { type CredentialFile, credentialFile } from "../registry/credential.js";
import { BUCKET_LEAVES, BUCKET_LEVEL, EMPTY_LEAF, type MerkleProof, RegistryTree, TREE_HEIGHT } from "../registry/registry-tree.js";
import type { AuditLog } from "../regulator/audit-log.js";
import { nationalIdBirthDate } from "./national-id.js";

/** A person as the registrar verified them. Never leaves the registrar's store. */
export interface RealNameRecord {
  name: string;
  nationalId: string;
  attributes: PersonAttributes;
}

export interface EnrollmentRequest {
  record: RealNameRecord;
  /** The citizen's identity commitment (from their identity file). */
  commitment: string | bigint;
}

const DB_FILE = "registrar.sqlite";
const KEY_FILE = "registrar-key.json";
const KEY_FORMAT = "realdid-registrar-key/1";

const SCHEMA = `
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE people (
  leaf_index   INTEGER PRIMARY KEY,
  name         TEXT NOT NULL,
  national_id  TEXT NOT NULL UNIQUE,
  attributes   TEXT NOT NULL,
  commitment   TEXT NOT NULL UNIQUE,
  leaf         TEXT NOT NULL,
  revoked      INTEGER NOT NULL DEFAULT 0 CHECK (revoked IN (0, 1)),
  enrolled_at  TEXT NOT NULL,
  updated_at   TEXT NOT NULL,
  -- The ledger entry that last changed this row: other processes catch up by it.
  changed_seq  INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX people_changed_seq ON people (changed_seq);
-- Every leaf ever issued, so an escrowed handle from before a re-issue still resolves.
CREATE TABLE issued_leaves (leaf TEXT PRIMARY KEY, leaf_index INTEGER NOT NULL REFERENCES people (leaf_index), issued_at TEXT NOT NULL);
CREATE TABLE ledger (seq INTEGER PRIMARY KEY, root TEXT NOT NULL, tree_size INTEGER NOT NULL, time TEXT NOT NULL, prev_hash TEXT NOT NULL, signature TEXT NOT NULL);
`;

/** Brings a store made by an earlier version up to this schema. */
function migrate(db: Database.Database): void {
  const columns = db.prepare("PRAGMA table_info(people)").all() as { name: string }[];
  if (columns.some((column) => column.name === "changed_seq")) return;
  db.exec("ALTER TABLE people ADD COLUMN changed_seq INTEGER NOT NULL DEFAULT 0; CREATE INDEX people_changed_seq ON people (changed_seq);");
}

/** Checks a record (ID number, its birth date, attributes) and returns the encoded attributes. */
function validateRecord(record: RealNameRecord, today: string, where: string): EncodedAttributes {
  const fail = (code: ErrorCode, message: string): never => {
    throw new RealDidError(code, `${where}: ${message}`);
  };
  if (typeof record !== "object" || record === null) fail("invalid_record", "the record must be an object");
  if (typeof record.name !== "string" || record.name.trim() === "" || record.name.length > 200) {
    fail("invalid_record", "name must be a non-empty string of at most 200 characters");
  }
  let idBirthDate = "";
  let encoded: EncodedAttributes | undefined;
  try {
    idBirthDate = nationalIdBirthDate(record.nationalId);
    encoded = encodeAttributes(record.attributes, today);
  } catch (error) {
    if (error instanceof RealDidError) fail(error.code, error.message);
    throw error;
  }
  if (idBirthDate !== record.attributes.birthDate) {
    fail("invalid_record", `birthDate ${record.attributes.birthDate} does not match the one in nationalId (${idBirthDate})`);
  }
  return encoded!;
}

/** A leaf's bucket as the registrar serves it: every leaf of its 4,096-leaf subtree and the path above it. */
export interface Bucket {
  readonly bucket: number;
  /** The filled leaves of the bucket, from its first slot (empty slots after them are 0). */
  readonly leaves: readonly bigint[];
  /** Siblings of the bucket's subtree root, per level up to the root. */
  readonly above: readonly (readonly bigint[])[];
  readonly root: bigint;
  /** The signed ledger entry that published the root. */
  readonly entry: LedgerEntry;
}

/**
 * The registrar: real-name records, the registry tree and the signed root ledger in one
 * SQLite store. Every change is one transaction that writes the records and the ledger
 * entry for the new root together: a crash leaves either all of it or none of it.
 * The tree is derived from the records when the store opens, and catches up with what
 * other processes committed (each row records the ledger entry that last changed it), so
 * several processes can share a store: a change takes SQLite's write lock first.
 */
export class Registrar {
  private tree: RegistryTree;
  private ledgerCopy: RootLedger;

  private constructor(
    private readonly db: Database.Database,
    private readonly publicKeyHex: string,
    /** Absent when the registrar was opened read-only (a server that only answers). */
    private readonly signer: LogSigner | undefined,
    private readonly hasher: RegistryHasher,
  ) {
    this.tree = this.loadTree();
    this.ledgerCopy = this.loadLedger();
  }

  /** Creates a registrar in `dataDir`: store, Ed25519 signing key, genesis ledger entry. */
  static async init(dataDir: string, { now = new Date() } = {}): Promise<Registrar> {
    if (existsSync(join(dataDir, DB_FILE))) throw new RealDidError("registrar_exists", `a registrar already exists in ${dataDir}`);
    const tree = new RegistryTree();
    mkdirSync(dataDir, { recursive: true });
    const signer = createSigningKeyFile(join(dataDir, KEY_FILE), KEY_FORMAT);
    const db = new Database(join(dataDir, DB_FILE));
    db.pragma("journal_mode = WAL");
    db.transaction(() => {
      db.exec(SCHEMA);
      db.prepare("INSERT INTO meta (key, value) VALUES ('publicKey', ?)").run(signer.publicKey);
      const genesis = new RootLedger(signer.publicKey).publishRoot(tree.root, 0, now, signer);
      Registrar.insertEntry(db, genesis);
    })();
    db.close();
    return Registrar.open(dataDir);
  }

  /**
   * Opens a registrar; `readOnly` opens it without its signing key: it answers and catches
   * up, it never changes records (it may still bring an older store's schema up to date).
   */
  static async open(dataDir: string, { readOnly = false } = {}): Promise<Registrar> {
    const dbPath = join(dataDir, DB_FILE);
    if (!existsSync(dbPath)) throw new RealDidError("registrar_missing", `no registrar in ${dataDir} (run: realdid registrar init --data ${dataDir})`);
    const db = new Database(dbPath);
    db.pragma("journal_mode = WAL");
    db.pragma("synchronous = FULL");
    db.pragma("busy_timeout = 10000");
    migrate(db);
    const publicKey = (db.prepare("SELECT value FROM meta WHERE key = 'publicKey'").get() as { value: string }).value;
    const signer = readOnly ? undefined : readSigningKeyFile(join(dataDir, KEY_FILE), KEY_FORMAT);
    return new Registrar(db, publicKey, signer, await FastPoseidon.create());
  }

  close(): void {
    this.db.close();
  }

  get publicKey(): string {
    return this.publicKeyHex;
  }

  get root(): bigint {
    return this.tree.root;
  }

  get size(): number {
    return this.tree.size;
  }

  get ledger(): RootLedger {
    return this.ledgerCopy;
  }

  /**
   * Enrolls a batch: validates every record first (nothing is written if one is bad),
   * then adds the leaves and publishes one ledger entry, in one transaction.
   */
  enroll(requests: readonly EnrollmentRequest[], now: Date = new Date()): CredentialFile[] {
    if (requests.length === 0) throw new RealDidError("invalid_argument", "nothing to enroll");
    const today = now.toISOString().slice(0, 10);
    const prepared = requests.map((request, i) => {
      const where = `record ${i + 1}`;
      const encoded = validateRecord(request?.record, today, where);
      const commitment = toFieldElement(`${where} commitment`, request.commitment);
      return { where, record: { ...request.record, attributes: decodeAttributes(encoded) }, commitment, leaf: this.hasher.hashLeaf(commitment, encoded) };
    });
    const first = this.change(now, (seq) => {
      const idTaken = this.db.prepare("SELECT 1 FROM people WHERE national_id = ?");
      const commitmentTaken = this.db.prepare("SELECT 1 FROM people WHERE commitment = ?");
      const seenIds = new Set<string>();
      const seenCommitments = new Set<string>();
      for (const { where, record, commitment } of prepared) {
        if (seenIds.has(record.nationalId) || idTaken.get(record.nationalId)) throw new RealDidError("already_enrolled", `${where}: nationalId ${record.nationalId} is already enrolled`);
        if (seenCommitments.has(commitment.toString()) || commitmentTaken.get(commitment.toString())) throw new RealDidError("already_enrolled", `${where}: this identity commitment is already enrolled`);
        seenIds.add(record.nationalId);
        seenCommitments.add(commitment.toString());
      }
      if (this.tree.size + prepared.length > this.tree.capacity) {
        throw new RealDidError("tree_full", `the registry holds ${this.tree.capacity} people; ${this.tree.size} are enrolled`);
      }
      const start = this.tree.size;
      const insertPerson = this.db.prepare("INSERT INTO people (leaf_index, name, national_id, attributes, commitment, leaf, enrolled_at, updated_at, changed_seq) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)");
      const insertLeaf = this.db.prepare("INSERT INTO issued_leaves (leaf, leaf_index, issued_at) VALUES (?, ?, ?)");
      prepared.forEach(({ record, commitment, leaf }, i) => {
        insertPerson.run(start + i, record.name, record.nationalId, JSON.stringify(record.attributes), commitment.toString(), leaf.toString(), now.toISOString(), now.toISOString(), seq);
        insertLeaf.run(leaf.toString(), start + i, now.toISOString());
      });
      this.tree.insertMany(prepared.map((p) => p.leaf));
      return start;
    });
    return prepared.map(({ record, commitment, leaf }, i) => credentialFile(this.publicKey, first + i, commitment, record.attributes, leaf, now));
  }

  /** Revokes a credential: its leaf becomes empty and a new root is published. */
  revoke(index: number, now: Date = new Date()): LedgerEntry {
    this.change(now, (seq) => {
      if (this.person(index).revoked) throw new RealDidError("not_enrolled", `leaf ${index} is already revoked`);
      this.db.prepare("UPDATE people SET revoked = 1, updated_at = ?, changed_seq = ? WHERE leaf_index = ?").run(now.toISOString(), seq, index);
      this.tree.remove(index);
    });
    return this.ledger.head!;
  }

  /** Re-issues a credential with new attributes (e.g. a renewed expiry); the old leaf stops proving. */
  reissue(index: number, attributes: PersonAttributes, now: Date = new Date()): CredentialFile {
    const person = this.person(index);
    const where = `leaf ${index}`;
    const encoded = validateRecord({ name: person.name, nationalId: person.national_id, attributes }, now.toISOString().slice(0, 10), where);
    const commitment = BigInt(person.commitment);
    const leaf = this.hasher.hashLeaf(commitment, encoded);
    this.change(now, (seq) => {
      this.db.prepare("UPDATE people SET attributes = ?, leaf = ?, revoked = 0, updated_at = ?, changed_seq = ? WHERE leaf_index = ?").run(JSON.stringify(decodeAttributes(encoded)), leaf.toString(), now.toISOString(), seq, index);
      this.db.prepare("INSERT OR IGNORE INTO issued_leaves (leaf, leaf_index, issued_at) VALUES (?, ?, ?)").run(leaf.toString(), index, now.toISOString());
      this.tree.update(index, leaf);
    });
    return credentialFile(this.publicKey, index, commitment, attributes, leaf, now);
  }

  /**
   * Catches up with changes other processes committed since this one last looked: the
   * rows changed by newer ledger entries are applied to the tree, and the new entries
   * (each verified) to the ledger. Cheap when nothing changed: one indexed lookup.
   */
  sync(): void {
    this.db.transaction(() => this.catchUp())();
  }

  /** Bucket `bucket` of the current tree (see BUCKET_LEAVES), for path refresh without naming a leaf. */
  bucket(bucket: number): Bucket {
    const buckets = Math.max(1, Math.ceil(this.tree.size / BUCKET_LEAVES));
    if (!Number.isSafeInteger(bucket) || bucket < 0 || bucket >= buckets) {
      throw new RealDidError("bucket_out_of_range", `bucket ${bucket} does not exist: the registry has buckets 0 to ${buckets - 1} of ${BUCKET_LEAVES} leaves`);
    }
    return {
      bucket,
      leaves: this.tree.leavesFrom(bucket * BUCKET_LEAVES, BUCKET_LEAVES),
      above: this.tree.siblingsAbove(BUCKET_LEVEL, bucket),
      root: this.tree.root,
      entry: this.ledgerCopy.head!,
    };
  }

  /** The Merkle path of a leaf under the current root. */
  path(index: number): MerkleProof {
    const person = this.person(index);
    if (person.revoked) throw new RealDidError("not_enrolled", `leaf ${index} is revoked`);
    return this.tree.proof(index);
  }

  indexOfNationalId(nationalId: string): number {
    const row = this.db.prepare("SELECT leaf_index FROM people WHERE national_id = ?").get(nationalId) as { leaf_index: number } | undefined;
    if (!row) throw new RealDidError("not_enrolled", `nobody with nationalId ${nationalId} is enrolled`);
    return row.leaf_index;
  }

  /** The real-name record behind a leaf index (attributes are stored normalised: decoded from their encoding). */
  record(index: number): RealNameRecord & { revoked: boolean } {
    const person = this.person(index);
    return { name: person.name, nationalId: person.national_id, attributes: JSON.parse(person.attributes) as PersonAttributes, revoked: person.revoked === 1 };
  }

  /** The person behind an escrowed handle (any leaf ever issued, also before a re-issue). */
  resolveHandle(handle: bigint): RealNameRecord & { revoked: boolean; leafIndex: number; issuedAt: string } {
    const row = this.db.prepare("SELECT leaf_index, issued_at FROM issued_leaves WHERE leaf = ?").get(handle.toString()) as { leaf_index: number; issued_at: string } | undefined;
    if (!row) throw new RealDidError("not_enrolled", "no credential was ever issued with this handle");
    return { ...this.record(row.leaf_index), leafIndex: row.leaf_index, issuedAt: row.issued_at };
  }

  /**
   * Resolution for a regulator: only for a case whose result is in an audit log signed
   * by the trusted audit key (the whole log is verified when it is read).
   */
  resolveCase(caseId: string, audit: AuditLog, trustedAuditKey: string): ReturnType<Registrar["resolveHandle"]> {
    if (audit.publicKey !== trustedAuditKey) throw new RealDidError("case_not_in_audit_log", "the audit log is not signed by the trusted regulator audit key");
    const result = audit.caseEvents(caseId).find((e) => e.event === "result");
    if (!result || typeof result.details.handle !== "string") throw new RealDidError("case_not_in_audit_log", `the audit log has no unmasking result for case ${caseId}: resolution refused`);
    return this.resolveHandle(BigInt(result.details.handle));
  }

  private person(index: number) {
    const row = this.db.prepare("SELECT * FROM people WHERE leaf_index = ?").get(index) as
      | { name: string; national_id: string; attributes: string; commitment: string; revoked: number }
      | undefined;
    if (!row) throw new RealDidError("not_enrolled", `no credential has leaf index ${index}`);
    return row;
  }

  /**
   * Applies `mutate` (rows + in-memory tree; it gets the sequence number of the ledger
   * entry it will be published under) and publishes the new root, in one SQLite
   * transaction that takes the write lock first and catches up with other writers. On any
   * failure the transaction rolls back and the in-memory tree and ledger are re-derived
   * from the store, so memory never runs ahead of disk.
   */
  private change<T>(now: Date, mutate: (seq: number) => T): T {
    const signer = this.signer;
    if (signer === undefined) throw new RealDidError("invalid_argument", "this registrar was opened read-only");
    let before: { root: bigint; size: number; entries: number } | undefined;
    try {
      return this.db
        .transaction(() => {
          this.catchUp();
          before = { root: this.tree.root, size: this.tree.size, entries: this.ledgerCopy.length };
          const result = mutate(this.ledgerCopy.length);
          Registrar.insertEntry(this.db, this.ledgerCopy.publishRoot(this.tree.root, this.tree.size, now, signer));
          return result;
        })
        .immediate();
    } catch (error) {
      // A refusal before anything changed (e.g. already enrolled) needs no rebuild.
      if (before === undefined || this.tree.root !== before.root || this.tree.size !== before.size || this.ledgerCopy.length !== before.entries) this.reload();
      throw error;
    }
  }

  /** Within a transaction: applies what other processes committed since our ledger head. */
  private catchUp(): void {
    const known = this.ledgerCopy.length;
    const newer = this.ledgerRows(known);
    if (newer.length === 0) return;
    const changed = this.db.prepare("SELECT leaf_index, leaf, revoked FROM people WHERE changed_seq >= ? ORDER BY leaf_index").raw().all(known) as [number, string, number][];
    const appended: bigint[] = [];
    for (const [index, leaf, revoked] of changed) {
      const value = revoked ? EMPTY_LEAF : BigInt(leaf);
      if (index < this.tree.size) this.tree.update(index, value);
      else appended.push(value);
    }
    this.tree.insertMany(appended);
    for (const entry of newer) this.ledgerCopy.append(entry);
    if (this.ledgerCopy.head!.root !== this.tree.root.toString()) this.reload(); // e.g. rows written before changed_seq existed
  }

  private reload(): void {
    this.tree = this.loadTree();
    this.ledgerCopy = this.loadLedger();
  }

  private ledgerRows(fromSeq: number): LedgerEntry[] {
    return this.db.prepare("SELECT seq, root, tree_size AS treeSize, time, prev_hash AS prevHash, signature FROM ledger WHERE seq >= ? ORDER BY seq").all(fromSeq) as LedgerEntry[];
  }

  private loadTree(): RegistryTree {
    const tree = new RegistryTree(TREE_HEIGHT, this.hasher);
    const rows = this.db.prepare("SELECT leaf, revoked FROM people ORDER BY leaf_index").raw().all() as [string, number][];
    tree.insertMany(rows.map(([leaf, revoked]) => (revoked ? EMPTY_LEAF : BigInt(leaf))));
    return tree;
  }

  private loadLedger(): RootLedger {
    const ledger = new RootLedger(this.publicKeyHex, this.ledgerRows(0));
    if (ledger.head?.root !== this.tree.root.toString()) {
      throw new Error(`registrar store is inconsistent: the ledger head root is not the tree's root`);
    }
    return ledger;
  }

  private static insertEntry(db: Database.Database, e: LedgerEntry): void {
    db.prepare("INSERT INTO ledger (seq, root, tree_size, time, prev_hash, signature) VALUES (?, ?, ?, ?, ?, ?)").run(e.seq, e.root, e.treeSize, e.time, e.prevHash, e.signature);
  }
}
