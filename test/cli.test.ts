// The whole flow through the real CLI, as subprocesses: registrar, citizen, two sites.
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PROJECT_ROOT } from "../src/artifacts/paths.js";
import { generateRegulatorKeyPair } from "../src/crypto/escrow.js";
import { withCheckCharacter } from "../src/registrar/national-id.js";
import { enrollThroughCli, expectOneLineFailure, expectSuccess, realdid } from "./helpers/cli.js";
import { NAMED_PEOPLE, NAMED_SLOTS } from "./helpers/people.js";

let dir: string;
/** Every identity in these tests is sealed with the passphrase in $PASS. */
const ENV = { PASS: "pw0", WRONG: "not-it", REG1: "regulator holder 1" };
const cli = (...args: string[]) => realdid(dir, ["--json", ...args], ENV);
const ok = expectSuccess;
const fails = expectOneLineFailure;

const people = NAMED_PEOPLE.slice(0, 3);
/** Their leaf slots: each in their province's shard. */
const slots = NAMED_SLOTS.slice(0, 3);

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "realdid-cli-"));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("realdid CLI end to end", () => {
  it("enrolls, proves age >= 18 for site A, verifies; site B sees another address; revocation ends proofs after the window", () => {
    expect(enrollThroughCli(cli, dir, people, "person")).toMatchObject({ enrolled: 3, indexes: slots });
    expect(readdirSync(join(dir, "credentials")).sort()).toEqual(slots.map((index) => `credential-${index}.json`).sort());
    expect(readFileSync(join(dir, "credentials", "credential-0.json"), "utf8")).not.toContain("Li Wei");

    const { publicKey: regulatorKey } = ok(cli("regulator", "keygen", "--out-dir", "regulator", "--passphrases-env", "REG"));
    const policy = (scope: string, windowSeconds = 3600) => ({ scope, minAge: 18, checkExpiry: true, rootWindowSeconds: windowSeconds, regulatorKey });
    writeFileSync(join(dir, "a.policy.json"), JSON.stringify(policy("a.example")));
    // Site B's window is short but leaves room for proving and verifying on a loaded machine.
    writeFileSync(join(dir, "b.policy.json"), JSON.stringify(policy("b.example", 30)));
    // The sites' request documents (what a prover reads), without a challenge: each proof gives its own.
    for (const site of ["a", "b"]) ok(cli("request", "--policy", `${site}.policy.json`, "--out", `${site}.request.json`));
    ok(cli("registrar", "path", "--data", "registrar", "--index", "0", "--out", "person0.path.json"));
    ok(cli("registrar", "export-ledger", "--data", "registrar", "--out", "ledger.jsonl"));

    const prove = (requestFile: string, out: string, challenge: string, person = 0) =>
      cli("prove", "--regulator-key", "regulator/regulator-public.json", "--identity", `person${person}.identity.json`, "--passphrase-env", "PASS", "--credential", `credentials/credential-${slots[person]}.json`, "--path", `person${person}.path.json`, "--request", requestFile, "--challenge", challenge, "--out", out);
    const a = ok(prove("a.request.json", "a.proof.json", "1111"));
    const verifiedA = ok(cli("verify", "a.proof.json", "--policy", "a.policy.json", "--ledger", "ledger.jsonl", "--challenge", "1111"));
    expect(verifiedA).toMatchObject({ valid: true, didAddress: a.didAddress, predicates: ["age >= 18", "credential not expired"] });
    expect(verifiedA.ledgerEntry.seq).toBe(1);

    const b = ok(prove("b.request.json", "b.proof.json", "2222"));
    expect(b.didAddress).not.toBe(a.didAddress);
    const crossSite = cli("verify", "a.proof.json", "--policy", "b.policy.json", "--ledger", "ledger.jsonl", "--challenge", "1111");
    expect(crossSite.status).toBe(1);
    expect(crossSite.json.error.code).toBe("scope_mismatch");

    // Zhang Min is 14: she cannot prove age >= 18.
    ok(cli("registrar", "path", "--data", "registrar", "--index", String(slots[1]), "--out", "person1.path.json"));
    const minor = prove("a.request.json", "minor.proof.json", "1111", 1);
    expect(minor.status).toBe(1);
    expect(minor.json.error).toMatchObject({ code: "predicate_unsatisfied" });

    // Revoke Li Wei; a new proof from the old path verifies within the window (30 s), not after it.
    ok(cli("registrar", "revoke", "--data", "registrar", "--passphrase-env", "REGISTRAR_PASS", "--national-id", people[0].nationalId));
    ok(cli("registrar", "export-ledger", "--data", "registrar", "--out", "ledger.jsonl"));
    fails(realdid(dir, ["registrar", "path", "--data", "registrar", "--index", "0", "--out", "x.json"]), /leaf 0 is revoked/);
    const revokedAt = Date.parse(JSON.parse(readFileSync(join(dir, "ledger.jsonl"), "utf8").trim().split("\n").at(-1)!).time);
    ok(prove("b.request.json", "late.proof.json", "3333"));
    ok(cli("verify", "late.proof.json", "--policy", "b.policy.json", "--ledger", "ledger.jsonl", "--challenge", "3333"));
    // Meanwhile the operator checks the stored tree against the records: the root is the ledger head's.
    expect(ok(cli("registrar", "check-tree", "--data", "registrar")).root).toBe(JSON.parse(readFileSync(join(dir, "ledger.jsonl"), "utf8").trim().split("\n").at(-1)!).root);
    while (Date.now() - revokedAt < 30_500) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 100);
    const expired = cli("verify", "late.proof.json", "--policy", "b.policy.json", "--ledger", "ledger.jsonl", "--challenge", "3333");
    expect(expired.status).toBe(1);
    expect(expired.json.error.code).toBe("root_expired");
  });

  it("ledger verify fails at a tampered entry", () => {
    expect(ok(cli("ledger", "verify", "ledger.jsonl"))).toMatchObject({ valid: true, entries: 3 });
    const lines = readFileSync(join(dir, "ledger.jsonl"), "utf8").trim().split("\n");
    const entry = JSON.parse(lines[2]);
    lines[2] = JSON.stringify({ ...entry, treeSize: entry.treeSize + 1 });
    writeFileSync(join(dir, "tampered.jsonl"), lines.join("\n"));
    fails(realdid(dir, ["ledger", "verify", "tampered.jsonl"]), /ledger entry 1: the signature is not the owner's/);
  });
});

