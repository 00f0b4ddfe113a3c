import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { RootLedger } from "../src/ledger/root-ledger.js";
import { parseCredentialFile } from "../src/registry/credential.js";
import Database from "better-sqlite3";
import { SNARK_FIELD } from "../src/crypto/field.js";
import { FastPoseidon } from "../src/crypto/fast-poseidon.js";
import { PoseidonPool } from "../src/crypto/poseidon-pool.js";
import { BUCKET_LEAVES, merkleRootOf, RegistryTree, TREE_HEIGHT } from "../src/registry/registry-tree.js";
import { Registrar } from "../src/registrar/registrar.js";
import type { SqlTransaction } from "../src/registrar/registrar-database.js";
import { SqliteRegistrarDatabase } from "../src/registrar/sqlite-registrar-database.js";
import { bucketRanges, type NodeRange, rangesAlongPaths, StoredTreeNodes, storedTreeSize } from "../src/registrar/stored-tree.js";
import { DB_FILE } from "../src/registrar/store-schema.js";
import { enrollmentRequests, personRecord } from "./helpers/people.js";
import { TEST_UNLOCK } from "./helpers/registrar-keys.js";

const dirs: string[] = [];
const freshDir = () => {
  const dir = mkdtempSync(join(tmpdir(), "realdid-registrar-"));
  dirs.push(dir);
  return join(dir, "data");
};
afterEach(() => dirs.splice(0).forEach((dir) => rmSync(dir, { recursive: true, force: true })));

