import { describe, expect, it } from "vitest";
import { PoseidonPool } from "../src/crypto/poseidon-pool.js";
import { hashNode } from "../src/crypto/poseidon.js";
import { merkleRootOf, RegistryTree, TREE_HEIGHT } from "../src/registry/registry-tree.js";
import { randomField } from "./helpers/fixtures.js";

/** The root by definition: hash every level of the full four-way tree (small heights only). */
function referenceRoot(leaves: bigint[], height: number): bigint {
  let level = [...leaves, ...Array(4 ** height - leaves.length).fill(0n)];
  while (level.length > 1) level = Array.from({ length: level.length / 4 }, (_, i) => hashNode(level.slice(4 * i, 4 * i + 4)));
  return level[0];
}

describe("RegistryTree", () => {
  it("matches the reference root after inserts, batch inserts, updates and removals", async () => {
    const tree = await RegistryTree.create(3);
    const leaves = Array.from({ length: 23 }, () => randomField(253));
    expect(tree.root).toBe(referenceRoot([], 3));
    tree.insert(leaves[0]);
    tree.insertMany(leaves.slice(1, 9));
    tree.insertMany(leaves.slice(9));
    expect(tree.root).toBe(referenceRoot(leaves, 3));
    leaves[5] = randomField(253);
    tree.update(5, leaves[5]);
    leaves[17] = 0n;
    tree.remove(17);
    expect(tree.root).toBe(referenceRoot(leaves, 3));
  });

  it("gives proofs that recompute the root, at the full height (2^32 leaves)", async () => {
    const tree = await RegistryTree.create();
    tree.insertMany(Array.from({ length: 1000 }, () => randomField(253)));
    expect(tree.capacity).toBe(2 ** 32);
    for (const index of [0, 1, 2, 3, 511, 999]) {
      const proof = tree.proof(index);
      expect(proof.siblings).toHaveLength(TREE_HEIGHT);
      expect(proof.siblings.every((others) => others.length === 3)).toBe(true);
      expect(merkleRootOf(proof)).toBe(tree.root);
    }
  });

  it("a batch insert equals one-by-one inserts", async () => {
    const leaves = Array.from({ length: 300 }, () => randomField(253));
    const batch = await RegistryTree.create();
    const single = new RegistryTree();
    batch.insertMany(leaves);
    leaves.forEach((leaf) => single.insert(leaf));
    expect(batch.root).toBe(single.root);
  });

  it("a batch hashed on worker threads equals the same batch hashed here", async () => {
    const pool = await PoseidonPool.create(2);
    try {
      const leaves = Array.from({ length: 3000 }, () => randomField(253));
      const here = await RegistryTree.create();
      const there = await RegistryTree.create();
      here.insertMany(leaves.slice(0, 1001));
      there.insertMany(leaves.slice(0, 1001));
      here.insertMany(leaves.slice(1001));
      await there.insertManyParallel(leaves.slice(1001), pool);
      expect(there.root).toBe(here.root);
      expect(there.proof(2500)).toEqual(here.proof(2500));
      const flat = leaves.slice(0, 600);
      const hashes = await pool.hashMany(4, flat);
      hashes.forEach((hash, i) => expect(hash).toBe(hashNode(flat.slice(4 * i, 4 * i + 4))));
    } finally {
      await pool.close();
    }
  });

  it("refuses a full tree, a bad height and a missing index", () => {
    const tree = new RegistryTree(1);
    tree.insertMany([1n, 2n, 3n]);
    expect(() => tree.insertMany([4n, 5n])).toThrow(/holds 4 leaves/);
    expect(() => tree.proof(3)).toThrow(/not in the tree/);
    expect(() => tree.update(-1, 1n)).toThrow(/not in the tree/);
    expect(() => new RegistryTree(17)).toThrow(/from 1 to 16/);
  });
});
