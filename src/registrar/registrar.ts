import { chmodSync, existsSync, mkdirSync, writeFileSync } from "node:fs";
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
  type TreeChange,
  type WrittenMandate,
} from "./business-registry.js";
import { ENTERPRISE_STATUSES, type EnterpriseStatus } from "./enterprise-status.js";
import { nationalIdBirthDate } from "./national-id.js";
import { RecordVault, type SealedPerson } from "./record-vault.js";
import { DB_FILE, readLedgerRows, SCHEMA, treeNodesMissing, upgradeStoreSchema } from "./store-schema.js";
import { type KeyProtection, LocalKeyProvider, REGISTRAR_KEYS_FILE, type RegistrarKeyProvider, type RegistrarUnlock, unlockKeys } from "./registrar-keys.js";
import { upgradePlaintextStore } from "./plaintext-upgrade.js";
import { SqliteTreeNodes } from "./sqlite-tree-nodes.js";

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
export class Registrar {
  private readonly tree: RegistryTree;
  private ledgerCopy: RootLedger;
  private readonly vault: RecordVault | undefined;
  private readonly business: BusinessRegistry;

  private constructor(
    private readonly db: Database.Database,
    private readonly publicKeyHex: string,
    /** Absent when the registrar was opened without its keys: it answers and catches up, it reads and changes no record. */
    private readonly keys: RegistrarKeyProvider | undefined,
    private readonly hasher: RegistryHasher,
  ) {
    this.vault = keys && new RecordVault(db, keys);
    this.business = new BusinessRegistry(db, () => this.unlocked());
    this.tree = new RegistryTree(TREE_HEIGHT, hasher, new SqliteTreeNodes(db));
    this.ledgerCopy = db.transaction(() => this.loadLedger())(); // ledger and tree root on one snapshot
  }

  /**
   * Creates a registrar in `dataDir` (made mode 700, its files 600): the sealed key file
   * (ledger key, blind-index key, master key; or the operator's own provider), the store
   * and the genesis ledger entry.
   */
  static async init(dataDir: string, unlock: RegistrarUnlock, { now = new Date() } = {}): Promise<Registrar> {
    const dbPath = join(dataDir, DB_FILE);
    if (existsSync(dbPath)) throw new RealDidError("registrar_exists", `a registrar already exists in ${dataDir}`);
    mkdirSync(dataDir, { recursive: true, mode: 0o700 });
    ownerOnly(dataDir);
    const keys = "provider" in unlock ? unlock.provider : LocalKeyProvider.create(dataDir, unlock);
    // SQLite gives the -wal and -shm files the mode of the database file.
    writeFileSync(dbPath, "", { mode: 0o600, flag: "wx" });
    const db = new Database(dbPath);
    db.pragma("journal_mode = WAL");
    db.transaction(() => {
      db.exec(SCHEMA);
      const meta = db.prepare("INSERT INTO meta (key, value) VALUES (?, ?)");
      meta.run("publicKey", keys.ledgerSigner.publicKey);
      meta.run("masterKeyId", keys.masterKeyId);
      Registrar.insertEntry(db, new RootLedger(keys.ledgerSigner.publicKey).publishRoot(new RegistryTree().root, 0, now, keys.ledgerSigner));
    })();
    db.close();
    return Registrar.open(dataDir, { unlock });
  }

  /**
   * Opens a registrar. With `unlock` it can read and change records; without, it only
   * answers (tree, buckets, paths, ledger) and catches up, as a registrar server does.
   */
  static async open(dataDir: string, { unlock }: { unlock?: RegistrarUnlock } = {}): Promise<Registrar> {
    const dbPath = join(dataDir, DB_FILE);
    if (!existsSync(dbPath)) throw new RealDidError("registrar_missing", `no registrar in ${dataDir} (run: realdid registrar init --data ${dataDir})`);
    const db = new Database(dbPath);
    try {
      db.pragma("journal_mode = WAL");
      db.pragma("synchronous = FULL");
      db.pragma("busy_timeout = 10000");
      // Up to 256 MiB of page cache (SQLite's default is 2 MiB): enrollment inserts into unique
      // indexes of random blind-index keys, which soon outgrow a small cache (+13% at 200,000 people).
      db.pragma("cache_size = -262144");
      // Freed pages are zeroed: a rewritten record, a re-wrapped data key or an upgraded plaintext row leaves nothing behind.
      db.pragma("secure_delete = ON");
      upgradePlaintextStore(db, dataDir, unlock);
      // The fast WebAssembly Poseidon costs ~1.3 s and ~150 MB to set up: only a registrar that
      // writes (it has its keys) hashes enough to need it; one that answers reads stored nodes.
      // An older store's first open computes its whole tree: that needs it too.
      const hasher = unlock || treeNodesMissing(db) ? await FastPoseidon.create() : REFERENCE_HASHER;
      upgradeStoreSchema(db, () => Registrar.storeTreeOfRecords(db, hasher));
      const publicKey = Registrar.meta(db, "publicKey");
      const keys = unlock && unlockKeys(dataDir, unlock);
      if (keys && keys.ledgerSigner.publicKey !== publicKey) throw new RealDidError("wrong_key", `these keys belong to another registrar (ledger key ${keys.ledgerSigner.publicKey}, this store's is ${publicKey})`);
      if (keys) ownerOnly(dataDir);
      return new Registrar(db, publicKey, keys, hasher);
    } catch (error) {
      db.close();
      throw error;
    }
  }

