// Enterprises and mandates in the registrar (issue 14), on a real SQLite registrar: the
// enterprise's leaf and its legal representative's mandate share the registry tree with
// people's leaves; grants, revocations and status changes publish roots whose ledger
// entries commit to what changed; records are sealed; several processes on one store,
// reopening, old stores, the registrar's HTTP server and a verifier's ledger replica.
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { pino } from "pino";
import pg from "pg";
import { afterEach, describe, expect, it } from "vitest";
import { withCreditCodeCheck } from "../src/business/credit-code.js";
import { enterpriseFields, enterpriseLeaf } from "../src/business/enterprise.js";
import { ALL_TASKS, mandateLeaf, type MandateTerms } from "../src/business/mandate.js";
import { type MandateCredential, mandateTermsOf, parseMandateCredential } from "../src/business/mandate-credential.js";
import { RealDidError } from "../src/errors.js";
import { Identity } from "../src/identity/identity.js";
import { checkLedgerChange, type LedgerChangeDocument } from "../src/ledger/ledger-change.js";
import { RootLedger } from "../src/ledger/root-ledger.js";
import { AuditFolder } from "../src/regulator/audit-log.js";
import { SHARD_LEAVES, shardOfRegion } from "../src/registry/province-shards.js";
import { merkleRootOf } from "../src/registry/registry-tree.js";
import type { MandateGrant } from "../src/registrar/business-registry.js";
import { parseEnterpriseStatusDocument } from "../src/registrar/enterprise-status.js";
import { withCheckCharacter } from "../src/registrar/national-id.js";
import { refreshPath } from "../src/registrar/path-client.js";
import { Registrar } from "../src/registrar/registrar.js";
import { startRegistrarServer } from "../src/registrar/registrar-server.js";
import { LedgerReplica } from "../src/service/ledger-replica.js";
import { ledgerSource } from "../src/service/ledger-source.js";
import { PostgresVerifierStore } from "../src/service/postgres-store.js";
import { SqliteVerifierStore } from "../src/service/sqlite-store.js";
import type { VerifierStore } from "../src/service/store.js";
import { NAMED_PEOPLE } from "./helpers/people.js";
import { ownTestDatabase } from "./helpers/postgres.js";
import { TEST_UNLOCK } from "./helpers/registrar-keys.js";

const NOW = new Date("2026-06-01T08:00:00Z");
const TODAY = "2026-06-01";
const DAY = 86_400_000;
const later = (days: number) => new Date(NOW.getTime() + days * DAY);

const ACME = withCreditCodeCheck("91110105MA01LT2X5");
const ACME_NAME = "Lanting Trading Co., Ltd.";
const NOT_ENROLLED_CODE = withCreditCodeCheck("91310101MA1FPX3K7");
const [LI, ZHANG, WANG, CHEN] = NAMED_PEOPLE;
/** Leaf indexes: the four people first, then the enterprise and its representative's mandate. */
/** Slot k of a province's shard (see province-shards.ts): each province's leaves fill its own shard in order. */
const slotOf = (province: string, k: number) => shardOfRegion(province) * SHARD_LEAVES + k;
// Li Wei and Chen Jing are in Beijing (11), Zhang Min in Shanghai (31), Wang Fang in Guangdong (44); ACME is registered in Beijing.
const [LI_INDEX, CHEN_INDEX, ZHANG_INDEX, WANG_INDEX] = [slotOf("11", 0), slotOf("11", 1), slotOf("31", 0), slotOf("44", 0)];
const ACME_INDEX = slotOf("11", 2);
const REPRESENTATIVE_INDEX = slotOf("11", 3);
/** The business leaves after ACME's, in Beijing's shard. */
const [FIRST_GRANT, SECOND_GRANT, THIRD_GRANT] = [slotOf("11", 4), slotOf("11", 5), slotOf("11", 6)];

/**
 * A grant's evidence as the caller hands it over after checking the representative's proof
 * (the registrar stores it, sealed, and commits to it; it does not read it).
 */
const EVIDENCE = { proof: { protocol: "groth16", pi_a: ["11", "12", "1"] }, publicSignals: ["4711", "evidence-marker-8c1f"] };

const dirs: string[] = [];
const freshDir = () => {
  const dir = mkdtempSync(join(tmpdir(), "realdid-business-"));
  dirs.push(dir);
  return join(dir, "data");
};
afterEach(() => dirs.splice(0).forEach((dir) => rmSync(dir, { recursive: true, force: true })));

const identities = NAMED_PEOPLE.map(() => Identity.random());
const peopleRequests = () =>
  NAMED_PEOPLE.map(({ name, nationalId, birthDate, region, expiry, documentType }, i) => ({
    record: { name, nationalId, attributes: { birthDate, region, expiry, documentType: documentType as "national_id_card" | "passport" } },
    commitment: identities[i].commitment,
  }));

/** A registrar with the four named people and, unless told otherwise, ACME with Li Wei as its legal representative. */
async function registrarWithAcme(dir = freshDir(), { acme = true } = {}) {
  const registrar = await Registrar.init(dir, TEST_UNLOCK, { now: NOW });
  await registrar.enroll(peopleRequests(), NOW);
  const enrolled = acme ? await registrar.enrollEnterprise({ creditCode: ACME, name: ACME_NAME, legalRepresentativeNationalId: LI.nationalId }, NOW) : undefined;
  return { registrar, dir, enrolled };
}

