import { cpSync, mkdirSync, symlinkSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { afterEach, describe, expect, it } from "vitest";
import { unseal } from "../src/identity/passphrase-seal.js";
import { RootLedger } from "../src/ledger/root-ledger.js";
import { BUCKET_LEAVES, RegistryTree } from "../src/registry/registry-tree.js";
import { LocalKeyProvider, REGISTRAR_KEYS_FILE } from "../src/registrar/registrar-keys.js";
import { Registrar } from "../src/registrar/registrar.js";
import { ed25519Signer, newSigningKeyHex } from "../src/signed-log/ed25519-signer.js";
import { Identity } from "../src/identity/identity.js";
import { NAMED_PEOPLE, NAMED_SLOTS, personRecord } from "./helpers/people.js";
import { TEST_UNLOCK } from "./helpers/registrar-keys.js";
import { expectSuccess, realdid } from "./helpers/cli.js";
import type { PersonAttributes } from "../src/attributes/attributes.js";

const TEST_PASSPHRASE = (TEST_UNLOCK as { passphrase: string }).passphrase;

const dirs: string[] = [];
const freshDir = () => {
  const dir = mkdtempSync(join(tmpdir(), "realdid-sealing-"));
  dirs.push(dir);
  return dir;
};
afterEach(() => dirs.splice(0).forEach((dir) => rmSync(dir, { recursive: true, force: true })));

const requests = NAMED_PEOPLE.map(({ name, nationalId, ...attributes }) => ({
  record: { name, nationalId, attributes: attributes as PersonAttributes },
  commitment: Identity.random().commitment,
}));

/** Every file in a folder, as bytes, with every public value (leaves, roots, ledger hashes and signatures) blanked out. */
function folderBytes(dir: string, publicValues: readonly string[]): Map<string, string> {
  const files = new Map<string, string>();
  for (const name of readdirSync(dir)) {
    let text = readFileSync(join(dir, name)).toString("latin1");
    for (const value of publicValues) text = text.replaceAll(value, " ");
    files.set(name, text);
  }
  return files;
}

/** What the test passphrase unseals from a registrar's key file (only a test looks inside). */
const unsealedKeys = (data: string) => JSON.parse(Buffer.from(unseal(JSON.parse(readFileSync(join(data, REGISTRAR_KEYS_FILE), "utf8")).protection.sealed, TEST_PASSPHRASE)).toString("utf8"));

/** The folder mode 700 and every file in it 600. */
function expectOwnerOnly(dir: string): void {
  expect(statSync(dir).mode & 0o777).toBe(0o700);
  for (const name of readdirSync(dir)) expect(`${name} ${(statSync(join(dir, name)).mode & 0o777).toString(8)}`).toBe(`${name} 600`);
}

/** The ways a value could sit in a file: as written, and for secrets, hex and base64 of its bytes. */
const encodings = (value: string): string[] =>
  /^[0-9a-f]{64}$/.test(value) ? [value, Buffer.from(value, "hex").toString("base64"), Buffer.from(value, "hex").toString("latin1")] : [value];

describe("a registrar's data folder, stolen", () => {
  it("holds no name, national ID, attribute, commitment or key in any byte; it cannot publish a root a verifier accepts; with the keys everything resolves", async () => {
    const base = freshDir();
    const data = join(base, "registrar");
    const registrar = await Registrar.init(data, TEST_UNLOCK);
    await registrar.enroll(requests.slice(0, 3));
    await registrar.enroll(requests.slice(3));
    const [li, zhang, wang, chen] = NAMED_SLOTS;
    await registrar.reissue(zhang, { ...requests[1].record.attributes, expiry: "2039-12-31" });
    await registrar.revoke(wang);
    const handle = BigInt((await registrar.path(chen)).leaf);
    // Copied while the registrar is open: the write-ahead log is part of what is taken.
    const stolen = join(base, "stolen");
    cpSync(data, stolen, { recursive: true });
    const publicValues = [...registrar.ledger.entriesFrom(0).flatMap((e) => [e.root, e.prevHash, e.signature, e.time]), registrar.publicKey];
    for (const index of NAMED_SLOTS) publicValues.push((await registrar.bucket(Math.floor(index / BUCKET_LEAVES))).leaves[index % BUCKET_LEAVES].toString());
    await registrar.close();

    expectOwnerOnly(data);
    expect(readdirSync(stolen).some((name) => name.endsWith("-wal"))).toBe(true);

    const secrets = unsealedKeys(data);
    const forbidden = [
      ...requests.flatMap(({ record, commitment }) => [
        record.name,
        record.nationalId,
        record.attributes.birthDate,
        record.attributes.birthDate.replaceAll("-", ""),
        record.attributes.region,
        record.attributes.expiry,
        record.attributes.documentType,
        commitment.toString(),
        commitment.toString(16),
      ]),
      "2039-12-31",
      ...[secrets.ledgerSecretKey, secrets.indexKey, ...Object.values(secrets.masterKeys as Record<string, string>)].flatMap(encodings),
    ];
    expect(forbidden.length).toBeGreaterThan(40);
    for (const [name, bytes] of folderBytes(stolen, publicValues)) {
      for (const value of forbidden) expect(bytes.includes(value), `${name} contains ${value}`).toBe(false);
    }

    // Without the keys: the public tree opens, no record does, and no key unseals.
    const locked = await Registrar.open(stolen);
    await expect(locked.record(0)).rejects.toThrow(/opened without its keys/);
    await expect(locked.resolveHandle(handle)).rejects.toThrow(/opened without its keys/);
    await expect(locked.enroll(requests.slice(0, 1))).rejects.toThrow(/opened without its keys/);
    const genuineKey = locked.publicKey;
    const genuineLedger = locked.ledger.toJsonLines();
    await locked.close();
    await expect(Registrar.open(stolen, { unlock: { passphrase: "guess" } })).rejects.toMatchObject({ code: "wrong_key" });

    // An attacker who makes a key of their own: any root they publish is refused by a verifier pinned to the registrar's key.
    rmSync(join(stolen, REGISTRAR_KEYS_FILE));
    await expect(Registrar.open(stolen, { unlock: { passphrase: "attacker" } })).rejects.toThrow(/no sealed registrar key file/);
    const attacker = ed25519Signer(newSigningKeyHex());
    const attackersLedger = new RootLedger(attacker.publicKey);
    for (const e of RootLedger.fromJsonLines(genuineLedger, genuineKey).entriesFrom(0)) attackersLedger.publishRoot(BigInt(e.root), e.treeSize, new Date(e.time), attacker);
    attackersLedger.publishRoot(123n, 9, new Date(), attacker); // the made-up person's root
    const asServed = attackersLedger.toJsonLines();
    expect(() => RootLedger.fromJsonLines(asServed, genuineKey)).toThrow(expect.objectContaining({ code: "log_wrong_key" }));
    const claimingTheGenuineKey = asServed.replace(attacker.publicKey, genuineKey);
    expect(() => RootLedger.fromJsonLines(claimingTheGenuineKey, genuineKey)).toThrow(expect.objectContaining({ code: "log_bad_signature" }));

    // With the keys: everything resolves as before, from the copy too.
    const copy = join(base, "copy");
    cpSync(data, copy, { recursive: true });
    const unlocked = await Registrar.open(copy, { unlock: TEST_UNLOCK });
    expect(await unlocked.record(li)).toMatchObject({ name: "Li Wei", nationalId: requests[0].record.nationalId, revoked: false });
    expect((await unlocked.record(zhang)).attributes.expiry).toBe("2039-12-31");
    expect((await unlocked.record(wang)).revoked).toBe(true);
    expect(await unlocked.resolveHandle(handle)).toMatchObject({ name: "Chen Jing", leafIndex: chen });
    expect(await unlocked.indexOfNationalId(requests[3].record.nationalId)).toBe(chen);
    await expect(unlocked.enroll([requests[0]])).rejects.toThrow(/already enrolled/);
    await expect(unlocked.enroll([{ record: personRecord(60), commitment: requests[0].commitment }])).rejects.toThrow(/this identity commitment is already enrolled/);
    await unlocked.close();
  });

  it("detects a record moved to another leaf or altered, naming the leaf", async () => {
    const data = join(freshDir(), "registrar");
    await (await Registrar.init(data, TEST_UNLOCK)).enroll(requests.slice(0, 2));
    const db = new Database(join(data, "registrar.sqlite"));
    const rows = db.prepare("SELECT leaf_index, record FROM people ORDER BY leaf_index").all() as { leaf_index: number; record: Buffer }[];
    db.prepare("UPDATE people SET record = ? WHERE leaf_index = 0").run(rows[1].record);
    db.close();
    const registrar = await Registrar.open(data, { unlock: TEST_UNLOCK });
    await expect(registrar.record(0)).rejects.toThrow(expect.objectContaining({ code: "store_tampered", message: expect.stringMatching(/leaf 0/) }));
    expect((await registrar.record(NAMED_SLOTS[1])).name).toBe("Zhang Min");
    await registrar.close();
  });
});

describe("registrar keys", () => {
  it("a key file outside the data folder seals the keys; one inside is refused; the wrong kind of unlock is named", async () => {
    const base = freshDir();
    const data = join(base, "registrar");
    const keyFile = join(base, "secrets", "registrar.key.json");
    mkdirSync(join(base, "secrets"));
    await expect(Registrar.init(data, { keyFile: join(data, "inside.key.json") })).rejects.toThrow(/inside the data folder/);
    await expect(Registrar.init(data, { keyFile: join(data, "..", "registrar", "sub", "..", "inside.key.json") })).rejects.toThrow(/inside the data folder/);
    symlinkSync(data, join(base, "link-to-data"));
    await expect(Registrar.init(data, { keyFile: join(base, "link-to-data", "inside.key.json") })).rejects.toThrow(/inside the data folder/);
    rmSync(data, { recursive: true, force: true });
    const registrar = await Registrar.init(data, { keyFile });
    await registrar.enroll(requests.slice(0, 1));
    await registrar.close();
    expect(statSync(keyFile).mode & 0o777).toBe(0o600);
    await expect(Registrar.open(data, { unlock: TEST_UNLOCK })).rejects.toThrow(/sealed with a key file/);
    writeFileSync(join(base, "other.key.json"), JSON.stringify({ format: "realdid-registrar-key-file/1", key: "ab".repeat(32) }));
    await expect(Registrar.open(data, { unlock: { keyFile: join(base, "other.key.json") } })).rejects.toMatchObject({ code: "wrong_key" });
    await expect(Registrar.open(data, { unlock: { keyFile: join(base, "missing.key.json") } })).rejects.toMatchObject({ code: "file_not_found" });
    const reopened = await Registrar.open(data, { unlock: { keyFile } });
    expect((await reopened.record(0)).name).toBe("Li Wei");
    await reopened.close();
  });

  it("rotating the master key re-wraps every data key, leaves every record byte as it was, and re-seals under a new passphrase", async () => {
    const data = join(freshDir(), "registrar");
    const registrar = await Registrar.init(data, TEST_UNLOCK);
    await registrar.enroll(requests.slice(0, 2));
    await registrar.enroll(requests.slice(2));
    const staleWriter = await Registrar.open(data, { unlock: TEST_UNLOCK });
    const read = () => {
      const db = new Database(join(data, "registrar.sqlite"), { readonly: true });
      const result = {
        records: db.prepare("SELECT record FROM people ORDER BY leaf_index").all(),
        dataKeys: db.prepare("SELECT id, master_key_id, wrapped FROM data_keys ORDER BY id").all() as { id: number; master_key_id: string; wrapped: Buffer }[],
      };
      db.close();
      return result;
    };
    const before = read();
    expect(before.dataKeys.length).toBe(2);

    const newPassphrase = { passphrase: "rotated passphrase (test only, insecure)" };
    const rotated = await Registrar.rotateMasterKey(data, TEST_UNLOCK, newPassphrase);
    const after = read();
    expect(rotated).toMatchObject({ rewrapped: 2, retired: [before.dataKeys[0].master_key_id] });
    expect(after.records).toEqual(before.records);
    for (const [i, key] of after.dataKeys.entries()) {
      expect(key.master_key_id).toBe(rotated.masterKeyId);
      expect(key.wrapped.equals(before.dataKeys[i].wrapped)).toBe(false);
    }
    await expect(Registrar.open(data, { unlock: TEST_UNLOCK })).rejects.toMatchObject({ code: "wrong_key" });
    // A writer that read the keys before the rotation is refused rather than wrapping under a retired key.
    await expect(staleWriter.revoke(0)).rejects.toThrow(expect.objectContaining({ code: "keys_rotated" }));
    await staleWriter.close();
    await registrar.close();

    const reopened = await Registrar.open(data, { unlock: newPassphrase });
    expect((await reopened.record(NAMED_SLOTS[3])).name).toBe("Chen Jing");
    const [added] = await reopened.enroll([{ record: personRecord(50), commitment: 4242n }]);
    expect((await reopened.record(added.index)).name).toBe("Person 50");
    await reopened.close();
  });
});

describe("a master-key rotation that stopped half-way", () => {
  it("leaves every record readable; writers are told to finish it, and running it again retires every unused key", async () => {
    const data = join(freshDir(), "registrar");
    const registrar = await Registrar.init(data, TEST_UNLOCK);
    await registrar.enroll(requests.slice(0, 2));
    await registrar.close();
    // The first step of a rotation, with no re-wrap after it (a crash).
    LocalKeyProvider.open(data, TEST_UNLOCK).addMasterKey(data, TEST_UNLOCK);
    const writer = await Registrar.open(data, { unlock: TEST_UNLOCK });
    expect((await writer.record(NAMED_SLOTS[1])).name).toBe("Zhang Min");
    await expect(writer.revoke(0)).rejects.toThrow(/did not finish \(run rotate-master-key again\)/);
    await writer.close();
    const rotated = await Registrar.rotateMasterKey(data, TEST_UNLOCK);
    expect(rotated.retired).toHaveLength(2);
    const after = await Registrar.open(data, { unlock: TEST_UNLOCK });
    await after.revoke(0);
    expect((await after.record(NAMED_SLOTS[1])).name).toBe("Zhang Min");
    await after.close();
  });
});

describe("a store from before records were sealed", () => {
  it("is sealed on its first open with keys: the ledger key moves into the sealed file, every record is encrypted, nothing plaintext is left", async () => {
    const base = freshDir();
    const data = join(base, "registrar");
    const original = await Registrar.init(data, TEST_UNLOCK);
    await original.enroll(requests);
    const ledgerKey = unsealedKeys(data).ledgerSecretKey;
    // The previous version filled slots 0, 1, 2, ... whatever the province: its root is that tree's.
    const leaves = await Promise.all(NAMED_SLOTS.map(async (index) => (await original.path(index)).leaf));
    const oldTree = new RegistryTree();
    oldTree.insertMany(leaves);
    const root = oldTree.root;
    // The previous version's ledger, in entries that name no change (realdid-ledger/1).
    const ledger = new RootLedger(original.publicKey, [original.ledger.entry(0)!]);
    ledger.publishRoot(root, requests.length, new Date(), ed25519Signer(ledgerKey));
    await original.close();

    // The same registry as the previous version wrote it: records in the clear, the ledger key in registrar-key.json.
    const old = join(base, "old");
    mkdirSync(old);
    const db = new Database(join(old, "registrar.sqlite"));
    db.exec(`
      CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
      CREATE TABLE people (leaf_index INTEGER PRIMARY KEY, name TEXT NOT NULL, national_id TEXT NOT NULL UNIQUE, attributes TEXT NOT NULL, commitment TEXT NOT NULL UNIQUE,
        leaf TEXT NOT NULL, revoked INTEGER NOT NULL DEFAULT 0, enrolled_at TEXT NOT NULL, updated_at TEXT NOT NULL, changed_seq INTEGER NOT NULL DEFAULT 0);
      CREATE INDEX people_changed_seq ON people (changed_seq);
      CREATE TABLE issued_leaves (leaf TEXT PRIMARY KEY, leaf_index INTEGER NOT NULL REFERENCES people (leaf_index), issued_at TEXT NOT NULL);
      CREATE TABLE ledger (seq INTEGER PRIMARY KEY, root TEXT NOT NULL, tree_size INTEGER NOT NULL, time TEXT NOT NULL, prev_hash TEXT NOT NULL, signature TEXT NOT NULL);`);
    db.prepare("INSERT INTO meta VALUES ('publicKey', ?)").run(ed25519Signer(ledgerKey).publicKey);
    requests.forEach(({ record, commitment }, i) => {
      db.prepare("INSERT INTO people VALUES (?, ?, ?, ?, ?, ?, 0, 't', 't', 1)").run(i, record.name, record.nationalId, JSON.stringify(record.attributes), commitment.toString(), leaves[i].toString());
      db.prepare("INSERT INTO issued_leaves VALUES (?, ?, 't')").run(leaves[i].toString(), i);
    });
    for (const e of ledger.entriesFrom(0)) db.prepare("INSERT INTO ledger VALUES (?, ?, ?, ?, ?, ?)").run(e.seq, e.root, e.treeSize, e.time, e.prevHash, e.signature);
    db.close();
    writeFileSync(join(old, "registrar-key.json"), JSON.stringify({ format: "realdid-registrar-key/1", algorithm: "ed25519", secretKey: ledgerKey }));

    await expect(Registrar.open(old)).rejects.toMatchObject({ code: "keys_locked" });
    const bystander = new Database(join(old, "registrar.sqlite"), { readonly: true }); // e.g. a registrar server still running
    bystander.prepare("SELECT count(*) FROM people").get();
    const upgraded = await Registrar.open(old, { unlock: TEST_UNLOCK });
    bystander.close();
    expect((await upgraded.treeInfo()).root).toBe(root);
    expect(await upgraded.resolveHandle(leaves[2])).toMatchObject({ name: "Wang Fang", leafIndex: 2 });
    await upgraded.enroll([{ record: personRecord(70), commitment: 777n }]);
    expect(upgraded.ledger.entry(1)!.change).toBeUndefined();
    expect(upgraded.ledger.head!.change?.kind).toBe("enroll");
    await upgraded.close();
    expect(readdirSync(old)).not.toContain("registrar-key.json");
    expectOwnerOnly(old);
    for (const name of readdirSync(old)) {
      const bytes = readFileSync(join(old, name)).toString("latin1");
      for (const { record } of requests) expect(bytes.includes(record.name) || bytes.includes(record.nationalId), `${name} still holds ${record.name}`).toBe(false);
      expect(bytes.includes(ledgerKey)).toBe(false);
    }
  });
});

describe("the registrar's keys from the command line", () => {
  it("init, enroll and rotation take a passphrase or a key file; without one a command that needs them is refused in one line", () => {
    const dir = freshDir();
    mkdirSync(join(dir, "secrets"));
    const env = { NEW_PASS: "new registrar passphrase (test only, insecure)" };
    const cli = (...args: string[]) => realdid(dir, ["--json", ...args], env);
    const refused = (run: ReturnType<typeof cli>, message: RegExp) => {
      expect(run.status).toBe(1);
      expect(run.stderr.trim().split("\n")).toHaveLength(1);
      expect(run.stderr).toMatch(message);
    };
    const person = NAMED_PEOPLE[0];
    const enroll = (...keys: string[]) =>
      cli("registrar", "enroll", "--data", "registrar", ...keys, "--name", person.name, "--national-id", person.nationalId, "--birth-date", person.birthDate, "--region", person.region, "--expiry", person.expiry, "--document-type", person.documentType, "--commitment", "4242", "--out", "c.json");

    refused(cli("registrar", "init", "--data", "registrar"), /keys are sealed: give one of --passphrase-env <variable> or --key-file <file>/);
    refused(cli("registrar", "init", "--data", "registrar", "--key-file", "registrar/k.json"), /inside the data folder/);
    expect(expectSuccess(cli("registrar", "init", "--data", "registrar", "--key-file", "secrets/registrar.key.json")).publicKey).toMatch(/^[0-9a-f]{64}$/);
    refused(enroll(), /keys are sealed/);
    refused(enroll("--passphrase-env", "REGISTRAR_PASS"), /sealed with a key file: give --key-file/);
    expect(expectSuccess(enroll("--key-file", "secrets/registrar.key.json")).index).toBe(0);
    expect(expectSuccess(cli("registrar", "path", "--data", "registrar", "--index", "0", "--out", "p.json")).index).toBe(0); // no keys needed

    const rotated = expectSuccess(cli("registrar", "rotate-master-key", "--data", "registrar", "--key-file", "secrets/registrar.key.json", "--new-passphrase-env", "NEW_PASS"));
    expect(rotated).toMatchObject({ rewrapped: 1, retired: [expect.stringMatching(/^mk-/)] });
    refused(cli("registrar", "revoke", "--data", "registrar", "--key-file", "secrets/registrar.key.json", "--index", "0"), /sealed with a passphrase/);
    expect(expectSuccess(cli("registrar", "revoke", "--data", "registrar", "--passphrase-env", "NEW_PASS", "--index", "0")).revoked).toBe(true);
  });
});
