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
 * Where a tree's nodes live: level 0 holds the leaves, level `height` the root. Only filled
 * nodes are stored; a node never written is an empty subtree. In memory for a prover's
 * or a test's tree (MemoryTreeNodes); in the registrar's store for the registry, so that
 * opening it reads a few rows, not every leaf (registrar/stored-tree.ts).
 */
export interface TreeNodes {
  /** One more than the highest leaf index written (where insertMany appends). */
  readonly size: number;
  /** The nodes at `level` with indexes first..last (inclusive); undefined for those never written. */
  read(level: number, first: number, last: number): (bigint | undefined)[];
  /** Writes `values` at `level` from index `first` on. */
  write(level: number, first: number, values: readonly bigint[]): void;
}

/** Nodes per chunk of MemoryTreeNodes: a shard's leaves start far beyond a JavaScript array's 2^32 indexes. */
const MEMORY_CHUNK = 4096;

/** Nodes in memory, per level in chunks of 4,096 that exist once a node in them is written (so a sparse tree stays small). */
export class MemoryTreeNodes implements TreeNodes {
  private readonly levels: Map<number, bigint[]>[];
  private highestLeaf = -1;

  constructor(height: number) {
    this.levels = Array.from({ length: height + 1 }, () => new Map());
  }

  get size(): number {
    return this.highestLeaf + 1;
  }

  read(level: number, first: number, last: number): (bigint | undefined)[] {
    const chunks = this.levels[level];
    return Array.from({ length: last - first + 1 }, (_, k) => chunks.get(Math.floor((first + k) / MEMORY_CHUNK))?.[(first + k) % MEMORY_CHUNK]);
  }

  write(level: number, first: number, values: readonly bigint[]): void {
    const chunks = this.levels[level];
    values.forEach((value, k) => {
      const chunk = Math.floor((first + k) / MEMORY_CHUNK);
      let nodes = chunks.get(chunk);
      if (nodes === undefined) chunks.set(chunk, (nodes = []));
      nodes[(first + k) % MEMORY_CHUNK] = value;
    });
    if (level === 0 && values.length > 0) this.highestLeaf = Math.max(this.highestLeaf, first + values.length - 1);
  }

  /** Every stored node as [level, index, value]. */
  *filledNodes(): Generator<[number, number, bigint]> {
    for (const [level, chunks] of this.levels.entries()) {
      for (const [chunk, nodes] of chunks) for (const [k, value] of nodes.entries()) if (value !== undefined) yield [level, chunk * MEMORY_CHUNK + k, value];
    }
  }
}

/** A level's nodes first..first + values.length - 1, just computed (so not read back from the node storage). */
interface KnownRange {
  readonly first: number;
  readonly values: readonly bigint[];
}

/**
 * Incremental Poseidon Merkle tree with eight children per node (Poseidon(8)), of fixed
 * height (11 by default: 2^33 = 8.6e9 leaves, twice a binary tree of depth 32's capacity),
 * empty leaves 0, empty subtrees from precomputed zero hashes. Eight-way nodes cut the
 * circuit's Merkle part to 11 levels and cost a seventh of a hash per leaf to build (29 µs
 * per leaf against 36 µs for four-way nodes and 50 µs for binary ones). Leaves are appended
 * (singly or in batches, bottom-up: about one hash per new node), updated or removed; a
 * change reads from the node storage only the untouched neighbours of what it recomputes.
 * Node's bulk builders pass a FastPoseidon (crypto/fast-poseidon.ts, about 3x faster) as the hasher.
 */
export class RegistryTree {
  private readonly zeros: bigint[];

  constructor(
    readonly height: number = TREE_HEIGHT,
    private readonly hasher: Pick<RegistryHasher, "hashNode"> = REFERENCE_HASHER,
    private readonly nodes: TreeNodes = new MemoryTreeNodes(height),
  ) {
    if (!Number.isInteger(height) || height < 1 || height > TREE_HEIGHT) {
      throw new RealDidError("invalid_argument", `Parameter 'height' must be an integer from 1 to ${TREE_HEIGHT}, received ${height}`);
    }
    this.zeros = RegistryTree.zerosOf(hasher).slice(0, height + 1);
  }