const grantOf = (overrides: Partial<MandateGrant> = {}): MandateGrant => ({
  enterpriseCode: ACME,
  agentNationalId: WANG.nationalId,
  role: "agent",
  tasks: ["tax_filing", "invoicing"],
  validFrom: TODAY,
  validUntil: "2027-05-31",
  ...overrides,
});

/** The mandate credential as an agent's file holds it, parsed back (its leaf checked against its terms). */
const asFile = (credential: MandateCredential) => parseMandateCredential(JSON.parse(JSON.stringify(credential)));

/** The change document a ledger entry should commit to, written out by the test: [index, new leaf] per slot. */
const expectedDocument = (kind: LedgerChangeDocument["kind"], leaves: [number, bigint][], details: Record<string, unknown> = {}): LedgerChangeDocument => ({
  format: "realdid-ledger-change/1",
  kind,
  leaves: leaves.map(([index, leaf]) => ({ index, leaf: leaf.toString() })),
  ...details,
});

/** Runs `change`, expecting a new root and exactly one new ledger entry; returns that entry and what `change` returned. */
async function expectNewRoot<T>(registrar: Registrar, change: () => Promise<T>) {
  const before = { root: (await registrar.treeInfo()).root, entries: registrar.ledger.length };
  const result = await change();
  const { root } = await registrar.treeInfo();
  expect(root).not.toBe(before.root);
  expect(registrar.ledger.length).toBe(before.entries + 1);
  expect(registrar.ledger.head!.root).toBe(root.toString());
  return { entry: registrar.ledger.head!, result };
}

const refusal = async (run: () => unknown): Promise<RealDidError> => {
  try {
    await run();
  } catch (error) {
    if (error instanceof RealDidError) return error;
    throw error;
  }
  throw new Error("expected a refusal");
};

