// Threshold unmasking end to end with the real CLI: enroll, prove with escrow to a 3-of-5
// key, verify at a site, unmask with holders 1, 3 and 5; refused with 2 and 4; a forged
// partial is named; the registrar resolves only cases in a verified audit log. Then a person
// presents a QR code at a front desk, the desk's receipt is exported and opens a case that a
// 2-of-3 key unmasks; a tampered desk receipt is refused.
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { todayIso } from "../src/attributes/calendar.js";
import { checkAtDesk } from "../src/desk/desk-check.js";
import { DESK_CONFIG_FORMAT, parseDeskConfig } from "../src/desk/desk-config.js";
import { receiptId } from "../src/desk/desk-receipt.js";
import { startDeskServer } from "../src/desk/desk-server.js";
import { openSnapshot } from "../src/desk/desk-snapshot.js";
import { newShortCode } from "../src/desk/short-code.js";
import { PUBLIC_SIGNAL_NAMES } from "../src/proof/public-signals.js";
import { groth16Check } from "../src/proof/groth16-check.js";
import { readQrPng } from "../src/presentation/qr-code.js";
import { openShareFile, parseRegulatorPublicKey } from "../src/regulator/key-files.js";
import { enrollThroughCli, expectOneLineFailure, expectSuccess, realdid } from "./helpers/cli.js";
import { NAMED_PEOPLE } from "./helpers/people.js";

const ENV = {
  PASS: "citizen passphrase",
  REG1: "holder one",
  REG2: "holder two",
  REG3: "holder three",
  REG4: "holder four",
  REG5: "holder five",
};
let dir: string;
const cli = (...args: string[]) => realdid(dir, ["--json", ...args], ENV);
const ok = expectSuccess;
const refused = (run: ReturnType<typeof realdid>, code: string, message: RegExp) => {
  expect(run.status).toBe(1);
  expect(run.json.error).toMatchObject({ code });
  expect(run.json.error.message).toMatch(message);
};

