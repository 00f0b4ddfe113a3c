// The citizen's secrets through the real CLI: sealed identity files by default, files only
// their owner reads, and a backup restored on a new machine -- by passphrase or by guardians.
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { enrollThroughCli, expectSuccess as ok, realdid } from "./helpers/cli.js";
import { NAMED_PEOPLE } from "./helpers/people.js";
import { unseal } from "../src/identity/passphrase-seal.js";

let oldMachine: string;
/** Guardians' passphrases: GUARD_i is guardian i's; at a restore only the guardians who come set theirs (AWAY_: guardian 2 is away). */
const GUARDIANS = { GUARD_1: "guardian one's passphrase", GUARD_2: "guardian two's passphrase", GUARD_3: "guardian three's passphrase" };
const ENV = {
  PASS: "old machine passphrase",
  NEW_PASS: "new machine passphrase",
  BACKUP_PASS: "backup passphrase",
  WRONG: "not it",
  ...GUARDIANS,
  AWAY_1: GUARDIANS.GUARD_1,
  AWAY_3: GUARDIANS.GUARD_3,
  MISTYPED_1: GUARDIANS.GUARD_1,
  MISTYPED_2: "guardian two's passphrasE",
  SAME_1: "one passphrase for all",
  SAME_2: "one passphrase for all",
  SAME_3: "one passphrase for all",
};
const onOld = (...args: string[]) => realdid(oldMachine, ["--json", ...args], ENV);
/** A fresh folder: another machine that has nothing but what is copied to it. */
const newMachine = () => {
  const dir = mkdtempSync(join(tmpdir(), "realdid-new-machine-"));
  machines.push(dir);
  return { dir, cli: (...args: string[]) => realdid(dir, ["--json", ...args], ENV) };
};
const machines: string[] = [];
const copy = (from: string, to: string, name: string) => writeFileSync(join(to, name), readFileSync(join(from, name)));
const mode = (path: string) => statSync(path).mode & 0o777;

/** A failure is one line on stderr, a stable code, no stack trace. */
const fails = (run: ReturnType<typeof realdid>, code: string, message: RegExp) => {
  expect(run.status, run.stdout).toBe(1);
  expect(run.json.error?.code).toBe(code);
  expect(run.stderr.trim().split("\n")).toHaveLength(1);
  expect(run.stderr).toMatch(message);
};

const SCOPES = ["shop.example", "forum.example"];
/** What must survive a restore: the commitment and the DID address at every scope. */
const who = (cli: (...args: string[]) => ReturnType<typeof realdid>, file: string, passphraseEnv: string) =>
  SCOPES.map((scope) => ok(cli("identity", "show", file, "--passphrase-env", passphraseEnv, "--scope", scope))).map(({ commitment, didAddress }) => ({ commitment, didAddress }));

let original: ReturnType<typeof who>;