describe("enterprises in the registry tree", () => {
  it("enrolls an enterprise with its legal representative's mandate: two leaves, one ledger entry that commits to them", async () => {
    const { registrar, enrolled } = await registrarWithAcme();
    const { enterprise, representativeMandate } = enrolled!;
    expect(enterprise).toEqual({
      creditCode: ACME,
      name: ACME_NAME,
      region: "110105",
      organisationType: "91",
      legalRepresentative: { nationalId: LI.nationalId, leafIndex: LI_INDEX },
      leafIndex: ACME_INDEX,
      status: "active",
      enrolledAt: NOW.toISOString(),
      updatedAt: NOW.toISOString(),
    });
    expect((await registrar.treeInfo()).size).toBe(6);

    // The representative's mandate: every task, from the enrollment day while the enterprise is active.
    const credential = asFile(representativeMandate);
    expect(credential).toMatchObject({ format: "realdid-mandate/1", registrarKey: registrar.publicKey, enterprise: { creditCode: ACME, name: ACME_NAME }, role: "legal_representative", tasks: "all", validFrom: TODAY, validUntil: "9999-12-31", index: REPRESENTATIVE_INDEX });
    const terms: MandateTerms = { agentCommitment: identities[0].commitment, enterprise: enterpriseFields(ACME), role: "legal_representative", tasks: ALL_TASKS, validFrom: TODAY, validUntil: "9999-12-31", index: REPRESENTATIVE_INDEX };
    expect(mandateTermsOf(credential)).toEqual(terms);
    const leaf = mandateLeaf(terms);
    expect(credential.leaf).toBe(leaf.toString());
    expect(JSON.stringify(representativeMandate)).not.toContain(LI.nationalId);

    // Both leaves are in the tree, their paths under the published root.
    const mandatePath = await registrar.path(REPRESENTATIVE_INDEX);
    expect(mandatePath.leaf).toBe(leaf);
    expect(merkleRootOf(mandatePath)).toBe((await registrar.treeInfo()).root);
    const enterprisePath = await registrar.path(ACME_INDEX);
    expect(enterprisePath.leaf).toBe(enterpriseLeaf(enterpriseFields(ACME)));
    expect(merkleRootOf(enterprisePath)).toBe((await registrar.treeInfo()).root);

    // genesis, the people, the enterprise: each entry after the genesis commits to its change document.
    expect(registrar.ledger.length).toBe(3);
    expect(registrar.ledger.entry(0)!.change).toBeUndefined();
    const peopleSlots = [LI_INDEX, ZHANG_INDEX, WANG_INDEX, CHEN_INDEX]; // in the batch's order
    checkLedgerChange(registrar.ledger.entry(1)!, expectedDocument("enroll", await Promise.all(peopleSlots.map(async (index): Promise<[number, bigint]> => [index, (await registrar.path(index)).leaf]))));
    const [mandate] = await registrar.mandatesOf(ACME);
    expect(mandate).toMatchObject({ leafIndex: REPRESENTATIVE_INDEX, leaf: leaf.toString(), revoked: false, agent: { nationalId: LI.nationalId, leafIndex: LI_INDEX }, ledgerSeq: 2, grantedAt: NOW.toISOString() });
    expect(mandate.grantedBy).toEqual(expectedDocument("enterprise", [[ACME_INDEX, enterpriseLeaf(enterpriseFields(ACME))], [REPRESENTATIVE_INDEX, leaf]], { creditCode: ACME, name: ACME_NAME }));
    expect(checkLedgerChange(registrar.ledger.entry(2)!, mandate.grantedBy).kind).toBe("enterprise");
    expect(await registrar.enterpriseStatus(ACME)).toEqual({ creditCode: ACME, status: "active", leafIndex: ACME_INDEX, leaf: enterpriseLeaf(enterpriseFields(ACME)).toString() });
    await registrar.close();
  });

  it("grants and revokes mandates, suspends, reactivates and strikes off: every change a new root whose ledger entry commits to its change document", async () => {
    const { registrar } = await registrarWithAcme();
    const enterpriseLeafValue = enterpriseLeaf(enterpriseFields(ACME));

    // A grant: the agent's credential, a leaf under the root, and the grant with its evidence in the ledger.
    const granted = await expectNewRoot(registrar, () => registrar.grantMandate(grantOf(), EVIDENCE, NOW));
    const agentCredential = asFile(granted.result);
    expect(agentCredential).toMatchObject({ role: "agent", tasks: ["tax_filing", "invoicing"], validFrom: TODAY, validUntil: "2027-05-31", index: FIRST_GRANT, agentCommitment: identities[2].commitment.toString() });
    expect(merkleRootOf(await registrar.path(FIRST_GRANT))).toBe((await registrar.treeInfo()).root);
    expect((await registrar.path(FIRST_GRANT)).leaf.toString()).toBe(agentCredential.leaf);
    const grantRecord = (await registrar.mandatesOf(ACME)).find((m) => m.leafIndex === FIRST_GRANT)!;
    expect(grantRecord.grantedBy).toMatchObject({ kind: "mandate-grant", grant: grantOf(), evidence: EVIDENCE, leaves: [{ index: FIRST_GRANT, leaf: agentCredential.leaf }] });
    expect(grantRecord.grantedBy.salt).toMatch(/^[0-9a-f]{64}$/);
    expect(granted.entry.change!.kind).toBe("mandate-grant");
    checkLedgerChange(granted.entry, grantRecord.grantedBy);
    // Whoever is handed another grant or other evidence finds out.
    expect((await refusal(() => checkLedgerChange(granted.entry, { ...grantRecord.grantedBy, evidence: { ...EVIDENCE, publicSignals: ["4712"] } }))).code).toBe("ledger_change_mismatch");
    expect((await refusal(() => checkLedgerChange(granted.entry, { ...grantRecord.grantedBy, grant: grantOf({ validUntil: "2028-05-31" }) }))).code).toBe("ledger_change_mismatch");

    // The last day a grant may run to is five years from today; a licence manager's grant.
    // Its evidence is kept as the JSON it stands for (what is stored is what was digested).
    const looseEvidence = { ...EVIDENCE, holes: [1, undefined], unset: undefined };
    const manager = asFile(await registrar.grantMandate(grantOf({ agentNationalId: CHEN.nationalId, role: "license_manager", tasks: ["licence_renewal"], validUntil: "2031-06-01" }), looseEvidence, NOW));
    expect(manager).toMatchObject({ index: SECOND_GRANT, role: "license_manager", validUntil: "2031-06-01" });
    const managerRecord = (await registrar.mandatesOf(ACME)).find((m) => m.leafIndex === SECOND_GRANT)!;
    expect(managerRecord.grantedBy.evidence).toEqual({ ...EVIDENCE, holes: [1, null] });
    checkLedgerChange(registrar.ledger.head!, managerRecord.grantedBy);

    // Revoking a mandate empties its slot; its row stays.
    const revoked = await expectNewRoot(registrar, () => registrar.revokeMandate(FIRST_GRANT, NOW));
    checkLedgerChange(revoked.entry, expectedDocument("mandate-revoke", [[FIRST_GRANT, 0n]]));
    await expect(registrar.path(FIRST_GRANT)).rejects.toThrow(new RegExp(`leaf ${FIRST_GRANT} is revoked`));
    expect((await refusal(() => registrar.revokeMandate(FIRST_GRANT, NOW))).code).toBe("not_enrolled");
    expect((await refusal(() => registrar.revokeMandate(ACME_INDEX, NOW))).message).toMatch(new RegExp(`no mandate has leaf index ${ACME_INDEX}`));

    // Suspended: the enterprise's leaf and every mandate still active are revoked in the same entry.
    const suspended = await expectNewRoot(registrar, () => registrar.setEnterpriseStatus(ACME, "suspended", later(1)));
    expect(suspended.result.representativeMandate).toBeUndefined();
    checkLedgerChange(suspended.entry, expectedDocument("enterprise-status", [[ACME_INDEX, 0n], [REPRESENTATIVE_INDEX, 0n], [SECOND_GRANT, 0n]], { creditCode: ACME, status: "suspended" }));
    for (const index of [ACME_INDEX, REPRESENTATIVE_INDEX, SECOND_GRANT]) await expect(registrar.path(index)).rejects.toThrow(/revoked/);
    expect((await registrar.mandatesOf(ACME)).map((m) => m.revoked)).toEqual([true, true, true]);
    expect(await refusal(() => registrar.grantMandate(grantOf(), EVIDENCE, later(1)))).toMatchObject({ code: "enterprise_inactive", message: expect.stringMatching(/is suspended: it grants no mandates/) });
    expect((await refusal(() => registrar.setEnterpriseStatus(ACME, "suspended", later(1)))).message).toMatch(/already suspended/);

    // Active again: the enterprise's leaf returns to its slot, the old mandates do not; the representative gets a new one.
    const reactivated = await expectNewRoot(registrar, () => registrar.setEnterpriseStatus(ACME, "active", later(2)));
    const newRepresentative = asFile(reactivated.result.representativeMandate!);
    expect(newRepresentative).toMatchObject({ role: "legal_representative", tasks: "all", validFrom: "2026-06-03", index: THIRD_GRANT });
    const reactivation = expectedDocument("enterprise-status", [[ACME_INDEX, enterpriseLeafValue], [THIRD_GRANT, BigInt(newRepresentative.leaf)]], { creditCode: ACME, status: "active" });
    checkLedgerChange(reactivated.entry, reactivation);
    expect((await registrar.mandatesOf(ACME)).find((m) => m.leafIndex === THIRD_GRANT)!.grantedBy).toEqual(reactivation);
    expect((await registrar.path(ACME_INDEX)).leaf).toBe(enterpriseLeafValue);
    expect(merkleRootOf(await registrar.path(THIRD_GRANT))).toBe((await registrar.treeInfo()).root);
    for (const index of [REPRESENTATIVE_INDEX, FIRST_GRANT, SECOND_GRANT]) await expect(registrar.path(index)).rejects.toThrow(/revoked/);
    expect((await registrar.enterpriseStatus(ACME)).status).toBe("active");

    // Struck off is final.
    const struckOff = await expectNewRoot(registrar, () => registrar.setEnterpriseStatus(ACME, "struck_off", later(3)));
    checkLedgerChange(struckOff.entry, expectedDocument("enterprise-status", [[ACME_INDEX, 0n], [THIRD_GRANT, 0n]], { creditCode: ACME, status: "struck_off" }));
    expect(await refusal(() => registrar.setEnterpriseStatus(ACME, "active", later(4)))).toMatchObject({ code: "enterprise_inactive", message: expect.stringMatching(/struck off: that is final/) });
    expect(await refusal(() => registrar.grantMandate(grantOf(), EVIDENCE, later(4)))).toMatchObject({ code: "enterprise_inactive", message: expect.stringMatching(/is struck off/) });
    expect((await registrar.enterpriseStatus(ACME)).status).toBe("struck_off");

    // The whole ledger still replays from its exported form, and names every change.
    const replayed = RootLedger.fromJsonLines(registrar.ledger.toJsonLines(), registrar.publicKey);
    expect(replayed.entriesFrom(1).map((e) => e.change!.kind)).toEqual(["enroll", "enterprise", "mandate-grant", "mandate-grant", "mandate-revoke", "enterprise-status", "enterprise-status", "enterprise-status"]);
    await registrar.close();
  });

  it("accepts a representative's act once: the same grant replayed after its mandate was revoked is refused; a representative's revocation keeps its evidence", async () => {
    const { registrar } = await registrarWithAcme();
    const act = { format: "realdid-mandate-grant/1", enterpriseCode: ACME, requestedAt: NOW.toISOString() };
    const granted = await registrar.grantMandate(grantOf(), { act, proof: EVIDENCE }, NOW);
    const revocation = { act: { format: "realdid-mandate-revocation/1", mandateIndex: granted.index }, proof: EVIDENCE };
    const revoked = await expectNewRoot(registrar, () => registrar.revokeMandate(granted.index, NOW, revocation));
    // The signed ledger commits to the revocation's evidence (an operator's revocation has none).
    checkLedgerChange(revoked.entry, expectedDocument("mandate-revoke", [[granted.index, 0n]], { evidence: revocation }));
    expect((await refusal(() => checkLedgerChange(revoked.entry, expectedDocument("mandate-revoke", [[granted.index, 0n]])))).code).toBe("ledger_change_mismatch");
    const size = (await registrar.treeInfo()).size;
    // The same act (a proof of it re-randomised or not) is refused: the mandate stays revoked.
    expect(await refusal(() => registrar.grantMandate(grantOf(), { act, proof: { ...EVIDENCE, publicSignals: ["4712"] } }, NOW))).toMatchObject({ code: "representative_refused", message: expect.stringMatching(/accepted before/) });
    expect((await registrar.treeInfo()).size).toBe(size);
    // A new act (another time) for the same terms is a new grant.
    expect((await registrar.grantMandate(grantOf(), { act: { ...act, requestedAt: later(0.01).toISOString() }, proof: EVIDENCE }, NOW)).index).toBe(SECOND_GRANT);
    await registrar.close();
  });

  it("records a new legal representative: the old one's mandate is revoked, the new one's written, the agents' mandates stay", async () => {
    const { registrar } = await registrarWithAcme();
    const agentMandate = await registrar.grantMandate(grantOf(), EVIDENCE, NOW);
    const changed = await expectNewRoot(registrar, () => registrar.changeRepresentative(ACME, CHEN.nationalId, NOW));
    expect(changed.result).toMatchObject({ role: "legal_representative", tasks: "all", agentCommitment: identities[3].commitment.toString() });
    expect(changed.entry.change!.kind).toBe("enterprise-representative");
    expect((await registrar.enterprise(ACME)).legalRepresentative).toEqual({ nationalId: CHEN.nationalId, leafIndex: CHEN_INDEX });
    const mandates = await registrar.mandatesOf(ACME);
    expect(mandates.find((m) => m.leafIndex === REPRESENTATIVE_INDEX)!.revoked).toBe(true);
    expect(mandates.find((m) => m.leafIndex === agentMandate.index)!.revoked).toBe(false);
    expect(merkleRootOf(await registrar.path(changed.result.index))).toBe((await registrar.treeInfo()).root);
    expect(await refusal(() => registrar.changeRepresentative(ACME, CHEN.nationalId, NOW))).toMatchObject({ code: "invalid_argument", message: expect.stringMatching(/already/) });
    await registrar.close();
  });

  it("refuses bad enrollments and grants, naming the field and value, and changes nothing", async () => {
    const { registrar } = await registrarWithAcme();
    await registrar.revoke(ZHANG_INDEX, NOW);
    const accepted = await registrar.grantMandate(grantOf(), EVIDENCE, NOW);
    const before = { root: (await registrar.treeInfo()).root, entries: registrar.ledger.length, size: (await registrar.treeInfo()).size };
    const enrollment = (change: Record<string, unknown>) => () => registrar.enrollEnterprise({ creditCode: NOT_ENROLLED_CODE, name: "Hongqiao Logistics Co., Ltd.", legalRepresentativeNationalId: CHEN.nationalId, ...change }, NOW);
    const grant = (change: Record<string, unknown>, evidence: unknown = EVIDENCE) => () => registrar.grantMandate({ ...grantOf(), ...change } as MandateGrant, evidence as object, NOW);
    const stranger = withCheckCharacter("11010519700101999");
    const cases: [string, () => unknown, string, RegExp][] = [
      ["a changed character in the credit code", enrollment({ creditCode: NOT_ENROLLED_CODE.slice(0, 10) + "0" + NOT_ENROLLED_CODE.slice(11) }), "invalid_record", /^enterprise: unified social credit code .* fails its check/],
      ["an unknown region", enrollment({ creditCode: withCreditCodeCheck("91990000MA01LT2X5") }), "invalid_record", /unknown region code 990000/],
      ["an empty name", enrollment({ name: " " }), "invalid_record", /name must be a non-empty string/],
      ["an unknown representative", enrollment({ legalRepresentativeNationalId: stranger }), "not_enrolled", new RegExp(`legalRepresentativeNationalId: nobody with nationalId "${stranger}" is enrolled`)],
      ["a revoked representative", enrollment({ legalRepresentativeNationalId: ZHANG.nationalId }), "credential_revoked", new RegExp(`legalRepresentativeNationalId: the credential of ${ZHANG.nationalId} \\(leaf ${ZHANG_INDEX}\\) is revoked`)],
      ["an enterprise enrolled already", enrollment({ creditCode: ACME }), "already_enrolled", new RegExp(`enterprise ${ACME} is already enrolled`)],
      ["an agent not enrolled", grant({ agentNationalId: stranger }), "not_enrolled", /grant: agentNationalId: nobody with nationalId/],
      ["a revoked agent", grant({ agentNationalId: ZHANG.nationalId }), "credential_revoked", /grant: agentNationalId: the credential of/],
      ["an enterprise not enrolled", grant({ enterpriseCode: NOT_ENROLLED_CODE }), "not_enrolled", new RegExp(`enterprise ${NOT_ENROLLED_CODE} is not enrolled`)],
      ["a bad enterprise code", grant({ enterpriseCode: "91110105MA01LT2X5Q" }), "invalid_mandate", /^grant: unified social credit code 91110105MA01LT2X5Q fails its check/],
      ["a mandate that ended yesterday", grant({ validFrom: "2026-01-01", validUntil: "2026-05-31" }), "invalid_mandate", /validUntil 2026-05-31 is before today \(2026-06-01\)/],
      ["a mandate of more than five years", grant({ validUntil: "2031-06-02" }), "invalid_mandate", /validUntil 2031-06-02 is more than 5 years away: a grant runs at most until 2031-06-01/],
      ["dates in the wrong order", grant({ validFrom: "2027-01-01", validUntil: "2026-12-31" }), "invalid_mandate", /validFrom 2027-01-01 is after validUntil 2026-12-31/],
      ["a date that does not exist", grant({ validUntil: "2027-02-29" }), "invalid_mandate", /validUntil is not a real date: 2027-02-29/],
      ["the legal representative's role", grant({ role: "legal_representative" }), "invalid_mandate", /role legal_representative is not granted/],
      ["an unknown role", grant({ role: "director" }), "invalid_mandate", /role must be one of legal_representative, license_manager, agent, received "director"/],
      ["every task", grant({ tasks: "all" }), "invalid_mandate", /tasks "all" belong to the legal representative/],
      ["five tasks", grant({ tasks: ["tax_filing", "invoicing", "social_insurance", "customs_declaration", "annual_report"] }), "invalid_mandate", /1 to 4 tasks, received 5/],
      ["an unknown task", grant({ tasks: ["tax_filing", "bribery"] }), "invalid_mandate", /unknown business task "bribery"/],
      ["a task twice", grant({ tasks: ["tax_filing", "tax_filing"] }), "invalid_mandate", /names each task once/],
      ["evidence that is not an object", grant({}, ["proof"]), "invalid_mandate", /the evidence must be a JSON object/],
      ["evidence too large", grant({}, { proof: "x".repeat(70_000) }), "invalid_mandate", /the evidence is 70012 bytes of JSON, more than 65536/],
      ["evidence that is not JSON", grant({}, { proof: 1n }), "invalid_mandate", /the evidence is not plain JSON/],
      ["the same mandate again (tasks in another order)", grant({ tasks: ["invoicing", "tax_filing"] }), "already_enrolled", new RegExp(`grant: ${WANG.nationalId} already holds this mandate of ${ACME} \\(leaf ${accepted.index}\\)`)],
    ];
    for (const [what, run, code, message] of cases) {
      const error = await refusal(run);
      expect(error.code, what).toBe(code);
      expect(error.message, what).toMatch(message);
    }
    expect({ root: (await registrar.treeInfo()).root, entries: registrar.ledger.length, size: (await registrar.treeInfo()).size }).toEqual(before);
    // The same agent and role with other dates is another mandate.
    expect((await registrar.grantMandate(grantOf({ validUntil: "2027-06-30" }), EVIDENCE, NOW)).index).toBe(SECOND_GRANT);
    await registrar.close();
  });

  it("keeps every record sealed: no file of the store holds a name, a credit code, an ID number or the evidence", async () => {
    const { registrar, dir } = await registrarWithAcme();
    await registrar.grantMandate(grantOf(), EVIDENCE, NOW);
    await registrar.close();
    const secrets = [ACME, ACME_NAME, "Lanting", EVIDENCE.publicSignals[1], ...NAMED_PEOPLE.flatMap((p) => [p.name, p.nationalId])];
    for (const name of readdirSync(dir)) {
      const bytes = readFileSync(join(dir, name)).toString("latin1");
      for (const secret of secrets) expect(bytes.includes(secret), `${name} holds ${secret}`).toBe(false);
    }
    // Without the keys: the public status answers, the records do not open.
    const locked = await Registrar.open(dir);
    expect(await locked.enterpriseStatus(ACME)).toMatchObject({ status: "active", leafIndex: ACME_INDEX });
    expect((await refusal(() => locked.enterprise(ACME))).code).toBe("keys_locked");
    expect((await refusal(() => locked.mandatesOf(ACME))).code).toBe("keys_locked");
    await locked.close();
  });
});

