// The phase-2 ceremony through the real CLI, as contributors on different machines would run
// it (the folder is what travels): three contributors and a beacon; a tampered contribution, a
// lying transcript and a swapped circuit named by the next contributor; the resulting key set
// -- other keys than the published ones, so a proof made with them is named key_mismatch,
// with both key ids, by a verifier.
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { REALDID_CIRCUIT } from "../src/artifacts/circuit-id.js";
import { loadArtifacts } from "../src/artifacts/load.js";
import { checkKeySet } from "../src/ceremony/ceremony.js";
import { sha256Hex } from "../src/crypto/sha256.js";
import { enrollThroughCli, expectSuccess as ok, realdid } from "./helpers/cli.js";
import { NAMED_PEOPLE } from "./helpers/people.js";

let dir: string;
const ENV = { PASS: "pw", REG1: "holder", ENTROPY: "dice rolled by Bob: 3 1 4 1 5" };
const cli = (...args: string[]) => realdid(dir, ["--json", ...args], ENV);
const refused = (run: ReturnType<typeof realdid>, message: RegExp) => {
  expect(run.status, run.stdout).toBe(1);
  expect(run.stderr.trim().split("\n")).toHaveLength(1);
  expect(run.stderr).toMatch(message);
};

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "realdid-ceremony-"));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// Each step is minutes of zkey work on a busy 2-core machine (the suite runs files side by
// side); the timeout only guards against a hang.
describe("realdid ceremony", { timeout: 600_000 }, () => {
  let steps: Record<string, any>[] = [];

  it("runs three contributors and a beacon; each step verifies the last before adding its own", () => {
    expect(ok(cli("ceremony", "init", "--dir", "ceremony"))).toMatchObject({ circuit: "realdid-32-4", constraints: loadArtifacts({ warn: () => {} }).manifest.constraints });
    steps.push(ok(cli("ceremony", "contribute", "--dir", "ceremony", "--name", "Alice")));
    steps.push(ok(cli("ceremony", "contribute", "--dir", "ceremony", "--name", "Bob", "--entropy-env", "ENTROPY")));
    cpSync(join(dir, "ceremony"), join(dir, "tampered"), { recursive: true }); // the folder as Bob passes it on
    steps.push(ok(cli("ceremony", "contribute", "--dir", "ceremony", "--name", "Carol")));
    refused(realdid(dir, ["ceremony", "beacon", "--dir", "ceremony", "--beacon", "ab".repeat(32), "--iterations", "4"], ENV), /iteration exponent must be an integer from 10 to 63/);
    steps.push(ok(cli("ceremony", "beacon", "--dir", "ceremony", "--beacon", "ab".repeat(32), "--iterations", "10")));
    expect(steps.map((s) => s.step)).toEqual([1, 2, 3, 4]);
    expect(new Set(steps.map((s) => s.contributionHash)).size).toBe(4);
    steps.forEach((s) => expect(s.contributionHash).toMatch(/^[0-9a-f]{128}$/));
  });

  it("names the contribution that was tampered with, a transcript that lies, and a circuit that is not this checkout's", () => {
    const transcriptFile = join(dir, "tampered", "ceremony.json");
    const transcript = JSON.parse(readFileSync(transcriptFile, "utf8"));
    const withStep = (index: number, change: object) => ({ ...transcript, steps: transcript.steps.map((s: any) => (s.index === index ? { ...s, ...change } : s)) });
    const carolTries = () => realdid(dir, ["ceremony", "contribute", "--dir", "tampered", "--name", "Carol"], ENV);

    // Bob's zkey altered after he contributed, its hash updated in the transcript: only the cryptography can tell.
    const bobsFile = join(dir, "tampered", transcript.steps[2].file);
    const genuine = readFileSync(bobsFile);
    const zkey = Buffer.from(genuine);
    zkey[Math.floor(zkey.length / 2)] ^= 0x01;
    writeFileSync(bobsFile, zkey);
    writeFileSync(transcriptFile, JSON.stringify(withStep(2, { sha256: sha256Hex(zkey) })));
    refused(carolTries(), /step 2 \(contribution by "Bob", realdid-32-4-0002\.zkey\) does not verify against the ceremony's initial key/);
    // Anyone's `ceremony verify` names it too.
    refused(realdid(dir, ["ceremony", "verify", "--dir", "tampered"], ENV), /step 2 \(contribution by "Bob", realdid-32-4-0002\.zkey\) does not verify against the ceremony's initial key/);
    writeFileSync(bobsFile, genuine);

    // A transcript that names another file than the one in the folder, or rewrites who contributed.
    writeFileSync(transcriptFile, JSON.stringify(withStep(2, { sha256: "0".repeat(64) })));
    refused(carolTries(), /step 2 \(contribution by "Bob".*is not the file the transcript records/);
    writeFileSync(transcriptFile, JSON.stringify(withStep(1, { name: "Mallory" })));
    refused(carolTries(), /does not carry step 1 \(contribution by "Mallory".*contributor's name differs/);

    // A coordinator's own circuit: another r1cs in the folder (its hash in the transcript to match).
    const r1csFile = join(dir, "tampered", transcript.r1cs.file);
    const r1cs = readFileSync(r1csFile);
    r1cs[r1cs.length - 10] ^= 0x01;
    writeFileSync(r1csFile, r1cs);
    writeFileSync(transcriptFile, JSON.stringify({ ...transcript, r1cs: { ...transcript.r1cs, sha256: sha256Hex(r1cs) } }));
    refused(carolTries(), /the ceremony's r1cs or wasm is not what realdid-32-4 compiles to/);

    refused(realdid(dir, ["ceremony", "contribute", "--dir", "nowhere", "--name", "Carol"], ENV), /ceremony transcript file not found/);
    refused(realdid(dir, ["ceremony", "contribute", "--dir", "ceremony", "--name", "bad:name"], ENV), /contributor's name/);
  });

  it("finalizes a key set with its key id, listing every contributor; never over a folder that is not a key set", async () => {
    refused(realdid(dir, ["ceremony", "finalize", "--dir", "ceremony", "--out-dir", "ceremony"], ENV), /ceremony exists and is not a key set/);
    const finalized = ok(cli("ceremony", "finalize", "--dir", "ceremony", "--out-dir", "other-keys"));
    expect(finalized.contributors).toEqual(["Alice", "Bob", "Carol", `beacon ${"ab".repeat(32)}`]);
    const keys = loadArtifacts({ dir: join(dir, "other-keys"), warn: () => {} });
    expect(keys.keyId).toBe(finalized.keyId);
    expect(keys.manifest.warning).toBeUndefined(); // not --development
    expect(keys.keyId).not.toBe(loadArtifacts({ warn: () => {} }).keyId);
    const transcript = JSON.parse(readFileSync(join(dir, "other-keys", "transcript.json"), "utf8"));
    expect(transcript.steps.slice(1).map((s: any) => s.contributionHash)).toEqual(steps.map((s) => s.contributionHash));

    // A published key set whose transcript misstates the beacon (manifest updated to match) is refused by the key check.
    cpSync(join(dir, "other-keys"), join(dir, "misstated-keys"), { recursive: true });
    const misstated = { ...transcript, steps: transcript.steps.map((s: any) => (s.kind === "beacon" ? { ...s, beaconHash: "0".repeat(64) } : s)) };
    const misstatedText = JSON.stringify(misstated, null, 2) + "\n";
    writeFileSync(join(dir, "misstated-keys", "transcript.json"), misstatedText);
    const manifest = JSON.parse(readFileSync(join(dir, "misstated-keys", "manifest.json"), "utf8"));
    writeFileSync(join(dir, "misstated-keys", "manifest.json"), JSON.stringify({ ...manifest, files: { ...manifest.files, transcript: sha256Hex(misstatedText) } }));
    await expect(checkKeySet(join(dir, "misstated-keys"), REALDID_CIRCUIT)).rejects.toThrow(/does not carry step 4 \(beacon by "beacon".*beacon differs/);
  });

  it("a proof made with the other keys is named key_mismatch with both ids; a request for other keys is refused before proving", () => {
    enrollThroughCli(cli, dir, NAMED_PEOPLE.slice(0, 1), "p");
    ok(cli("regulator", "keygen", "--out-dir", "regulator", "--passphrases-env", "REG"));
    const { x, y } = JSON.parse(readFileSync(join(dir, "regulator", "regulator-public.json"), "utf8"));
    writeFileSync(join(dir, "policy.json"), JSON.stringify({ scope: "shop.example", minAge: 18, regulatorKey: { x, y } }));
    ok(cli("registrar", "path", "--data", "registrar", "--index", "0", "--out", "p0.path.json"));
    ok(cli("registrar", "export-ledger", "--data", "registrar", "--out", "ledger.jsonl"));
    const published = loadArtifacts({ warn: () => {} }).keyId;
    const other = loadArtifacts({ dir: join(dir, "other-keys"), warn: () => {} }).keyId;
    const prove = (keys: string[], request: string) => cli(...keys, "prove", "--regulator-key", "regulator/regulator-public.json", "--identity", "p0.identity.json", "--passphrase-env", "PASS", "--credential", "credentials/credential-0.json", "--path", "p0.path.json", "--request", request, "--out", "other.proof.json");

    ok(cli("request", "--policy", "policy.json", "--challenge", "5", "--out", "published.request.json"));
    const wrongProver = prove(["--keys", "other-keys"], "published.request.json");
    expect(wrongProver.json.error).toMatchObject({ code: "key_mismatch" });
    expect(wrongProver.json.error.message).toContain(published);
    expect(wrongProver.json.error.message).toContain(other);

    ok(cli("--keys", "other-keys", "request", "--policy", "policy.json", "--challenge", "5", "--out", "other.request.json"));
    expect(ok(prove(["--keys", "other-keys"], "other.request.json")).keyId).toBe(other);
    expect(ok(cli("--keys", "other-keys", "verify", "other.proof.json", "--policy", "policy.json", "--ledger", "ledger.jsonl", "--challenge", "5"))).toMatchObject({ valid: true, keyId: other });
    const verified = cli("verify", "other.proof.json", "--policy", "policy.json", "--ledger", "ledger.jsonl", "--challenge", "5");
    expect(verified.status).toBe(1);
    expect(verified.json.error.code).toBe("key_mismatch");
    expect(verified.json.error.message).toContain(published);
    expect(verified.json.error.message).toContain(other);
  });
});