const people = [NAMED_PEOPLE[0], NAMED_PEOPLE[3]];

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "realdid-regulator-"));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("threshold unmasking through the CLI", () => {
  it("enrolls, proves with escrow to a 3-of-5 key and verifies at a site", () => {
    enrollThroughCli(cli, dir, people, "p");
    const key = ok(cli("regulator", "keygen", "--threshold", "3", "--shares", "5", "--passphrases-env", "REG", "--out-dir", "regulator"));
    expect(key).toMatchObject({ threshold: 3, shares: 5 });
    ok(cli("regulator", "audit", "init", "--dir", "audit", "--passphrase-env", "AUDIT_PASS"));
    writeFileSync(join(dir, "policy.json"), JSON.stringify({ scope: "forum.example", minAge: 18, regulatorKey: key.publicKey }));
    ok(cli("registrar", "path", "--data", "registrar", "--index", "1", "--out", "p1.path.json"));
    ok(cli("registrar", "export-ledger", "--data", "registrar", "--out", "ledger.jsonl"));
    ok(cli("request", "--policy", "policy.json", "--challenge", "77", "--out", "request.json"));
    ok(cli("prove", "--regulator-key", "regulator/regulator-public.json", "--identity", "p1.identity.json", "--passphrase-env", "PASS", "--credential", "credentials/credential-1.json", "--path", "p1.path.json", "--request", "request.json", "--out", "proof.json"));
    expect(ok(cli("verify", "proof.json", "--policy", "policy.json", "--ledger", "ledger.jsonl", "--challenge", "77"))).toMatchObject({ valid: true });
  });

  it("keeps every share sealed: no share file holds its share in plain text", () => {
    const key = parseRegulatorPublicKey(JSON.parse(readFileSync(join(dir, "regulator", "regulator-public.json"), "utf8")));
    for (let i = 1; i <= 5; i++) {
      const bytes = readFileSync(join(dir, "regulator", `share-${i}.json`));
      const { secret } = openShareFile(JSON.parse(bytes.toString("utf8")), ENV[`REG${i}` as keyof typeof ENV], key);
      for (const encoding of [secret.toString(), secret.toString(16), Buffer.from(secret.toString()).toString("base64")]) {
        expect(bytes.includes(Buffer.from(encoding))).toBe(false);
      }
    }
  });

  it("unmasks with holders 1, 3 and 5, and the registrar names the person", () => {
    ok(cli("regulator", "open-case", "--proof", "proof.json", "--case-id", "case-1", "--legal-basis", "Court order 17/2026 (fraud investigation)", "--audit", "audit", "--audit-passphrase-env", "AUDIT_PASS", "--out", "case.json"));
    for (const i of [1, 2, 3, 4, 5]) {
      ok(cli("regulator", "partial", "--share", `regulator/share-${i}.json`, "--passphrase-env", `REG${i}`, "--key", "regulator/regulator-public.json", "--case", "case.json", "--out", `partial-${i}.json`));
    }
    const unmasked = ok(cli("regulator", "unmask", "--case", "case.json", "--key", "regulator/regulator-public.json", "--partials", "partial-1.json", "partial-3.json", "partial-5.json", "--audit", "audit", "--audit-passphrase-env", "AUDIT_PASS", "--registrar", "registrar", "--registrar-passphrase-env", "REGISTRAR_PASS"));
    expect(unmasked.person).toMatchObject({ name: "Chen Jing", nationalId: people[1].nationalId, leafIndex: 1 });
  });

  it("refuses holders 2 and 4 alone, saying that fewer than 3 reveal nothing", () => {
    refused(cli("regulator", "unmask", "--case", "case.json", "--key", "regulator/regulator-public.json", "--partials", "partial-2.json", "partial-4.json", "--audit", "audit", "--audit-passphrase-env", "AUDIT_PASS"), "not_enough_partials", /2 valid partials .* 3 are needed/);
  });

  it("names a forged partial", () => {
    const honest = JSON.parse(readFileSync(join(dir, "partial-2.json"), "utf8"));
    writeFileSync(join(dir, "forged.json"), JSON.stringify({ ...honest, index: 4 }));
    refused(cli("regulator", "unmask", "--case", "case.json", "--key", "regulator/regulator-public.json", "--partials", "partial-1.json", "forged.json", "partial-5.json", "--audit", "audit", "--audit-passphrase-env", "AUDIT_PASS"), "forged_partial", /holder 4/);
    const wrongPassphrase = realdid(dir, ["regulator", "partial", "--share", "regulator/share-2.json", "--passphrase-env", "REG3", "--key", "regulator/regulator-public.json", "--case", "case.json", "--out", "x.json"], ENV);
    expect(wrongPassphrase.status).toBe(1);
    expect(wrongPassphrase.stderr).toMatch(/wrong passphrase/);
  });

  it("records the case in a verifiable audit log, and the registrar resolves only what it records", () => {
    const audit = ok(cli("regulator", "audit", "verify", "audit/audit.jsonl"));
    expect(audit).toMatchObject({ valid: true, cases: 1 });
    const auditKey = audit.publicKey;
    expect(ok(cli("registrar", "resolve", "--data", "registrar", "--passphrase-env", "REGISTRAR_PASS", "--case-id", "case-1", "--audit", "audit/audit.jsonl", "--audit-key", auditKey)).person.name).toBe("Chen Jing");
    refused(cli("registrar", "resolve", "--data", "registrar", "--passphrase-env", "REGISTRAR_PASS", "--case-id", "case-2", "--audit", "audit/audit.jsonl", "--audit-key", auditKey), "case_not_in_audit_log", /no unmasking result for case case-2/);
    refused(cli("registrar", "resolve", "--data", "registrar", "--passphrase-env", "REGISTRAR_PASS", "--case-id", "case-1", "--audit", "audit/audit.jsonl", "--audit-key", "ab".repeat(32)), "case_not_in_audit_log", /not signed by the trusted/);

    const lines = readFileSync(join(dir, "audit", "audit.jsonl"), "utf8").trim().split("\n");
    const edited = lines.map((line, i) => (i === 1 ? line.replace("Court order 17/2026", "Court order 18/2026") : line));
    writeFileSync(join(dir, "edited.jsonl"), edited.join("\n"));
    refused(cli("registrar", "resolve", "--data", "registrar", "--passphrase-env", "REGISTRAR_PASS", "--case-id", "case-1", "--audit", "edited.jsonl", "--audit-key", auditKey), "log_bad_signature", /audit entry 0/);
    refused(cli("regulator", "audit", "verify", "edited.jsonl"), "log_bad_signature", /audit entry 0/);
  });

  it("opens a case only for a proof's escrow and a stated legal basis", () => {
    refused(cli("regulator", "open-case", "--proof", "proof.json", "--case-id", "case-3", "--legal-basis", "because", "--audit", "audit", "--audit-passphrase-env", "AUDIT_PASS", "--out", "c3.json"), "invalid_argument", /legal basis/);
    refused(cli("regulator", "open-case", "--proof", "proof.json", "--case-id", "case-1", "--legal-basis", "Court order 19/2026 (again)", "--audit", "audit", "--audit-passphrase-env", "AUDIT_PASS", "--out", "c3.json"), "invalid_argument", /already exists/);
  });
});

