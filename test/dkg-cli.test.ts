// The dealer-free key ceremony through the real CLI: five holders in five folders run
// `regulator dkg init | deal | receive | finish` as subprocesses, passing files through a
// shared board folder. Nobody deals to a roster other than the one the holders confirmed (a
// swapped holder document is refused). Holder 4 cheats (holder 2 gets the share meant for
// holder 3) and is named and disqualified; holder 1's false complaint against holder 3 is
// rejected; a reposted complaint is skipped; a holder whose transcript differs from the one
// confirmed writes nothing; finish deletes the ceremony secrets. No file and no output line
// holds sk. Then a real proof escrows to the DKG key and the regulator
// commands unmask it with holders 1, 3 and 5, and refuse 2 and 4.
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, isAbsolute, join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BASE8, multiplyPoint, pointsEqual, SUBGROUP_ORDER } from "../src/crypto/baby-jubjub.js";
import { mod } from "../src/crypto/field.js";
import { complain, documentHash, newHolder, sealDeal } from "../src/regulator/dkg.js";
import { openHolderFolder, readDeals, readRoster, writeComplaints, writeDeal } from "../src/regulator/dkg-files.js";
import { openShareFile, parseRegulatorPublicKey, publicKeyJson } from "../src/regulator/key-files.js";
import { evaluate, lagrangeAtZero, randomPolynomial } from "../src/regulator/shamir.js";
import { releaseCurve } from "../src/proof/curve.js";
import { proofDocument } from "../src/proof/proof-document.js";
import { type CliRun, expectSuccess, realdid, realdidConcurrently } from "./helpers/cli.js";
import { proofFixture } from "./helpers/proof-fixture.js";

const HOLDERS = [1, 2, 3, 4, 5];
const ENV: Record<string, string> = Object.fromEntries(HOLDERS.map((i) => [`H${i}`, `holder ${i} passphrase`]));
let dir: string;
/** Formed by the test alone, from three opened shares, to look for it everywhere. */
let sk: bigint;
/** Every run's output: the sk check reads these too. */
const runs: CliRun[] = [];
const cli = (...args: string[]) => {
  const run = realdid(dir, ["--json", ...args], ENV);
  runs.push(run);
  return run;
};
/** The same step by several holders at once, each a subprocess of its own (as on their own machines). */
const eachHolder = async (holders: readonly number[], args: (i: number) => string[]): Promise<Record<string, any>[]> => {
  const done = await Promise.all(holders.map((i) => realdidConcurrently(dir, ["--json", ...args(i)], ENV)));
  runs.push(...done);
  return done.map(ok);
};
const ok = expectSuccess;
const refused = (run: CliRun, code: string, message: RegExp) => {
  expect(run.status, run.stdout).toBe(1);
  expect(run.json.error).toMatchObject({ code });
  expect(run.json.error.message).toMatch(message);
  expect(run.stderr.trim().split("\n")).toHaveLength(1);
};
const holderDir = (i: number) => `h${i}`;
const board = (name = "") => join("board", name);
/** A holder publishes a file: it is copied to the board every holder reads from. */
const publish = (file: string) => copyFileSync(isAbsolute(file) ? file : join(dir, file), join(dir, board(basename(file))));
const onBoard = (prefix: string) => readdirSync(join(dir, board())).filter((f) => f.startsWith(prefix)).sort().map((f) => board(f));
const passphrase = (i: number) => `--passphrase-env=H${i}`;
/** What the holders read out to each other: fingerprints at init, the roster hash before dealing. */
const fingerprints: string[] = [];
let rosterHash: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "realdid-dkg-"));
  mkdirSync(join(dir, board()));
});
afterAll(async () => {
  rmSync(dir, { recursive: true, force: true });
  await releaseCurve();
});

