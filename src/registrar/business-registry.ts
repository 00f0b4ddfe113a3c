import { randomBytes } from "node:crypto";
import { encodeRegion } from "../attributes/attributes.js";
import { dayNumber, dayYearsBefore, isoDateOfDay } from "../attributes/calendar.js";
import { parseCreditCode } from "../business/credit-code.js";
import { enterpriseFields, type EnterpriseFields, enterpriseLeaf } from "../business/enterprise.js";
import { ALL_TASKS, type MandateTasks, type MandateTerms, mandateLeaf, parseRole, type Role, type Task } from "../business/mandate.js";
import { EMPTY_LEAF } from "../registry/registry-tree.js";
import { type ErrorCode, RealDidError } from "../errors.js";
import { sha256Hex } from "../crypto/sha256.js";
import { canonicalJson } from "../formats/canonical-json.js";
import { changeDocument, changedLeaf, type LedgerChangeDocument } from "../ledger/ledger-change.js";
import type { EnterpriseStatus } from "./enterprise-status.js";
import type { RecordVault } from "./record-vault.js";
import type { SqlTransaction } from "./registrar-database.js";
import type { RegistrarKeyProvider } from "./registrar-keys.js";

/** The legal representative's mandate lasts while the enterprise is active: it ends on the last day a date can name. */
export const REPRESENTATIVE_VALID_UNTIL = "9999-12-31";
/**
 * A granted mandate outlives the representative who signed it (a new representative does
 * not revoke their predecessor's grants, and nobody may remember to), so it must lapse by
 * itself: five years bounds that stale authority and still covers multi-year contracts.
 */
export const MAX_GRANT_YEARS = 5;
/** A grant's evidence (the representative's proof and its public signals: a few kilobytes) is stored sealed; more is refused. */
export const MAX_EVIDENCE_BYTES = 64 * 1024;

export interface EnterpriseEnrollment {
  creditCode: string;
  name: string;
  legalRepresentativeNationalId: string;
}

/** A mandate the legal representative grants (after proving it: see grantMandate's caller). */
export interface MandateGrant {
  enterpriseCode: string;
  agentNationalId: string;
  role: Exclude<Role, "legal_representative">;
  tasks: Task[];
  validFrom: string;
  validUntil: string;
}

/** What the registrar keeps about an enterprise, sealed (its status is in the clear: it is public). */
interface SealedEnterprise {
  creditCode: string;
  name: string;
  /** The administrative division of registration (characters 3-8 of the code). */
  region: string;
  /** Registration authority and organisation type (characters 1-2 of the code). */
  organisationType: string;
  legalRepresentative: { nationalId: string; leafIndex: number };
}

export interface EnterpriseRecord extends SealedEnterprise {
  leafIndex: number;
  status: EnterpriseStatus;
  enrolledAt: string;
  updatedAt: string;
}

/** What the registrar keeps about a mandate, sealed. */
interface SealedMandate {
  enterpriseCode: string;
  agent: { nationalId: string; leafIndex: number };
  agentCommitment: string;
  role: Role;
  tasks: MandateTasks;
  validFrom: string;
  validUntil: string;
  /**
   * The change document that wrote this mandate (a grant with its evidence, or the
   * enterprise's enrollment or reactivation for the representative's): its SHA-256 is the
   * change digest of ledger entry `ledgerSeq`, so whoever is handed it can check it there.
   */
  grantedBy: LedgerChangeDocument;
  ledgerSeq: number;
  grantedAt: string;
}

export interface MandateRecord extends SealedMandate {
  leafIndex: number;
  leaf: string;
  revoked: boolean;
}

/** A person found by national ID, enrolled and not revoked: who a mandate is for. */
export interface ActivePerson {
  nationalId: string;
  leafIndex: number;
  commitment: bigint;
}

/** Hands out the first of `count` new consecutive leaf slots in the shard of a region's province (see province-shards.ts). */
export type ReserveLeaves = (region: string, count: number) => number;

/** What a change wrote: the document its ledger entry commits to (the document's leaves are what the tree gets), and what the caller returns. */
export interface TreeChange<T> {
  document: LedgerChangeDocument;
  result: T;
}

