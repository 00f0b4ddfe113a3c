// Threshold unmasking end to end with the real CLI: enroll, prove with escrow to a 3-of-5
// key, verify at a site, unmask with holders 1, 3 and 5; refused with 2 and 4; a forged
// partial is named; the registrar resolves only cases in a verified audit log.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openShareFile, parseRegulatorPublicKey } from "../src/regulator/key-files.js";
import { enrollThroughCli, expectSuccess, realdid } from "./helpers/cli.js";
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