describe("Registrar", () => {
  it("enrolls a batch, publishes one signed root, and reopens to the same state", async () => {
    const dir = freshDir();
    const registrar = await Registrar.init(dir, TEST_UNLOCK);
    const { requests, identities } = enrollmentRequests(5);
    const credentials = await registrar.enroll(requests);
    expect(registrar.ledger.length).toBe(2); // genesis + this batch
    expect(registrar.ledger.head).toMatchObject({ seq: 1, root: (await registrar.treeInfo()).root.toString(), treeSize: 5 });
    const parsed = parseCredentialFile(JSON.stringify(credentials[3]));
    expect(parsed.commitment).toBe(identities[3].commitment);
    expect(JSON.stringify(credentials[3])).not.toContain("Person 3");
    expect(JSON.stringify(credentials[3])).not.toContain(requests[3].record.nationalId);
    const path = await registrar.path(3);
    expect(path.leaf).toBe(parsed.leaf);
    expect(merkleRootOf(path)).toBe((await registrar.treeInfo()).root);
    const { root } = await registrar.treeInfo();
    await registrar.close();

    const reopened = await Registrar.open(dir, { unlock: TEST_UNLOCK });
    expect((await reopened.treeInfo()).root).toBe(root);
    expect(await reopened.record(3)).toMatchObject({ name: "Person 3", revoked: false });
    expect(RootLedger.fromJsonLines(reopened.ledger.toJsonLines(), reopened.publicKey).length).toBe(2);
    await reopened.close();
  });

  it("keeps its tree in the store: opening reads no leaf, check-tree recomputes it from the records, an older store gets its tree on first open", async () => {
    const dir = freshDir();
    const registrar = await Registrar.init(dir, TEST_UNLOCK);
    await registrar.enroll(enrollmentRequests(700).requests);
    await registrar.revoke(650);
    const { root } = await registrar.treeInfo();
    expect(await Registrar.checkTree(dir)).toEqual({ recomputedRoot: root, storedRoot: root, ledgerRoot: root, size: 700 });
    await registrar.close();

    const db = new Database(join(dir, DB_FILE));
    const nodes = db.prepare("SELECT count(*) FROM tree_nodes").pluck().get() as number;
    expect(nodes).toBe(700 + 88 + 11 + 2 + 8); // the leaves, then ceil(n / 8) per level: 88, 11, 2, and one on each of levels 4 to 11
    // A record's leaf edited behind the registrar's back: opening does not hash the records, so it still opens on the stored
    // tree; check-tree tells the two apart.
    const leaf0 = db.prepare("SELECT leaf FROM people WHERE leaf_index = 0").pluck().get() as string;
    db.prepare("UPDATE people SET leaf = '1' WHERE leaf_index = 0").run();
    db.close();
    const tampered = await Registrar.open(dir, { unlock: TEST_UNLOCK });
    expect((await tampered.treeInfo()).root).toBe(root);
    expect((await Registrar.checkTree(dir)).recomputedRoot).not.toBe(root);
    await tampered.close();

    // A stored node edited: the stored root is not the ledger head's, so the registrar refuses to open; check-tree still names the three roots.
    const edited = new Database(join(dir, DB_FILE));
    const rootRow = edited.prepare("SELECT hash FROM tree_nodes WHERE level = 11 AND idx = 0").pluck().get() as Buffer;
    edited.prepare("UPDATE tree_nodes SET hash = ? WHERE level = 11 AND idx = 0").run(Buffer.alloc(32, 1));
    edited.close();
    await expect(Registrar.open(dir, { unlock: TEST_UNLOCK })).rejects.toThrow(/ledger head's root is not the stored tree's root/);
    const report = await Registrar.checkTree(dir);
    expect(report.storedRoot).not.toBe(report.ledgerRoot);
    expect(report.ledgerRoot).toBe(root);
    const restore = new Database(join(dir, DB_FILE));
    restore.prepare("UPDATE tree_nodes SET hash = ? WHERE level = 11 AND idx = 0").run(rootRow);
    restore.close();

    // A store from before the tree was kept in it: the tree is computed from the records once, on the first open.
    const old = new Database(join(dir, DB_FILE));
    old.prepare("UPDATE people SET leaf = ? WHERE leaf_index = 0").run(leaf0);
    old.exec("DROP TABLE tree_nodes");
    old.close();
    const upgraded = await Registrar.open(dir, { unlock: TEST_UNLOCK });
    expect((await upgraded.treeInfo()).root).toBe(root);
    expect((await upgraded.path(3)).root).toBe(root);
    await upgraded.close();
  });

  it("a batch prepared on worker threads (validated, leaves hashed, long tree levels hashed there too) enrolls as the same batch enrolled directly", async () => {
    const pool = await PoseidonPool.create(2);
    try {
      // 2,100 leaves in one shard: 263 parents on the first level, enough to go to the workers.
      const { requests } = enrollmentRequests(2100);
      const now = new Date("2026-11-26T00:00:00Z");
      const direct = await Registrar.init(freshDir(), TEST_UNLOCK);
      const prepared = await Registrar.init(freshDir(), TEST_UNLOCK);
      const credentials = await direct.enroll(requests, now);
      const withoutKey = (files: readonly object[]) => files.map((file) => ({ ...file, registrarKey: undefined })); // two registrars, two keys
      expect(withoutKey(await prepared.enroll(await prepared.prepareEnrollment(requests, pool, now)))).toEqual(withoutKey(credentials));
      expect((await prepared.treeInfo()).root).toBe((await direct.treeInfo()).root);
      const bad = [...requests.slice(0, 2), { ...requests[2], record: { ...requests[2].record, nationalId: "110105199001011230" } }];
      await expect(prepared.prepareEnrollment(bad, pool, now)).rejects.toThrow(/record 3: .*check character/);
      // A batch whose pool was closed before it was enrolled is hashed here instead: the same tree.
      const late = enrollmentRequests(2100, 5000).requests;
      const preparedLate = await prepared.prepareEnrollment(late, pool, now);
      await pool.close();
      await expect(pool.hashMany(8, Array(8).fill(1n))).rejects.toThrow(/the Poseidon pool is closed/);
      expect(withoutKey(await prepared.enroll(preparedLate))).toEqual(withoutKey(await direct.enroll(late, now)));
      expect((await prepared.treeInfo()).root).toBe((await direct.treeInfo()).root);
      await direct.close();
      await prepared.close();
    } finally {
      await pool.close();
    }
  });

  it("a tree over SQLite nodes equals the same tree in memory, change by change", async () => {
    const hasher = await FastPoseidon.create();
    const connection = new Database(":memory:");
    connection.exec("CREATE TABLE tree_nodes (level INTEGER NOT NULL, idx INTEGER NOT NULL, hash BLOB NOT NULL, PRIMARY KEY (level, idx)) WITHOUT ROWID");
    const db = new SqliteRegistrarDatabase(connection, ":memory:");
    // As the registrar works on its stored tree: per operation, the nodes along the paths of the leaves it touches, read in one go.
    const stored = async (tx: SqlTransaction, ranges: readonly NodeRange[]) => {
      const nodes = await StoredTreeNodes.load(tx, ranges, await storedTreeSize(tx)); // with its size: this test appends
      return { tree: new RegistryTree(TREE_HEIGHT, hasher, nodes), nodes };
    };
    const memory = new RegistryTree(TREE_HEIGHT, hasher);
    const leaves = Array.from({ length: 1200 }, (_, i) => BigInt(i) * 7919n + 13n);
    const [FAR, SPARE] = [18 * 8 ** 9 + 4095, 63 * 8 ** 9];
    const indexes = (first: number, end: number) => Array.from({ length: end - first }, (_, k) => first + k);
    const steps: [number[], (tree: RegistryTree) => unknown][] = [
      [[0], (tree) => tree.insert(leaves[0])],
      [indexes(1, 5), (tree) => tree.insertMany(leaves.slice(1, 5))],
      [indexes(5, 1200), (tree) => tree.insertMany(leaves.slice(5, 1200))],
      [[3], (tree) => tree.remove(3)],
      [[1199], (tree) => tree.update(1199, 5n)],
      [[512], (tree) => tree.update(512, SNARK_FIELD - 1n)],
      // Leaves in other shards (slots far apart, one past a JavaScript array's 2^32 indexes), with one in use replaced.
      [[FAR, FAR + 1, SPARE, 7], (tree) => tree.setLeaves([{ index: SPARE, value: 11n }, { index: FAR + 1, value: 12n }, { index: FAR, value: 13n }, { index: 7, value: 14n }])],
    ];
    for (const [touched, step] of steps) {
      await db.write(async (tx) => {
        const { tree, nodes } = await stored(tx, rangesAlongPaths(TREE_HEIGHT, touched));
        step(tree);
        await nodes.flush(tx);
      });
      step(memory);
      const { tree } = await db.read((tx) => stored(tx, rangesAlongPaths(TREE_HEIGHT, [])));
      expect([tree.size, tree.root]).toEqual([memory.size, memory.root]);
    }
    for (const index of [0, 3, 511, 512, 1199, FAR + 1, SPARE]) expect((await db.read((tx) => stored(tx, rangesAlongPaths(TREE_HEIGHT, [index])))).tree.proof(index)).toEqual(memory.proof(index));
    expect((await db.read((tx) => stored(tx, bucketRanges(TREE_HEIGHT, 0)))).tree.leavesFrom(1192, BUCKET_LEAVES - 1192)).toEqual(memory.leavesFrom(1192, BUCKET_LEAVES - 1192));
    // A node outside the plan is never taken for an empty subtree: reading it is refused.
    const planned = await db.read((tx) => stored(tx, rangesAlongPaths(TREE_HEIGHT, [900])));
    expect(() => planned.tree.proof(5)).toThrow(/tree node 0\/5 was not among the nodes read/);
    // A run of leaves is one range a level (adjacent groups merge), plus the root.
    expect(rangesAlongPaths(TREE_HEIGHT, indexes(5, 1200))).toHaveLength(TREE_HEIGHT + 1);
    await db.close();
  });

  it("takes two registrars on one SQLite file in one process writing at once, one after the other", async () => {
    const dir = freshDir();
    await (await Registrar.init(dir, TEST_UNLOCK)).close();
    const [first, second] = [await Registrar.open(dir, { unlock: TEST_UNLOCK }), await Registrar.open(dir, { unlock: TEST_UNLOCK })];
    try {
      const [a, b] = await Promise.all([first.enroll(enrollmentRequests(300).requests), second.enroll(enrollmentRequests(300, 300).requests)]);
      expect([a[0].index, b[0].index].sort((x, y) => x - y)).toEqual([0, 300]);
      // The one that enrolled first is a ledger entry behind: its path catches up, then checks the nodes' root against the head's entry.
      const behind = a[0].index === 0 ? first : second;
      const path = await behind.path(300);
      expect(behind.ledger.length).toBe(3);
      expect(path.root).toBe(BigInt(behind.ledger.entry(2)!.root));
      expect(merkleRootOf(path)).toBe(path.root);
      expect(await behind.path(300)).toEqual(path); // now in one statement
      await first.sync();
      expect(first.ledger.length).toBe(3);
      expect((await first.treeInfo()).root).toBe((await second.treeInfo()).root);
    } finally {
      await first.close();
      await second.close();
    }
    const { recomputedRoot, storedRoot, ledgerRoot } = await Registrar.checkTree(dir);
    expect([storedRoot, ledgerRoot]).toEqual([recomputedRoot, recomputedRoot]);
  });

  it("revokes and re-issues, publishing a root each time", async () => {
    const registrar = await Registrar.init(freshDir(), TEST_UNLOCK);
    await registrar.enroll(enrollmentRequests(3).requests);
    const before = (await registrar.treeInfo()).root;
    await registrar.revoke(1);
    expect((await registrar.treeInfo()).root).not.toBe(before);
    await expect(registrar.path(1)).rejects.toThrow(/revoked/);
    const renewed = await registrar.reissue(2, { ...personRecord(2).attributes, expiry: "2040-01-01" });
    expect(renewed.attributes.expiry).toBe("2040-01-01");
    expect((await registrar.path(2)).leaf.toString()).toBe(renewed.leaf);
    expect(registrar.ledger.length).toBe(4);
    await registrar.close();
  });

  it.each([
    ["a bad ID check character", { nationalId: "110105199001011230" }, /check character/],
    ["an unknown region", { attributes: { ...personRecord(0).attributes, region: "990000" } }, /record 2: unknown region code/],
    ["a birth date in the future", { attributes: { ...personRecord(0).attributes, birthDate: "2999-01-01" } }, /record 2: .*(future|does not match)/],
    ["an empty name", { name: " " }, /record 2: name/],
  ])("refuses a whole batch with %s and changes nothing", async (_, change, message) => {
    const registrar = await Registrar.init(freshDir(), TEST_UNLOCK);
    const { requests } = enrollmentRequests(3);
    requests[1] = { ...requests[1], record: { ...requests[1].record, ...change } };
    await expect(registrar.enroll(requests)).rejects.toThrow(message);
    expect((await registrar.treeInfo()).size).toBe(0);
    expect(registrar.ledger.length).toBe(1);
    await registrar.close();
  });

  it("refuses a person or commitment enrolled twice, in one batch or across batches", async () => {
    const registrar = await Registrar.init(freshDir(), TEST_UNLOCK);
    const { requests } = enrollmentRequests(2);
    await registrar.enroll([requests[0]]);
    // Across batches the insert meets the unique index; the refusal then names the first person taken.
    await expect(registrar.enroll([requests[1], requests[0]])).rejects.toThrow(`record 2: nationalId ${requests[0].record.nationalId} is already enrolled`);
    await expect(registrar.enroll([requests[1], { ...requests[0], record: personRecord(7) }])).rejects.toThrow("record 2: this identity commitment is already enrolled");
    await expect(registrar.enroll([requests[1], { ...requests[1], record: personRecord(7) }])).rejects.toThrow("record 2: this identity commitment is twice in this batch");
    await expect(registrar.enroll([requests[1], { ...requests[1], commitment: 7n }])).rejects.toThrow(`record 2: nationalId ${requests[1].record.nationalId} is twice in this batch`);
    expect((await registrar.treeInfo()).size).toBe(1);
    const [second] = await registrar.enroll([requests[1]]); // a refused batch left nothing in the way
    expect(second.index).toBe(1);
    await registrar.close();
  });

  it("refuses to init twice or to open nothing", async () => {
    const dir = freshDir();
    await (await Registrar.init(dir, TEST_UNLOCK)).close();
    await expect(Registrar.init(dir, TEST_UNLOCK)).rejects.toThrow(/already exists/);
    await expect(Registrar.open(join(dir, "nope"))).rejects.toThrow(/no registrar/);
  });
});

