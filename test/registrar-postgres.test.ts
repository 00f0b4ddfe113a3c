// The registrar's store in PostgreSQL: the same records, tree and ledger as in SQLite, and
// several front ends (real processes) sharing one database, the database making them take
// turns (its crash test is in registrar-crash.test.ts). Needs the test PostgreSQL server
// (see test/helpers/postgres.ts; CI starts it).
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SHARD_BUCKETS, SHARD_LEAVES, shardOfRegion } from "../src/registry/province-shards.js";
import { merkleRootOf } from "../src/registry/registry-tree.js";
import { Registrar } from "../src/registrar/registrar.js";
import { enrollThroughCli, expectOneLineFailure, expectSuccess, realdid } from "./helpers/cli.js";
import { enrollmentRequests, NAMED_PEOPLE, personRecord } from "./helpers/people.js";
import { ownTestDatabase } from "./helpers/postgres.js";
import { enroller, expectWholeStore } from "./helpers/registrar-processes.js";
import { TEST_UNLOCK } from "./helpers/registrar-keys.js";
import { spawnRealdid, stopChild } from "./helpers/service-process.js";

const dir = mkdtempSync(join(tmpdir(), "realdid-registrar-pg-"));
let database: { url: string; drop: () => Promise<void> };
beforeAll(async () => {
  database = await ownTestDatabase("realdid_registrar_pg");
});
afterAll(async () => {
  await database?.drop();
  rmSync(dir, { recursive: true, force: true });
});

/** A fresh schema for one test: the registrar's tables live in schema realdid_registrar, dropped here. */
async function emptyDatabase(): Promise<string> {
  const client = new pg.Client({ connectionString: database.url });
  await client.connect();
  await client.query("DROP SCHEMA IF EXISTS realdid_registrar CASCADE");
  await client.end();
  return database.url;
}

const BEIJING = shardOfRegion("110105");
const GUANGDONG = shardOfRegion("440305");
const SHANGHAI = shardOfRegion("310101");

/** 100 enrollment requests numbered from `first`, registered in `region`. */
const inProvince = (first: number, region: string) =>
  enrollmentRequests(100, first).requests.map((request) => ({ ...request, record: { ...request.record, attributes: { ...request.record.attributes, region } } }));

/**
 * The lock on the tree's top held by the test's own connection (an enrollment waits for it
 * after its records and subtrees, before the top two levels and the ledger entry; see
 * postgres-registrar-database.ts), and what the database's lock table says.
 */
async function writerLockOn(url: string) {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  return {
    hold: async () => void (await client.query("SELECT pg_advisory_lock(7415104)")),
    release: async () => void (await client.query("SELECT pg_advisory_unlock(7415104)")),
    close: () => client.end(),
    /** Shard locks held and waited for (advisory keys 7415103, slot), front ends waiting for the top's lock or for the only writer's, and whether one waits for another's row. */
    locks: async () => {
      const { rows } = await client.query<{ locktype: string; classid: string; objid: string; objsubid: number; granted: boolean }>(
        "SELECT locktype, classid::text, objid::text, objsubid, granted FROM pg_locks WHERE pid <> pg_backend_pid() AND (locktype = 'transactionid' OR (locktype = 'advisory' AND database = (SELECT oid FROM pg_database WHERE datname = current_database())))",
      );
      const shards = (granted: boolean) => rows.filter((r) => r.locktype === "advisory" && r.classid === "7415103" && r.objsubid === 2 && r.granted === granted).map((r) => Number(r.objid));
      return {
        heldShards: shards(true),
        waitingShards: shards(false),
        waitingForWriter: rows.filter((r) => r.locktype === "advisory" && r.objid === "7415104" && !r.granted).length,
        waitingAsOnlyWriter: rows.filter((r) => r.locktype === "advisory" && r.objid === "7415102" && !r.granted).length,
        waitingForRow: rows.some((r) => r.locktype === "transactionid" && !r.granted),
      };
    },
  };
}
type WriterLock = Awaited<ReturnType<typeof writerLockOn>>;

