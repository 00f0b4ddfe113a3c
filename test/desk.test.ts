// The front desk's server and its offline check, in Node with a real proof: the snapshot the
// page verifies with, the check of a realdid-qr/1 payload against it, the receipts endpoint
// (good, repeated and bad input) and the desk command's configuration errors.
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { bn254 } from "@noble/curves/bn254.js";
import Database from "better-sqlite3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { todayIso } from "../src/attributes/calendar.js";
import { checkAtDesk } from "../src/desk/desk-check.js";
import { DESK_CONFIG_FORMAT, type DeskConfig, parseDeskConfig } from "../src/desk/desk-config.js";
import { type DeskReceipt, receiptId } from "../src/desk/desk-receipt.js";
import { type DeskServer, startDeskServer } from "../src/desk/desk-server.js";
import { openSnapshot } from "../src/desk/desk-snapshot.js";
import { newShortCode, normalizeShortCode, shortCodeChallenge } from "../src/desk/short-code.js";
import { RootLedger } from "../src/ledger/root-ledger.js";
import { encodeCompactPresentation } from "../src/presentation/compact-presentation.js";
import type { ProofDocument } from "../src/proof/proof-document.js";
import { groth16Check } from "../src/proof/groth16-check.js";
import { ed25519Signer, newSigningKeyHex } from "../src/signed-log/ed25519-signer.js";
import { expectOneLineFailure, expectSuccess, realdid } from "./helpers/cli.js";
import { type ProofFixture, proofFixture } from "./helpers/proof-fixture.js";

const SCOPE = "hotel.example/front-desk";
/** The real day, not the fixtures' fixed one: a receipt's code day must be the day of its time, and its time recent. */
const TODAY = todayIso();
const PREDICATES = { minAge: 18, notExpired: true };

let work: string;
let fixture: ProofFixture;
let config: DeskConfig;
let server: DeskServer;
let payload: Uint8Array;
const code = newShortCode();

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), "realdid-desk-"));
  fixture = await proofFixture();
  // The registrar's ledger as an exported file, its root the fixture's tree (development key, made here).
  const signer = ed25519Signer(newSigningKeyHex());
  const ledger = new RootLedger(signer.publicKey);
  ledger.publishRoot(fixture.tree.root, fixture.tree.size, new Date(), signer);
  writeFileSync(join(work, "ledger.jsonl"), ledger.toJsonLines());
  const regulatorKey = { x: fixture.regulator.publicKey.x.toString(), y: fixture.regulator.publicKey.y.toString() };
  const configJson = { format: DESK_CONFIG_FORMAT, name: "Hotel Example, front desk", scope: SCOPE, predicates: PREDICATES, regulatorKeys: [regulatorKey], registrar: { ledger: join(work, "ledger.jsonl"), key: signer.publicKey } };
  writeFileSync(join(work, "desk.json"), JSON.stringify(configJson));
  config = parseDeskConfig(configJson);
  server = await startDeskServer(config, join(work, "desk-data"));
  const proof = await fixture.prove(0, { ...fixture.requestFor(SCOPE, PREDICATES, TODAY), challenge: shortCodeChallenge(code) });
  payload = encodeCompactPresentation(proof);
}, 180_000);

afterAll(async () => {
  await server?.close();
  rmSync(work, { recursive: true, force: true });
});

const snapshot = async () => openSnapshot(await (await fetch(new URL("snapshot", server.url))).json());
const postReceipt = async (body: unknown) => {
  const response = await fetch(new URL("receipts", server.url), { method: "POST", headers: { "content-type": "application/json" }, body: typeof body === "string" ? body : JSON.stringify(body) });
  return { status: response.status, body: await response.json() };
};

/** The same proof re-randomised, as anyone can without the secret: A·r, B·r⁻¹ (e(A, B) is unchanged), C as it was. */
function rerandomized(proof: ProofDocument, r: bigint): ProofDocument {
  const a = bn254.G1.Point.fromAffine({ x: BigInt(proof.proof.pi_a[0]), y: BigInt(proof.proof.pi_a[1]) }).multiply(r).toAffine();
  const [x, y] = proof.proof.pi_b.map(([c0, c1]) => ({ c0: BigInt(c0), c1: BigInt(c1) }));
  const b = bn254.G2.Point.fromAffine({ x, y }).multiply(bn254.fields.Fr.inv(r)).toAffine();
  const pi_a = [a.x, a.y, 1n].map(String);
  const pi_b = [[b.x.c0, b.x.c1], [b.y.c0, b.y.c1], [1n, 0n]].map((pair) => pair.map(String));
  return { ...proof, proof: { ...proof.proof, pi_a, pi_b } };
}

