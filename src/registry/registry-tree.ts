import { FastPoseidon, hashPair, REFERENCE_HASHER, type RegistryHasher } from "../crypto/poseidon.js";
import type { PoseidonPool } from "../crypto/poseidon-pool.js";
import { RealDidError } from "../errors.js";

export const MAX_TREE_DEPTH = 32;
const PARALLEL_MIN_NODES = 256;
/** Value of an empty (never filled, or revoked) leaf. */
export const EMPTY_LEAF = 0n;

/** A leaf's authentication path: what the circuit's MerkleInclusion takes. */
export interface MerkleProof {
  readonly leaf: bigint;
  readonly index: number;
  readonly depth: number;
  /** Sibling hashes from the leaf level upwards; length `depth`. */
  readonly siblings: readonly bigint[];
  readonly root: bigint;
}

/**
 * Incremental Poseidon binary Merkle tree of fixed depth (32 by default: 4.3e9 leaves),
 * empty leaves 0, empty subtrees from precomputed zero hashes. Leaves are appended
 * (singly or in batches, bottom-up: about one hash per new node), updated or removed.
 * Only filled nodes are stored, one dense array per level.
 */
export class RegistryTree {
  private readonly levels: bigint[][];
  private readonly zeros: bigint[];

  constructor(
    readonly depth: number = MAX_TREE_DEPTH,
    private readonly hasher: Pick<RegistryHasher, "hashPair"> = REFERENCE_HASHER,
  ) {
    if (!Number.isInteger(depth) || depth < 1 || depth > MAX_TREE_DEPTH) {
      throw new RealDidError("invalid_argument", `Parameter 'depth' must be an integer from 1 to ${MAX_TREE_DEPTH}, received ${depth}`);
    }
    this.levels = Array.from({ length: depth + 1 }, () => []);
    this.zeros = [EMPTY_LEAF];
    for (let level = 0; level < depth; level++) this.zeros.push(hasher.hashPair(this.zeros[level], this.zeros[level]));
  }

  /** A tree using the fast WASM-backed Poseidon (about 3x faster to build). */
  static async create(depth: number = MAX_TREE_DEPTH): Promise<RegistryTree> {
    return new RegistryTree(depth, await FastPoseidon.create());
  }

  get capacity(): number {
    return 2 ** this.depth;
  }

  /** Number of leaf slots used so far (the next leaf's index). */
  get size(): number {
    return this.levels[0].length;
  }

  get root(): bigint {
    return this.node(this.depth, 0);
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
      this.setParents(level, lo, hi - lo < PARALLEL_MIN_NODES ? this.hashPairsHere(children) : await pool.hashMany(2, children));
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
    const siblings: bigint[] = [];
    for (let level = 0, i = index; level < this.depth; level++, i >>= 1) siblings.push(this.node(level, i ^ 1));
    return { leaf: this.levels[0][index], index, depth: this.depth, siblings, root: this.root };
  }

  private hashPairsHere(children: readonly bigint[]): bigint[] {
    const parents: bigint[] = [];
    for (let k = 0; k < children.length; k += 2) parents.push(this.hasher.hashPair(children[k], children[k + 1]));
    return parents;
  }

  private append(leaves: readonly bigint[]): number {
    const first = this.size;
    if (first + leaves.length > this.capacity) {
      throw new RealDidError("tree_full", `the tree of depth ${this.depth} holds ${this.capacity} leaves; ${first} are used, ${leaves.length} more do not fit`);
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
      this.setParents(level, lo, this.hashPairsHere(this.childrenOf(level, lo, hi)));
    }
  }

  /** For each level, the parents [lo, hi] at level + 1 that cover the changed leaves first..last. */
  private *dirtyLevels(first: number, last: number): Generator<{ level: number; lo: number; hi: number }> {
    for (let level = 0; level < this.depth; level++) {
      [first, last] = [first >> 1, last >> 1];
      yield { level, lo: first, hi: last };
    }
  }

  /** Children of parents lo..hi, flattened as [left, right, left, right, …]. */
  private childrenOf(level: number, lo: number, hi: number): bigint[] {
    const children: bigint[] = [];
    for (let i = lo; i <= hi; i++) children.push(this.node(level, 2 * i), this.node(level, 2 * i + 1));
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
  proof.siblings.forEach((sibling, level) => {
    node = Math.floor(proof.index / 2 ** level) % 2 === 0 ? hashPair(node, sibling) : hashPair(sibling, node);
  });
  return node;
}