/** A mandate just written: its terms and leaf, and the enterprise it is for (what its credential needs). */
export interface WrittenMandate {
  terms: MandateTerms;
  leaf: bigint;
  enterprise: { creditCode: string; name: string };
}

type ParsedEnterprise = SealedEnterprise & { fields: EnterpriseFields; leaf: bigint };

const rethrowAs = <T>(code: ErrorCode, where: string, step: () => T): T => {
  try {
    return step();
  } catch (error) {
    if (error instanceof RealDidError) throw new RealDidError(code, `${where}: ${error.message}`);
    throw error;
  }
};

/** Checks an enrollment's code (check character, known region) and name; the representative is looked up in the store. */
export function parseEnterpriseEnrollment(request: EnterpriseEnrollment): Omit<ParsedEnterprise, "legalRepresentative"> {
  if (typeof request !== "object" || request === null) throw new RealDidError("invalid_record", "enterprise: the enrollment must be an object");
  const { creditCode, name } = request;
  const fields = rethrowAs("invalid_record", "enterprise", () => enterpriseFields(creditCode));
  rethrowAs("invalid_record", `enterprise ${creditCode}`, () => encodeRegion(creditCode.slice(2, 8)));
  if (typeof name !== "string" || name.trim() === "" || name.length > 200) {
    throw new RealDidError("invalid_record", `enterprise ${creditCode}: name must be a non-empty string of at most 200 characters, received ${JSON.stringify(typeof name === "string" ? name.slice(0, 40) : name)}`);
  }
  return { creditCode, name, region: creditCode.slice(2, 8), organisationType: creditCode.slice(0, 2), fields, leaf: enterpriseLeaf(fields) };
}

/**
 * The checks a grant passes before the store is read: role, tasks, how long it runs, its
 * evidence. Returns the evidence as plain JSON, the form that is both stored and digested.
 */
export function checkGrant(grant: MandateGrant, evidence: unknown, today: string): object {
  const fail = (message: string): never => {
    throw new RealDidError("invalid_mandate", `grant: ${message}`);
  };
  if (typeof grant !== "object" || grant === null) fail("the grant must be an object");
  const role = rethrowAs("invalid_mandate", "grant", () => parseRole(grant.role));
  if (role === "legal_representative") fail("role legal_representative is not granted: the registrar writes it when the enterprise is enrolled (grants are for license_manager or agent)");
  if ((grant.tasks as MandateTasks) === ALL_TASKS) fail(`tasks "${ALL_TASKS}" belong to the legal representative: a grant names 1 to 4 tasks`);
  const until = rethrowAs("invalid_mandate", "grant", () => dayNumber("validUntil", grant.validUntil));
  if (until < dayNumber("today", today)) fail(`validUntil ${grant.validUntil} is before today (${today})`);
  const latest = dayYearsBefore("today", today, -MAX_GRANT_YEARS);
  if (until > latest) fail(`validUntil ${grant.validUntil} is more than ${MAX_GRANT_YEARS} years away: a grant runs at most until ${isoDateOfDay(latest)}`);
  if (typeof evidence !== "object" || evidence === null || Array.isArray(evidence)) fail("the evidence must be a JSON object (the representative's proof and its public signals)");
  let json = "";
  try {
    json = JSON.stringify(evidence);
  } catch {
    fail("the evidence is not plain JSON");
  }
  const size = Buffer.byteLength(json);
  if (size > MAX_EVIDENCE_BYTES) fail(`the evidence is ${size} bytes of JSON, more than ${MAX_EVIDENCE_BYTES}`);
  return JSON.parse(json);
}

const sameTasks = (a: MandateTasks, b: MandateTasks): boolean =>
  a === ALL_TASKS || b === ALL_TASKS ? a === b : a.length === b.length && a.every((task) => b.includes(task));

const REVOKE_MANDATE = "UPDATE mandates SET revoked = 1, updated_at = ?, changed_seq = ? WHERE leaf_index = ?";

interface SealedRow {
  leaf_index: number;
  record: Buffer;
  data_key_id: number;
}

