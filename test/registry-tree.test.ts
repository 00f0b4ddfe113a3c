import { describe, expect, it } from "vitest";
import { PoseidonPool } from "../src/crypto/poseidon-pool.js";
import { SNARK_FIELD } from "../src/crypto/field.js";
import { FastPoseidon } from "../src/crypto/fast-poseidon.js";
import { hashNode } from "../src/crypto/poseidon.js";
import { merkleRootOf, RegistryTree, TREE_ARITY, TREE_HEIGHT } from "../src/registry/registry-tree.js";
import { randomField } from "./helpers/fixtures.js";

/** The root by definition: hash every level of the full tree (small heights only). */
function referenceRoot(leaves: bigint[], height: number): bigint {
  const k = TREE_ARITY;
  let level = [...leaves, ...Array(k ** height - leaves.length).fill(0n)];
  while (level.length > 1) level = Array.from({ length: level.length / k }, (_, i) => hashNode(level.slice(k * i, k * i + k)));
  return level[0];
}

describe("RegistryTree", () => {
  it("matches the reference root after inserts, batch inserts, updates and removals", async () => {
    const tree = new RegistryTree(2, await FastPoseidon.create());
    const leaves = Array.from({ length: 23 }, () => randomField(253));
    expect(tree.root).toBe(referenceRoot([], 2));
    tree.insert(leaves[0]);
    tree.insertMany(leaves.slice(1, 9));
    tree.insertMany(leaves.slice(9));
    expect(tree.root).toBe(referenceRoot(leaves, 2));
    leaves[5] = randomField(253);
    tree.update(5, leaves[5]);
    leaves[17] = 0n;
    tree.remove(17);
    expect(tree.root).toBe(referenceRoot(leaves, 2));
  });

  it("gives proofs that recompute the root, at the full height (2^33 leaves)", async () => {
    const tree = new RegistryTree(TREE_HEIGHT, await FastPoseidon.create());
    tree.insertMany(Array.from({ length: 1000 }, () => randomField(253)));
    expect(tree.capacity).toBe(2 ** 33);
    for (const index of [0, 1, 7, 8, 511, 999]) {
      const proof = tree.proof(index);
      expect(proof.siblings).toHaveLength(TREE_HEIGHT);
      expect(proof.siblings.every((others) => others.length === TREE_ARITY - 1)).toBe(true);
      expect(merkleRootOf(proof)).toBe(tree.root);
    }
  });

  it("a batch insert equals one-by-one inserts", async () => {
    const leaves = Array.from({ length: 300 }, () => randomField(253));
    const batch = new RegistryTree(TREE_HEIGHT, await FastPoseidon.create());
    const single = new RegistryTree();
    batch.insertMany(leaves);
    leaves.forEach((leaf) => single.insert(leaf));
    expect(batch.root).toBe(single.root);
  });

  it("a batch hashed on worker threads equals the same batch hashed here", async () => {
    const pool = await PoseidonPool.create(2);
    try {
      const leaves = Array.from({ length: 3000 }, () => randomField(253));
      const here = new RegistryTree(TREE_HEIGHT, await FastPoseidon.create());
      const there = new RegistryTree(TREE_HEIGHT, await FastPoseidon.create());
      here.insertMany(leaves.slice(0, 1001));
      there.insertMany(leaves.slice(0, 1001));
      here.insertMany(leaves.slice(1001));
      await there.insertManyParallel(leaves.slice(1001), pool);
      expect(there.root).toBe(here.root);
      // An empty batch changes nothing, either way.
      expect([here.insertMany([]), await there.insertManyParallel([], pool)]).toEqual([3000, 3000]);
      expect(there.root).toBe(here.root);
      expect(there.proof(2500)).toEqual(here.proof(2500));
      // Random elements, the field's edges, and more hashes than one worker call takes at once.
      const flat = [0n, SNARK_FIELD - 1n, 1n, 2n ** 253n, ...leaves.slice(0, 2392), SNARK_FIELD - 1n, 0n, 5n, 6n];
      const hashes = await pool.hashMany(8, flat);
      expect(hashes).toHaveLength(flat.length / 8);
      hashes.forEach((hash, i) => expect(hash).toBe(hashNode(flat.slice(8 * i, 8 * i + 8))));
    } finally {
      await pool.close();
    }
  });

  it("leaves written at any slots with long levels hashed on worker threads: the same tree, up to a level or the root, as setLeaves here", async () => {
    const pool = await PoseidonPool.create(2);
    try {
      const hasher = await FastPoseidon.create();
      // Two long runs (their first levels go to the workers), one in a far shard, a short one, a single leaf.
      const FAR = 5 * 8 ** 9;
      const slots = [...Array.from({ length: 2500 }, (_, i) => 3 + i), ...Array.from({ length: 2100 }, (_, i) => FAR + 7 + i), 9000, 9001, 9002, 40_000];
      const leaves = slots.map((index) => ({ index, value: randomField(253) }));
      for (const toLevel of [TREE_HEIGHT, 9]) {
        const here = new RegistryTree(TREE_HEIGHT, hasher);
        const there = new RegistryTree(TREE_HEIGHT, hasher);
        here.setLeaves(leaves, toLevel);
        await there.setLeavesParallel([...leaves].reverse(), toLevel, pool);
        expect(there.nodesAt(toLevel, 0, 7)).toEqual(here.nodesAt(toLevel, 0, 7));
        expect(there.nodesAt(1, Math.floor(FAR / 8), Math.floor(FAR / 8) + 300)).toEqual(here.nodesAt(1, Math.floor(FAR / 8), Math.floor(FAR / 8) + 300));
      }
      const whole = new RegistryTree(TREE_HEIGHT, hasher);
      await whole.setLeavesParallel(leaves, TREE_HEIGHT, pool);
      expect(merkleRootOf(whole.proof(FAR + 1000))).toBe(whole.root);
      await expect(whole.setLeavesParallel([{ index: 8 ** 11, value: 1n }], TREE_HEIGHT, pool)).rejects.toThrow(/is not a slot of a tree/);
      await expect(whole.setLeavesParallel([{ index: 9, value: 1n }, { index: 9, value: 2n }], TREE_HEIGHT, pool)).rejects.toThrow(/leaf index 9 is written twice/);
      // Hashes under way when the pool closes fail at once, and the pool refuses more: nothing waits forever.
      const underWay = expect(pool.hashMany(8, leaves.slice(0, 2400).map(({ value }) => value))).rejects.toThrow(/the Poseidon pool is closed/);
      await pool.close();
      await underWay;
      expect(pool.closed).toBe(true);
      await expect(whole.setLeavesParallel(leaves.slice(0, 2100).map(({ index, value }) => ({ index: index + 10_000, value })), TREE_HEIGHT, pool)).rejects.toThrow(/the Poseidon pool is closed/);
    } finally {
      await pool.close();
    }
  });

  it("refuses a full tree, a bad height and a missing index", () => {
    const tree = new RegistryTree(1);
    tree.insertMany([1n, 2n, 3n, 4n, 5n, 6n, 7n]);
    expect(() => tree.insertMany([8n, 9n])).toThrow(/holds 8 leaves/);
    expect(() => tree.proof(7)).toThrow(/not in the tree/);
    expect(() => tree.update(-1, 1n)).toThrow(/not in the tree/);
    expect(() => new RegistryTree(12)).toThrow(/from 1 to 11/);
  });

  it("writes leaves at any slots (a province's shard far from the others): the same tree as one built with every slot between filled with empty leaves", () => {
    const sparse = new RegistryTree(3);
    sparse.setLeaves([{ index: 300, value: 30n }, { index: 5, value: 5n }, { index: 6, value: 6n }]);
    const dense = new RegistryTree(3);
    dense.insertMany(Array.from({ length: 301 }, (_, i) => (i === 5 ? 5n : i === 6 ? 6n : i === 300 ? 30n : 0n)));
    expect(sparse.root).toBe(dense.root);
    expect(sparse.proof(300)).toEqual(dense.proof(300));
    expect(sparse.leavesFrom(0, 8)).toEqual([0n, 0n, 0n, 0n, 0n, 5n, 6n]); // slots 0-4 are empty, slot 7 was never written
    expect(() => sparse.proof(7)).toThrow(/leaf index 7 is not in the tree \(no leaf was written there\)/);
    expect(() => sparse.setLeaves([{ index: 512, value: 1n }])).toThrow(/leaf index 512 is not a slot of a tree of 512 leaves/);
    expect(() => sparse.setLeaves([{ index: 9, value: 1n }, { index: 9, value: 2n }])).toThrow(/leaf index 9 is written twice/);
    // In memory beyond a JavaScript array's 2^32 indexes: a shard near the end of the national tree.
    const national = new RegistryTree();
    national.setLeaves([{ index: 63 * 8 ** 9 + 1, value: 7n }]);
    expect(merkleRootOf(national.proof(63 * 8 ** 9 + 1))).toBe(national.root);
  });
});