describe("realdid desk", () => {
  let receipt: DeskReceipt;

  it("serves a snapshot whose ledger the page replays; a changed entry is refused", async () => {
    const response = await fetch(new URL("snapshot", server.url));
    expect(response.headers.get("content-security-policy")).toMatch(/connect-src 'self'/);
    const document = await response.json();
    expect(document).toMatchObject({ format: "realdid-desk-snapshot/1", scope: SCOPE, predicates: PREDICATES, keyId: fixture.artifacts.keyId, rootWindowSeconds: 3600, codeMinutes: 5 });
    const opened = openSnapshot(document);
    expect(opened.rootStatus(fixture.tree.root)).toBe("current");
    document.ledger[0].root = "1";
    expect(() => openSnapshot(document)).toThrow(/ledger entry 0: the signature is not the owner's/);
  });

  it("checks a person's QR payload offline: verified for the code it answers, refused in words for another code or a damaged payload", async () => {
    const desk = await snapshot();
    const check = groth16Check(fixture.artifacts.verificationKey);
    const other = { code: newShortCode(), day: TODAY, issuedAt: new Date().toISOString() };
    // A desk cut off from the registrar for longer than maxOfflineHours (24) would miss revocations: it refuses.
    const dayAfterSync = new Date(Date.parse(desk.snapshot.syncedAt) + 25 * 3_600_000);
    expect(await checkAtDesk(payload, desk, [{ code, day: TODAY, issuedAt: dayAfterSync.toISOString() }], check, dayAfterSync)).toMatchObject({ verified: false, reason: "snapshot_stale", why: expect.stringMatching(/more than 24 hours ago, and would not see a credential revoked since: connect the desk and sync it/) });
    const outcome = await checkAtDesk(payload, desk, [other, { code, day: TODAY, issuedAt: new Date().toISOString() }], check);
    if (!outcome.verified) throw new Error(outcome.why);
    expect(outcome.holds).toEqual(["a real-name enrolled person", "age >= 18", "credential not expired"]);
    expect(outcome.receipt).toMatchObject({ format: "realdid-desk-receipt/1", code, day: TODAY, ledgerSeq: 0, root: fixture.tree.root.toString(), did: outcome.did });
    receipt = outcome.receipt;
    expect(await checkAtDesk(payload, desk, [other], check)).toMatchObject({ verified: false, reason: "wrong_code" });
    expect(await checkAtDesk(payload.subarray(0, 260), desk, [other], check)).toMatchObject({ verified: false, reason: "bad_qr", why: expect.stringMatching(/^this is not a RealDID presentation code: .*261/) });
    expect(normalizeShortCode(`${code.slice(0, 4).toLowerCase()}-${code.slice(4)}`)).toBe(code);
  }, 60_000);

  it("stores a visit once (by code and person, however its proof is re-randomised); refuses a receipt whose words the proof does not back, and bad JSON", async () => {
    expect(await postReceipt(receipt)).toEqual({ status: 201, body: { id: receipt.id, stored: true } });
    expect(await postReceipt(receipt)).toEqual({ status: 200, body: { id: receipt.id, stored: false } });
    expect(server.receipts.get(receipt.id)).toEqual(receipt);
    // The same visit again with a re-randomised proof (another id, still a valid proof): one receipt per code and person.
    const copy = rerandomized(receipt.proof, 7n);
    expect(await groth16Check(fixture.artifacts.verificationKey)(copy.proof, copy.publicSignals)).toBe(true);
    expect(await postReceipt({ ...receipt, id: receiptId(copy), proof: copy })).toEqual({ status: 200, body: { id: receiptId(copy), stored: false } });

    // Only the proof is evidence: what the receipt says beside it must be this desk's and the proof's.
    const refused = async (changed: Partial<DeskReceipt>, message: RegExp) => {
      const answer = await postReceipt({ ...receipt, ...changed });
      expect(answer.status).toBe(422);
      expect(answer.body.error).toMatchObject({ code: "receipt_invalid", message });
    };
    await refused({ predicates: { minAge: 21, regionPrefix: "99" } }, /desk name, key id or predicates are not this desk's/);
    await refused({ desk: { name: "Forged desk name", scope: SCOPE } }, /desk name, key id or predicates are not this desk's/);
    await refused({ day: "2040-06-15" }, /code day 2040-06-15 is not the day of its time/);
    await refused({ time: "2099-01-01T00:00:00.000Z" }, /in the future or more than 30 days ago/);
    await refused({ time: "2001-01-01T00:00:00.000Z" }, /in the future or more than 30 days ago/);

    const otherCode = await postReceipt({ ...receipt, code: newShortCode() });
    expect(otherCode.status).toBe(422);
    expect(otherCode.body.error).toMatchObject({ code: "receipt_invalid", message: expect.stringMatching(/the proof answers another challenge/) });
    const otherDid = await postReceipt({ ...receipt, did: `did:realdid:pairwise:${"0".repeat(64)}` });
    expect(otherDid.body.error).toMatchObject({ code: "receipt_invalid", message: expect.stringMatching(/DID is not its proof's/) });
    const renamed = await postReceipt({ ...receipt, id: "0".repeat(64) });
    expect(renamed.status).toBe(400);
    expect(renamed.body.error.message).toMatch(/field 'id' is not the SHA-256 of its proof document/);
    const missing = await postReceipt({ ...receipt, proof: undefined });
    expect(missing.body.error).toMatchObject({ code: "malformed_request", message: expect.stringMatching(/the desk receipt: field 'proof'/) });
    expect((await postReceipt("{not json")).body.error).toEqual({ code: "malformed_request", message: "the body is not valid JSON" });
    expect(server.receipts.count()).toBe(1);
  }, 60_000);

  it("`realdid desk receipts` writes the stored receipt; a stored receipt edited in the SQLite file is refused and not written", () => {
    const exportArgs = ["desk", "receipts", "--config", join(work, "desk.json"), "--data", join(work, "desk-data"), "--out", join(work, "exported")];
    expect(expectSuccess(realdid(work, ["--json", ...exportArgs])).receipts).toEqual([expect.objectContaining({ outcome: "written", id: receipt.id })]);
    rmSync(join(work, "exported"), { recursive: true });
    const db = new Database(join(work, "desk-data", "desk.sqlite"));
    db.prepare("UPDATE receipts SET receipt = ? WHERE id = ?").run(JSON.stringify({ ...receipt, code: newShortCode(), id: "0".repeat(64) }), receipt.id);
    db.close();
    const edited = realdid(work, exportArgs);
    expect(edited.status).toBe(1);
    expect(edited.stdout).toMatch(new RegExp(`^refused stored receipt ${receipt.id}: the desk receipt: field 'id' is not the SHA-256 of its proof document\n1 receipts of "Hotel Example, front desk" \\(${SCOPE}\\): 0 written, 0 unchanged, 0 replaced, 1 refused\n$`));
    expect(existsSync(join(work, "exported", `${receipt.id}.json`))).toBe(false);
  });

  it("`realdid desk sync` pulls the ledger; a bad configuration is one line naming the field", () => {
    const sync = expectSuccess(realdid(work, ["--json", "desk", "sync", "--config", join(work, "desk.json"), "--data", join(work, "sync-data")]));
    expect(sync).toMatchObject({ added: 1, entries: 1, root: fixture.tree.root.toString() });
    writeFileSync(join(work, "bad.json"), JSON.stringify({ ...config, format: DESK_CONFIG_FORMAT, scope: "" }));
    expectOneLineFailure(realdid(work, ["desk", "sync", "--config", join(work, "bad.json")]), /the desk configuration .*bad\.json: field 'scope'/);
    writeFileSync(join(work, "bad.json"), JSON.stringify({ ...config, registrar: { ledger: "x", key: "did:key:z6Mk" } }));
    expectOneLineFailure(realdid(work, ["desk", "--config", join(work, "bad.json")]), /field 'registrar.key'.*method "key", not realdid/);
    expectOneLineFailure(realdid(work, ["desk", "sync"]), /give the desk's configuration with --config/);
  }, 60_000);
});