/**
 * The enterprise and mandate rows of the registrar's store. Every write runs inside the
 * Registrar's change transaction and returns the change document the new ledger entry
 * commits to; the Registrar writes the document's leaves into the tree. Lookups that need
 * no key (an enterprise's public status) work on a registrar opened without its keys.
 */
export class BusinessRegistry {
  constructor(private readonly unlocked: () => { vault: RecordVault; keys: RegistrarKeyProvider }) {}

  /** An enterprise's public status (no keys needed: its leaf is computed from the code). */
  async status(tx: SqlTransaction, creditCode: string): Promise<{ creditCode: string; status: EnterpriseStatus; leafIndex: number; leaf: string }> {
    const row = await this.enterpriseRow(tx, creditCode);
    return { creditCode, status: row.status, leafIndex: row.leaf_index, leaf: row.leaf };
  }

  async enterprise(tx: SqlTransaction, creditCode: string): Promise<EnterpriseRecord> {
    const row = await this.enterpriseRow(tx, creditCode);
    const sealed = await this.unlocked().vault.open<SealedEnterprise>(tx, row.leaf_index, row.data_key_id, row.record);
    return { ...sealed, leafIndex: row.leaf_index, status: row.status, enrolledAt: row.enrolled_at, updatedAt: row.updated_at };
  }

  /** Every mandate of an enterprise, revoked ones included, in leaf order. */
  async mandatesOf(tx: SqlTransaction, creditCode: string): Promise<MandateRecord[]> {
    await this.enterpriseRow(tx, creditCode);
    const rows = await tx.all<MandateRow>("SELECT leaf_index, record, data_key_id, leaf, revoked FROM mandates WHERE enterprise_index = ? ORDER BY leaf_index", [this.enterpriseIndex(creditCode)]);
    const mandates: MandateRecord[] = [];
    for (const row of rows) mandates.push(await this.openMandate(tx, row));
    return mandates;
  }

  /** The mandate behind an escrowed mandate handle (its leaf), revoked or not. */
  async mandateByLeaf(tx: SqlTransaction, leaf: bigint): Promise<MandateRecord> {
    const row = await tx.get<MandateRow>("SELECT leaf_index, record, data_key_id, leaf, revoked FROM mandates WHERE leaf = ?", [leaf.toString()]);
    if (!row) throw new RealDidError("not_enrolled", "no mandate was ever issued with this handle");
    return this.openMandate(tx, row);
  }

  /** Within a change: the enterprise and its representative's mandate in the next two slots of its province's shard. */
  async writeEnterprise(tx: SqlTransaction, enterprise: Omit<ParsedEnterprise, "legalRepresentative">, representative: ActivePerson, reserve: ReserveLeaves, seq: number, now: Date): Promise<TreeChange<WrittenMandate>> {
    if (await tx.get("SELECT 1 FROM enterprises WHERE leaf = ?", [enterprise.leaf.toString()])) {
      throw new RealDidError("already_enrolled", `enterprise ${enterprise.creditCode} is already enrolled`);
    }
    const index = reserve(enterprise.region, 2);
    const { fields, leaf, ...rest } = enterprise;
    const sealed: SealedEnterprise = { ...rest, legalRepresentative: { nationalId: representative.nationalId, leafIndex: representative.leafIndex } };
    const { vault } = this.unlocked();
    const dataKey = await vault.newDataKey(tx);
    await tx.run("INSERT INTO enterprises (leaf_index, leaf, status, record, data_key_id, enrolled_at, updated_at, changed_seq) VALUES (?, ?, 'active', ?, ?, ?, ?, ?)", [
      index,
      leaf.toString(),
      dataKey.seal(index, sealed),
      dataKey.id,
      now.toISOString(),
      now.toISOString(),
      seq,
    ]);
    const mandate = this.representativeMandate(enterprise, representative, index + 1, now);
    const document = changeDocument("enterprise", [changedLeaf(index, leaf), changedLeaf(mandate.terms.index, mandate.leaf)], { creditCode: enterprise.creditCode, name: enterprise.name });
    await this.insertMandate(tx, mandate, representative, document, seq, now);
    return { document, result: mandate };
  }