/** Polls the lock table until `done`; fails after 30 s (so that the test lets go of the writer's lock instead of hanging). */
async function until(lock: WriterLock, done: (locks: Awaited<ReturnType<WriterLock["locks"]>>) => boolean): Promise<void> {
  const deadline = Date.now() + 30_000;
  for (let locks = await lock.locks(); !done(locks); locks = await lock.locks()) {
    if (Date.now() > deadline) throw new Error(`the front ends never reached the expected locks: ${JSON.stringify(locks)}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** A registrar on an empty database, four front ends on it (each its own connection pool), and the test's hold on the writer's lock. */
async function provincesSetUp(name: string) {
  const url = await emptyDatabase();
  const dataDir = join(dir, name);
  await (await Registrar.init(dataDir, TEST_UNLOCK, { database: url })).close();
  const frontEnds = await Promise.all([0, 1, 2, 3].map(() => Registrar.open(dataDir, { unlock: TEST_UNLOCK, database: url })));
  return { url, dataDir, frontEnds, writerLock: await writerLockOn(url) };
}

async function provincesTearDown(frontEnds: Registrar[], writerLock: WriterLock): Promise<void> {
  await writerLock.close(); // also frees the lock if a failed test still held it
  for (const frontEnd of frontEnds) await frontEnd.close();
}

describe("the registrar on PostgreSQL", () => {
  it("keeps the same tree as a SQLite registrar, change by change, and reopens to the same root", async () => {
    const url = await emptyDatabase();
    const now = new Date("2026-11-26T08:00:00Z");
    const onPostgres = await Registrar.init(join(dir, "same-pg"), TEST_UNLOCK, { now, database: url });
    const onSqlite = await Registrar.init(join(dir, "same-sqlite"), TEST_UNLOCK, { now });
    const roots = async () => [(await onPostgres.treeInfo()).root, (await onSqlite.treeInfo()).root];
    let finalRoot: bigint;
    try {
      const { requests } = enrollmentRequests(700);
      for (const registrar of [onPostgres, onSqlite]) {
        await registrar.enroll(requests.slice(0, 600), now);
        await registrar.enroll(requests.slice(600), now);
      }
      const [pgRoot, sqliteRoot] = await roots();
      expect(pgRoot).toBe(sqliteRoot);
      for (const registrar of [onPostgres, onSqlite]) {
        await registrar.revoke(3, now);
        await registrar.reissue(650, { ...personRecord(650).attributes, expiry: "2036-01-01" }, now);
      }
      const [afterPg, afterSqlite] = await roots();
      expect(afterPg).toBe(afterSqlite);
      expect(afterPg).not.toBe(pgRoot);
      const path = await onPostgres.path(650);
      expect(path).toEqual(await onSqlite.path(650));
      expect(merkleRootOf(path)).toBe(afterPg);
      expect(await onPostgres.bucket(0)).toMatchObject({ leaves: (await onSqlite.bucket(0)).leaves, above: (await onSqlite.bucket(0)).above, root: afterPg });
      expect((await onPostgres.record(3)).revoked).toBe(true);
      await expect(onPostgres.path(3)).rejects.toThrow(/leaf 3 is revoked/);
      for (const registrar of [onPostgres, onSqlite]) for (const index of [700, -1, 1.5, 2 ** 40]) await expect(registrar.path(index)).rejects.toThrow(`no credential has leaf index ${index}`);
      await expect(onPostgres.enroll([requests[10]], now)).rejects.toThrow(/already enrolled/);
      finalRoot = afterPg;
    } finally {
      await onPostgres.close();
      await onSqlite.close();
    }
    const reopened = await Registrar.open(join(dir, "same-pg"), { database: url });
    expect((await reopened.treeInfo()).root).toBe(finalRoot);
    await reopened.close();
    expect(await expectWholeStore(join(dir, "same-pg"), { database: url })).toBe(700);
    await expect(Registrar.init(join(dir, "same-pg-again"), TEST_UNLOCK, { database: url })).rejects.toThrow(/already exists/);
  }, 120_000);

  it("keeps the rules of the store in the database, a statement's rows checked at once (schema version 2), and brings a version 1 store up to it", async () => {
    const url = await emptyDatabase();
    const dataDir = join(dir, "schema-rules");
    const registrar = await Registrar.init(dataDir, TEST_UNLOCK, { database: url });
    const [first] = await registrar.enroll(enrollmentRequests(3).requests);
    await registrar.close();
    const client = new pg.Client({ connectionString: url, options: "-c search_path=realdid_registrar" });
    await client.connect();
    try {
      const refused = (sql: string) => client.query(sql).then(() => "accepted", (error: Error) => error.message);
      const slot = first.index;
      // Rows another kind of leaf's slot, or an issued leaf without a person, are refused, one bad row among good ones too.
      expect(await refused(`INSERT INTO mandates (leaf_index, enterprise_index, record, data_key_id, leaf, granted_at, updated_at) VALUES (${slot}, 'x', '\\x00', 1, '1', 't', 't')`)).toMatch(/leaf_index is held by another kind of leaf/);
      expect(await refused(`INSERT INTO enterprises (leaf_index, leaf, status, record, data_key_id, enrolled_at, updated_at) SELECT i, i::text, 'active', '\\x00', 1, 't', 't' FROM unnest(ARRAY[900000, ${slot}]) AS i`)).toMatch(/leaf_index is held by another kind of leaf/);
      expect(await refused(`INSERT INTO issued_leaves (leaf, leaf_index, issued_at) VALUES ('11', ${slot}, 't'), ('12', 123456, 't')`)).toMatch(/no person's slot/);
      // A person an issued leaf refers to is neither deleted (nor truncated away), and no person moves.
      expect(await refused(`DELETE FROM people WHERE leaf_index = ${slot}`)).toMatch(/would have no person/);
      expect(await refused("TRUNCATE people CASCADE")).toMatch(/would have no person/);
      expect(await refused(`UPDATE people SET leaf_index = 123456 WHERE leaf_index = ${slot}`)).toMatch(/leaf_index never changes/);
      expect(await refused(`UPDATE people SET updated_at = 'u' WHERE leaf_index = ${slot}`)).toBe("accepted");
      expect(Number((await client.query("SELECT count(*) FROM issued_leaves")).rows[0].count)).toBe(3);

      // A version 1 store: a foreign key and a trigger call per row.
      await client.query(`ALTER TABLE issued_leaves ADD FOREIGN KEY (leaf_index) REFERENCES people (leaf_index);
        CREATE FUNCTION leaf_index_free() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$;
        ${["people", "enterprises", "mandates"].map((table) => `CREATE OR REPLACE TRIGGER ${table}_leaf_index_free BEFORE INSERT ON ${table} FOR EACH ROW EXECUTE FUNCTION leaf_index_free();`).join("\n")}
        COMMENT ON SCHEMA realdid_registrar IS 'realdid-registrar-schema/1'`);
      const schema = async () => ({
        version: (await client.query("SELECT obj_description('realdid_registrar'::regnamespace, 'pg_namespace') AS v")).rows[0].v,
        foreignKeys: Number((await client.query("SELECT count(*) FROM pg_constraint WHERE contype = 'f' AND conrelid = 'issued_leaves'::regclass")).rows[0].count),
        // Bit 0 of tgtype: a row trigger.
        rowTriggers: Number((await client.query("SELECT count(*) FROM pg_trigger WHERE tgname LIKE '%_leaf_index_free' AND tgtype & 1 = 1")).rows[0].count),
        oldFunction: Number((await client.query("SELECT count(*) FROM pg_proc WHERE proname = 'leaf_index_free'")).rows[0].count),
      });
      expect(await schema()).toEqual({ version: "realdid-registrar-schema/1", foreignKeys: 1, rowTriggers: 3, oldFunction: 1 });
      // Brought up while an enrollment is under way (its person inserted, its issued leaf not yet): the
      // upgrade waits for it, and the enrollment goes on without a deadlock.
      const enrolling = new pg.Client({ connectionString: url, options: "-c search_path=realdid_registrar" });
      await enrolling.connect();
      await enrolling.query("BEGIN");
      await enrolling.query("INSERT INTO people (leaf_index, national_id_index, commitment_index, record, data_key_id, leaf, enrolled_at, updated_at) VALUES (777777, 'held', 'held', '\\x00', 1, '5', 't', 't')");
      const opening = Registrar.open(dataDir, { unlock: TEST_UNLOCK, database: url });
      for (let waited = 0; Number((await client.query("SELECT count(*) FROM pg_locks WHERE relation = 'people'::regclass AND NOT granted")).rows[0].count) === 0; waited += 20) {
        if (waited > 10_000) throw new Error("the upgrade never waited for the enrollment");
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      expect(await enrolling.query("INSERT INTO issued_leaves (leaf, leaf_index, issued_at) VALUES ('5', 777777, 't')").then(() => "inserted", (error: Error) => error.message)).toBe("inserted");
      await enrolling.query("ROLLBACK");
      await enrolling.end();
      const upgraded = await opening;
      expect(await schema()).toEqual({ version: "realdid-registrar-schema/2", foreignKeys: 0, rowTriggers: 0, oldFunction: 0 });
      const [next] = await upgraded.enroll(enrollmentRequests(1, 10).requests);
      expect(merkleRootOf(await upgraded.path(next.index))).toBe((await upgraded.treeInfo()).root);
      await upgraded.close();
      expect(await expectWholeStore(dataDir, { database: url })).toBe(4);
    } finally {
      await client.end();
    }
  }, 60_000);

  it("takes two front ends enrolling at once: every enrollment lands exactly once and the ledger stays one chain", async () => {
    const url = await emptyDatabase();
    const dataDir = join(dir, "two-front-ends");
    await (await Registrar.init(dataDir, TEST_UNLOCK, { database: url })).close();
    const [batch, batches] = [300, 6];
    const fronts = [enroller(dataDir, { database: url }, batch, batches, 0, { waitForGo: true }), enroller(dataDir, { database: url }, batch, batches, 500_000, { waitForGo: true })];
    await Promise.all(fronts.map((front) => front.ready));
    for (const front of fronts) front.go();
    const results = await Promise.all(fronts.map((front) => front.done));
    for (const { code, errors } of results) expect({ code, errors }).toEqual({ code: 0, errors: "" });
    // Each batch got a run of slots of its own; together they are every slot once.
    const batchesByFirst = fronts.flatMap((front, f) => front.lines.map((line) => ({ first: Number(line.split(" ")[1]), front: f }))).sort((a, b) => a.first - b.first);
    expect(batchesByFirst.map((b) => b.first)).toEqual(Array.from({ length: 2 * batches }, (_, k) => k * batch));
    // They really ran at once: the two front ends' batches alternate in the tree at least twice.
    const turns = batchesByFirst.filter((b, k) => k > 0 && b.front !== batchesByFirst[k - 1].front).length;
    expect(turns).toBeGreaterThanOrEqual(2);
    expect(await expectWholeStore(dataDir, { database: url })).toBe(2 * batches * batch);
    const registrar = await Registrar.open(dataDir, { database: url });
    expect(registrar.ledger.length).toBe(1 + 2 * batches); // genesis and one entry per batch, one chain (verified when read)
    await registrar.close();
  }, 180_000);

  it("lets one of two front ends enrolling the same person at once win, and refuses the other", async () => {
    const url = await emptyDatabase();
    const dataDir = join(dir, "same-person");
    await (await Registrar.init(dataDir, TEST_UNLOCK, { database: url })).close();
    const [first, second] = [await Registrar.open(dataDir, { unlock: TEST_UNLOCK, database: url }), await Registrar.open(dataDir, { unlock: TEST_UNLOCK, database: url })];
    let winner = 0;
    try {
      const { requests } = enrollmentRequests(200);
      const outcomes = await Promise.allSettled([first.enroll(requests), second.enroll([...enrollmentRequests(50, 1000).requests, requests[199]])]);
      expect(outcomes.map((o) => o.status).sort()).toEqual(["fulfilled", "rejected"]);
      expect(String((outcomes.find((o) => o.status === "rejected") as PromiseRejectedResult).reason)).toMatch(/already enrolled/);
      winner = (outcomes.find((o) => o.status === "fulfilled") as PromiseFulfilledResult<unknown[]>).value.length;
    } finally {
      await first.close();
      await second.close();
    }
    expect(await expectWholeStore(dataDir, { database: url })).toBe(winner); // the loser's batch left nothing behind
  }, 60_000);

  it("enrolls in two provinces at once: each front end holds only its shard's lock until the tree's top and the ledger entry; one in the first's province waits for it, a revocation for all of them", async () => {
    const { dataDir, url, frontEnds, writerLock } = await provincesSetUp("provinces");
    try {
      const [earlier] = await frontEnds[2].enroll(inProvince(5000, "110101").slice(0, 1)); // Beijing's slot 0
      await writerLock.hold(); // every enrollment now stops before the tree's top
      const beijing = frontEnds[0].enroll(inProvince(0, "110105"));
      const guangdong = frontEnds[1].enroll(inProvince(1000, "440305"));
      // Both are past their records and their shard's subtree at the same time, each holding its shard.
      await until(writerLock, (locks) => locks.heldShards.includes(BEIJING) && locks.heldShards.includes(GUANGDONG) && locks.waitingForWriter === 2);
      // A batch of Beijing and Shanghai people waits for Beijing's shard; a revocation (the only writer) for every enrollment under way.
      const beijingAndShanghai = frontEnds[2].enroll([...inProvince(2000, "110108").slice(0, 50), ...inProvince(3000, "310101").slice(0, 50)]);
      await until(writerLock, (locks) => locks.waitingShards.includes(BEIJING));
      const revoked = frontEnds[3].revoke(earlier.index);
      await until(writerLock, (locks) => locks.waitingAsOnlyWriter === 1);
      await writerLock.release();
      const [first, second, third] = await Promise.all([beijing, guangdong, beijingAndShanghai, revoked]);
      const slots = (shard: number, from: number, count = 100) => Array.from({ length: count }, (_, k) => shard * SHARD_LEAVES + from + k);
      expect([first, second, third].map((batch) => batch.map((c) => c.index))).toEqual([slots(BEIJING, 1), slots(GUANGDONG, 0), [...slots(BEIJING, 101, 50), ...slots(SHANGHAI, 0, 50)]]);
      await expect(frontEnds[0].path(earlier.index)).rejects.toThrow(/is revoked/);
      // Others published since Guangdong's front end last looked: its path reads again in a transaction that catches up; then in one statement.
      const newest = await frontEnds[1].path(second[0].index);
      expect(merkleRootOf(newest)).toBe((await frontEnds[3].treeInfo()).root);
      expect(await frontEnds[1].path(second[0].index)).toEqual(newest);
    } finally {
      await provincesTearDown(frontEnds, writerLock);
    }
    expect(await expectWholeStore(dataDir, { database: url })).toBe(301); // one ledger chain, the tree equal to one computed from the records
  }, 60_000);

  it("refuses the same person enrolled at once in two provinces: the first to commit wins, the other's batch leaves nothing", async () => {
    const { dataDir, url, frontEnds, writerLock } = await provincesSetUp("same-person-provinces");
    try {
      await writerLock.hold();
      const beijing = inProvince(0, "110105");
      const beijingEnrolled = frontEnds[0].enroll(beijing);
      await until(writerLock, (locks) => locks.waitingForWriter === 1);
      // The same ID number, registered in Guangdong: its shard's lock is free, so it reaches its insert and waits for the first's uncommitted row.
      const twin = { record: { ...beijing[50].record, attributes: { ...beijing[50].record.attributes, region: "440305" } }, commitment: 98765n };
      const guangdongEnrolled = frontEnds[1].enroll([...inProvince(1000, "440305"), twin]);
      await until(writerLock, (locks) => locks.waitingForRow);
      await writerLock.release();
      expect(await beijingEnrolled).toHaveLength(100);
      // Refused by the unique index, then named: the insert met the first's row.
      await expect(guangdongEnrolled).rejects.toMatchObject({ code: "already_enrolled", message: expect.stringMatching(new RegExp(`^record 101: nationalId ${twin.record.nationalId} is already enrolled`)) });
    } finally {
      await provincesTearDown(frontEnds, writerLock);
    }
    expect(await expectWholeStore(dataDir, { database: url })).toBe(100);
  }, 60_000);

  it("runs through the CLI: init, enroll, two servers on one database that both see a new root, check-tree; a database that is down is one line", async () => {
    const url = await emptyDatabase();
    const cwd = mkdtempSync(join(dir, "cli-"));
    const env = { REALDID_REGISTRAR_DATABASE: url, PASS: "citizen passphrase (test only, insecure)" };
    const cli = (...args: string[]) => realdid(cwd, ["--json", ...args], env);
    const enrolled = enrollThroughCli(cli, cwd, NAMED_PEOPLE.slice(0, 2), "person-");
    expect(enrolled.enrolled).toBe(2);
    const servers = await Promise.all([0, 1].map(() => spawnRealdid(["registrar", "serve", "--data", "registrar", "--database", url, "--port", "0"], cwd)));
    try {
      const trees = async () => Promise.all(servers.map(async (server) => (await (await fetch(`${server.url}/v1/tree`)).json()) as { size: number; root: string }));
      expect((await trees()).map((tree) => tree.size)).toEqual([2, 2]);
      // Another front end enrolls while both servers run: each answers the new root on its next request.
      writeFileSync(join(cwd, "more.jsonl"), JSON.stringify({ ...NAMED_PEOPLE[2], commitment: "12345678901234567890" }) + "\n");
      expectSuccess(cli("registrar", "enroll", "--data", "registrar", "--passphrase-env", "REGISTRAR_PASS", "--batch", "more.jsonl", "--out-dir", "more"));
      const [first, second] = await trees();
      expect([first.size, second.size]).toEqual([3, 3]);
      expect(first.root).toBe(second.root);
      // Wang Fang's bucket: the first of Guangdong's shard, which holds her alone.
      const bucket = (await (await fetch(`${servers[1].url}/v1/tree/buckets/${GUANGDONG * SHARD_BUCKETS}`)).json()) as { leaves: string[]; root: string };
      expect(bucket.leaves).toHaveLength(1);
      expect(bucket.root).toBe(first.root);
      expect(expectSuccess(cli("registrar", "check-tree", "--data", "registrar"))).toMatchObject({ size: 3, root: first.root });
    } finally {
      await Promise.all(servers.map((server) => stopChild(server.child)));
    }
    await emptyDatabase();
    expectOneLineFailure(realdid(cwd, ["registrar", "check-tree", "--data", "registrar", "--database", url]), /no registrar in postgres:/);
    const down = new URL(url);
    down.port = "1"; // nothing listens there
    expectOneLineFailure(realdid(cwd, ["registrar", "check-tree", "--data", "registrar", "--database", down.href]), /database is unavailable/);
  }, 120_000);
});
