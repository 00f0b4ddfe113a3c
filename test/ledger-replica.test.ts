// The verifier's ledger replica against a misbehaving source (a real HTTP server on
// 127.0.0.1): answers past the size limit are cut off while streaming, concurrent proofs
// with unknown roots share one pull (and do not pull again within the interval), a
// hanging source times out, and a shorter or diverging history is refused and reported.
import { mkdtempSync, rmSync, statSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { afterAll, afterEach, beforeEach, expect, it } from "vitest";
import { RootLedger } from "../src/ledger/root-ledger.js";
import { ed25519Signer, newSigningKeyHex } from "../src/signed-log/ed25519-signer.js";
import { type LedgerRollback, LedgerReplica } from "../src/service/ledger-replica.js";
import { ledgerSource } from "../src/service/ledger-source.js";
import { SqliteVerifierStore } from "../src/service/sqlite-store.js";
import { LedgerHttpSource } from "./helpers/ledger-http-source.js";

const dir = mkdtempSync(join(tmpdir(), "realdid-replica-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const signer = ed25519Signer(newSigningKeyHex());
function ledgerOf(roots: bigint[], base?: RootLedger, keep = 0): RootLedger {
  const ledger = new RootLedger(signer.publicKey, base?.entriesFrom(0).slice(0, keep));
  for (const root of roots) ledger.publishRoot(root, Number(root), new Date(Date.UTC(2026, 10, 25, 0, ledger.length)), signer);
  return ledger;
}

let source: LedgerHttpSource;
let store: SqliteVerifierStore;
let storeDir: string;
let rollbacks: LedgerRollback[];
let run = 0;
const open = (options: { maxBytes?: number; timeoutMs?: number; intervalMs?: number } = {}) =>
  LedgerReplica.open(store, ledgerSource(source.url, { maxBytes: options.maxBytes ?? 1024 * 1024, timeoutMs: options.timeoutMs ?? 5000 }), signer.publicKey, {
    unknownRootPullIntervalMs: options.intervalMs ?? 60_000,
    onRollback: (rollback) => rollbacks.push(rollback),
  });

beforeEach(async () => {
  source = await LedgerHttpSource.start(ledgerOf([1n, 2n, 3n]));
  storeDir = join(dir, `store-${run++}`);
  store = SqliteVerifierStore.open(storeDir);
  rollbacks = [];
});
afterEach(async () => {
  await source.close();
  await store.close();
});

it("refuses an answer past the size limit while it streams, without reading the rest", async () => {
  const replica = await open({ maxBytes: 64 * 1024 });
  let written = 0;
  let cutOff = false;
  source.behaviour = (_req, res) => {
    // 64 MB of lines, written as fast as the client reads them.
    res.writeHead(200, { "content-type": "application/x-ndjson" });
    const line = Buffer.from(`${JSON.stringify({ junk: "x".repeat(1000) })}\n`);
    res.on("close", () => (cutOff = !res.writableFinished));
    const pump = () => {
      while (written < 64 * 1024 * 1024) {
        written += line.length;
        if (!res.write(line)) return void res.once("drain", pump);
      }
      res.end();
    };
    pump();
  };
  await expect(replica.sync()).rejects.toMatchObject({ code: "io_error", message: expect.stringMatching(/answered more than 65536 bytes/) });
  await expect.poll(() => cutOff).toBe(true);
  expect(written).toBeLessThan(16 * 1024 * 1024);
  expect(replica.ledger.length).toBe(0);
  expect(replica.lastError).toMatch(/more than 65536 bytes/);
});

it("concurrent proofs with unknown roots share one pull, and do not pull again within the interval", async () => {
  const replica = await open({ intervalMs: 2000 });
  source.behaviour = (_req, _res, normal) => setTimeout(normal, 200); // a pull takes a while: the proofs arrive during it
  const added = await Promise.all(Array.from({ length: 200 }, () => replica.syncForUnknownRoot()));
  expect(source.pulls).toBe(1);
  expect(added.every((n) => n === 3)).toBe(true);
  expect(replica.ledger.length).toBe(3);

  // Within the interval, more unknown roots cost no pull; after it, one.
  expect(await Promise.all(Array.from({ length: 50 }, () => replica.syncForUnknownRoot()))).toEqual(Array(50).fill(0));
  expect(source.pulls).toBe(1);
  await new Promise((resolve) => setTimeout(resolve, 2100));
  source.ledger = ledgerOf([4n], source.ledger, 3);
  await Promise.all(Array.from({ length: 50 }, () => replica.syncForUnknownRoot()));
  expect(source.pulls).toBe(2);
  expect(replica.ledger.length).toBe(4);
  expect((await store.ledgerEntries()).length).toBe(4);
});

it.each([
  ["never answers", (res: import("node:http").ServerResponse) => void res],
  ["sends the headers and part of the body, then stalls", (res: import("node:http").ServerResponse) => res.writeHead(200).write('{"format":"realdid-ledger/1",')],
])("gives up on a source that %s", async (_, stall) => {
  const replica = await open({ timeoutMs: 500 });
  source.behaviour = (_req, res) => stall(res);
  await expect(replica.sync()).rejects.toMatchObject({ code: "io_error", message: expect.stringMatching(/no complete answer within 500 ms/) });
  // The next pull works once the source does.
  source.behaviour = undefined;
  expect(await replica.sync()).toBe(3);
});

it("refuses a rollback (a shorter or a diverging history), keeps its ledger and reports it until the source is consistent again", async () => {
  const replica = await open();
  expect(await replica.sync()).toBe(3);
  const verified = source.ledger;

  source.ledger = new RootLedger(signer.publicKey, verified.entriesFrom(0).slice(0, 2)); // the same history, one entry fewer
  await expect(replica.sync()).rejects.toMatchObject({ code: "log_rollback", message: expect.stringMatching(/fewer than the 3 entries already verified/) });
  expect(replica.ledger.length).toBe(3);
  expect(rollbacks).toHaveLength(1);
  expect(replica.rollback).toMatchObject({ ourEntries: 3 });

  source.ledger = ledgerOf([30n, 40n], verified, 2); // entry 2 rewritten, and one more after it
  await expect(replica.sync()).rejects.toMatchObject({ code: "log_rollback", message: expect.stringMatching(/diverges from the verified history/) });
  expect(replica.ledger.head).toEqual(verified.head);
  expect(rollbacks).toHaveLength(2);
  expect((await store.ledgerEntries()).map((e) => e.root)).toEqual(["1", "2", "3"]);

  source.ledger = ledgerOf([4n], verified, 3); // the real history, one entry on
  expect(await replica.sync()).toBe(1);
  expect(replica.rollback).toBeUndefined();
});

it("a pull whose store write fails is a failed pull (lastError set); the pull's own failure is the one reported; the write is retried", async () => {
  const replica = await open();
  const other = new Database(join(storeDir, "verifier.sqlite"));
  try {
    other.exec("BEGIN EXCLUSIVE"); // another writer holds the file: the replica cannot store what it verified
    await expect(replica.sync()).rejects.toMatchObject({ code: "store_unavailable" });
    expect(replica.lastError).toBe("store_unavailable: the verified entries could not be stored"); // readiness shows it; the database's words go to the log
    expect(replica.ledger.length).toBe(3); // verified, kept in memory

    source.ledger = new RootLedger(signer.publicKey, source.ledger.entriesFrom(0).slice(0, 2));
    await expect(replica.sync()).rejects.toMatchObject({ code: "log_rollback" }); // not replaced by the store's error
    expect(replica.lastError).toMatch(/fewer than the 3 entries/);
    other.exec("ROLLBACK");
  } finally {
    other.close();
  }
  source.ledger = ledgerOf([4n], ledgerOf([1n, 2n, 3n]), 3);
  expect(await replica.sync()).toBe(1);
  expect(replica.lastError).toBeUndefined();
  expect((await store.ledgerEntries()).map((e) => e.root)).toEqual(["1", "2", "3", "4"]);
});

it("a ledger file is re-read only when its size or time changes; the replica verifies the entries it did not have", async () => {
  const file = join(storeDir, "ledger.jsonl");
  const three = ledgerOf([1n, 2n, 3n]);
  writeFileSync(file, three.toJsonLines());
  const replica = await LedgerReplica.open(store, ledgerSource(file), signer.publicKey);
  expect(await replica.sync()).toBe(3);

  const four = ledgerOf([4n], three, 3);
  writeFileSync(file, four.toJsonLines());
  expect(await replica.sync()).toBe(1);

  // A new entry with a bad signature is refused by the replica (the source only parses).
  const forged = four.entriesFrom(0);
  const five = ledgerOf([5n], four, 4).entriesFrom(4)[0];
  writeFileSync(file, new RootLedger(signer.publicKey, forged).toJsonLines() + JSON.stringify({ ...five, signature: "0".repeat(128) }) + "\n");
  const readAt = 1_800_000_000; // whole seconds: the time is put back exactly below
  utimesSync(file, readAt, readAt);
  await expect(replica.sync()).rejects.toMatchObject({ code: "log_bad_signature" });
  expect(replica.ledger.length).toBe(4);

  // The good file, the same size, with the time of the last read put back: not read again.
  const good = ledgerOf([5n], four, 4).toJsonLines();
  expect(good.length).toBe(statSync(file).size);
  writeFileSync(file, good);
  utimesSync(file, readAt, readAt);
  await expect(replica.sync()).rejects.toMatchObject({ code: "log_bad_signature" });
  utimesSync(file, readAt + 1, readAt + 1); // a real change moves the time
  expect(await replica.sync()).toBe(1);
});