  /**
   * Within a change: a new legal representative (the operator records a change of the
   * enterprise's registration). Every mandate of the old representative's role is revoked,
   * the enterprise's sealed record names the new one, and their mandate is written at
   * a new slot of the enterprise's shard. Other mandates stay: the enterprise granted them, not the person.
   */
  async writeRepresentative(tx: SqlTransaction, creditCode: string, representative: ActivePerson, reserve: ReserveLeaves, seq: number, now: Date): Promise<TreeChange<WrittenMandate>> {
    const row = await this.enterpriseRow(tx, creditCode);
    if (row.status !== "active") throw new RealDidError("enterprise_inactive", `enterprise ${creditCode} is ${row.status.replace("_", " ")}: reinstate it first`);
    const enterprise = await this.enterprise(tx, creditCode);
    if (enterprise.legalRepresentative.leafIndex === representative.leafIndex) throw new RealDidError("invalid_argument", `${representative.nationalId} is already ${creditCode}'s legal representative`);
    const document = changeDocument("enterprise-representative", [], { creditCode });
    for (const mandate of (await this.mandatesOf(tx, creditCode)).filter((m) => !m.revoked && m.role === "legal_representative")) {
      await tx.run(REVOKE_MANDATE, [now.toISOString(), seq, mandate.leafIndex]);
      document.leaves.push(changedLeaf(mandate.leafIndex, EMPTY_LEAF));
    }
    const { leafIndex: _, status: __, enrolledAt: ___, updatedAt: ____, ...sealedPart } = enterprise;
    const dataKey = await this.unlocked().vault.newDataKey(tx);
    const sealed: SealedEnterprise = { ...sealedPart, legalRepresentative: { nationalId: representative.nationalId, leafIndex: representative.leafIndex } };
    await tx.run("UPDATE enterprises SET record = ?, data_key_id = ?, updated_at = ?, changed_seq = ? WHERE leaf_index = ?", [dataKey.seal(row.leaf_index, sealed), dataKey.id, now.toISOString(), seq, row.leaf_index]);
    const mandate = this.representativeMandate({ ...enterprise, fields: enterpriseFields(creditCode) }, representative, reserve(enterprise.region, 1), now);
    document.leaves.push(changedLeaf(mandate.terms.index, mandate.leaf));
    await this.insertMandate(tx, mandate, representative, document, seq, now);
    return { document, result: mandate };
  }

  /** Within a change: a granted mandate in a new slot of the enterprise's shard, after checkGrant. */
  async writeGrant(tx: SqlTransaction, grant: MandateGrant, evidence: object, agent: ActivePerson, reserve: ReserveLeaves, seq: number, now: Date): Promise<TreeChange<WrittenMandate>> {
    const { code, region } = rethrowAs("invalid_mandate", "grant", () => parseCreditCode(grant.enterpriseCode));
    const row = await this.enterpriseRow(tx, code);
    if (row.status !== "active") throw new RealDidError("enterprise_inactive", `enterprise ${code} is ${row.status.replace("_", " ")}: it grants no mandates`);
    const enterprise = await this.enterprise(tx, code);
    // The representative acts with their own mandate; another of theirs would only give them a second pseudonym (and nullifier) per site.
    if (agent.leafIndex === enterprise.legalRepresentative.leafIndex) throw new RealDidError("invalid_mandate", `grant: ${agent.nationalId} is ${code}'s legal representative, who needs no other mandate of it`);
    const terms: MandateTerms = {
      agentCommitment: agent.commitment,
      enterprise: enterpriseFields(code),
      role: grant.role,
      tasks: grant.tasks,
      validFrom: grant.validFrom,
      validUntil: grant.validUntil,
      index: reserve(region, 1), // a refusal below rolls the whole change back, slot and all
    };
    await this.useRepresentativeAct(tx, evidence, seq);
    const leaf = rethrowAs("invalid_mandate", "grant", () => mandateLeaf(terms));
    const duplicate = (await this.mandatesOf(tx, code)).find(
      (m) => !m.revoked && m.agent.leafIndex === agent.leafIndex && m.role === terms.role && sameTasks(m.tasks, terms.tasks) && m.validFrom === terms.validFrom && m.validUntil === terms.validUntil,
    );
    if (duplicate) throw new RealDidError("already_enrolled", `grant: ${agent.nationalId} already holds this mandate of ${code} (leaf ${duplicate.leafIndex})`);
    const mandate = { terms, leaf, enterprise: { creditCode: code, name: enterprise.name } };
    const document = changeDocument("mandate-grant", [changedLeaf(terms.index, leaf)], {
      grant: { enterpriseCode: code, agentNationalId: grant.agentNationalId, role: grant.role, tasks: grant.tasks, validFrom: grant.validFrom, validUntil: grant.validUntil },
      evidence,
      // The grant names the agent by ID number: the salt keeps the public digest from confirming a guessed one.
      salt: randomBytes(32).toString("hex"),
    });
    await this.insertMandate(tx, mandate, agent, document, seq, now);
    return { document, result: mandate };
  }