  /**
   * Rotates the master key of a registrar whose keys are in its sealed key file: a new master
   * key, every data key re-wrapped under it (records are not touched), the old one retired.
   * `reseal` seals the key file under another passphrase or key file at the same time.
   */
  static async rotateMasterKey(dataDir: string, protection: KeyProtection, reseal: KeyProtection = protection): Promise<{ rewrapped: number; masterKeyId: string; retired: string[] }> {
    const registrar = await Registrar.open(dataDir, { unlock: protection });
    // Each step holds the store's write lock and re-reads the key file under it: two
    // rotations never interleave, and no writer wraps a data key between the steps.
    const underLock = <T>(step: () => T): T => registrar.db.transaction(step).immediate();
    try {
      const { rotated, rewrapped } = underLock(() => {
        const rotated = LocalKeyProvider.open(dataDir, protection).addMasterKey(dataDir, reseal);
        return { rotated, rewrapped: Registrar.rewrap(registrar.db, rotated) };
      });
      // After the re-wrap committed: a crash before this line leaves the old key in the file, unused.
      const { retired } = underLock(() => {
        const wrapping = registrar.db.prepare("SELECT DISTINCT master_key_id FROM data_keys").pluck().all() as string[];
        return LocalKeyProvider.open(dataDir, reseal).retireMasterKeys(dataDir, reseal, new Set(wrapping));
      });
      return { rewrapped, masterKeyId: rotated.masterKeyId, retired };
    } finally {
      registrar.close();
    }
  }

