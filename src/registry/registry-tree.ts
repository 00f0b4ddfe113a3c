import { hashNode, REFERENCE_HASHER, type RegistryHasher } from "../crypto/poseidon.js";
import type { PoseidonPool } from "../crypto/poseidon-pool.js";
import { RealDidError } from "../errors.js";

/** Children per node. */
export const TREE_ARITY = 8;
/** Levels of the registry tree (the circuit's HEIGHT): 8^11 = 2^33 leaves. */
export const TREE_HEIGHT = 11;
const PARALLEL_MIN_NODES = 256;
/**
 * Path refresh hands out whole subtrees ("buckets") of this height: 8^4 = 4,096 leaves, so
 * the registrar learns which group of 4,096 people asked, not which person.
 */
export const BUCKET_LEVEL = 4;
export const BUCKET_LEAVES = TREE_ARITY ** BUCKET_LEVEL;
/** Value of an empty (never filled, or revoked) leaf. */
export const EMPTY_LEAF = 0n;

/** A leaf's authentication path: what the circuit's MerkleInclusion takes. */
export interface MerkleProof {
  readonly leaf: bigint;
  readonly index: number;
  /** Per level from the leaf upwards, the other seven children of the path node's parent, left to right. */
  readonly siblings: readonly (readonly bigint[])[];
  readonly root: bigint;
}

/**
 * Incremental Poseidon Merkle tree with eight children per node (Poseidon(8)), of fixed
 * height (11 by default: 2^33 = 8.6e9 leaves, twice a binary tree of depth 32's capacity),
 * empty leaves 0, empty subtrees from precomputed zero hashes. Eight-way nodes cut the
 * circuit's Merkle part to 11 levels and cost a seventh of a hash per leaf to build (29 µs
 * per leaf against 36 µs for four-way nodes and 50 µs for binary ones). Leaves are appended
 * (singly or in batches, bottom-up: about one hash per new node), updated or removed. Only
 * filled nodes are stored, one dense array per level. Node's bulk builders pass a
 * FastPoseidon (crypto/fast-poseidon.ts, about 3x faster) as the hasher.
 */
export class RegistryTree {
  private readonly levels: bigint[][];
  private readonly zeros: bigint[];

  constructor(
    readonly height: number = TREE_HEIGHT,
    private readonly hasher: Pick<RegistryHasher, "hashNode"> = REFERENCE_HASHER,
  ) {
    if (!Number.isInteger(height) || height < 1 || height > TREE_HEIGHT) {
      throw new RealDidError("invalid_argument", `Parameter 'height' must be an integer from 1 to ${TREE_HEIGHT}, received ${height}`);
    }
    this.levels = Array.from({ length: height + 1 }, () => []);
    this.zeros = [EMPTY_LEAF];
    for (let level = 0; level < height; level++) this.zeros.push(hasher.hashNode(Array(TREE_ARITY).fill(this.zeros[level])));
  }

  get capacity(): number {
    return TREE_ARITY ** this.height;
  }

  /** Number of leaf slots used so far (the next leaf's index). */
  get size(): number {
    return this.levels[0].length;
  }

  get root(): bigint {
    return this.node(this.height, 0);
  }

  leaf(index: number): bigint {
    this.checkIndex(index);
    return this.levels[0][index];
  }

  /** Appends one leaf and returns its index. */
  insert(leaf: bigint): number {
    return this.insertMany([leaf]);
  }

  /** Appends leaves and returns the index of the first; rehashes each touched node once. */
  insertMany(leaves: readonly bigint[]): number {
    const first = this.append(leaves);
    this.rehash(first, this.size - 1);
    return first;
  }

  /**
   * insertMany with each level's hashes spread over a PoseidonPool's worker threads, for
   * large batches. The tree must not be changed by anything else until it resolves.
   */
  async insertManyParallel(leaves: readonly bigint[], pool: PoseidonPool): Promise<number> {
    const first = this.append(leaves);
    for (const { level, lo, hi } of this.dirtyLevels(first, this.size - 1)) {
      const children = this.childrenOf(level, lo, hi);
      // Short levels (near the root) cost less here than a round trip to the workers.
      this.setParents(level, lo, hi - lo < PARALLEL_MIN_NODES ? this.hashNodesHere(children) : await pool.hashMany(TREE_ARITY, children));
    }
    return first;
  }