  /**
   * Within a change: empties a mandate's leaf (its row and leaf stay, so its handle still
   * resolves). A legal representative's revocation brings its evidence (their act and proof),
   * which the change document keeps, as a grant's does; the operator's has none.
   */
  async revokeMandate(tx: SqlTransaction, index: number, seq: number, now: Date, evidence?: object): Promise<TreeChange<MandateRecord>> {
    const row = await tx.get<MandateRow>("SELECT leaf_index, record, data_key_id, leaf, revoked FROM mandates WHERE leaf_index = ?", [index]);
    if (!row) throw new RealDidError("not_enrolled", `no mandate has leaf index ${index}`);
    if (row.revoked) throw new RealDidError("not_enrolled", `mandate ${index} is already revoked`);
    await this.useRepresentativeAct(tx, evidence, seq);
    await tx.run(REVOKE_MANDATE, [now.toISOString(), seq, index]);
    // No salt: unlike a grant (which names the agent by ID number), a revocation's evidence names nobody.
    return { document: changeDocument("mandate-revoke", [changedLeaf(index, EMPTY_LEAF)], evidence === undefined ? {} : { evidence }), result: { ...(await this.openMandate(tx, row)), revoked: true } };
  }

  /** Within a change: a representative's act (evidence.act) is accepted once; evidence without an act (the operator's) is not tracked. */
  private async useRepresentativeAct(tx: SqlTransaction, evidence: object | undefined, seq: number): Promise<void> {
    const act = (evidence as { act?: unknown } | undefined)?.act;
    if (act === undefined) return;
    const used = await tx.run("INSERT INTO representative_acts (digest, ledger_seq, evidence) VALUES (?, ?, ?) ON CONFLICT DO NOTHING", [sha256Hex(canonicalJson(act)), seq, canonicalJson(evidence)]);
    if (used === 0) throw new RealDidError("representative_refused", "this grant or revocation was accepted before: an act is accepted once (make a new one)");
  }

  /**
   * Within a change: leaving active empties the enterprise's leaf and revokes every mandate
   * of it. Back to active, the enterprise's leaf returns to its slot but the old mandates do
   * not (a suspension ended them; the representative grants again); the legal representative
   * gets a new mandate in a new slot of its shard, if their own credential is still valid
   * (`representative`, looked up by the caller). Struck off is final.
   */
  async writeStatus(tx: SqlTransaction, creditCode: string, status: EnterpriseStatus, representative: ActivePerson | undefined, reserve: ReserveLeaves, seq: number, now: Date): Promise<TreeChange<WrittenMandate | undefined>> {
    const row = await this.enterpriseRow(tx, creditCode);
    if (row.status === status) throw new RealDidError("invalid_argument", `enterprise ${creditCode} is already ${status.replace("_", " ")}`);
    if (row.status === "struck_off") throw new RealDidError("enterprise_inactive", `enterprise ${creditCode} is struck off: that is final`);
    await tx.run("UPDATE enterprises SET status = ?, updated_at = ?, changed_seq = ? WHERE leaf_index = ?", [status, now.toISOString(), seq, row.leaf_index]);
    const document = changeDocument("enterprise-status", [], { creditCode, status });
    if (status !== "active") {
      document.leaves.push(changedLeaf(row.leaf_index, EMPTY_LEAF));
      for (const mandate of (await this.mandatesOf(tx, creditCode)).filter((m) => !m.revoked)) {
        await tx.run(REVOKE_MANDATE, [now.toISOString(), seq, mandate.leafIndex]);
        document.leaves.push(changedLeaf(mandate.leafIndex, EMPTY_LEAF));
      }
      return { document, result: undefined };
    }
    document.leaves.push(changedLeaf(row.leaf_index, BigInt(row.leaf)));
    if (representative === undefined) return { document, result: undefined };
    const enterprise = await this.enterprise(tx, creditCode);
    const mandate = this.representativeMandate({ ...enterprise, fields: enterpriseFields(creditCode) }, representative, reserve(enterprise.region, 1), now);
    document.leaves.push(changedLeaf(mandate.terms.index, mandate.leaf));
    await this.insertMandate(tx, mandate, representative, document, seq, now);
    return { document, result: mandate };
  }