  /** Within a transaction: every data key under `keys`' current master key, which becomes the store's. */
  private static rewrap(db: Database.Database, keys: RegistrarKeyProvider): number {
    const count = new RecordVault(db, keys).rewrap();
    db.prepare("UPDATE meta SET value = ? WHERE key = 'masterKeyId'").run(keys.masterKeyId);
    return count;
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
   * Validates a batch (refused whole if one record is bad) and computes its leaves on a
   * PoseidonPool's worker threads, without touching the store: a bulk loader prepares the
   * next batch while `enroll` writes this one (the leaf hash is half of an enrollment's work).
   */
  async prepareEnrollment(requests: readonly EnrollmentRequest[], pool: PoseidonPool, now: Date = new Date()): Promise<PreparedEnrollment> {
    const people = validateBatch(requests, now);
    const leaves = await pool.hashMany(1 + ATTRIBUTE_SLOTS.length, people.flatMap(({ commitment, encoded }) => [commitment, ...encoded]));
    const prepared: PreparedEnrollment = { prepared: true, now, people: people.map((person, i) => ({ ...person, leaf: leaves[i] })) };
    PREPARED_HERE.add(prepared);
    return prepared;
  }

  /**
   * Enrolls a batch: validates every record first (nothing is written if one is bad), then
   * adds the leaves and publishes one ledger entry, in one transaction. A batch made by
   * prepareEnrollment was validated then, and is enrolled at the time it was prepared for.
   */
  enroll(batch: readonly EnrollmentRequest[] | PreparedEnrollment, now: Date = new Date()): CredentialFile[] {
    this.unlocked(); // before any work: a registrar without its keys changes nothing
    if ("prepared" in batch) {
      if (!PREPARED_HERE.has(batch)) throw new RealDidError("invalid_argument", "a prepared enrollment must come from Registrar.prepareEnrollment");
      return this.writeEnrollment(batch);
    }
    return this.writeEnrollment({ prepared: true, now, people: validateBatch(batch, now).map((person) => ({ ...person, leaf: this.hasher.hashLeaf(person.commitment, person.encoded) })) });
  }

  private writeEnrollment({ people: prepared, now }: PreparedEnrollment): CredentialFile[] {
    const first = this.change(now, (seq, vault) => {
      const idTaken = this.db.prepare("SELECT 1 FROM people WHERE national_id_index = ?");
      const commitmentTaken = this.db.prepare("SELECT 1 FROM people WHERE commitment_index = ?");
      const seenIds = new Set<string>();
      const seenCommitments = new Set<string>();
      const indexed = prepared.map((p) => ({ ...p, idIndex: this.nationalIdIndex(p.record.nationalId), commitmentIndex: this.commitmentIndex(p.commitment) }));
      for (const { where, record, idIndex, commitmentIndex } of indexed) {
        if (seenIds.has(idIndex) || idTaken.get(idIndex)) throw new RealDidError("already_enrolled", `${where}: nationalId ${record.nationalId} is already enrolled`);
        if (seenCommitments.has(commitmentIndex) || commitmentTaken.get(commitmentIndex)) throw new RealDidError("already_enrolled", `${where}: this identity commitment is already enrolled`);
        seenIds.add(idIndex);
        seenCommitments.add(commitmentIndex);
      }
      const start = this.reserve(prepared.length);
      const dataKey = vault.newDataKey();
      const insertPerson = this.db.prepare(
        "INSERT INTO people (leaf_index, national_id_index, commitment_index, record, data_key_id, leaf, enrolled_at, updated_at, changed_seq) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
      );
      const insertLeaf = this.db.prepare("INSERT INTO issued_leaves (leaf, leaf_index, issued_at) VALUES (?, ?, ?)");
      indexed.forEach(({ record, commitment, leaf, idIndex, commitmentIndex }, i) => {
        const sealed = dataKey.seal(start + i, { ...record, commitment: commitment.toString() });
        insertPerson.run(start + i, idIndex, commitmentIndex, sealed, dataKey.id, leaf.toString(), now.toISOString(), now.toISOString(), seq);
        insertLeaf.run(leaf.toString(), start + i, now.toISOString());
      });
      return { document: changeDocument("enroll", prepared.map((p, i) => changedLeaf(start + i, p.leaf))), result: start };
    });
    return prepared.map(({ record, commitment, leaf }, i) => credentialFile(this.publicKey, first + i, commitment, record.attributes, leaf, now));
  }

  /** Revokes a credential: its leaf becomes empty and a new root is published. */
  revoke(index: number, now: Date = new Date()): LedgerEntry {
    this.change(now, (seq) => {
      if (this.row(index).revoked) throw new RealDidError("not_enrolled", `leaf ${index} is already revoked`);
      this.db.prepare("UPDATE people SET revoked = 1, updated_at = ?, changed_seq = ? WHERE leaf_index = ?").run(now.toISOString(), seq, index);
      return { document: changeDocument("revoke", [changedLeaf(index, EMPTY_LEAF)]), result: undefined };
    });
    return this.ledger.head!;
  }

  /** Re-issues a credential with new attributes (e.g. a renewed expiry); the old leaf stops proving. */
  reissue(index: number, attributes: PersonAttributes, now: Date = new Date()): CredentialFile {
    const person = this.sealedPerson(index);
    const encoded = validateRecord({ ...person, attributes }, now.toISOString().slice(0, 10), `leaf ${index}`);
    const commitment = BigInt(person.commitment);
    const leaf = this.hasher.hashLeaf(commitment, encoded);
    this.change(now, (seq, vault) => {
      const dataKey = vault.newDataKey();
      const sealed = dataKey.seal(index, { ...person, attributes: decodeAttributes(encoded) });
      this.db.prepare("UPDATE people SET record = ?, data_key_id = ?, leaf = ?, revoked = 0, updated_at = ?, changed_seq = ? WHERE leaf_index = ?").run(sealed, dataKey.id, leaf.toString(), now.toISOString(), seq, index);
      this.db.prepare("INSERT OR IGNORE INTO issued_leaves (leaf, leaf_index, issued_at) VALUES (?, ?, ?)").run(leaf.toString(), index, now.toISOString());
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
  sync(): void {
    this.db.transaction(() => this.catchUp())();
  }

  /** Bucket `bucket` of the current tree (see BUCKET_LEAVES), for path refresh without naming a leaf. */
  bucket(bucket: number): Bucket {
    return this.snapshot(() => {
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
    });
  }

  /** The tree's size and root and the ledger entry that published it, read together. */
  treeInfo(): { size: number; root: bigint; entry: LedgerEntry } {
    return this.snapshot(() => ({ size: this.tree.size, root: this.tree.root, entry: this.ledgerCopy.head! }));
  }

  /** The Merkle path of a leaf (a person's, an enterprise's or a mandate's) under the current root. */
  path(index: number): MerkleProof {
    return this.snapshot(() => {
      const slot = this.db.prepare("SELECT revoked FROM registry_leaves WHERE leaf_index = ?").get(index) as { revoked: number } | undefined;
      if (!slot) throw new RealDidError("not_enrolled", `no credential has leaf index ${index}`);
      if (slot.revoked) throw new RealDidError("not_enrolled", `leaf ${index} is revoked`);
      return this.tree.proof(index);
    });
  }

  /**
   * Runs `read` on one snapshot of the store (a read transaction, after catching up): the
   * tree's nodes are read by several statements, which another process's commit must not
   * fall between.
   */
  private snapshot<T>(read: () => T): T {
    return this.db.transaction(() => {
      this.catchUp();
      return read();
    })();
  }

  indexOfNationalId(nationalId: string): number {
    const row = this.db.prepare("SELECT leaf_index FROM people WHERE national_id_index = ?").get(this.nationalIdIndex(nationalId)) as { leaf_index: number } | undefined;
    if (!row) throw new RealDidError("not_enrolled", `nobody with nationalId ${nationalId} is enrolled`);
    return row.leaf_index;
  }

  /** The real-name record behind a leaf index (attributes are stored normalised: decoded from their encoding). */
  record(index: number): RealNameRecord & { revoked: boolean } {
    const { name, nationalId, attributes } = this.sealedPerson(index);
    return { name, nationalId, attributes, revoked: this.row(index).revoked === 1 };
  }

  /** The person behind an escrowed handle (any leaf ever issued, also before a re-issue). */
  resolveHandle(handle: bigint): RealNameRecord & { revoked: boolean; leafIndex: number; issuedAt: string } {
    const row = this.db.prepare("SELECT leaf_index, issued_at FROM issued_leaves WHERE leaf = ?").get(handle.toString()) as { leaf_index: number; issued_at: string } | undefined;
    if (!row) throw new RealDidError("not_enrolled", "no credential was ever issued with this handle");
    return { ...this.record(row.leaf_index), leafIndex: row.leaf_index, issuedAt: row.issued_at };
  }

  /**
   * Resolution for a regulator: only for a case whose result is in an audit log signed
   * by the trusted audit key (the whole log is verified when it is read). A business
   * proof's case also has a `mandateHandle`: then the mandate, its enterprise and its
   * holder are resolved too.
   */
  resolveCase(caseId: string, audit: AuditLog, trustedAuditKey: string): ReturnType<Registrar["resolveHandle"]> & { mandate?: ReturnType<Registrar["resolveMandateHandle"]> } {
    if (audit.publicKey !== trustedAuditKey) throw new RealDidError("case_not_in_audit_log", "the audit log is not signed by the trusted regulator audit key");
    const result = audit.caseEvents(caseId).find((e) => e.event === "result");
    if (!result || typeof result.details.handle !== "string") throw new RealDidError("case_not_in_audit_log", `the audit log has no unmasking result for case ${caseId}: resolution refused`);
    const person = this.resolveHandle(BigInt(result.details.handle));
    const { mandateHandle } = result.details;
    if (typeof mandateHandle !== "string") return person;
    const mandate = this.resolveMandateHandle(BigInt(mandateHandle));
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
  enrollEnterprise(request: EnterpriseEnrollment, now: Date = new Date()): { enterprise: EnterpriseRecord; representativeMandate: MandateCredential } {
    const enterprise = parseEnterpriseEnrollment(request);
    const mandate = this.change(now, (seq) => {
      const representative = this.activePerson(request.legalRepresentativeNationalId, "legalRepresentativeNationalId");
      return this.business.writeEnterprise(enterprise, representative, this.reserve(2), seq, now);
    });
    return { enterprise: this.business.enterprise(enterprise.creditCode), representativeMandate: this.mandateCredentialOf(mandate, now) };
  }

  /**
   * Writes a mandate the enterprise's legal representative granted. The caller has verified
   * the representative's proof for this grant; `evidence` (that proof and its public
   * signals) is kept, sealed, in the mandate's record, and the ledger entry commits to the
   * grant and the evidence. Refused unless the enterprise is active, the agent is enrolled
   * and not revoked, the mandate ends between today and five years from now, and the agent
   * does not already hold an active mandate with the same terms.
   */
  grantMandate(grant: MandateGrant, evidence: object, now: Date = new Date()): MandateCredential {
    const plainEvidence = checkGrant(grant, evidence, now.toISOString().slice(0, 10));
    const mandate = this.change(now, (seq) => {
      const agent = this.activePerson(grant.agentNationalId, "grant: agentNationalId");
      return this.business.writeGrant(grant, plainEvidence, agent, this.reserve(1), seq, now);
    });
    return this.mandateCredentialOf(mandate, now);
  }

  /** Revokes a mandate: its leaf becomes empty (its handle still resolves) and a new root is published. */
  revokeMandate(index: number, now: Date = new Date(), evidence?: object): LedgerEntry {
    this.change(now, (seq) => this.business.revokeMandate(index, seq, now, evidence));
    return this.ledger.head!;
  }

  /**
   * Suspends or strikes off an enterprise (its leaf and every mandate of it are revoked in
   * the same transaction), or makes a suspended one active again: its leaf returns, its old
   * mandates do not, and its legal representative gets a new mandate (returned) if their
   * own credential is still valid. Struck off is final.
   */
  setEnterpriseStatus(creditCode: string, status: EnterpriseStatus, now: Date = new Date()): { entry: LedgerEntry; representativeMandate?: MandateCredential } {
    if (!(ENTERPRISE_STATUSES as readonly unknown[]).includes(status)) throw new RealDidError("invalid_argument", `status must be one of ${ENTERPRISE_STATUSES.join(", ")}, received ${JSON.stringify(status)}`);
    const mandate = this.change(now, (seq) => {
      const representative = status === "active" ? this.activePersonOrNone(this.business.enterprise(creditCode).legalRepresentative.nationalId) : undefined;
      return this.business.writeStatus(creditCode, status, representative, representative ? this.reserve(1) : this.tree.size, seq, now);
    });
    return { entry: this.ledger.head!, ...(mandate && { representativeMandate: this.mandateCredentialOf(mandate, now) }) };
  }

  /**
   * Records a new legal representative (enrolled, not revoked): the old one's mandate is
   * revoked and the new one's written in one transaction; returns the new mandate credential.
   */
  changeRepresentative(creditCode: string, representativeNationalId: string, now: Date = new Date()): MandateCredential {
    const mandate = this.change(now, (seq) => this.business.writeRepresentative(creditCode, this.activePerson(representativeNationalId, "legalRepresentativeNationalId"), this.reserve(1), seq, now));
    return this.mandateCredentialOf(mandate, now);
  }

  /** An enterprise's record (its legal representative by ID number: needs the keys). */
  enterprise(creditCode: string): EnterpriseRecord {
    return this.business.enterprise(creditCode);
  }

  /** An enterprise's public status: code, status, its leaf and the leaf's index (a registrar without keys answers it). */
  enterpriseStatus(creditCode: string): ReturnType<BusinessRegistry["status"]> {
    return this.business.status(creditCode);
  }

  /** Every mandate of an enterprise, revoked ones included, in leaf order. */
  mandatesOf(creditCode: string): MandateRecord[] {
    return this.business.mandatesOf(creditCode);
  }

  /** The mandate behind an escrowed mandate handle (its leaf, revoked or not), its enterprise and the person holding it. */
  resolveMandateHandle(handle: bigint): { mandate: MandateRecord; enterprise: EnterpriseRecord; agent: RealNameRecord & { revoked: boolean; leafIndex: number } } {
    const mandate = this.business.mandateByLeaf(handle);
    return { mandate, enterprise: this.business.enterprise(mandate.enterpriseCode), agent: { ...this.record(mandate.agent.leafIndex), leafIndex: mandate.agent.leafIndex } };
  }

  private mandateCredentialOf({ terms, leaf, enterprise }: WrittenMandate, issuedAt: Date): MandateCredential {
    return mandateCredential(this.publicKey, enterprise, terms, leaf, issuedAt);
  }

  /** An enrolled person whose credential is not revoked, by ID number (`field` names them in a refusal). */
  private activePerson(nationalId: string, field: string): ActivePerson {
    const row = typeof nationalId === "string" ? (this.db.prepare("SELECT leaf_index, revoked FROM people WHERE national_id_index = ?").get(this.nationalIdIndex(nationalId)) as { leaf_index: number; revoked: number } | undefined) : undefined;
    if (!row) throw new RealDidError("not_enrolled", `${field}: nobody with nationalId ${JSON.stringify(nationalId)} is enrolled`);
    if (row.revoked) throw new RealDidError("credential_revoked", `${field}: the credential of ${nationalId} (leaf ${row.leaf_index}) is revoked`);
    return { nationalId, leafIndex: row.leaf_index, commitment: BigInt(this.sealedPerson(row.leaf_index).commitment) };
  }

  private activePersonOrNone(nationalId: string): ActivePerson | undefined {
    try {
      return this.activePerson(nationalId, "legal representative");
    } catch (error) {
      if (error instanceof RealDidError && error.code === "credential_revoked") return undefined;
      throw error;
    }
  }

  private row(index: number): { record: Buffer; data_key_id: number; revoked: number } {
    const row = this.db.prepare("SELECT record, data_key_id, revoked FROM people WHERE leaf_index = ?").get(index) as ReturnType<Registrar["row"]> | undefined;
    if (!row) throw new RealDidError("not_enrolled", `no credential has leaf index ${index}`);
    return row;
  }

  private sealedPerson(index: number): SealedPerson {
    const row = this.row(index);
    return this.unlocked().vault.open(index, row.data_key_id, row.record);
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
   * Applies `mutate` (it writes rows, given the sequence number of the ledger entry it will
   * be published under, and returns the change document) and the document's leaves to the
   * tree, and publishes the new root with the document's digest, in one SQLite transaction
   * that takes the write lock first and catches up with other writers. On any failure the
   * transaction rolls back and the ledger copy is re-read, so memory never runs ahead of disk.
   */
  private change<T>(now: Date, mutate: (seq: number, vault: RecordVault) => TreeChange<T>): T {
    const { vault, keys } = this.unlocked();
    let entriesBefore: number | undefined;
    try {
      return this.db
        .transaction(() => {
          const current = Registrar.meta(this.db, "masterKeyId");
          if (current !== keys.masterKeyId) {
            throw new RealDidError("keys_rotated", `the store's master key is ${current}, not these keys' ${keys.masterKeyId}: a rotation happened since they were read (open the registrar again) or did not finish (run rotate-master-key again)`);
          }
          this.catchUp();
          entriesBefore = this.ledgerCopy.length;
          const { document, result } = mutate(this.ledgerCopy.length, vault);
          this.writeLeaves(document.leaves.map(({ index, leaf }) => ({ index, value: BigInt(leaf) })));
          Registrar.insertEntry(this.db, this.ledgerCopy.publishRoot(this.tree.root, this.tree.size, now, keys.ledgerSigner, ledgerChangeOf(document)));
          return result;
        })
        .immediate();
    } catch (error) {
      // The rollback undid the tree's nodes; an entry published in memory is dropped (see catchUp).
      if (entriesBefore !== undefined && this.ledgerCopy.length !== entriesBefore) this.sync();
      throw error;
    }
  }

  /**
   * Within a transaction: appends the ledger entries other processes committed since our
   * ledger head. A copy ahead of the store (an entry published in memory whose transaction
   * then failed) is read again, so no later entry can chain onto an entry that was never stored.
   */
  private catchUp(): void {
    const storedEntries = (this.db.prepare("SELECT max(seq) FROM ledger").pluck().get() as number) + 1;
    if (this.ledgerCopy.length > storedEntries) this.ledgerCopy = this.loadLedger();
    const newer = this.ledgerRows(this.ledgerCopy.length);
    for (const entry of newer) this.ledgerCopy.append(entry);
    if (newer.length > 0) this.checkHeadIsTreeRoot();
  }

  /** Writes leaves into the tree, by index: slots in use are replaced, the others appended (they follow the last one, in order). */
  private writeLeaves(leaves: readonly { index: number; value: bigint }[]): void {
    const appended: bigint[] = [];
    for (const { index, value } of leaves) {
      if (index < this.tree.size) this.tree.update(index, value);
      else if (index === this.tree.size + appended.length) appended.push(value);
      else throw new Error(`registrar store is inconsistent: leaf ${index} does not follow the tree's ${this.tree.size + appended.length} slots`);
    }
    if (appended.length > 0) this.tree.insertMany(appended);
  }

  /** The first of `count` new slots, refused when the tree has no room for them. */
  private reserve(count: number): number {
    if (this.tree.size + count > this.tree.capacity) throw new RealDidError("tree_full", `the registry holds ${this.tree.capacity} leaves; ${this.tree.size} are in use`);
    return this.tree.size;
  }

  private ledgerRows(fromSeq: number): LedgerEntry[] {
    return readLedgerRows(this.db, fromSeq);
  }

  /**
   * The root of the tree computed from scratch from the records (every leaf hashed again,
   * revoked ones as empty), the stored tree's root and the ledger head's: all three are
   * equal in a store that is whole. Reads the store directly (read-only), so it also runs on
   * a store that no longer opens because the stored root and the ledger head differ. A check
   * for operators and crash tests; costs a full rebuild in memory.
   */
  static async checkTree(dataDir: string): Promise<{ recomputedRoot: bigint; storedRoot: bigint; ledgerRoot: bigint; size: number }> {
    const dbPath = join(dataDir, DB_FILE);
    if (!existsSync(dbPath)) throw new RealDidError("registrar_missing", `no registrar in ${dataDir} (run: realdid registrar init --data ${dataDir})`);
    const hasher = await FastPoseidon.create();
    const db = new Database(dbPath, { readonly: true });
    try {
      if (treeNodesMissing(db)) throw new RealDidError("invalid_argument", `the store in ${dataDir} was written before the tree was stored: open it once (any registrar command) to compute it`);
      return db.transaction(() => {
        const stored = new RegistryTree(TREE_HEIGHT, hasher, new SqliteTreeNodes(db));
        const rebuilt = new RegistryTree(TREE_HEIGHT, hasher);
        rebuilt.insertMany(Registrar.leavesOfRecords(db));
        const ledger = RootLedger.fromOwnStore(Registrar.meta(db, "publicKey"), readLedgerRows(db, 0));
        return { recomputedRoot: rebuilt.root, storedRoot: stored.root, ledgerRoot: BigInt(ledger.head!.root), size: stored.size };
      })();
    } finally {
      db.close();
    }
  }

  /** Every slot's leaf as the tree holds it (0 once revoked), in index order. */
  private static leavesOfRecords(db: Database.Database): bigint[] {
    const rows = db.prepare("SELECT leaf, revoked FROM registry_leaves ORDER BY leaf_index").raw().all() as [string, number][];
    return rows.map(([leaf, revoked]) => (revoked ? EMPTY_LEAF : BigInt(leaf)));
  }

  /** The tree of a store written before its nodes were kept: computed from the records once, in memory, and written. */
  private static storeTreeOfRecords(db: Database.Database, hasher: RegistryHasher): void {
    const memory = new MemoryTreeNodes(TREE_HEIGHT);
    new RegistryTree(TREE_HEIGHT, hasher, memory).insertMany(Registrar.leavesOfRecords(db));
    new SqliteTreeNodes(db).copyFrom(memory);
  }

  private loadLedger(): RootLedger {
    const ledger = RootLedger.fromOwnStore(this.publicKeyHex, this.ledgerRows(0));
    this.checkHeadIsTreeRoot(ledger);
    return ledger;
  }

  private checkHeadIsTreeRoot(ledger: RootLedger = this.ledgerCopy): void {
    if (ledger.head?.root !== this.tree.root.toString()) {
      throw new RealDidError("store_tampered", "the registrar store is inconsistent: the ledger head's root is not the stored tree's root (run: realdid registrar check-tree)");
    }
  }

  private static meta(db: Database.Database, key: string): string {
    const row = db.prepare("SELECT value FROM meta WHERE key = ?").get(key) as { value: string } | undefined;
    if (row === undefined) throw new RealDidError("store_tampered", `the registrar store has no ${key}`);
    return row.value;
  }

  private static insertEntry(db: Database.Database, e: LedgerEntry): void {
    db.prepare("INSERT INTO ledger (seq, root, tree_size, time, prev_hash, signature, change) VALUES (?, ?, ?, ?, ?, ?, ?)").run(e.seq, e.root, e.treeSize, e.time, e.prevHash, e.signature, changeColumn(e));
  }
}