  /** Empty subtree hashes per level, computed once per hasher: a registrar builds a tree over stored nodes for every operation. */
  private static readonly zerosByHasher = new WeakMap<object, bigint[]>();

  private static zerosOf(hasher: Pick<RegistryHasher, "hashNode">): bigint[] {
    let zeros = RegistryTree.zerosByHasher.get(hasher);
    if (zeros === undefined) {
      zeros = [EMPTY_LEAF];
      for (let level = 0; level < TREE_HEIGHT; level++) zeros.push(hasher.hashNode(Array(TREE_ARITY).fill(zeros[level])));
      RegistryTree.zerosByHasher.set(hasher, zeros);
    }
    return zeros;
  }

  get capacity(): number {
    return TREE_ARITY ** this.height;
  }

  /** One more than the highest leaf index written: the next appended leaf's index. */
  get size(): number {
    return this.nodes.size;
  }

  get root(): bigint {
    return this.range(this.height, 0, 0)[0];
  }

  leaf(index: number): bigint {
    this.checkIndex(index);
    return this.range(0, index, index)[0];
  }

  /** Appends one leaf and returns its index. */
  insert(leaf: bigint): number {
    return this.insertMany([leaf]);
  }

  /** Appends leaves and returns the index of the first; rehashes each touched node once. */
  insertMany(leaves: readonly bigint[]): number {
    if (leaves.length === 0) return this.size;
    const first = this.append(leaves);
    this.rehash({ first, values: leaves });
    return first;
  }

  /**
   * insertMany with each level's hashes spread over a PoseidonPool's worker threads, for
   * large batches. The tree must not be changed by anything else until it resolves.
   */
  async insertManyParallel(leaves: readonly bigint[], pool: PoseidonPool): Promise<number> {
    if (leaves.length === 0) return this.size;
    const first = this.append(leaves);
    await this.rehashParallel({ first, values: leaves }, this.height, pool);
    return first;
  }

  /**
   * Writes leaves at any indexes (new slots anywhere in the tree, or slots in use), each run
   * of consecutive indexes rehashed bottom-up like an append: a registry fills each
   * province's shard in order (see province-shards.ts). With `toLevel`, the ancestors are
   * recomputed only up to that level (a shard's root: rehashAbove finishes the climb).
   */
  setLeaves(leaves: readonly { index: number; value: bigint }[], toLevel: number = this.height): void {
    for (const run of this.writeRuns(leaves)) this.rehash(run, 0, toLevel);
  }

  /** setLeaves with the hashes of long levels spread over a PoseidonPool's workers (see insertManyParallel). */
  async setLeavesParallel(leaves: readonly { index: number; value: bigint }[], toLevel: number, pool: PoseidonPool): Promise<void> {
    for (const run of this.writeRuns(leaves)) await this.rehashParallel(run, toLevel, pool);
  }

  /** Checks the slots, writes the leaves, and returns them as runs of consecutive indexes. */
  private writeRuns(leaves: readonly { index: number; value: bigint }[]): KnownRange[] {
    const sorted = [...leaves].sort((a, b) => a.index - b.index);
    sorted.forEach(({ index }, k) => {
      if (!Number.isSafeInteger(index) || index < 0 || index >= this.capacity) throw new RealDidError("leaf_index_out_of_range", `leaf index ${index} is not a slot of a tree of ${this.capacity} leaves`);
      if (k > 0 && index === sorted[k - 1].index) throw new RealDidError("invalid_argument", `leaf index ${index} is written twice`);
    });
    const runs: KnownRange[] = [];
    for (let k = 0; k < sorted.length; ) {
      const first = sorted[k].index;
      const values: bigint[] = [];
      for (; k < sorted.length && sorted[k].index === first + values.length; k++) values.push(sorted[k].value);
      this.nodes.write(0, first, values);
      runs.push({ first, values });
    }
    return runs;
  }

  /** Recomputes the ancestors of nodes at `level` (already written) up to the root. */
  rehashAbove(level: number, indexes: readonly number[]): void {
    for (const index of [...new Set(indexes)].sort((a, b) => a - b)) this.rehash({ first: index, values: this.range(level, index, index) }, level, this.height);
  }

  /** Replaces a leaf (re-issue with new attributes). */
  update(index: number, leaf: bigint): void {
    this.checkIndex(index);
    this.nodes.write(0, index, [leaf]);
    this.rehash({ first: index, values: [leaf] });
  }