  private representativeMandate(enterprise: { creditCode: string; name: string; fields: EnterpriseFields }, representative: ActivePerson, index: number, now: Date): WrittenMandate {
    const terms: MandateTerms = {
      agentCommitment: representative.commitment,
      enterprise: enterprise.fields,
      role: "legal_representative",
      tasks: ALL_TASKS,
      validFrom: now.toISOString().slice(0, 10),
      validUntil: REPRESENTATIVE_VALID_UNTIL,
      index,
    };
    return { terms, leaf: mandateLeaf(terms), enterprise: { creditCode: enterprise.creditCode, name: enterprise.name } };
  }

  private async insertMandate(tx: SqlTransaction, { terms, leaf, enterprise }: WrittenMandate, agent: ActivePerson, grantedBy: LedgerChangeDocument, seq: number, now: Date): Promise<void> {
    const sealed: SealedMandate = {
      enterpriseCode: enterprise.creditCode,
      agent: { nationalId: agent.nationalId, leafIndex: agent.leafIndex },
      agentCommitment: terms.agentCommitment.toString(),
      role: terms.role,
      tasks: terms.tasks,
      validFrom: terms.validFrom,
      validUntil: terms.validUntil,
      grantedBy,
      ledgerSeq: seq,
      grantedAt: now.toISOString(),
    };
    const dataKey = await this.unlocked().vault.newDataKey(tx);
    await tx.run("INSERT INTO mandates (leaf_index, enterprise_index, record, data_key_id, leaf, granted_at, updated_at, changed_seq) VALUES (?, ?, ?, ?, ?, ?, ?, ?)", [
      terms.index,
      this.enterpriseIndex(enterprise.creditCode),
      dataKey.seal(terms.index, sealed),
      dataKey.id,
      leaf.toString(),
      now.toISOString(),
      now.toISOString(),
      seq,
    ]);
  }

  private async enterpriseRow(tx: SqlTransaction, creditCode: string): Promise<EnterpriseRow> {
    const leaf = enterpriseLeaf(enterpriseFields(creditCode));
    const row = await tx.get<EnterpriseRow>("SELECT leaf_index, leaf, status, record, data_key_id, enrolled_at, updated_at FROM enterprises WHERE leaf = ?", [leaf.toString()]);
    if (!row) throw new RealDidError("not_enrolled", `enterprise ${creditCode} is not enrolled`);
    return row;
  }

  private enterpriseIndex(creditCode: string): string {
    return this.unlocked().keys.blindIndex(`credit-code:${creditCode}`);
  }

  private async openMandate(tx: SqlTransaction, row: MandateRow): Promise<MandateRecord> {
    const sealed = await this.unlocked().vault.open<SealedMandate>(tx, row.leaf_index, row.data_key_id, row.record);
    return { ...sealed, leafIndex: row.leaf_index, leaf: row.leaf, revoked: row.revoked === 1 };
  }
}

interface EnterpriseRow extends SealedRow {
  leaf: string;
  status: EnterpriseStatus;
  enrolled_at: string;
  updated_at: string;
}

interface MandateRow extends SealedRow {
  leaf: string;
  revoked: number;
}