describe("a front desk's receipt opens a case", () => {
  const DESK = { name: "Hotel Example, front desk", scope: "hotel.example/front-desk", predicates: { minAge: 18, notExpired: true } };
  const audit = ["--audit", "audit", "--audit-passphrase-env", "AUDIT_PASS"];
  const openCase = (receipt: string, caseId: string) => ["regulator", "open-case", "--desk-receipt", receipt, "--case-id", caseId, "--legal-basis", "Court order 21/2026 (hotel fraud)", ...audit, "--out", `${caseId}.json`];
  let receiptFile: string;

  it("Chen Jing presents at the desk; the desk verifies her QR code and stores the receipt; `desk receipts` exports it once", async () => {
    const key = ok(cli("regulator", "keygen", "--threshold", "2", "--shares", "3", "--passphrases-env", "REG", "--out-dir", "desk-regulator"));
    const ledger = ok(cli("registrar", "export-ledger", "--data", "registrar", "--out", "ledger.jsonl"));
    const configJson = { format: DESK_CONFIG_FORMAT, ...DESK, regulatorKeys: [key.publicKey], registrar: { ledger: join(dir, "ledger.jsonl"), key: ledger.did } };
    writeFileSync(join(dir, "desk.json"), JSON.stringify(configJson));
    writeFileSync(join(dir, "desk-policy.json"), JSON.stringify({ scope: DESK.scope, minAge: 18, checkExpiry: true, regulatorKey: key.publicKey }));
    const server = await startDeskServer(parseDeskConfig(configJson), join(dir, "desk-data"));
    try {
      const code = newShortCode();
      ok(cli("present", "--identity", "p1.identity.json", "--passphrase-env", "PASS", "--credential", "credentials/credential-1.json", "--path", "p1.path.json", "--regulator-key", "desk-regulator/regulator-public.json", "--policy", "desk-policy.json", "--challenge", code, "--qr-png", "person.png"));
      const desk = openSnapshot(await (await fetch(new URL("snapshot", server.url))).json());
      const payload = readQrPng(readFileSync(join(dir, "person.png")), "the person's QR code");
      const outcome = await checkAtDesk(payload, desk, [{ code, day: todayIso(), issuedAt: new Date().toISOString() }], groth16Check(desk.snapshot.verificationKey));
      if (!outcome.verified) throw new Error(outcome.why);
      const upload = await fetch(new URL("receipts", server.url), { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(outcome.receipt) });
      expect(upload.status).toBe(201);

      const exportArgs = ["desk", "receipts", "--config", "desk.json", "--data", "desk-data", "--out", "desk-receipts"];
      const exported = ok(cli(...exportArgs));
      receiptFile = join("desk-receipts", `${outcome.receipt.id}.json`);
      expect(exported.receipts).toEqual([expect.objectContaining({ outcome: "written", id: outcome.receipt.id, file: receiptFile })]);
      expect(JSON.parse(readFileSync(join(dir, receiptFile), "utf8"))).toEqual(outcome.receipt);
      expect(statSync(join(dir, receiptFile)).mode & 0o777).toBe(0o600);
      const again = realdid(dir, exportArgs, ENV);
      expect(again.status).toBe(0);
      expect(again.stdout.trim().split("\n")).toEqual([`unchanged ${receiptFile}`, `1 receipts of "${DESK.name}" (${DESK.scope}): 0 written, 1 unchanged, 0 replaced, 0 refused`]);
      const later = ok(cli(...exportArgs, "--since", new Date(Date.now() + 60_000).toISOString()));
      expect(later).toMatchObject({ receipts: [], latestReceivedAt: null });
      expect(readdirSync(join(dir, "desk-receipts"))).toEqual([`${outcome.receipt.id}.json`]);
    } finally {
      await server.close();
    }
    expectOneLineFailure(realdid(dir, ["desk", "receipts", "--config", "desk.json", "--data", "desk-data", "--out", "x", "--since", "yesterday"], ENV), /--since must be an ISO 8601 time/);
    expectOneLineFailure(realdid(dir, ["desk", "receipts", "--config", "desk.json", "--data", "no-such-desk", "--out", "x"], ENV), /no desk receipts in no-such-desk/);
  }, 180_000);

  it("opens the case from the exported receipt, names the desk in the audit log, and two holders unmask Chen Jing", () => {
    const opened = ok(cli(...openCase(receiptFile, "desk-1")));
    const receipt = JSON.parse(readFileSync(join(dir, receiptFile), "utf8"));
    const entries = readFileSync(join(dir, "audit", "audit.jsonl"), "utf8").trim().split("\n").map((line) => JSON.parse(line));
    const request = entries.find((e) => e.seq === opened.auditEntry);
    expect(JSON.parse(request.details).deskReceipt).toEqual({
      id: receipt.id,
      proven: { scope: DESK.scope, code: receipt.code, did: receipt.did, root: receipt.root },
      statedByDesk: { name: DESK.name, time: receipt.time, day: receipt.day },
    });
    for (const i of [1, 3]) ok(cli("regulator", "partial", "--share", `desk-regulator/share-${i}.json`, "--passphrase-env", `REG${i}`, "--key", "desk-regulator/regulator-public.json", "--case", "desk-1.json", "--out", `desk-partial-${i}.json`));
    const unmasked = ok(cli("regulator", "unmask", "--case", "desk-1.json", "--key", "desk-regulator/regulator-public.json", "--partials", "desk-partial-1.json", "desk-partial-3.json", ...audit, "--registrar", "registrar", "--registrar-passphrase-env", "REGISTRAR_PASS"));
    expect(unmasked.person).toMatchObject({ name: "Chen Jing", nationalId: people[1].nationalId, leafIndex: 1 });
  });

  it("refuses a tampered desk receipt in one line and opens no case", () => {
    const receipt = JSON.parse(readFileSync(join(dir, receiptFile), "utf8"));
    const tampered = (name: string, change: (r: any) => void) => {
      const copy = structuredClone(receipt);
      change(copy);
      writeFileSync(join(dir, name), JSON.stringify(copy));
      return realdid(dir, openCase(name, `tampered-${name}`), ENV);
    };
    expectOneLineFailure(tampered("other-did.json", (r) => (r.did = `did:realdid:pairwise:${"ab".repeat(32)}`)), /desk receipt other-did\.json: its DID did:realdid:pairwise:abab.* is not its proof's/);
    const cipher = PUBLIC_SIGNAL_NAMES.indexOf("escrowCipher");
    const otherCipher = (r: any) => (r.proof.publicSignals[cipher] = (BigInt(r.proof.publicSignals[cipher]) + 1n).toString());
    expectOneLineFailure(tampered("renamed.json", otherCipher), /field 'id' is not the SHA-256 of its proof document/);
    expectOneLineFailure(tampered("other-cipher.json", (r) => (otherCipher(r), (r.id = receiptId(r.proof)))), /desk receipt other-cipher\.json: its proof is refused: the Groth16 proof does not verify/);
    expectOneLineFailure(tampered("other-desk.json", (r) => (r.desk.scope = "bank.example/counter")), /its proof is refused: the proof is for another scope than "bank\.example\/counter"/);
    expectOneLineFailure(tampered("other-time.json", (r) => (r.time = "2019-01-01T00:00:00.000Z")), /desk receipt other-time\.json: the receipt's code day .* is not the day of its time 2019-01-01T00:00:00\.000Z/);
    expectOneLineFailure(realdid(dir, [...openCase(receiptFile, "both"), "--proof", "proof.json"], ENV), /give exactly one of --receipt, --desk-receipt or --proof/);
    expect(ok(cli("regulator", "audit", "verify", "audit/audit.jsonl"))).toMatchObject({ valid: true, cases: 2 });
  });
});