describe("realdid prover-daemon", () => {
  it("proves for `prove --daemon` through an owner-only socket, and is named when it is not running", async () => {
    const socket = join(dir, "prover.sock");
    const daemon = spawn(process.execPath, [join(PROJECT_ROOT, "bin", "realdid.js"), "prover-daemon", "--socket", socket], { cwd: dir });
    try {
      await new Promise<void>((resolve, reject) => {
        daemon.stdout.on("data", (data: Buffer) => data.toString().includes("listening") && resolve());
        daemon.once("exit", (code) => reject(new Error(`the daemon exited (${code})`)));
      });
      expect(statSync(socket).mode & 0o777).toBe(0o600);
      ok(cli("registrar", "path", "--data", "registrar", "--index", String(slots[2]), "--out", "person2.path.json"));
      ok(cli("registrar", "export-ledger", "--data", "registrar", "--out", "ledger.jsonl"));
      const proveThroughDaemon = (requestFile: string, out: string) =>
        cli("prove", "--regulator-key", "regulator/regulator-public.json", "--daemon", socket, "--identity", "person2.identity.json", "--passphrase-env", "PASS", "--credential", `credentials/credential-${slots[2]}.json`, "--path", "person2.path.json", "--request", requestFile, "--challenge", "4444", "--out", out);
      const [a, b] = [ok(proveThroughDaemon("a.request.json", "daemon-a.proof.json")), ok(proveThroughDaemon("b.request.json", "daemon-b.proof.json"))];
      expect(ok(cli("verify", "daemon-a.proof.json", "--policy", "a.policy.json", "--ledger", "ledger.jsonl", "--challenge", "4444"))).toMatchObject({ valid: true, didAddress: a.didAddress });
      expect(ok(cli("verify", "daemon-b.proof.json", "--policy", "b.policy.json", "--ledger", "ledger.jsonl", "--challenge", "4444"))).toMatchObject({ valid: true, didAddress: b.didAddress });
    } finally {
      daemon.kill("SIGTERM");
      await new Promise((resolve) => daemon.once("exit", resolve));
    }
    expect(existsSync(socket)).toBe(false);
    fails(realdid(dir, ["prove", "--regulator-key", "regulator/regulator-public.json", "--daemon", socket, "--identity", "person2.identity.json", "--passphrase-env", "PASS", "--credential", `credentials/credential-${slots[2]}.json`, "--path", "person2.path.json", "--request", "a.request.json", "--challenge", "1", "--out", "x.json"], ENV), /no prover daemon answers at/);
  });
});

