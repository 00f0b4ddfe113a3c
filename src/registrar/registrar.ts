import { chmodSync, existsSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import Database from "better-sqlite3";
import { ATTRIBUTE_SLOTS, decodeAttributes, type EncodedAttributes, encodeAttributes, type PersonAttributes } from "../attributes/attributes.js";
import { toFieldElement } from "../crypto/field.js";
import { FastPoseidon } from "../crypto/fast-poseidon.js";
import type { PoseidonPool } from "../crypto/poseidon-pool.js";
import { REFERENCE_HASHER, type RegistryHasher } from "../crypto/poseidon.js";
import { type ErrorCode, RealDidError } from "../errors.js";
import { changeDocument, changedLeaf, ledgerChangeOf } from "../ledger/ledger-change.js";
import { changeColumn, type LedgerEntry } from "../ledger/ledger-entry.js";
import { RootLedger } from "../ledger/root-ledger.js";
import { type MandateCredential, mandateCredential } from "../business/mandate-credential.js";
import { issueRealDidCredential } from "../credential/issue-credential.js";
import type { RealDidCredential } from "../credential/realdid-credential.js";
import { type CredentialFile, credentialFile } from "../registry/credential.js";
import { SHARD_LEVEL, SHARD_SLOTS, shardOfLeaf, shardOfRegion } from "../registry/province-shards.js";
import { BUCKET_LEAVES, BUCKET_LEVEL, EMPTY_LEAF, type MerkleProof, MemoryTreeNodes, RegistryTree, TREE_HEIGHT } from "../registry/registry-tree.js";
import type { AuditLog } from "../regulator/audit-log.js";
import {
  type ActivePerson,
  BusinessRegistry,
  checkGrant,
  type EnterpriseEnrollment,
  type EnterpriseRecord,
  type MandateGrant,
  type MandateRecord,
  parseEnterpriseEnrollment,
  type ReserveLeaves,
  type TreeChange,
  type WrittenMandate,
} from "./business-registry.js";
import { ENTERPRISE_STATUSES, type EnterpriseStatus } from "./enterprise-status.js";
import { nationalIdBirthDate } from "./national-id.js";
import { upgradePlaintextStore } from "./plaintext-upgrade.js";
import { PostgresRegistrarDatabase } from "./postgres-registrar-database.js";
import { RecordVault, type SealedPerson } from "./record-vault.js";
import { existingValues, isPersonAlreadyEnrolled, type RegistrarDatabase, type SqlTransaction } from "./registrar-database.js";
import { type KeyProtection, LocalKeyProvider, REGISTRAR_KEYS_FILE, type RegistrarKeyProvider, type RegistrarUnlock, unlockKeys } from "./registrar-keys.js";
import { SqliteRegistrarDatabase } from "./sqlite-registrar-database.js";
import { DB_FILE, LEDGER_ROWS_FROM, ledgerEntriesOfRows, SCHEMA, treeNodesMissing, upgradeStoreSchema } from "./store-schema.js";
import { bucketRanges, type NodeRange, nodeRowsOf, nodesStatement, rangesAlongPaths, type StoredNodeRow, storedShardSizes, StoredTreeNodes } from "./stored-tree.js";

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

/** The data folder mode 700 and the registrar's files in it 600 (an older store had 755 and 644). */
function ownerOnly(dataDir: string): void {
  chmodSync(dataDir, 0o700);
  for (const name of [DB_FILE, `${DB_FILE}-wal`, `${DB_FILE}-shm`, REGISTRAR_KEYS_FILE]) {
    if (existsSync(join(dataDir, name))) chmodSync(join(dataDir, name), 0o600);
  }
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

/** The records of a batch, checked and encoded; refused whole, naming the first bad record. */
function validateBatch(requests: readonly EnrollmentRequest[], now: Date): { where: string; record: RealNameRecord; commitment: bigint; encoded: EncodedAttributes }[] {
  if (!Array.isArray(requests) || requests.length === 0) throw new RealDidError("invalid_argument", "nothing to enroll");
  const today = now.toISOString().slice(0, 10);
  return requests.map((request, i) => {
    const where = `record ${i + 1}`;
    const encoded = validateRecord(request?.record, today, where);
    const commitment = toFieldElement(`${where} commitment`, request.commitment);
    return { where, record: { ...request.record, attributes: decodeAttributes(encoded) }, commitment, encoded };
  });
}

/** Batches prepareEnrollment made: enroll trusts their leaves, so it takes no other object for one. */
const PREPARED_HERE = new WeakSet<PreparedEnrollment>();

/** A batch validated and hashed by Registrar.prepareEnrollment, for Registrar.enroll. */
export interface PreparedEnrollment {
  readonly prepared: true;
  readonly now: Date;
  readonly people: readonly { where: string; record: RealNameRecord; commitment: bigint; encoded: EncodedAttributes; leaf: bigint }[];
  /** The workers that hashed the leaves: enroll hashes the tree's long levels on them too, while they are open. */
  readonly pool?: PoseidonPool;
}

/** A province shard in use: where its leaves are, how many, and its subtree's root (see province-shards.ts). */
export interface ShardInfo {
  readonly slot: number;
  readonly province: string | null;
  readonly firstLeaf: number;
  readonly size: number;
  readonly firstBucket: number;
  readonly buckets: number;
  readonly root: bigint;
}

/** The tree as GET /v1/tree describes it. */
export interface TreeInfo {
  /** Leaf slots in use in all shards (the ledger entry's tree size). */
  readonly size: number;
  readonly root: bigint;
  readonly shards: readonly ShardInfo[];
  readonly entry: LedgerEntry;
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
 * The registrar: real-name records, the registry tree's nodes and the signed root ledger
 * in one SQLite store. Every change is one transaction that writes the records, the tree
 * nodes it changed and the ledger entry for the new root together: a crash leaves either
 * all of it or none of it. The tree is read from the store as it is needed (opening reads
 * no leaf), so several processes can share a store: a change takes SQLite's write lock
 * first, and the ledger copy in memory catches up with entries other processes committed.
 */
/** Where a registrar's store is: its data folder's SQLite file (the default), or a PostgreSQL database its front ends share. */
export interface StoreLocation {
  /** A postgres:// URL. The data folder then holds only the registrar's sealed key file. */
  database?: string;
}

/** What a change's step gets: its transaction, the ledger entry's sequence number, the record vault, and leaf slots. */
interface ChangeContext {
  readonly tx: SqlTransaction;
  readonly seq: number;
  readonly vault: RecordVault;
  /** New leaf slots in the shard of a region's province, refused when the shard has no room for them. */
  reserve: ReserveLeaves;
}

/**
 * The registrar: real-name records, the registry tree's nodes and the signed root ledger
 * in one store (SQLite in its data folder, or PostgreSQL for several front ends). Every
 * change is one transaction that writes the records, the tree nodes it changed and the
 * ledger entry for the new root together: a crash leaves either all of it or none of it.
 * The tree is read from the store as it is needed (opening reads no leaf), so several
 * processes can share a store: a change is the store's only writer until it commits, or
 * an enrollment its provinces' shards' until it takes the tree's top (the database
 * enforces it; see writeChange), and the ledger copy in memory catches up with entries other
 * processes committed. The copy only ever holds stored entries: a change signs its entry,
 * stores it, and the copy takes it after the commit.
 */
export class Registrar {
  private readonly vault: RecordVault | undefined;
  private readonly business: BusinessRegistry;

  private constructor(
    private readonly db: RegistrarDatabase,
    private readonly publicKeyHex: string,
    /** Absent when the registrar was opened without its keys: it answers and catches up, it reads and changes no record. */
    private readonly keys: RegistrarKeyProvider | undefined,
    private readonly hasher: RegistryHasher,
    private ledgerCopy: RootLedger,
  ) {
    this.vault = keys && new RecordVault(keys);
    this.business = new BusinessRegistry(() => this.unlocked());
  }

  /** A registrar over an open store: its ledger is read with the tree's root, on one snapshot. */
  private static async over(db: RegistrarDatabase, keys: RegistrarKeyProvider | undefined, hasher: RegistryHasher): Promise<Registrar> {
    const { publicKey, ledger } = await db.read(async (tx) => {
      const row = await tx.get<{ value: string }>("SELECT value FROM meta WHERE key = 'publicKey'");
      if (row === undefined) throw new RealDidError("registrar_missing", `no registrar in ${db.location} (run: realdid registrar init)`);
      return { publicKey: row.value, ledger: await Registrar.loadLedger(tx, row.value, hasher) };
    });
    if (keys && keys.ledgerSigner.publicKey !== publicKey) throw new RealDidError("wrong_key", `these keys belong to another registrar (ledger key ${keys.ledgerSigner.publicKey}, this store's is ${publicKey})`);
    return new Registrar(db, publicKey, keys, hasher, ledger);
  }

  /**
   * Creates a registrar: the sealed key file in `dataDir` (made mode 700, its files 600;
   * ledger key, blind-index key, master key; or the operator's own provider), the store (a
   * SQLite file beside it, or the tables of a PostgreSQL database) and the genesis entry.
   */
  static async init(dataDir: string, unlock: RegistrarUnlock, { now = new Date(), database }: { now?: Date } & StoreLocation = {}): Promise<Registrar> {
    const exists = (where: string) => new RealDidError("registrar_exists", `a registrar already exists in ${where}`);
    if (database === undefined && existsSync(join(dataDir, DB_FILE))) throw exists(dataDir);
    const postgres = database === undefined ? undefined : await PostgresRegistrarDatabase.open(database, { create: true });
    let db: RegistrarDatabase | undefined = postgres;
    let made: string[] = [];
    try {
      const written = async (tx: SqlTransaction) => (await tx.get("SELECT 1 FROM meta WHERE key = 'publicKey'")) !== undefined;
      if (postgres && (await postgres.read(written))) throw exists(postgres.location);
      mkdirSync(dataDir, { recursive: true, mode: 0o700 });
      ownerOnly(dataDir);
      // The keys first: a refused key file leaves no store behind.
      const keys = "provider" in unlock ? unlock.provider : LocalKeyProvider.create(dataDir, unlock);
      if (!("provider" in unlock)) made.push(join(dataDir, REGISTRAR_KEYS_FILE));
      if (db === undefined) {
        db = Registrar.createSqliteStore(dataDir);
        made.push(...[DB_FILE, `${DB_FILE}-wal`, `${DB_FILE}-shm`].map((name) => join(dataDir, name)));
      }
      await db.write(async (tx) => {
        if (await written(tx)) throw exists(db!.location); // another front end initialised it meanwhile
        await tx.run("INSERT INTO meta (key, value) VALUES (?, ?)", ["publicKey", keys.ledgerSigner.publicKey]);
        await tx.run("INSERT INTO meta (key, value) VALUES (?, ?)", ["masterKeyId", keys.masterKeyId]);
        await Registrar.insertEntry(tx, new RootLedger(keys.ledgerSigner.publicKey).publishRoot(new RegistryTree().root, 0, now, keys.ledgerSigner));
      });
      made = [];
    } finally {
      await db?.close();
      // A registrar that was not created leaves no key file or store behind (a second init would refuse them).
      for (const file of made) rmSync(file, { force: true });
    }
    return Registrar.open(dataDir, { unlock, database });
  }

  /** A new SQLite store in `dataDir`, with its schema (the file is created exclusively: refused if one is there). */
  private static createSqliteStore(dataDir: string): SqliteRegistrarDatabase {
    const dbPath = join(dataDir, DB_FILE);
    // SQLite gives the -wal and -shm files the mode of the database file.
    writeFileSync(dbPath, "", { mode: 0o600, flag: "wx" });
    const connection = new Database(dbPath);
    try {
      connection.pragma("journal_mode = WAL");
      connection.exec(SCHEMA);
    } catch (error) {
      connection.close();
      rmSync(dbPath, { force: true });
      throw error;
    }
    return new SqliteRegistrarDatabase(connection, dbPath);
  }

  /**
   * Opens a registrar. With `unlock` it can read and change records; without, it only
   * answers (tree, buckets, paths, ledger) and catches up, as a registrar server does.
   */
  static async open(dataDir: string, { unlock, database }: { unlock?: RegistrarUnlock } & StoreLocation = {}): Promise<Registrar> {
    // The fast Poseidon (native; where it is not built, WebAssembly, ~1.3 s and ~150 MB to set
    // up): only a registrar that writes (it has its keys) hashes enough to need it; one that
    // answers reads stored nodes.
    let hasher: RegistryHasher = unlock ? await FastPoseidon.create() : REFERENCE_HASHER;
    let db: RegistrarDatabase;
    if (database === undefined) {
      const connection = Registrar.openSqlite(dataDir);
      try {
        upgradePlaintextStore(connection, dataDir, unlock);
        // An older store's first open computes its whole tree: that needs the fast Poseidon too.
        if (treeNodesMissing(connection) && hasher === REFERENCE_HASHER) hasher = await FastPoseidon.create();
        upgradeStoreSchema(connection, () => Registrar.storeTreeOfRecords(connection, hasher));
      } catch (error) {
        connection.close();
        throw error;
      }
      db = new SqliteRegistrarDatabase(connection, join(dataDir, DB_FILE));
    } else {
      db = await PostgresRegistrarDatabase.open(database);
    }
    try {
      const keys = unlock && unlockKeys(dataDir, unlock);
      const registrar = await Registrar.over(db, keys, hasher);
      if (keys) ownerOnly(dataDir);
      return registrar;
    } catch (error) {
      await db.close();
      throw error;
    }
  }

  /** The data folder's SQLite store, opened with the registrar's settings. */
  private static openSqlite(dataDir: string): Database.Database {
    const dbPath = join(dataDir, DB_FILE);
    if (!existsSync(dbPath)) throw new RealDidError("registrar_missing", `no registrar in ${dataDir} (run: realdid registrar init --data ${dataDir})`);
    const connection = new Database(dbPath);
    try {
      connection.pragma("journal_mode = WAL");
      connection.pragma("synchronous = FULL");
      connection.pragma("busy_timeout = 10000");
      // Up to 256 MiB of page cache (SQLite's default is 2 MiB): enrollment inserts into unique
      // indexes of random blind-index keys, which soon outgrow a small cache (+13% at 200,000 people).
      connection.pragma("cache_size = -262144");
      // Freed pages are zeroed: a rewritten record, a re-wrapped data key or an upgraded plaintext row leaves nothing behind.
      connection.pragma("secure_delete = ON");
      return connection;
    } catch (error) {
      connection.close();
      throw error;
    }
  }

  /**
   * Rotates the master key of a registrar whose keys are in its sealed key file: a new master
   * key, every data key re-wrapped under it (records are not touched), the old one retired.
   * `reseal` seals the key file under another passphrase or key file at the same time.
   */
  static async rotateMasterKey(
    dataDir: string,
    protection: KeyProtection,
    reseal: KeyProtection = protection,
    { database }: StoreLocation = {},
  ): Promise<{ rewrapped: number; masterKeyId: string; retired: string[] }> {
    const registrar = await Registrar.open(dataDir, { unlock: protection, database });
    // Each step is the store's only writer and re-reads the key file then: two rotations
    // never interleave, and no writer wraps a data key between the steps.
    try {
      const { rotated, rewrapped } = await registrar.db.write(async (tx) => {
        const rotated = LocalKeyProvider.open(dataDir, protection).addMasterKey(dataDir, reseal);
        const rewrapped = await new RecordVault(rotated).rewrap(tx);
        await tx.run("UPDATE meta SET value = ? WHERE key = 'masterKeyId'", [rotated.masterKeyId]);
        return { rotated, rewrapped };
      });
      // After the re-wrap committed: a crash before this line leaves the old key in the file, unused.
      const { retired } = await registrar.db.write(async (tx) => {
        const wrapping = await tx.all<{ id: string }>("SELECT DISTINCT master_key_id AS id FROM data_keys");
        return LocalKeyProvider.open(dataDir, reseal).retireMasterKeys(dataDir, reseal, new Set(wrapping.map((row) => row.id)));
      });
      return { rewrapped, masterKeyId: rotated.masterKeyId, retired };
    } finally {
      await registrar.close();
    }
  }

  async close(): Promise<void> {
    await this.db.close();
  }

  get publicKey(): string {
    return this.publicKeyHex;
  }

  get ledger(): RootLedger {
    return this.ledgerCopy;
  }

  /**
   * Validates a batch (refused whole if one record is bad) and computes its leaves on a
   * PoseidonPool's worker threads, without touching the store: a bulk loader prepares the
   * next batch while `enroll` writes this one (the leaf hash is half of an enrollment's work).
   */
  async prepareEnrollment(requests: readonly EnrollmentRequest[], pool: PoseidonPool, now: Date = new Date()): Promise<PreparedEnrollment> {
    const people = validateBatch(requests, now);
    const leaves = await pool.hashMany(1 + ATTRIBUTE_SLOTS.length, people.flatMap(({ commitment, encoded }) => [commitment, ...encoded]));
    const prepared: PreparedEnrollment = { prepared: true, now, people: people.map((person, i) => ({ ...person, leaf: leaves[i] })), pool };
    PREPARED_HERE.add(prepared);
    return prepared;
  }

  /**
   * Enrolls a batch: validates every record first (nothing is written if one is bad), then
   * adds the leaves and publishes one ledger entry, in one transaction. A batch made by
   * prepareEnrollment was validated then, and is enrolled at the time it was prepared for.
   */
  async enroll(batch: readonly EnrollmentRequest[] | PreparedEnrollment, now: Date = new Date()): Promise<CredentialFile[]> {
    this.unlocked(); // before any work: a registrar without its keys changes nothing
    if ("prepared" in batch) {
      if (!PREPARED_HERE.has(batch)) throw new RealDidError("invalid_argument", "a prepared enrollment must come from Registrar.prepareEnrollment");
      return this.writeEnrollment(batch);
    }
    return this.writeEnrollment({ prepared: true, now, people: validateBatch(batch, now).map((person) => ({ ...person, leaf: this.hasher.hashLeaf(person.commitment, person.encoded) })) });
  }

  private async writeEnrollment({ people: prepared, now, pool }: PreparedEnrollment): Promise<CredentialFile[]> {
    const indexed = prepared.map((p) => ({ ...p, idIndex: this.nationalIdIndex(p.record.nationalId), commitmentIndex: this.commitmentIndex(p.commitment) }));
    const shards = [...new Set(prepared.map(({ record }) => shardOfRegion(record.attributes.region)))];
    const { vault } = this.unlocked();
    const seenIds = new Set<string>();
    const seenCommitments = new Set<string>();
    for (const { where, record, idIndex, commitmentIndex } of indexed) {
      if (seenIds.has(idIndex)) throw new RealDidError("already_enrolled", `${where}: nationalId ${record.nationalId} is twice in this batch`);
      if (seenCommitments.has(commitmentIndex)) throw new RealDidError("already_enrolled", `${where}: this identity commitment is twice in this batch`);
      seenIds.add(idIndex);
      seenCommitments.add(commitmentIndex);
    }
    // People already enrolled are found by the unique indexes the insert checks anyway (a
    // look-up of every blind index first cost about 5% of an enrollment at a million people).
    // Only its provinces' shards are locked while the records are written (see writeChange).
    // Their changed_seq stays 0 ("as enrolled"): the ledger entry is not numbered until the end.
    const { result: slots } = await this.writeChange(now, shards, async (tx, reserve) => {
      // Each person in the next slot of their province's shard: a batch is one run of slots per province.
      const slots = indexed.map(({ record }) => reserve(record.attributes.region, 1));
      const dataKey = await vault.newDataKey(tx);
      const at = now.toISOString();
      const people = indexed.map(({ record, commitment, leaf, idIndex, commitmentIndex }, i) => [
        slots[i],
        idIndex,
        commitmentIndex,
        dataKey.seal(slots[i], { ...record, commitment: commitment.toString() }),
        dataKey.id,
        leaf.toString(),
        at,
        at,
      ]);
      // In blind-index order: two front ends enrolling some of the same people in different shards meet on the first of them, not in a deadlock.
      people.sort((a, b) => (a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0));
      await tx.insertRows("people", ["leaf_index", "national_id_index", "commitment_index", "record", "data_key_id", "leaf", "enrolled_at", "updated_at"], people);
      await tx.insertRows("issued_leaves", ["leaf", "leaf_index", "issued_at"], indexed.map(({ leaf }, i) => [leaf.toString(), slots[i], at]));
      return { document: changeDocument("enroll", prepared.map((p, i) => changedLeaf(slots[i], p.leaf))), result: slots };
    }, pool).catch(async (error: unknown) => {
      // SQLite's refusal comes as it is, PostgreSQL's as already_enrolled (it keeps the connection): either way, name who.
      throw isPersonAlreadyEnrolled(error) || (error instanceof RealDidError && error.code === "already_enrolled") ? ((await this.alreadyEnrolled(indexed)) ?? error) : error;
    });
    return prepared.map(({ record, commitment, leaf }, i) => credentialFile(this.publicKey, slots[i], commitment, record.attributes, leaf, now));
  }

  /** Why a batch whose insert met a taken unique key was refused: its first person enrolled already (none when the other batch that held the key rolled back). */
  private async alreadyEnrolled(people: readonly { where: string; record: RealNameRecord; idIndex: string; commitmentIndex: string }[]): Promise<RealDidError | undefined> {
    const [idsTaken, commitmentsTaken] = await this.db.read(async (tx) => [
      await existingValues(tx, "people", "national_id_index", people.map((p) => p.idIndex)),
      await existingValues(tx, "people", "commitment_index", people.map((p) => p.commitmentIndex)),
    ]);
    for (const { where, record, idIndex, commitmentIndex } of people) {
      if (idsTaken.has(idIndex)) return new RealDidError("already_enrolled", `${where}: nationalId ${record.nationalId} is already enrolled`);
      if (commitmentsTaken.has(commitmentIndex)) return new RealDidError("already_enrolled", `${where}: this identity commitment is already enrolled`);
    }
    return undefined;
  }

  /** Revokes a credential: its leaf becomes empty and a new root is published. */
  async revoke(index: number, now: Date = new Date()): Promise<LedgerEntry> {
    const { entry } = await this.change(now, async ({ tx, seq }) => {
      if ((await this.row(tx, index)).revoked) throw new RealDidError("not_enrolled", `leaf ${index} is already revoked`);
      await tx.run("UPDATE people SET revoked = 1, updated_at = ?, changed_seq = ? WHERE leaf_index = ?", [now.toISOString(), seq, index]);
      return { document: changeDocument("revoke", [changedLeaf(index, EMPTY_LEAF)]), result: undefined };
    });
    return entry;
  }

  /** Re-issues a credential with new attributes (e.g. a renewed expiry); the old leaf stops proving. */
  async reissue(index: number, attributes: PersonAttributes, now: Date = new Date()): Promise<CredentialFile> {
    const person = await this.db.read((tx) => this.sealedPerson(tx, index));
    const encoded = validateRecord({ ...person, attributes }, now.toISOString().slice(0, 10), `leaf ${index}`);
    const commitment = BigInt(person.commitment);
    const leaf = this.hasher.hashLeaf(commitment, encoded);
    await this.change(now, async ({ tx, seq, vault }) => {
      const dataKey = await vault.newDataKey(tx);
      const sealed = dataKey.seal(index, { ...person, attributes: decodeAttributes(encoded) });
      const at = now.toISOString();
      await tx.run("UPDATE people SET record = ?, data_key_id = ?, leaf = ?, revoked = 0, updated_at = ?, changed_seq = ? WHERE leaf_index = ?", [sealed, dataKey.id, leaf.toString(), at, seq, index]);
      await tx.run("INSERT INTO issued_leaves (leaf, leaf_index, issued_at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING", [leaf.toString(), index, at]);
      return { document: changeDocument("reissue", [changedLeaf(index, leaf)]), result: undefined };
    });
    return credentialFile(this.publicKey, index, commitment, attributes, leaf, now);
  }

  /**
   * The Verifiable Credentials of enrolled or re-issued leaves (what `enroll` and `reissue`
   * return), signed with the ledger key after their transaction committed: one by one, a
   * few milliseconds each (RDF canonicalization), so a batch of thousands takes seconds.
   */
  async signCredentials(files: readonly CredentialFile[]): Promise<RealDidCredential[]> {
    const { keys } = this.unlocked();
    const signed: RealDidCredential[] = [];
    for (const file of files) signed.push(await issueRealDidCredential(file, keys.ledgerSigner));
    return signed;
  }

  /**
   * Catches up with changes other processes committed since this one last looked: their
   * ledger entries (each verified) are appended to the copy in memory; the tree is in the
   * store already. Cheap when nothing changed: one indexed lookup.
   */
  async sync(): Promise<void> {
    await this.db.read((tx) => this.catchUp(tx));
  }

  /** Bucket `bucket` of the current tree (see BUCKET_LEAVES), for path refresh without naming a leaf. */
  async bucket(bucket: number): Promise<Bucket> {
    return this.snapshot(async (tx, entry) => {
      const shards = await storedShardSizes(tx);
      if (!shards.hasBucket(bucket)) {
        const held = shards.inUse().map(({ province, firstBucket, buckets }) => `${firstBucket} to ${firstBucket + buckets - 1} (province ${province})`);
        throw new RealDidError("bucket_out_of_range", `bucket ${bucket} holds no leaf: ${held.length === 0 ? "the registry is empty" : `the registry's buckets of ${BUCKET_LEAVES} leaves are ${held.join(", ")}`}`);
      }
      const { tree } = await this.storedTree(tx, bucketRanges(TREE_HEIGHT, bucket));
      return { bucket, leaves: tree.leavesFrom(bucket * BUCKET_LEAVES, BUCKET_LEAVES), above: tree.siblingsAbove(BUCKET_LEVEL, bucket), root: tree.root, entry };
    });
  }

  /** The tree's root, each province shard's size and root, and the ledger entry that published the root, read together. */
  async treeInfo(): Promise<TreeInfo> {
    return this.snapshot(async (tx, entry) => {
      const shards = await storedShardSizes(tx);
      const { tree } = await this.storedTree(tx, [{ level: TREE_HEIGHT, first: 0, last: 0 }, { level: SHARD_LEVEL, first: 0, last: SHARD_SLOTS - 1 }]);
      const shardRoots = tree.nodesAt(SHARD_LEVEL, 0, SHARD_SLOTS - 1);
      return { size: shards.total, root: tree.root, shards: shards.inUse().map((shard) => ({ ...shard, root: shardRoots[shard.slot] })), entry };
    });
  }

  /**
   * The Merkle path of a leaf (a person's, an enterprise's or a mandate's) under the current
   * root (`registrar path`). One statement reads the ledger's head, the leaf's state and the
   * path's nodes on one snapshot (a PostgreSQL transaction was five round trips). When
   * another front end published meanwhile, the ledger is caught up first and the nodes'
   * root checked against the head's entry; only if they differ is the path read again.
   */
  async path(index: number): Promise<MerkleProof> {
    if (!Number.isSafeInteger(index)) throw new RealDidError("not_enrolled", `no credential has leaf index ${index}`);
    const ranges = rangesAlongPaths(TREE_HEIGHT, [index]);
    const nodes = nodesStatement(ranges);
    const rows = await this.db.readStatement<StoredNodeRow & { head: number | null; revoked: number | null }>(
      `WITH head AS (SELECT (SELECT max(seq) FROM ledger) AS head, (SELECT revoked FROM registry_leaves WHERE leaf_index = ? LIMIT 1) AS revoked)
       SELECT head.head, head.revoked, nodes.level, nodes.idx, nodes.hash FROM head LEFT JOIN (${nodes.sql}) AS nodes ON 1 = 1`,
      [index, ...nodes.params],
    );
    const [{ head, revoked }] = rows;
    const stored = StoredTreeNodes.of(ranges, rows.filter(({ level }) => level !== null));
    if (head !== null && head >= this.ledgerCopy.length) await this.sync();
    const entry = head === null ? undefined : this.ledgerCopy.entry(head);
    const path = this.pathOf(index, revoked, stored);
    if (entry !== undefined && BigInt(entry.root) === path.root) return path;
    return this.snapshot(async (tx) => {
      const slot = await tx.get<{ revoked: number }>("SELECT revoked FROM registry_leaves WHERE leaf_index = ?", [index]);
      return this.pathOf(index, slot?.revoked, await StoredTreeNodes.load(tx, ranges));
    });
  }

  /** The path of leaf `index` over `nodes`, if its slot's `revoked` (undefined or null: no leaf there) says it is live. */
  private pathOf(index: number, revoked: number | null | undefined, nodes: StoredTreeNodes): MerkleProof {
    if (revoked == null) throw new RealDidError("not_enrolled", `no credential has leaf index ${index}`);
    if (revoked) throw new RealDidError("not_enrolled", `leaf ${index} is revoked`);
    return new RegistryTree(TREE_HEIGHT, this.hasher, nodes).proof(index);
  }

  /**
   * Runs `read` on one snapshot of the store (a read transaction, after catching up), with
   * the ledger entry that published the snapshot's root: the tree's nodes are read by
   * several statements, which another process's commit must not fall between.
   */
  private snapshot<T>(read: (tx: SqlTransaction, head: LedgerEntry) => Promise<T>): Promise<T> {
    return this.db.read(async (tx) => read(tx, await this.catchUp(tx)));
  }

  async indexOfNationalId(nationalId: string): Promise<number> {
    const row = await this.db.read((tx) => tx.get<{ leaf_index: number }>("SELECT leaf_index FROM people WHERE national_id_index = ?", [this.nationalIdIndex(nationalId)]));
    if (!row) throw new RealDidError("not_enrolled", `nobody with nationalId ${nationalId} is enrolled`);
    return row.leaf_index;
  }

  /** The real-name record behind a leaf index (attributes are stored normalised: decoded from their encoding). */
  async record(index: number): Promise<RealNameRecord & { revoked: boolean }> {
    return this.db.read((tx) => this.recordIn(tx, index));
  }

  private async recordIn(tx: SqlTransaction, index: number): Promise<RealNameRecord & { revoked: boolean }> {
    const { name, nationalId, attributes } = await this.sealedPerson(tx, index);
    return { name, nationalId, attributes, revoked: (await this.row(tx, index)).revoked === 1 };
  }

  /** The person behind an escrowed handle (any leaf ever issued, also before a re-issue). */
  async resolveHandle(handle: bigint): Promise<RealNameRecord & { revoked: boolean; leafIndex: number; issuedAt: string }> {
    return this.db.read(async (tx) => {
      const row = await tx.get<{ leaf_index: number; issued_at: string }>("SELECT leaf_index, issued_at FROM issued_leaves WHERE leaf = ?", [handle.toString()]);
      if (!row) throw new RealDidError("not_enrolled", "no credential was ever issued with this handle");
      return { ...(await this.recordIn(tx, row.leaf_index)), leafIndex: row.leaf_index, issuedAt: row.issued_at };
    });
  }

  /**
   * Resolution for a regulator: only for a case whose result is in an audit log signed
   * by the trusted audit key (the whole log is verified when it is read). A business
   * proof's case also has a `mandateHandle`: then the mandate, its enterprise and its
   * holder are resolved too.
   */
  async resolveCase(
    caseId: string,
    audit: AuditLog,
    trustedAuditKey: string,
  ): Promise<Awaited<ReturnType<Registrar["resolveHandle"]>> & { mandate?: Awaited<ReturnType<Registrar["resolveMandateHandle"]>> }> {
    if (audit.publicKey !== trustedAuditKey) throw new RealDidError("case_not_in_audit_log", "the audit log is not signed by the trusted regulator audit key");
    const result = audit.caseEvents(caseId).find((e) => e.event === "result");
    if (!result || typeof result.details.handle !== "string") throw new RealDidError("case_not_in_audit_log", `the audit log has no unmasking result for case ${caseId}: resolution refused`);
    const person = await this.resolveHandle(BigInt(result.details.handle));
    const { mandateHandle } = result.details;
    if (typeof mandateHandle !== "string") return person;
    const mandate = await this.resolveMandateHandle(BigInt(mandateHandle));
    // One proof's two handles: the mandate must be the unmasked person's, or the result pairs records that never met.
    if (mandate.agent.leafIndex !== person.leafIndex) throw new RealDidError("case_not_in_audit_log", `case ${caseId}: the mandate handle is not a mandate of the unmasked person: resolution refused`);
    return { ...person, mandate };
  }

  /**
   * Enrolls an enterprise (credit code with its check character, a known region, a name)
   * whose legal representative is enrolled and not revoked: one transaction writes the
   * enterprise's leaf and the representative's mandate (every task, from today while the
   * enterprise is active) and publishes one ledger entry. Returns the enterprise and the
   * representative's mandate credential.
   */
  async enrollEnterprise(request: EnterpriseEnrollment, now: Date = new Date()): Promise<{ enterprise: EnterpriseRecord; representativeMandate: MandateCredential }> {
    const enterprise = parseEnterpriseEnrollment(request);
    const { result: mandate } = await this.change(now, async ({ tx, seq, reserve }) => {
      const representative = await this.activePerson(tx, request.legalRepresentativeNationalId, "legalRepresentativeNationalId");
      return this.business.writeEnterprise(tx, enterprise, representative, reserve, seq, now);
    });
    return { enterprise: await this.enterprise(enterprise.creditCode), representativeMandate: this.mandateCredentialOf(mandate, now) };
  }

  /**
   * Writes a mandate the enterprise's legal representative granted. The caller has verified
   * the representative's proof for this grant; `evidence` (that proof and its public
   * signals) is kept, sealed, in the mandate's record, and the ledger entry commits to the
   * grant and the evidence. Refused unless the enterprise is active, the agent is enrolled
   * and not revoked, the mandate ends between today and five years from now, and the agent
   * does not already hold an active mandate with the same terms.
   */
  async grantMandate(grant: MandateGrant, evidence: object, now: Date = new Date()): Promise<MandateCredential> {
    const plainEvidence = checkGrant(grant, evidence, now.toISOString().slice(0, 10));
    const { result: mandate } = await this.change(now, async ({ tx, seq, reserve }) => {
      const agent = await this.activePerson(tx, grant.agentNationalId, "grant: agentNationalId");
      return this.business.writeGrant(tx, grant, plainEvidence, agent, reserve, seq, now);
    });
    return this.mandateCredentialOf(mandate, now);
  }

  /** Revokes a mandate: its leaf becomes empty (its handle still resolves) and a new root is published. */
  async revokeMandate(index: number, now: Date = new Date(), evidence?: object): Promise<LedgerEntry> {
    return (await this.change(now, ({ tx, seq }) => this.business.revokeMandate(tx, index, seq, now, evidence))).entry;
  }

  /**
   * Suspends or strikes off an enterprise (its leaf and every mandate of it are revoked in
   * the same transaction), or makes a suspended one active again: its leaf returns, its old
   * mandates do not, and its legal representative gets a new mandate (returned) if their
   * own credential is still valid. Struck off is final.
   */
  async setEnterpriseStatus(creditCode: string, status: EnterpriseStatus, now: Date = new Date()): Promise<{ entry: LedgerEntry; representativeMandate?: MandateCredential }> {
    if (!(ENTERPRISE_STATUSES as readonly unknown[]).includes(status)) throw new RealDidError("invalid_argument", `status must be one of ${ENTERPRISE_STATUSES.join(", ")}, received ${JSON.stringify(status)}`);
    const { result: mandate, entry } = await this.change(now, async ({ tx, seq, reserve }) => {
      const representative = status === "active" ? await this.activePersonOrNone(tx, (await this.business.enterprise(tx, creditCode)).legalRepresentative.nationalId) : undefined;
      return this.business.writeStatus(tx, creditCode, status, representative, reserve, seq, now);
    });
    return { entry, ...(mandate && { representativeMandate: this.mandateCredentialOf(mandate, now) }) };
  }

  /**
   * Records a new legal representative (enrolled, not revoked): the old one's mandate is
   * revoked and the new one's written in one transaction; returns the new mandate credential.
   */
  async changeRepresentative(creditCode: string, representativeNationalId: string, now: Date = new Date()): Promise<MandateCredential> {
    const { result: mandate } = await this.change(now, async ({ tx, seq, reserve }) =>
      this.business.writeRepresentative(tx, creditCode, await this.activePerson(tx, representativeNationalId, "legalRepresentativeNationalId"), reserve, seq, now),
    );
    return this.mandateCredentialOf(mandate, now);
  }

  /** An enterprise's record (its legal representative by ID number: needs the keys). */
  async enterprise(creditCode: string): Promise<EnterpriseRecord> {
    return this.db.read((tx) => this.business.enterprise(tx, creditCode));
  }

  /** An enterprise's public status: code, status, its leaf and the leaf's index (a registrar without keys answers it). */
  async enterpriseStatus(creditCode: string): Promise<Awaited<ReturnType<BusinessRegistry["status"]>>> {
    return this.db.read((tx) => this.business.status(tx, creditCode));
  }

  /** Every mandate of an enterprise, revoked ones included, in leaf order. */
  async mandatesOf(creditCode: string): Promise<MandateRecord[]> {
    return this.db.read((tx) => this.business.mandatesOf(tx, creditCode));
  }

  /** The mandate behind an escrowed mandate handle (its leaf, revoked or not), its enterprise and the person holding it. */
  async resolveMandateHandle(handle: bigint): Promise<{ mandate: MandateRecord; enterprise: EnterpriseRecord; agent: RealNameRecord & { revoked: boolean; leafIndex: number } }> {
    return this.db.read(async (tx) => {
      const mandate = await this.business.mandateByLeaf(tx, handle);
      return { mandate, enterprise: await this.business.enterprise(tx, mandate.enterpriseCode), agent: { ...(await this.recordIn(tx, mandate.agent.leafIndex)), leafIndex: mandate.agent.leafIndex } };
    });
  }

  private mandateCredentialOf({ terms, leaf, enterprise }: WrittenMandate, issuedAt: Date): MandateCredential {
    return mandateCredential(this.publicKey, enterprise, terms, leaf, issuedAt);
  }

  /** An enrolled person whose credential is not revoked, by ID number (`field` names them in a refusal). */
  private async activePerson(tx: SqlTransaction, nationalId: string, field: string): Promise<ActivePerson> {
    const row = typeof nationalId === "string" ? await tx.get<{ leaf_index: number; revoked: number }>("SELECT leaf_index, revoked FROM people WHERE national_id_index = ?", [this.nationalIdIndex(nationalId)]) : undefined;
    if (!row) throw new RealDidError("not_enrolled", `${field}: nobody with nationalId ${JSON.stringify(nationalId)} is enrolled`);
    if (row.revoked) throw new RealDidError("credential_revoked", `${field}: the credential of ${nationalId} (leaf ${row.leaf_index}) is revoked`);
    return { nationalId, leafIndex: row.leaf_index, commitment: BigInt((await this.sealedPerson(tx, row.leaf_index)).commitment) };
  }

  private async activePersonOrNone(tx: SqlTransaction, nationalId: string): Promise<ActivePerson | undefined> {
    try {
      return await this.activePerson(tx, nationalId, "legal representative");
    } catch (error) {
      if (error instanceof RealDidError && error.code === "credential_revoked") return undefined;
      throw error;
    }
  }

  private async row(tx: SqlTransaction, index: number): Promise<{ record: Buffer; data_key_id: number; revoked: number }> {
    const row = Number.isSafeInteger(index) ? await tx.get<{ record: Buffer; data_key_id: number; revoked: number }>("SELECT record, data_key_id, revoked FROM people WHERE leaf_index = ?", [index]) : undefined;
    if (!row) throw new RealDidError("not_enrolled", `no credential has leaf index ${index}`);
    return row;
  }

  private async sealedPerson(tx: SqlTransaction, index: number): Promise<SealedPerson> {
    const row = await this.row(tx, index);
    return this.unlocked().vault.open(tx, index, row.data_key_id, row.record);
  }

  private unlocked(): { vault: RecordVault; keys: RegistrarKeyProvider } {
    if (this.vault === undefined || this.keys === undefined) throw new RealDidError("keys_locked", "the registrar was opened without its keys: records are sealed (give --passphrase-env or --key-file)");
    return { vault: this.vault, keys: this.keys };
  }

  private nationalIdIndex(nationalId: string): string {
    return this.unlocked().keys.blindIndex(`national-id:${nationalId}`);
  }

  private commitmentIndex(commitment: bigint): string {
    return this.unlocked().keys.blindIndex(`commitment:${commitment}`);
  }

  /**
   * A change as the store's only writer from its start: `mutate` writes rows, given the
   * sequence number of the ledger entry it will be published under, and returns the change
   * document (see writeChange).
   */
  private async change<T>(now: Date, mutate: (context: ChangeContext) => Promise<TreeChange<T>>): Promise<{ result: T; entry: LedgerEntry }> {
    const { vault } = this.unlocked();
    return this.writeChange(now, undefined, async (tx, reserve) => {
      await this.catchUp(tx);
      return mutate({ tx, seq: this.ledgerCopy.length, vault, reserve });
    });
  }

  /**
   * Runs `mutate` (it writes rows and returns the change document), writes the document's
   * leaves into the tree, and stores the signed entry for the new root with the document's
   * digest, in one transaction. With `shards`, everything up to the shards' roots happens
   * while only other writers of these shards (and the store's only writers) wait: on
   * PostgreSQL, enrollments in other provinces overlap it; then, one enrollment at a time,
   * the shards' roots up to the national root and the ledger entry, after catching up with
   * the others. The ledger copy takes the entry
   * only once it is stored: a failure anywhere (at the commit too) leaves the copy as the
   * store is.
   */
  private async writeChange<T>(
    now: Date,
    shards: readonly number[] | undefined,
    mutate: (tx: SqlTransaction, reserve: ReserveLeaves) => Promise<TreeChange<T>>,
    pool?: PoseidonPool,
  ): Promise<{ result: T; entry: LedgerEntry }> {
    const { keys } = this.unlocked();
    const changed = await this.db.write(async (tx) => {
      const current = await Registrar.meta(tx, "masterKeyId");
      if (current !== keys.masterKeyId) {
        throw new RealDidError("keys_rotated", `the store's master key is ${current}, not these keys' ${keys.masterKeyId}: a rotation happened since they were read (open the registrar again) or did not finish (run rotate-master-key again)`);
      }
      const sizes = await storedShardSizes(tx);
      let reserved = 0;
      const { document, result } = await mutate(tx, (region, count) => {
        if (shards && !shards.includes(shardOfRegion(region))) throw new Error(`a change locked shards ${shards.join(", ")}, not the shard of region ${region}`);
        reserved += count;
        return sizes.reserve(region, count);
      });
      const leaves = document.leaves.map(({ index, leaf }) => ({ index, value: BigInt(leaf) }));
      const paths = rangesAlongPaths(TREE_HEIGHT, leaves.map((l) => l.index));
      const below = await this.storedTree(tx, paths.filter(({ level }) => level < SHARD_LEVEL));
      // With a pool, the long levels of a large change are hashed on its workers: this thread serves other front ends meanwhile.
      // A pool closed since the batch was prepared: here (one that stops while hashing fails the change, rolled back).
      if (pool === undefined || pool.closed) below.tree.setLeaves(leaves, SHARD_LEVEL);
      else await below.tree.setLeavesParallel(leaves, SHARD_LEVEL, pool);
      await below.nodes.flush(tx);
      await tx.exclusive();
      const head = await this.catchUp(tx);
      const above = await this.storedTree(tx, paths.filter(({ level }) => level >= SHARD_LEVEL));
      above.tree.rehashAbove(SHARD_LEVEL, leaves.map((l) => shardOfLeaf(l.index)));
      await above.nodes.flush(tx);
      // The slots in use: the last entry's count (other shards' changes included) and this change's new ones.
      const entry = this.ledgerCopy.signNextRoot(above.tree.root, head.treeSize + reserved, now, keys.ledgerSigner, ledgerChangeOf(document));
      await Registrar.insertEntry(tx, entry);
      return { result, entry };
    }, shards);
    this.ledgerCopy.sync([changed.entry]); // a catch-up that read it after the commit has it already
    return changed;
  }

  /** The registry tree over the stored nodes `ranges` covers, read in one go (see StoredTreeNodes). */
  private async storedTree(tx: SqlTransaction, ranges: readonly NodeRange[]): Promise<{ tree: RegistryTree; nodes: StoredTreeNodes }> {
    const nodes = await StoredTreeNodes.load(tx, ranges);
    return { tree: new RegistryTree(TREE_HEIGHT, this.hasher, nodes), nodes };
  }

  /**
   * Within a transaction: takes the ledger entries committed beyond our copy (each
   * verified; one another call took meanwhile must be identical) and returns the entry at
   * the head of what this transaction sees, checked against the stored tree's root when it
   * is new to us. A read on an older snapshot than the copy gets that snapshot's head.
   */
  private async catchUp(tx: SqlTransaction): Promise<LedgerEntry> {
    const { highest } = (await tx.get<{ highest: number }>("SELECT max(seq) AS highest FROM ledger"))!;
    if (highest >= this.ledgerCopy.length) {
      this.ledgerCopy.sync(ledgerEntriesOfRows(await tx.all(LEDGER_ROWS_FROM, [this.ledgerCopy.length])));
      await Registrar.checkHeadIsTreeRoot(tx, this.ledgerCopy.entry(highest)!, this.hasher);
    }
    return this.ledgerCopy.entry(highest)!;
  }

  /**
   * The root of the tree computed from scratch from the records (every leaf hashed again,
   * revoked ones as empty), the stored tree's root and the ledger head's: all three are
   * equal in a store that is whole. Reads the store directly (read-only), so it also runs on
   * a store that no longer opens because the stored root and the ledger head differ. A check
   * for operators and crash tests; costs a full rebuild in memory.
   */
  static async checkTree(dataDir: string, { database }: StoreLocation = {}): Promise<{ recomputedRoot: bigint; storedRoot: bigint; ledgerRoot: bigint; size: number }> {
    const hasher = await FastPoseidon.create();
    let db: RegistrarDatabase;
    if (database === undefined) {
      const dbPath = join(dataDir, DB_FILE);
      if (!existsSync(dbPath)) throw new RealDidError("registrar_missing", `no registrar in ${dataDir} (run: realdid registrar init --data ${dataDir})`);
      const connection = new Database(dbPath, { readonly: true });
      if (treeNodesMissing(connection)) {
        connection.close();
        throw new RealDidError("invalid_argument", `the store in ${dataDir} was written before the tree was stored: open it once (any registrar command) to compute it`);
      }
      db = new SqliteRegistrarDatabase(connection, dbPath);
    } else {
      db = await PostgresRegistrarDatabase.open(database);
    }
    try {
      return await db.read(async (tx) => {
        const stored = new RegistryTree(TREE_HEIGHT, hasher, await StoredTreeNodes.load(tx, rangesAlongPaths(TREE_HEIGHT, [])));
        const rebuilt = new RegistryTree(TREE_HEIGHT, hasher);
        rebuilt.setLeaves(leavesOfRows(await tx.all(LEAVES_OF_RECORDS)));
        const ledger = RootLedger.fromOwnStore(await Registrar.meta(tx, "publicKey"), ledgerEntriesOfRows(await tx.all(LEDGER_ROWS_FROM, [0])));
        return { recomputedRoot: rebuilt.root, storedRoot: stored.root, ledgerRoot: BigInt(ledger.head!.root), size: (await storedShardSizes(tx)).total };
      });
    } finally {
      await db.close();
    }
  }

  /** The tree of a SQLite store written before its nodes were kept: computed from the records once, in memory, and written. */
  private static storeTreeOfRecords(connection: Database.Database, hasher: RegistryHasher): void {
    const memory = new MemoryTreeNodes(TREE_HEIGHT);
    new RegistryTree(TREE_HEIGHT, hasher, memory).setLeaves(leavesOfRows(connection.prepare(LEAVES_OF_RECORDS).all()));
    const insert = connection.prepare("INSERT OR REPLACE INTO tree_nodes (level, idx, hash) VALUES (?, ?, ?)");
    for (const row of nodeRowsOf(memory)) insert.run(...row);
  }

  /** The ledger, every link checked and the head's signature, and its head's root checked against the stored tree's. */
  private static async loadLedger(tx: SqlTransaction, publicKey: string, hasher: RegistryHasher): Promise<RootLedger> {
    const ledger = RootLedger.fromOwnStore(publicKey, ledgerEntriesOfRows(await tx.all(LEDGER_ROWS_FROM, [0])));
    if (ledger.head === undefined) throw new RealDidError("store_tampered", "the registrar store's ledger is empty");
    await Registrar.checkHeadIsTreeRoot(tx, ledger.head, hasher);
    return ledger;
  }

  private static async checkHeadIsTreeRoot(tx: SqlTransaction, head: LedgerEntry, hasher: RegistryHasher): Promise<void> {
    const stored = new RegistryTree(TREE_HEIGHT, hasher, await StoredTreeNodes.load(tx, rangesAlongPaths(TREE_HEIGHT, []), 0));
    if (head.root !== stored.root.toString()) {
      throw new RealDidError("store_tampered", "the registrar store is inconsistent: the ledger head's root is not the stored tree's root (run: realdid registrar check-tree)");
    }
  }

  private static async meta(tx: SqlTransaction, key: string): Promise<string> {
    const row = await tx.get<{ value: string }>("SELECT value FROM meta WHERE key = ?", [key]);
    if (row === undefined) throw new RealDidError("store_tampered", `the registrar store has no ${key}`);
    return row.value;
  }

  private static async insertEntry(tx: SqlTransaction, e: LedgerEntry): Promise<void> {
    await tx.run("INSERT INTO ledger (seq, root, tree_size, time, prev_hash, signature, change) VALUES (?, ?, ?, ?, ?, ?, ?)", [e.seq, e.root, e.treeSize, e.time, e.prevHash, e.signature, changeColumn(e)]);
  }
}

/** Every slot's leaf, in index order (see leavesOfRows). */
const LEAVES_OF_RECORDS = "SELECT leaf_index, leaf, revoked FROM registry_leaves ORDER BY leaf_index";

/** Leaves as the tree holds them (0 once revoked), at their slots. */
function leavesOfRows(rows: readonly unknown[]): { index: number; value: bigint }[] {
  return (rows as { leaf_index: number; leaf: string; revoked: number }[]).map(({ leaf_index, leaf, revoked }) => ({ index: leaf_index, value: revoked ? EMPTY_LEAF : BigInt(leaf) }));
}