describe("one store, several processes, reopening and older stores", () => {
  it("two registrars on one store catch up with each other's enterprise changes; reopening gives the same root", async () => {
    const dir = freshDir();
    const { registrar: first } = await registrarWithAcme(dir, { acme: false });
    const second = await Registrar.open(dir, { unlock: TEST_UNLOCK });
    const agree = async () => {
      await first.sync();
      await second.sync();
      expect((await second.treeInfo()).root).toBe((await first.treeInfo()).root);
      expect(second.ledger.length).toBe(first.ledger.length);
    };
    await second.enrollEnterprise({ creditCode: ACME, name: ACME_NAME, legalRepresentativeNationalId: LI.nationalId }, NOW);
    await agree();
    const granted = await first.grantMandate(grantOf(), EVIDENCE, NOW); // first catches up with the enterprise inside its change
    expect(granted.index).toBe(FIRST_GRANT);
    await agree();
    await second.grantMandate(grantOf({ agentNationalId: CHEN.nationalId }), EVIDENCE, NOW);
    await first.revokeMandate(SECOND_GRANT, NOW);
    await agree();
    expect((await second.mandatesOf(ACME)).map((m) => [m.leafIndex, m.revoked])).toEqual([[REPRESENTATIVE_INDEX, false], [FIRST_GRANT, false], [SECOND_GRANT, true]]);
    await second.setEnterpriseStatus(ACME, "suspended", later(1));
    await agree();
    await expect(first.path(FIRST_GRANT)).rejects.toThrow(/revoked/);
    const { representativeMandate } = await first.setEnterpriseStatus(ACME, "active", later(2));
    await agree();
    expect(merkleRootOf(await second.path(representativeMandate!.index))).toBe((await second.treeInfo()).root);
    const root = (await first.treeInfo()).root;
    await first.close();
    await second.close();

    const reopened = await Registrar.open(dir, { unlock: TEST_UNLOCK });
    expect((await reopened.treeInfo()).root).toBe(root);
    expect((await reopened.treeInfo()).size).toBe(9);
    expect((await reopened.enterprise(ACME)).status).toBe("active");
    await reopened.close();
    const keyless = await Registrar.open(dir);
    expect((await keyless.treeInfo()).root).toBe(root);
    await keyless.close();
  });

  it("resolves a mandate handle to the mandate, its enterprise and its holder, also after revocation; a regulator's case resolves both handles", async () => {
    const { registrar, dir } = await registrarWithAcme();
    const credential = await registrar.grantMandate(grantOf(), EVIDENCE, NOW);
    await registrar.revokeMandate(credential.index, NOW);
    const resolved = await registrar.resolveMandateHandle(BigInt(credential.leaf));
    expect(resolved.mandate).toMatchObject({ leafIndex: credential.index, revoked: true, role: "agent", tasks: ["tax_filing", "invoicing"], enterpriseCode: ACME, agent: { nationalId: WANG.nationalId, leafIndex: WANG_INDEX } });
    expect(resolved.enterprise).toMatchObject({ creditCode: ACME, name: ACME_NAME, status: "active" });
    expect(resolved.agent).toMatchObject({ name: WANG.name, nationalId: WANG.nationalId, leafIndex: WANG_INDEX, revoked: false });
    expect((await refusal(() => registrar.resolveMandateHandle(12345n))).code).toBe("not_enrolled");
    // A person's handle is not a mandate's, nor the other way round.
    const wangLeaf = (await registrar.path(WANG_INDEX)).leaf;
    expect((await refusal(() => registrar.resolveMandateHandle(wangLeaf))).code).toBe("not_enrolled");
    expect((await refusal(() => registrar.resolveHandle(BigInt(credential.leaf)))).code).toBe("not_enrolled");

    const audit = AuditFolder.init(join(dir, "..", "audit"));
    audit.append("case-7", "request", { legalBasis: "Court order 7/2026" });
    audit.append("case-7", "result", { handle: wangLeaf.toString(), mandateHandle: credential.leaf, holders: [1, 2] });
    const found = await registrar.resolveCase("case-7", audit.read(), audit.publicKey);
    expect(found).toMatchObject({ name: WANG.name, leafIndex: WANG_INDEX, mandate: { mandate: { leafIndex: credential.index }, enterprise: { creditCode: ACME } } });
    await registrar.close();
  });

  it("opens a store written before enterprises: it gains their tables and the ledger's change column, its old entries verify", async () => {
    const dir = freshDir();
    const created = await Registrar.init(dir, TEST_UNLOCK, { now: NOW });
    const genesis = created.ledger.head!;
    await created.close();
    // The store as the previous version wrote it: people only, no change column.
    const db = new Database(join(dir, "registrar.sqlite"));
    db.exec(`DROP VIEW registry_leaves; DROP TRIGGER people_leaf_index_free; DROP TABLE enterprises; DROP TABLE mandates; ALTER TABLE ledger DROP COLUMN change;`);
    db.close();

    const upgraded = await Registrar.open(dir, { unlock: TEST_UNLOCK });
    expect(upgraded.ledger.head).toEqual(genesis);
    await upgraded.enroll(peopleRequests(), NOW);
    await upgraded.enrollEnterprise({ creditCode: ACME, name: ACME_NAME, legalRepresentativeNationalId: LI.nationalId }, NOW);
    const root = (await upgraded.treeInfo()).root;
    await upgraded.close();
    const reopened = await Registrar.open(dir, { unlock: TEST_UNLOCK });
    expect((await reopened.treeInfo()).root).toBe(root);
    expect((await reopened.enterpriseStatus(ACME)).leafIndex).toBe(ACME_INDEX);
    await reopened.close();

    // One leaf index, one kind of leaf: the store refuses a row in a slot another kind holds.
    const raw = new Database(join(dir, "registrar.sqlite"));
    expect(() => raw.prepare("INSERT INTO mandates (leaf_index, enterprise_index, record, data_key_id, leaf, granted_at, updated_at) VALUES (0, 'x', x'00', 1, '1', 't', 't')").run()).toThrow(/leaf_index is held by another kind of leaf/);
    raw.close();
  });
});