/** Every integer a string could spell: decimal, hex, base64 (big- and little-endian). */
function numbersIn(text: string): { numbers: bigint[]; bytes: Buffer[] } {
  const numbers: bigint[] = [];
  const bytes: Buffer[] = [];
  for (const token of text.match(/[0-9A-Za-z+/=_-]+/g) ?? []) {
    const bare = token.replace(/^0x/, "");
    if (/^[0-9]+$/.test(bare)) numbers.push(BigInt(bare));
    if (/^[0-9a-fA-F]+$/.test(bare)) {
      numbers.push(BigInt("0x" + bare));
      if (bare.length % 2 === 0) bytes.push(Buffer.from(bare, "hex"));
    }
    if (/^[A-Za-z0-9+/_-]+=*$/.test(token)) {
      const decoded = Buffer.from(token, token.includes("-") || token.includes("_") ? "base64url" : "base64");
      if (decoded.length > 0) {
        bytes.push(decoded);
        numbers.push(BigInt("0x" + decoded.toString("hex")), BigInt("0x" + Buffer.from(decoded).reverse().toString("hex")));
      }
    }
  }
  return { numbers, bytes };
}

/** Whether `text` spells `secret` in any of those ways, or holds its 32 bytes anywhere in decoded binary. */
function spells(text: string, secret: bigint): { found: boolean; checked: number } {
  const be = Buffer.from(secret.toString(16).padStart(64, "0"), "hex");
  const le = Buffer.from(be).reverse();
  // Inside JSON, strings are tokens already; a whole-text scan also catches numbers outside JSON strings.
  const { numbers, bytes } = numbersIn(text);
  const found = numbers.includes(secret) || bytes.some((b) => b.includes(be) || b.includes(le)) || Buffer.from(text).includes(be) || Buffer.from(text).includes(le);
  return { found, checked: numbers.length };
}

/** Checks every file under the test folder and every output so far; returns how many numbers were read. */
function numbersSpelling(secret: bigint): number {
  let checked = 0;
  for (const file of filesUnder(dir)) {
    const scan = spells(readFileSync(file, "utf8"), secret);
    expect(scan.found, file).toBe(false);
    checked += scan.checked;
  }
  for (const run of runs) expect(spells(run.stdout + run.stderr, secret).found).toBe(false);
  return checked;
}

const filesUnder = (root: string): string[] => readdirSync(root).flatMap((name) => (statSync(join(root, name)).isDirectory() ? filesUnder(join(root, name)) : [join(root, name)]));