  /** Replaces a leaf (re-issue with new attributes). */
  update(index: number, leaf: bigint): void {
    this.checkIndex(index);
    this.levels[0][index] = leaf;
    this.rehash(index, index);
  }

  /** Empties a leaf (revocation): its old proofs stop matching the new root. */
  remove(index: number): void {
    this.update(index, EMPTY_LEAF);
  }

  proof(index: number): MerkleProof {
    this.checkIndex(index);
    return { leaf: this.levels[0][index], index, siblings: this.siblingsAbove(0, index), root: this.root };
  }

  /** Per level from `level` upwards, the other seven children of the parent of node `index` at `level`. */
  siblingsAbove(level: number, index: number): bigint[][] {
    const siblings: bigint[][] = [];
    for (let i = index; level < this.height; level++, i = Math.floor(i / TREE_ARITY)) {
      const first = i - (i % TREE_ARITY);
      const others: bigint[] = [];
      for (let child = first; child < first + TREE_ARITY; child++) if (child !== i) others.push(this.node(level, child));
      siblings.push(others);
    }
    return siblings;
  }

  /** The filled leaves from `first` on, at most `count` of them (slots past the size are empty). */
  leavesFrom(first: number, count: number): bigint[] {
    return this.levels[0].slice(first, first + count);
  }

  private hashNodesHere(children: readonly bigint[]): bigint[] {
    const parents: bigint[] = [];
    for (let k = 0; k < children.length; k += TREE_ARITY) parents.push(this.hasher.hashNode(children.slice(k, k + TREE_ARITY)));
    return parents;
  }

  private append(leaves: readonly bigint[]): number {
    const first = this.size;
    if (first + leaves.length > this.capacity) {
      throw new RealDidError("tree_full", `the tree of height ${this.height} holds ${this.capacity} leaves; ${first} are used, ${leaves.length} more do not fit`);
    }
    for (const leaf of leaves) this.levels[0].push(leaf);
    return first;
  }

  private node(level: number, index: number): bigint {
    return this.levels[level][index] ?? this.zeros[level];
  }

  /** Recomputes the ancestors of leaves first..last, level by level. */
  private rehash(first: number, last: number): void {
    for (const { level, lo, hi } of this.dirtyLevels(first, last)) {
      this.setParents(level, lo, this.hashNodesHere(this.childrenOf(level, lo, hi)));
    }
  }

  /** For each level, the parents [lo, hi] at level + 1 that cover the changed leaves first..last. */
  private *dirtyLevels(first: number, last: number): Generator<{ level: number; lo: number; hi: number }> {
    for (let level = 0; level < this.height; level++) {
      [first, last] = [Math.floor(first / TREE_ARITY), Math.floor(last / TREE_ARITY)];
      yield { level, lo: first, hi: last };
    }
  }

  /** Children of parents lo..hi, flattened: four per parent, left to right. */
  private childrenOf(level: number, lo: number, hi: number): bigint[] {
    const children: bigint[] = [];
    for (let child = lo * TREE_ARITY; child < (hi + 1) * TREE_ARITY; child++) children.push(this.node(level, child));
    return children;
  }

  private setParents(level: number, lo: number, parents: readonly bigint[]): void {
    parents.forEach((hash, k) => (this.levels[level + 1][lo + k] = hash));
  }

  private checkIndex(index: number): void {
    if (!Number.isInteger(index) || index < 0 || index >= this.size) {
      throw new RealDidError("leaf_index_out_of_range", `leaf index ${index} is not in the tree (size ${this.size})`);
    }
  }
}

/** Recomputes the root from a proof with the reference Poseidon. */
export function merkleRootOf(proof: Pick<MerkleProof, "leaf" | "index" | "siblings">): bigint {
  let node = proof.leaf;
  proof.siblings.forEach((others, level) => {
    const position = Math.floor(proof.index / TREE_ARITY ** level) % TREE_ARITY;
    node = hashNode([...others.slice(0, position), node, ...others.slice(position)]);
  });
  return node;
}