describe("the registrar's server and a verifier's replica", () => {
  it("serves an enterprise's public status, a mandate's path by bucket, and the ledger with its changes to a replica that survives a restart", async () => {
    const { registrar, dir } = await registrarWithAcme();
    const credential = await registrar.grantMandate(grantOf(), EVIDENCE, NOW);
    const server = await startRegistrarServer(dir, { host: "127.0.0.1", port: 0, log: pino({ level: "silent" }) });
    try {
      const answer = await fetch(`${server.url}/v1/enterprises/${ACME}`);
      expect(answer.status).toBe(200);
      const text = await answer.text();
      expect(parseEnterpriseStatusDocument(JSON.parse(text))).toEqual({ format: "realdid-enterprise-status/1", registrarKey: registrar.publicKey, creditCode: ACME, status: "active", leafIndex: ACME_INDEX, leaf: enterpriseLeaf(enterpriseFields(ACME)).toString() });
      for (const personal of [ACME_NAME, LI.nationalId, LI.name]) expect(text).not.toContain(personal);
      const unknown = await fetch(`${server.url}/v1/enterprises/${NOT_ENROLLED_CODE}`);
      expect([unknown.status, (await unknown.json()).error.code]).toEqual([404, "not_enrolled"]);
      const malformed = await fetch(`${server.url}/v1/enterprises/91110105MA01LT2X5Q`);
      expect([malformed.status, (await malformed.json()).error.code]).toEqual([400, "invalid_record"]);

      // A mandate's path refreshes by bucket like a person's, and its revocation is seen the same way.
      const mandateRef = { index: credential.index, leaf: BigInt(credential.leaf), registrarKey: credential.registrarKey };
      const { path, entry } = await refreshPath(server.url, mandateRef);
      expect(path.root).toBe((await registrar.treeInfo()).root);
      expect(entry.change?.kind).toBe("mandate-grant");
      const representative = (await registrar.mandatesOf(ACME))[0];
      expect((await refreshPath(server.url, { index: representative.leafIndex, leaf: BigInt(representative.leaf), registrarKey: registrar.publicKey })).path.root).toBe((await registrar.treeInfo()).root);

      // A verifier's replica takes the entries with their changes, stores them and reads them back after a restart.
      const verifierDir = join(dir, "..", "verifier");
      const store = SqliteVerifierStore.open(verifierDir);
      const replica = await LedgerReplica.open(store, ledgerSource(server.url), registrar.publicKey);
      await replica.sync();
      await registrar.revokeMandate(credential.index, NOW); // written by another process: the server catches up
      await expect(refreshPath(server.url, mandateRef)).rejects.toMatchObject({ code: "credential_revoked" });
      await replica.sync();
      expect(replica.ledger.length).toBe(registrar.ledger.length);
      await store.close();
      const restarted = await LedgerReplica.open(SqliteVerifierStore.open(verifierDir), ledgerSource(server.url), registrar.publicKey);
      expect(restarted.ledger.entriesFrom(0)).toEqual(registrar.ledger.entriesFrom(0));
      expect(restarted.ledger.head!.change!.kind).toBe("mandate-revoke");
      // The registrar's folder itself is a ledger source too.
      expect(await ledgerSource(dir).entriesFrom(0)).toEqual(registrar.ledger.entriesFrom(0));
    } finally {
      await server.close();
      await registrar.close();
    }
  });
});