describe("Registrar shared by processes", () => {
  it("two writers on one store, interleaving enrolments, revocations and re-issues, agree with the store after every change", async () => {
    const dir = freshDir();
    await (await Registrar.init(dir, TEST_UNLOCK)).close();
    const [a, b] = [await Registrar.open(dir, { unlock: TEST_UNLOCK }), await Registrar.open(dir, { unlock: TEST_UNLOCK })];
    const reader = await Registrar.open(dir); // without keys, as a registrar server opens it
    try {
      const agree = async () => {
        const fresh = await Registrar.open(dir);
        try {
          for (const registrar of [a, b, reader]) {
            await registrar.sync();
            expect((await registrar.treeInfo()).root).toBe((await fresh.treeInfo()).root);
            expect(registrar.ledger.head).toEqual(fresh.ledger.head);
            expect(registrar.ledger.head!.root).toBe((await registrar.treeInfo()).root.toString());
          }
        } finally {
          await fresh.close();
        }
      };
      await a.enroll(enrollmentRequests(3, 0).requests);
      await b.enroll(enrollmentRequests(2, 3).requests); // b has not seen a's enrolment: it catches up under the write lock
      await agree();
      await b.revoke(1); // a's person
      await a.reissue(3, { ...personRecord(3).attributes, expiry: "2040-01-01" }); // b's person, while a has not seen b's revocation
      await agree();
      await a.enroll(enrollmentRequests(1, 5).requests);
      await b.revoke(5);
      await agree();
      await expect(reader.revoke(0)).rejects.toThrow(/opened without its keys/);
      expect((await a.treeInfo()).size).toBe(6);
    } finally {
      for (const registrar of [a, b, reader]) await registrar.close();
    }
  });
});