describe("realdid CLI bad input: one line, non-zero exit, nothing changed", () => {
  const snapshot = () => readdirSync(dir).sort().join(",") + readFileSync(join(dir, "registrar", "registrar.sqlite")).length;

  it.each([
    ["a missing file", ["identity", "show", "missing.json"], /identity file not found: missing.json/],
    ["malformed JSON", ["verify", "broken.json", "--policy", "a.policy.json", "--ledger", "ledger.jsonl", "--challenge", "1"], /proof file broken.json is not valid JSON/],
    ["a proof file of an older format", ["verify", "old-format.proof.json", "--policy", "a.policy.json", "--ledger", "ledger.jsonl", "--challenge", "1111"], /proof file old-format.proof.json: field 'format'/],
    ["a request document with a malformed bound", ["prove", "--regulator-key", "regulator/regulator-public.json", "--identity", "person0.identity.json", "--passphrase-env", "PASS", "--credential", "credentials/credential-0.json", "--path", "person0.path.json", "--request", "bad.request.json", "--challenge", "1", "--out", "x.json"], /request bad.request.json: field 'bounds.lo\[1\]'/],
    ["a request that escrows to a key the citizen does not trust", ["prove", "--regulator-key", "regulator/regulator-public.json", "--identity", "person0.identity.json", "--passphrase-env", "PASS", "--credential", "credentials/credential-0.json", "--path", "person0.path.json", "--request", "site-key.request.json", "--challenge", "1", "--out", "x.json"], /regulator key you do not trust/],
    ["a request whose bounds ask more than its predicates say", ["prove", "--regulator-key", "regulator/regulator-public.json", "--identity", "person0.identity.json", "--passphrase-env", "PASS", "--credential", "credentials/credential-0.json", "--path", "person0.path.json", "--request", "pinned.request.json", "--challenge", "1", "--out", "x.json"], /bounds on birthDate are not what its predicates \(age >= 18, credential not expired\) give/],
    ["a request for another day", ["prove", "--regulator-key", "regulator/regulator-public.json", "--identity", "person0.identity.json", "--passphrase-env", "PASS", "--credential", "credentials/credential-0.json", "--path", "person0.path.json", "--request", "stale.request.json", "--challenge", "1", "--out", "x.json"], /bounds are for 2020-01-01, not for today/],
    ["a request for other keys", ["prove", "--regulator-key", "regulator/regulator-public.json", "--identity", "person0.identity.json", "--passphrase-env", "PASS", "--credential", "credentials/credential-0.json", "--path", "person0.path.json", "--request", "other-keys.request.json", "--challenge", "1", "--out", "x.json"], /made for circuit keys 0{32}, but these keys are [0-9a-f]{32}/],
    ["a wrong field type", ["verify", "a.proof.json", "--policy", "typo.policy.json", "--ledger", "ledger.jsonl", "--challenge", "1"], /policy: minAge must be a whole number/],
    ["an unknown region code", ["registrar", "enroll", "--data", "registrar", "--passphrase-env", "REGISTRAR_PASS", "--name", "X", "--national-id", withCheckCharacter("11010519800101005"), "--birth-date", "1980-01-01", "--region", "990101", "--expiry", "2030-01-01", "--document-type", "passport", "--commitment", "77", "--out", "x.json"], /unknown region code 990101/],
    ["a birth date in the future", ["registrar", "enroll", "--data", "registrar", "--passphrase-env", "REGISTRAR_PASS", "--name", "X", "--national-id", withCheckCharacter("11010520990101005"), "--birth-date", "2099-01-01", "--region", "110101", "--expiry", "2100-01-01", "--document-type", "passport", "--commitment", "77", "--out", "x.json"], /birthDate 2099-01-01 is in the future/],
    ["an identity that does not match the credential", ["prove", "--regulator-key", "regulator/regulator-public.json", "--identity", "person1.identity.json", "--passphrase-env", "PASS", "--credential", "credentials/credential-0.json", "--path", "person0.path.json", "--request", "a.request.json", "--challenge", "1", "--out", "x.json"], /does not match the credential/],
    ["a revoked credential", ["registrar", "revoke", "--data", "registrar", "--passphrase-env", "REGISTRAR_PASS", "--index", "0"], /already revoked/],
    ["an unknown root", ["verify", "a.proof.json", "--policy", "a.policy.json", "--ledger", "other-ledger.jsonl", "--challenge", "1111"], /INVALID|root/],
    ["a non-numeric challenge", ["verify", "a.proof.json", "--policy", "a.policy.json", "--ledger", "ledger.jsonl", "--challenge", "abc"], /'challenge' is not an integer/],
    ["a wrong passphrase", ["identity", "show", "person0.identity.json", "--passphrase-env", "WRONG"], /wrong passphrase/],
  ])("%s", (_, args, message) => {
    writeFileSync(join(dir, "broken.json"), "{ nope");
    const siteRequest = JSON.parse(readFileSync(join(dir, "a.request.json"), "utf8"));
    writeFileSync(join(dir, "bad.request.json"), JSON.stringify({ ...siteRequest, bounds: { ...siteRequest.bounds, lo: ["0", "-1", "0", "0"] } }));
    writeFileSync(join(dir, "other-keys.request.json"), JSON.stringify({ ...siteRequest, keyId: "0".repeat(32) }));
    // The site's own key (valid, but not the regulator's): it could open the escrow itself.
    const siteKey = generateRegulatorKeyPair().publicKey;
    writeFileSync(join(dir, "site-key.request.json"), JSON.stringify({ ...siteRequest, regulatorKey: { x: siteKey.x.toString(), y: siteKey.y.toString() } }));
    writeFileSync(join(dir, "pinned.request.json"), JSON.stringify({ ...siteRequest, bounds: { ...siteRequest.bounds, lo: ["32944", ...siteRequest.bounds.lo.slice(1)] } }));
    writeFileSync(join(dir, "stale.request.json"), JSON.stringify({ ...siteRequest, day: "2020-01-01" }));
    writeFileSync(join(dir, "old-format.proof.json"), JSON.stringify({ ...JSON.parse(readFileSync(join(dir, "a.proof.json"), "utf8")), format: "realdid-proof/1" }));
    writeFileSync(join(dir, "typo.policy.json"), JSON.stringify({ ...JSON.parse(readFileSync(join(dir, "a.policy.json"), "utf8")), minAge: "18" }));
    if (args.includes("other-ledger.jsonl")) {
      realdid(dir, ["registrar", "init", "--data", "other-registrar", "--passphrase-env", "REGISTRAR_PASS"]);
      realdid(dir, ["registrar", "export-ledger", "--data", "other-registrar", "--out", "other-ledger.jsonl"]);
    }
    const before = snapshot();
    const run = realdid(dir, args, ENV);
    if (args[0] === "verify" && run.stdout.startsWith("INVALID")) {
      expect(run.status).toBe(1);
      expect(run.stdout).toMatch(/unknown_root/);
    } else fails(run, message);
    expect(snapshot()).toBe(before);
  });
});