/** A verifier store as the previous version created it: its ledger table without the change column, holding the genesis entry. */
const OLD_LEDGER_TABLE = "(seq INTEGER PRIMARY KEY, root TEXT NOT NULL, tree_size BIGINT NOT NULL, time TEXT NOT NULL, prev_hash TEXT NOT NULL, signature TEXT NOT NULL)";
const oldRow = (e: { seq: number; root: string; treeSize: number; time: string; prevHash: string; signature: string }) => [e.seq, e.root, e.treeSize, e.time, e.prevHash, e.signature];

describe.each([
  [
    "SQLite",
    async (dir: string, genesis: Parameters<typeof oldRow>[0]) => {
      mkdirSync(dir);
      const db = new Database(join(dir, "verifier.sqlite"));
      db.exec(`CREATE TABLE ledger_entries ${OLD_LEDGER_TABLE}`);
      db.prepare("INSERT INTO ledger_entries VALUES (?, ?, ?, ?, ?, ?)").run(...oldRow(genesis));
      db.close();
      return { open: async (): Promise<VerifierStore> => SqliteVerifierStore.open(dir), drop: async () => {} };
    },
  ],
  [
    "PostgreSQL",
    async (_dir: string, genesis: Parameters<typeof oldRow>[0]) => {
      const database = await ownTestDatabase("realdid_business_ledger");
      const client = new pg.Client({ connectionString: database.url });
      await client.connect();
      await client.query(`CREATE TABLE realdid_ledger_entries ${OLD_LEDGER_TABLE}`);
      await client.query("INSERT INTO realdid_ledger_entries VALUES ($1, $2, $3, $4, $5, $6)", oldRow(genesis));
      await client.end();
      return { open: (): Promise<VerifierStore> => PostgresVerifierStore.open(database.url), drop: database.drop };
    },
  ],
] as const)("a verifier's %s store", (_, oldStore) => {
  it("keeps every entry's change, also in a store from before the change column, and replays it after a restart", async () => {
    const { registrar, dir } = await registrarWithAcme();
    await registrar.grantMandate(grantOf(), EVIDENCE, NOW);
    const verifierDir = join(dir, "..", "verifier");
    const { open, drop } = await oldStore(verifierDir, registrar.ledger.entry(0)!);
    try {
      const store = await open();
      const replica = await LedgerReplica.open(store, ledgerSource(dir), registrar.publicKey);
      expect(await replica.sync()).toBe(registrar.ledger.length - 1);
      expect(await store.ledgerEntries()).toEqual(registrar.ledger.entriesFrom(0));
      await store.close();
      const reopened = await open();
      const restarted = await LedgerReplica.open(reopened, ledgerSource(dir), registrar.publicKey);
      expect(restarted.ledger.head!.change!.kind).toBe("mandate-grant");
      expect(restarted.ledger.entriesFrom(0)).toEqual(registrar.ledger.entriesFrom(0));
      await reopened.close();
    } finally {
      await drop();
      await registrar.close();
    }
  });
});