beforeAll(() => {
  oldMachine = mkdtempSync(join(tmpdir(), "realdid-old-machine-"));
  machines.push(oldMachine);
  // Li Wei enrolled through the CLI: person0.identity.json (sealed with $PASS), a credential and a path.
  enrollThroughCli(onOld, oldMachine, NAMED_PEOPLE.slice(0, 1), "person");
  ok(onOld("registrar", "path", "--data", "registrar", "--index", "0", "--out", "person0.path.json"));
  original = who(onOld, "person0.identity.json", "PASS");
});
afterAll(() => machines.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

describe("identity files are sealed by default", () => {
  it("refuses to write a plaintext secret unless told --insecure-plaintext, and warns on every use of one", () => {
    fails(onOld("identity", "new", "--out", "plain.identity.json"), "invalid_argument", /identity files are sealed: give --passphrase-env/);
    fails(onOld("identity", "new", "--out", "plain.identity.json", "--passphrase-env", "PASS", "--insecure-plaintext"), "invalid_argument", /not both/);
    const made = ok(onOld("identity", "new", "--out", "plain.identity.json", "--insecure-plaintext"));
    expect(made).toMatchObject({ encrypted: false, warnings: [expect.stringMatching(/plain\.identity\.json holds the identity secret in plaintext/)] });
    expect(JSON.parse(readFileSync(join(oldMachine, "plain.identity.json"), "utf8")).secret).toMatch(/^\d+$/);
    expect(ok(onOld("identity", "show", "plain.identity.json")).warnings).toEqual([expect.stringMatching(/in plaintext/)]);
    const human = realdid(oldMachine, ["identity", "show", "plain.identity.json"]);
    expect(human.stderr).toMatch(/^warning: plain\.identity\.json holds the identity secret in plaintext/);
    // A sealed file gives no warning, and its secret is not in it.
    expect(ok(onOld("identity", "show", "person0.identity.json", "--passphrase-env", "PASS")).warnings).toBeUndefined();
    expect(readFileSync(join(oldMachine, "person0.identity.json"), "utf8")).not.toMatch(/"secret"/);
    fails(onOld("identity", "show", "person0.identity.json", "--passphrase-env", "WRONG"), "wrong_passphrase", /wrong passphrase/);
  });

  it("writes identity, credential and path files for their owner alone (0600)", () => {
    ok(onOld("registrar", "enroll", "--data", "registrar", "--passphrase-env", "REGISTRAR_PASS", "--name", "Wang Fang", "--national-id", NAMED_PEOPLE[2].nationalId, "--birth-date", "1985-11-30", "--region", "440305", "--expiry", "2029-09-09", "--document-type", "passport", "--commitment", ok(onOld("identity", "show", "plain.identity.json")).commitment, "--out", "wang-fang.credential.json"));
    for (const file of ["person0.identity.json", "plain.identity.json", "credentials/credential-0.json", "wang-fang.credential.json", "person0.path.json"]) {
      expect(mode(join(oldMachine, file)), file).toBe(0o600);
    }
  });
});

describe("backup and restore on a new machine", () => {
  it("a passphrase-sealed backup restores the same commitment, DID addresses, credential and path", () => {
    const made = ok(onOld("identity", "backup", "--identity", "person0.identity.json", "--passphrase-env", "PASS", "--backup-passphrase-env", "BACKUP_PASS", "--credential", "credentials/credential-0.json", "--path", "person0.path.json", "--out", "me.backup.json"));
    expect(made).toMatchObject({ commitment: original[0].commitment, files: ["credential-0.json", "person0.path.json"] });
    const backupText = readFileSync(join(oldMachine, "me.backup.json"), "utf8");
    expect(JSON.parse(backupText).format).toBe("realdid-identity-backup/1");
    expect(backupText).not.toContain(original[0].commitment); // nothing readable: not even whose backup it is
    expect(mode(join(oldMachine, "me.backup.json"))).toBe(0o600);

    const { dir, cli } = newMachine();
    copy(oldMachine, dir, "me.backup.json");
    fails(cli("identity", "restore", "--backup", "me.backup.json", "--backup-passphrase-env", "WRONG", "--passphrase-env", "NEW_PASS", "--out", "me.identity.json"), "wrong_passphrase", /wrong passphrase/);
    fails(cli("identity", "restore", "--backup", "me.backup.json", "--backup-passphrase-env", "BACKUP_PASS", "--out", "me.identity.json"), "invalid_argument", /identity files are sealed/);
    const restored = ok(cli("identity", "restore", "--backup", "me.backup.json", "--backup-passphrase-env", "BACKUP_PASS", "--passphrase-env", "NEW_PASS", "--out", "me.identity.json", "--out-dir", "carried"));
    expect(restored).toMatchObject({ commitment: original[0].commitment, encrypted: true, files: [join("carried", "credential-0.json"), join("carried", "person0.path.json")] });
    expect(who(cli, "me.identity.json", "NEW_PASS")).toEqual(original);
    expect(readFileSync(join(dir, "carried", "credential-0.json"), "utf8")).toBe(readFileSync(join(oldMachine, "credentials", "credential-0.json"), "utf8"));
    expect(readFileSync(join(dir, "carried", "person0.path.json"), "utf8")).toBe(readFileSync(join(oldMachine, "person0.path.json"), "utf8"));
    for (const file of ["me.identity.json", "carried/credential-0.json", "carried/person0.path.json"]) expect(mode(join(dir, file)), file).toBe(0o600);
    // A second restore into the same place overwrites nothing.
    fails(cli("identity", "restore", "--backup", "me.backup.json", "--backup-passphrase-env", "BACKUP_PASS", "--passphrase-env", "NEW_PASS", "--out", "other.identity.json", "--out-dir", "carried"), "file_exists", /credential-0\.json already exists/);
  });

  it("refuses to carry a credential issued to someone else", () => {
    fails(onOld("identity", "backup", "--identity", "person0.identity.json", "--passphrase-env", "PASS", "--credential", "wang-fang.credential.json", "--out", "x.backup.json"), "credential_mismatch", /wang-fang\.credential\.json was issued to another identity/);
  });

  it("2-of-3 guardian shares, each sealed with its guardian's passphrase: any two guardians restore, a wrong passphrase names its guardian", () => {
    const backup = (...args: string[]) => onOld("identity", "backup", "--identity", "person0.identity.json", "--passphrase-env", "PASS", "--guardians", "3", "--threshold", "2", ...args);
    fails(backup("--out-dir", "refused"), "invalid_argument", /guardian shares are sealed: give --guardian-passphrases-env <prefix>/);
    fails(backup("--out-dir", "refused", "--guardian-passphrases-env", "GUARD_", "--insecure-plaintext-shares"), "invalid_argument", /not both/);
    fails(backup("--out-dir", "refused", "--guardian-passphrases-env", "SAME_"), "invalid_argument", /guardians 1 and 2 have the same passphrase/);
    const made = ok(backup("--credential", "credentials/credential-0.json", "--out-dir", "sealed-guardians", "--guardian-passphrases-env", "GUARD_"));
    expect(made).toMatchObject({ sealed: true, shares: [1, 2, 3].map((i) => join("sealed-guardians", `guardian-${i}.share.json`)) });
    expect(made.warnings).toBeUndefined();

    const shareFile = (i: number) => `guardian-${i}.share.json`;
    for (const i of [1, 2, 3]) {
      const text = readFileSync(join(oldMachine, "sealed-guardians", shareFile(i)), "utf8");
      const file = JSON.parse(text);
      expect(file).toMatchObject({ format: "realdid-identity-share/2", guardian: i, guardians: 3, threshold: 2 });
      expect(file.share).toBeUndefined();
      // The share is inside `sealed` (guardian i's passphrase opens it), and nowhere in the file's text.
      const inner = JSON.parse(new TextDecoder().decode(unseal(file.sealed, ENV[`GUARD_${i}` as keyof typeof ENV])));
      expect(inner).toMatchObject({ backupId: file.backupId, guardian: i, share: expect.stringMatching(/^\d+$/) });
      expect(text).not.toContain(inner.share);
    }

    const { dir, cli } = newMachine(); // each guardian hands back their file and types their own passphrase
    for (const i of [1, 2, 3]) copy(join(oldMachine, "sealed-guardians"), dir, shareFile(i));
    const restore = (out: string, prefix: string, ...shares: number[]) =>
      cli("identity", "restore", ...shares.flatMap((i) => ["--share", shareFile(i)]), "--share-passphrases-env", prefix, "--passphrase-env", "NEW_PASS", "--out", out, "--out-dir", `${out}.carried`);
    for (const pair of [[1, 2], [2, 3]]) {
      const restored = ok(restore(`from-${pair.join("-")}.identity.json`, "GUARD_", ...pair));
      expect(restored).toMatchObject({ commitment: original[0].commitment, files: [join(`from-${pair.join("-")}.identity.json.carried`, "credential-0.json")] });
      expect(restored.warnings).toBeUndefined();
    }
    expect(ok(restore("away.identity.json", "AWAY_", 3, 1)).commitment).toBe(original[0].commitment); // guardian 2's variable is not needed

    fails(restore("mistyped.identity.json", "MISTYPED_", 1, 2), "wrong_passphrase", /guardian 2's passphrase does not open share guardian-2\.share\.json/);
    fails(restore("missing.identity.json", "AWAY_", 1, 2), "invalid_argument", /environment variable AWAY_2 \(--share-passphrases-env, guardian 2's passphrase\) is not set/);
    fails(cli("identity", "restore", "--share", shareFile(1), "--share", shareFile(2), "--passphrase-env", "NEW_PASS", "--out", "x.identity.json"), "invalid_argument", /share guardian-1\.share\.json is sealed with guardian 1's passphrase: give --share-passphrases-env/);
    fails(restore("one.identity.json", "GUARD_", 2), "not_enough_shares", /needs 2 of its 3 guardian shares; received 1/);
  });

  it("--insecure-plaintext-shares writes realdid-identity-share/1 with a warning; tampering is detected", () => {
    const made = ok(onOld("identity", "backup", "--identity", "person0.identity.json", "--passphrase-env", "PASS", "--credential", "credentials/credential-0.json", "--guardians", "3", "--threshold", "2", "--out-dir", "guardians", "--insecure-plaintext-shares"));
    expect(made).toMatchObject({ sealed: false, shares: [1, 2, 3].map((i) => join("guardians", `guardian-${i}.share.json`)) });
    expect(made.warnings).toEqual(["the guardian shares in guardians are not passphrase-sealed: anyone who collects enough of these files can restore your identity (seal each guardian's share with --guardian-passphrases-env instead)"]);
    expect(JSON.parse(readFileSync(join(oldMachine, "guardians", "guardian-1.share.json"), "utf8")).format).toBe("realdid-identity-share/1");
    const shareFile = (i: number) => `guardian-${i}.share.json`;
    for (const i of [1, 2, 3]) expect(mode(join(oldMachine, "guardians", shareFile(i)))).toBe(0o600);

    const { dir, cli } = newMachine(); // each guardian hands back their file
    for (const i of [1, 2, 3]) copy(join(oldMachine, "guardians"), dir, shareFile(i));
    const restore = (out: string, ...shares: number[]) => cli("identity", "restore", ...shares.flatMap((i) => ["--share", shareFile(i)]), "--passphrase-env", "NEW_PASS", "--out", out, "--out-dir", `${out}.carried`);
    const plain = ok(restore("from-3-2.identity.json", 3, 2));
    expect(plain).toMatchObject({ commitment: original[0].commitment, warnings: [expect.stringMatching(/^guardian-3\.share\.json, guardian-2\.share\.json are not passphrase-sealed: anyone who collects/)] });
    expect(who(cli, "from-3-2.identity.json", "NEW_PASS")).toEqual(original);
    fails(restore("one.identity.json", 2), "not_enough_shares", /needs 2 of its 3 guardian shares; received 1/);

    // Guardian 2's share altered by one unit: the recombined key is wrong and AES-GCM's tag says so.
    const share = JSON.parse(readFileSync(join(dir, shareFile(2)), "utf8"));
    writeFileSync(join(dir, "guardian-2.share.json"), JSON.stringify({ ...share, share: (BigInt(share.share) + 1n).toString() }));
    fails(restore("tampered.identity.json", 1, 2), "backup_tampered", /do not open the backup: a share was altered/);
    // With a spare good share, the restore finds two that open it, and names the bad one.
    const spare = ok(restore("spare.identity.json", 1, 2, 3));
    expect(spare).toMatchObject({ commitment: original[0].commitment });
    expect(spare.warnings).toContain("share guardian-2.share.json does not agree with the others (altered, or a damaged copy): it was not used");
    // An altered ciphertext beside an intact copy is named and not used; in every file given, it is refused.
    const badBackup = { ...share.backup, ciphertext: Buffer.from("x".repeat(64)).toString("base64") };
    writeFileSync(join(dir, "guardian-2.share.json"), JSON.stringify({ ...share, backup: badBackup }));
    expect(ok(restore("copy.identity.json", 2, 1)).warnings).toContainEqual(expect.stringMatching(/share guardian-2\.share\.json does not agree/));
    const share1 = JSON.parse(readFileSync(join(dir, shareFile(1)), "utf8"));
    writeFileSync(join(dir, "altered-1.share.json"), JSON.stringify({ ...share1, backup: badBackup }));
    fails(cli("identity", "restore", "--share", "altered-1.share.json", "--share", shareFile(2), "--passphrase-env", "NEW_PASS", "--out", "x.identity.json"), "backup_tampered", /do not open the backup/);
    // A share moved to another threshold is from "another backup".
    writeFileSync(join(dir, "guardian-2.share.json"), JSON.stringify({ ...share, threshold: 1 }));
    fails(restore("tampered.identity.json", 2, 1), "invalid_argument", /belongs to another backup/);
    fails(restore("twice.identity.json", 1, 1), "invalid_argument", /both guardian 1's/);
  });
});