describe("3-of-5 DKG through the CLI", () => {
  it("refuses a bad start: a threshold above the holders, or of 1", () => {
    refused(cli("regulator", "dkg", "init", "--dir", "x", "--ceremony", "reg-2026", "--holder", "1", "--of", "5", "--threshold", "6", passphrase(1)), "invalid_argument", /1 <= threshold <= shares <= 255, received 6 of 5/);
    refused(cli("regulator", "dkg", "init", "--dir", "x", "--ceremony", "reg-2026", "--holder", "1", "--of", "5", "--threshold", "1", passphrase(1)), "invalid_argument", /threshold of at least 2 \(with 1, every holder's share would be the key itself\)/);
    expect(existsSync(join(dir, "x"))).toBe(false);
  });

  it("step 1: each holder joins and publishes its holder document", async () => {
    const outs = await eachHolder(HOLDERS, (i) => ["regulator", "dkg", "init", "--dir", holderDir(i), "--ceremony", "reg-2026", "--holder", String(i), "--of", "5", "--threshold", "3", passphrase(i)]);
    for (const out of outs) publish(out.holderFile);
    fingerprints.push(...outs.map((out) => out.fingerprint));
    expect(new Set(fingerprints).size).toBe(5);
    expect(statSync(join(dir, holderDir(1), "dkg-secret.json")).mode & 0o777).toBe(0o600);
  });

  it("between steps 1 and 2: holders see the same roster hash and each other's fingerprints, to confirm out of band", async () => {
    const outs = await eachHolder([1, 5], (i) => ["regulator", "dkg", "roster", "--dir", holderDir(i), "--holders", ...onBoard("holder-"), passphrase(i)]);
    for (const out of outs) expect(out.fingerprints).toEqual(fingerprints);
    expect(outs[1].rosterHash).toBe(outs[0].rosterHash);
    rosterHash = outs[0].rosterHash;
  });

  it("step 2: nobody deals to a roster with a swapped holder document", () => {
    // Whoever runs the board swaps holder 3's document for one of its own (self-signed, it parses).
    writeFileSync(join(dir, "holder-3.json"), JSON.stringify(newHolder("reg-2026", 3, 5, 3).document));
    const swapped = onBoard("holder-").map((f) => (basename(f) === "holder-3.json" ? "holder-3.json" : f));
    refused(cli("regulator", "dkg", "deal", "--dir", holderDir(1), "--holders", ...swapped, "--roster-hash", rosterHash, passphrase(1)), "dkg_roster_mismatch", /not to the confirmed roster hash [0-9a-f]{64}: a holder document was swapped/);
    expect(existsSync(join(dir, holderDir(1), "deal-1.json"))).toBe(false);
  });

  it("step 2: honest holders deal through the CLI; holder 4 cheats with its own keys", async () => {
    const holders = onBoard("holder-");
    refused(cli("regulator", "dkg", "deal", "--dir", holderDir(1), "--holders", ...holders.slice(0, 4), holders[0], "--roster-hash", rosterHash, passphrase(1)), "dkg_invalid", /holder index 1 appears twice/);
    for (const out of await eachHolder([1, 2, 3, 5], (i) => ["regulator", "dkg", "deal", "--dir", holderDir(i), "--holders", ...holders, "--roster-hash", rosterHash.toUpperCase(), passphrase(i)])) publish(out.dealFile);
    refused(cli("regulator", "dkg", "deal", "--dir", holderDir(1), "--holders", ...holders, "--roster-hash", rosterHash, passphrase(1)), "file_exists", /deal-1.json already exists/);
    // Holder 4's own (modified) program: correct commitments, but holder 2 gets f(3).
    const cheater = openHolderFolder(join(dir, holderDir(4)), ENV.H4);
    const roster = readRoster(cheater, holders.map((f) => join(dir, f)));
    const f = randomPolynomial(3);
    const shares = HOLDERS.map((j) => evaluate(f, BigInt(j === 2 ? 3 : j)));
    publish(writeDeal(cheater, sealDeal(roster, 4, cheater.secrets, f.coefficients.map((a) => multiplyPoint(BASE8, a)), shares)));
  });

  it("step 3: holder 2's check names holder 4; a tampered deal is refused by name", async () => {
    const holders = onBoard("holder-");
    const tampered = JSON.parse(readFileSync(join(dir, board("deal-3.json")), "utf8"));
    tampered.commitments[1] = tampered.commitments[2];
    writeFileSync(join(dir, "tampered-deal-3.json"), JSON.stringify(tampered));
    refused(cli("regulator", "dkg", "receive", "--dir", holderDir(1), "--holders", ...holders, "--deals", "tampered-deal-3.json", passphrase(1)), "dkg_invalid", /tampered-deal-3.json: the signature is not holder 3's/);

    const outs = await eachHolder(HOLDERS, (i) => ["regulator", "dkg", "receive", "--dir", holderDir(i), "--holders", ...holders, "--deals", ...onBoard("deal-"), passphrase(i)]);
    outs.forEach((out) => out.complaintFiles.forEach(publish));
    expect(outs.map((out) => out.accused)).toEqual([[], [4], [], [], []]);
    // Holder 1 falsely accuses holder 3 (its own program, its own keys).
    const liar = openHolderFolder(join(dir, holderDir(1)), ENV.H1);
    const roster = readRoster(liar, holders.map((f) => join(dir, f)));
    const [deal3] = readDeals(roster, [join(dir, board("deal-3.json"))]);
    writeComplaints(liar, [complain(roster, 1, liar.secrets, deal3)]).forEach(publish);
    expect(onBoard("complaint-")).toEqual([board("complaint-1-against-3.json"), board("complaint-2-against-4.json")]);
  });

  it("step 4: every holder finishes with the same key; holder 4 disqualified, holder 3 kept, a reposted complaint skipped", async () => {
    // Someone reposts holder 2's complaint naming holder 3's deal instead: it must not stop anyone's finish.
    const reposted = JSON.parse(readFileSync(join(dir, board("complaint-2-against-4.json")), "utf8"));
    reposted.dealHash = documentHash(JSON.parse(readFileSync(join(dir, board("deal-3.json")), "utf8")));
    writeFileSync(join(dir, board("complaint-2-against-4-reposted.json")), JSON.stringify(reposted));
    const finishArgs = (i: number, deals = onBoard("deal-")) => ["regulator", "dkg", "finish", "--dir", holderDir(i), "--holders", ...onBoard("holder-"), "--deals", ...deals, "--complaints", ...onBoard("complaint-"), passphrase(i)];

    const first = ok(cli(...finishArgs(1)));
    expect(first.warnings).toEqual(["the complaint of holder 2 against holder 4 is not signed by holder 2 (altered or forged): skipped"]);
    const transcript = first.transcript;
    // Holder 5 was not given holder 4's deal: its transcript is not the one holder 1 read out, and it writes nothing.
    const withoutDeal4 = onBoard("deal-").filter((f) => basename(f) !== "deal-4.json");
    refused(cli(...finishArgs(5, withoutDeal4), "--expect-transcript", transcript), "dkg_transcript_mismatch", /transcript is [0-9a-f]{64}, not the expected [0-9a-f]{64}: the holders were given different deals/);
    expect(existsSync(join(dir, holderDir(5), "share-5.json"))).toBe(false);
    expect(existsSync(join(dir, holderDir(5), "dkg-secret.json"))).toBe(true);

    const results = [first, ...(await eachHolder([2, 3, 4, 5], (i) => [...finishArgs(i), "--expect-transcript", transcript]))];
    for (const r of results) {
      expect(r).toMatchObject({ keyId: results[0].keyId, transcript, publicKey: results[0].publicKey, threshold: 3, shares: 5, qualified: [1, 2, 3, 5] });
      expect(r.disqualified).toEqual([{ holder: 4, reason: "complaint of holder 2 upheld: holder 4's share for holder 2 does not match holder 4's commitments" }]);
      expect(r.falseComplaints).toEqual([{ complainer: 1, accused: 3, reason: expect.stringMatching(/^false complaint of holder 1 against holder 3: the share decrypts and matches/) }]);
      expect(r.skippedComplaints).toEqual([{ complainer: 2, accused: 4, reason: expect.stringMatching(/not signed by holder 2 .*: skipped$/) }]);
    }
    // The ceremony secrets are gone once the share is sealed: they and the public deals would rebuild it.
    for (const i of HOLDERS) {
      expect(existsSync(join(dir, holderDir(i), "dkg-secret.json"))).toBe(false);
      expect(existsSync(join(dir, holderDir(i), `share-${i}.json`))).toBe(true);
    }
    refused(cli("regulator", "dkg", "receive", "--dir", holderDir(1), "--holders", ...onBoard("holder-"), "--deals", ...onBoard("deal-"), passphrase(1)), "dkg_invalid", /the ceremony in h1 has finished: its secrets were removed/);
    const publicFiles = HOLDERS.map((i) => readFileSync(join(dir, holderDir(i), "regulator-public.json"), "utf8"));
    expect(new Set(publicFiles).size).toBe(1);
    copyFileSync(join(dir, holderDir(1), "regulator-public.json"), join(dir, "regulator-public.json"));
  });

  it("writes sk nowhere: no number in any file or output line of the ceremony is sk", () => {
    const key = parseRegulatorPublicKey(JSON.parse(readFileSync(join(dir, "regulator-public.json"), "utf8")));
    // Only the test forms sk: by Lagrange from holders 1, 3 and 5's opened shares.
    const opened = [1, 3, 5].map((i) => openShareFile(JSON.parse(readFileSync(join(dir, holderDir(i), `share-${i}.json`), "utf8")), ENV[`H${i}`], key));
    const lambdas = lagrangeAtZero(opened.map((o) => o.index));
    sk = opened.reduce((acc, o, i) => mod(acc + lambdas[i] * o.secret, SUBGROUP_ORDER), 0n);
    expect(pointsEqual(multiplyPoint(BASE8, sk), key.publicKey)).toBe(true);
    // The detector finds sk when it is there, in each spelling.
    for (const planted of [`{"v":"${sk}"}`, `0x${sk.toString(16)}`, Buffer.from(sk.toString(16).padStart(64, "0"), "hex").toString("base64")]) expect(spells(planted, sk).found).toBe(true);

    expect(filesUnder(dir).length).toBeGreaterThanOrEqual(5 * 6);
    expect(numbersSpelling(sk)).toBeGreaterThan(1000);
  });

  it("unmasks a real proof's escrow to the DKG key with holders 1, 3 and 5, and refuses 2 and 4", async () => {
    const key = parseRegulatorPublicKey(JSON.parse(readFileSync(join(dir, "regulator-public.json"), "utf8")));
    const fixture = await proofFixture();
    const request = { ...fixture.requestFor("forum.example"), regulatorKey: key.publicKey };
    const proof = await fixture.prove(2, request);
    writeFileSync(join(dir, "proof.json"), JSON.stringify(proofDocument(proof, "forum.example")));

    ok(cli("regulator", "audit", "init", "--dir", "audit", "--passphrase-env", "AUDIT_PASS"));
    ok(cli("regulator", "open-case", "--proof", "proof.json", "--case-id", "case-dkg", "--legal-basis", "Court order 21/2026 (DKG key)", "--audit", "audit", "--audit-passphrase-env", "AUDIT_PASS", "--out", "case.json"));
    await eachHolder(HOLDERS, (i) => ["regulator", "partial", "--share", join(holderDir(i), `share-${i}.json`), passphrase(i), "--key", "regulator-public.json", "--case", "case.json", "--out", `partial-${i}.json`]);
    // A regulator-public.json with other share keys (so forged partials would check) is refused.
    const forged = publicKeyJson(key);
    writeFileSync(join(dir, "forged-public.json"), JSON.stringify({ ...forged, shareKeys: [forged.shareKeys[1], forged.shareKeys[0], ...forged.shareKeys.slice(2)] }));
    refused(cli("regulator", "unmask", "--case", "case.json", "--key", "forged-public.json", "--partials", "partial-1.json", "partial-3.json", "partial-5.json", "--audit", "audit", "--audit-passphrase-env", "AUDIT_PASS"), "invalid_regulator_key", /share key of holder 1 is not the one its commitments give/);
    const unmasked = ok(cli("regulator", "unmask", "--case", "case.json", "--key", "regulator-public.json", "--partials", "partial-1.json", "partial-3.json", "partial-5.json", "--audit", "audit", "--audit-passphrase-env", "AUDIT_PASS"));
    expect(unmasked.handle).toBe(fixture.citizens[2].leaf.toString());
    refused(cli("regulator", "unmask", "--case", "case.json", "--key", "regulator-public.json", "--partials", "partial-2.json", "partial-4.json", "--audit", "audit", "--audit-passphrase-env", "AUDIT_PASS"), "not_enough_partials", /2 valid partials .* 3 are needed/);
    expect(ok(cli("regulator", "audit", "verify", "audit/audit.jsonl"))).toMatchObject({ valid: true, cases: 1 });
    // Unmasking used the shares, never sk: the case, partials and audit log do not hold it either.
    numbersSpelling(sk);
  });
});