  /** Empties a leaf (revocation): its old proofs stop matching the new root. */
  remove(index: number): void {
    this.update(index, EMPTY_LEAF);
  }

  proof(index: number): MerkleProof {
    this.checkIndex(index);
    return { leaf: this.leaf(index), index, siblings: this.siblingsAbove(0, index), root: this.root };
  }

  /** Per level from `level` upwards, the other seven children of the parent of node `index` at `level`. */
  siblingsAbove(level: number, index: number): bigint[][] {
    const siblings: bigint[][] = [];
    for (let i = index; level < this.height; level++, i = Math.floor(i / TREE_ARITY)) {
      const first = i - (i % TREE_ARITY);
      const group = this.range(level, first, first + TREE_ARITY - 1);
      siblings.push(group.filter((_, k) => first + k !== i));
    }
    return siblings;
  }

  /** Nodes first..last of a level (empty subtrees as their hash): at the shard level, the provinces' subtree roots. */
  nodesAt(level: number, first: number, last: number): bigint[] {
    return this.range(level, first, last);
  }

  /** The leaves in slots first..first + count - 1, up to the last one ever written (a revoked leaf is written, as empty). */
  leavesFrom(first: number, count: number): bigint[] {
    const leaves = this.nodes.read(0, first, first + count - 1);
    while (leaves.length > 0 && leaves[leaves.length - 1] === undefined) leaves.pop();
    return leaves.map((leaf) => leaf ?? EMPTY_LEAF);
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
    this.nodes.write(0, first, leaves);
    return first;
  }

  /** Nodes first..last of a level, empty subtrees filled in. */
  private range(level: number, first: number, last: number): bigint[] {
    return this.nodes.read(level, first, last).map((node) => node ?? this.zeros[level]);
  }

  /** Recomputes, level by level up to `toLevel`, the ancestors of a run of nodes at `fromLevel` just written. */
  private rehash(written: KnownRange, fromLevel = 0, toLevel = this.height): void {
    let known = written;
    for (let level = fromLevel; level < toLevel; level++) {
      const { lo, children } = this.childrenOfParents(level, known);
      known = this.setParents(level, lo, this.hashNodesHere(children));
    }
  }

  /** rehash from the leaves, each level of at least PARALLEL_MIN_NODES parents hashed on the workers. */
  private async rehashParallel(written: KnownRange, toLevel: number, pool: PoseidonPool): Promise<void> {
    let known = written;
    for (let level = 0; level < toLevel; level++) {
      const { lo, children } = this.childrenOfParents(level, known);
      // Short levels (near the root) cost less here than a round trip to the workers.
      known = this.setParents(level, lo, children.length / TREE_ARITY < PARALLEL_MIN_NODES ? this.hashNodesHere(children) : await pool.hashMany(TREE_ARITY, children));
    }
  }

  /**
   * The parents at level + 1 of a run of nodes just computed at `level`, and all their
   * children, flattened: the run itself and at most seven neighbours each side, read.
   */
  private childrenOfParents(level: number, known: KnownRange): { lo: number; children: bigint[] } {
    const last = known.first + known.values.length - 1;
    const lo = Math.floor(known.first / TREE_ARITY);
    const hi = Math.floor(last / TREE_ARITY);
    const before = known.first > lo * TREE_ARITY ? this.range(level, lo * TREE_ARITY, known.first - 1) : [];
    const after = last < (hi + 1) * TREE_ARITY - 1 ? this.range(level, last + 1, (hi + 1) * TREE_ARITY - 1) : [];
    return { lo, children: [...before, ...known.values, ...after] };
  }

  private setParents(level: number, lo: number, parents: readonly bigint[]): KnownRange {
    this.nodes.write(level + 1, lo, parents);
    return { first: lo, values: parents };
  }

  /** A leaf index must be a slot some leaf was written to (a revoked leaf was: as empty). */
  private checkIndex(index: number): void {
    if (!Number.isSafeInteger(index) || index < 0 || index >= this.capacity || this.nodes.read(0, index, index)[0] === undefined) {
      throw new RealDidError("leaf_index_out_of_range", `leaf index ${index} is not in the tree (no leaf was written there)`);
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
