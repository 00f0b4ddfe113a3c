import { FIELD_BYTES, readFieldElement, writeFieldElement } from "../crypto/field.js";
import { BUCKET_LEAVES, type MemoryTreeNodes, TREE_ARITY, type TreeNodes } from "../registry/registry-tree.js";
import { SHARD_LEAVES, SHARD_SLOTS, ShardSizes } from "../registry/province-shards.js";
import type { SqlTransaction, SqlValue } from "./registrar-database.js";

/** A node as stored: a 32-byte little-endian field element. */
export const nodeBlob = (value: bigint): Buffer => {
  const blob = Buffer.alloc(FIELD_BYTES);
  writeFieldElement(new DataView(blob.buffer, blob.byteOffset, FIELD_BYTES), 0, value);
  return blob;
};
const nodeOfBlob = (blob: Uint8Array): bigint => readFieldElement(new DataView(blob.buffer, blob.byteOffset, FIELD_BYTES), 0);

/** Ranges read by one statement (SQLite allows 500 terms in a compound SELECT): a path or an enrollment needs one, a batch of scattered revocations several. */
const RANGES_PER_QUERY = 100;

/** A stored node as read: columns level, idx and hash of tree_nodes. */
export interface StoredNodeRow {
  level: number;
  idx: number;
  hash: Uint8Array;
}

/** One statement reading the stored nodes of up to RANGES_PER_QUERY ranges (as StoredNodeRows). */
export function nodesStatement(ranges: readonly NodeRange[]): { sql: string; params: number[] } {
  if (ranges.length > RANGES_PER_QUERY) throw new Error(`at most ${RANGES_PER_QUERY} node ranges are read by one statement`);
  return {
    sql: ranges.map(() => "SELECT level, idx, hash FROM tree_nodes WHERE level = ? AND idx BETWEEN ? AND ?").join(" UNION ALL "),
    params: ranges.flatMap(({ level, first, last }) => [level, first, last]),
  };
}

/** Nodes first..last (inclusive) of one level. */
export interface NodeRange {
  readonly level: number;
  readonly first: number;
  readonly last: number;
}

/**
 * What a tree operation on these leaves reads: per level, the eight-node groups along each
 * leaf's path (a change recomputes each path node from its group), and the root. Adjacent
 * groups merge, so a run of appended leaves is one range per level.
 */
export function rangesAlongPaths(height: number, leafIndexes: readonly number[]): NodeRange[] {
  const ranges: NodeRange[] = [{ level: height, first: 0, last: 0 }];
  const sorted = [...new Set(leafIndexes)].sort((a, b) => a - b);
  for (let level = 0; level < height; level++) {
    let open: { first: number; last: number } | undefined;
    for (const index of sorted) {
      const first = Math.floor(index / TREE_ARITY ** (level + 1)) * TREE_ARITY;
      if (open && first <= open.last + 1) open.last = Math.max(open.last, first + TREE_ARITY - 1);
      else {
        if (open) ranges.push({ level, ...open });
        open = { first, last: first + TREE_ARITY - 1 };
      }
    }
    if (open) ranges.push({ level, ...open });
  }
  return ranges;
}

/** What a bucket reads: its 4,096 leaves and the groups along its path above them. */
export function bucketRanges(height: number, bucket: number): NodeRange[] {
  const first = bucket * BUCKET_LEAVES;
  return [{ level: 0, first, last: first + BUCKET_LEAVES - 1 }, ...rangesAlongPaths(height, [first])];
}

/** One more than the highest leaf slot stored (where an append would go; a shard's size is in storedShardSizes). */
export async function storedTreeSize(tx: SqlTransaction): Promise<number> {
  const row = await tx.get<{ highest: number | null }>("SELECT max(idx) AS highest FROM tree_nodes WHERE level = 0");
  return row?.highest == null ? 0 : row.highest + 1;
}

/** Each shard's highest leaf slot, in one statement of SHARD_SLOTS index lookups (a scan of the leaves would read millions of rows). */
const SHARD_HIGHEST = `SELECT ${Array.from({ length: SHARD_SLOTS }, (_, slot) => `(SELECT idx FROM tree_nodes WHERE level = 0 AND idx BETWEEN ? AND ? ORDER BY idx DESC LIMIT 1) AS s${slot}`).join(", ")}`;

/** Leaf slots in use per province shard. */
export async function storedShardSizes(tx: SqlTransaction): Promise<ShardSizes> {
  const bounds = Array.from({ length: SHARD_SLOTS }, (_, slot) => [slot * SHARD_LEAVES, (slot + 1) * SHARD_LEAVES - 1]).flat();
  const row = (await tx.get<Record<string, number | null>>(SHARD_HIGHEST, bounds))!;
  return new ShardSizes(Array.from({ length: SHARD_SLOTS }, (_, slot) => (row[`s${slot}`] == null ? 0 : row[`s${slot}`]! - slot * SHARD_LEAVES + 1)));
}

/**
 * A RegistryTree's nodes read from the store's `tree_nodes` for one operation: the ranges it
 * will read are planned from its leaf indexes (rangesAlongPaths) and fetched in one query,
 * the tree computes in memory, and the nodes it wrote go back in one batch (flush), inside
 * the same transaction. A read outside the plan is a bug and throws, so a plan cannot
 * silently miss a node (which would then count as an empty subtree).
 */
export class StoredTreeNodes implements TreeNodes {
  private readonly levels = new Map<number, Map<number, bigint | undefined>>();
  private readonly written = new Map<number, Map<number, bigint>>();

  private constructor(private leafSlots: number | undefined) {}

  /** `size` (storedTreeSize) only for a tree that appends; a registrar fills shards by slot (setLeaves) and never asks. */
  static async load(tx: SqlTransaction, ranges: readonly NodeRange[], size?: number): Promise<StoredTreeNodes> {
    const rows: StoredNodeRow[] = [];
    for (let k = 0; k < ranges.length; k += RANGES_PER_QUERY) {
      const { sql, params } = nodesStatement(ranges.slice(k, k + RANGES_PER_QUERY));
      for (const row of await tx.all<StoredNodeRow>(sql, params)) rows.push(row); // not push(...): a range of a big batch's leaves is too many arguments
    }
    return StoredTreeNodes.of(ranges, rows, size);
  }

  /** The nodes `ranges` covers from rows read by nodesStatement (each node not among them is empty). */
  static of(ranges: readonly NodeRange[], rows: readonly StoredNodeRow[], size?: number): StoredTreeNodes {
    const nodes = new StoredTreeNodes(size);
    for (const { level, first, last } of ranges) {
      const known = nodes.level(nodes.levels, level);
      for (let idx = first; idx <= last; idx++) known.set(idx, undefined);
    }
    for (const { level, idx, hash } of rows) nodes.levels.get(level)!.set(idx, nodeOfBlob(hash));
    return nodes;
  }

  get size(): number {
    if (this.leafSlots === undefined) throw new Error("this stored tree was read without its size (a shard's size is in storedShardSizes)");
    return this.leafSlots;
  }

  read(level: number, first: number, last: number): (bigint | undefined)[] {
    const known = this.levels.get(level);
    return Array.from({ length: last - first + 1 }, (_, k) => {
      if (!known?.has(first + k)) throw new Error(`tree node ${level}/${first + k} was not among the nodes read for this operation`);
      return known.get(first + k);
    });
  }

  write(level: number, first: number, values: readonly bigint[]): void {
    const known = this.level(this.levels, level);
    const written = this.level(this.written, level);
    values.forEach((value, k) => {
      known.set(first + k, value);
      written.set(first + k, value);
    });
    if (level === 0 && this.leafSlots !== undefined) this.leafSlots = Math.max(this.leafSlots, first + values.length);
  }

  /** Writes the nodes the operation changed. */
  async flush(tx: SqlTransaction): Promise<void> {
    const rows: SqlValue[][] = [];
    for (const [level, nodes] of this.written) for (const [idx, value] of nodes) rows.push([level, idx, nodeBlob(value)]);
    await tx.insertRows("tree_nodes", ["level", "idx", "hash"], rows, "ON CONFLICT (level, idx) DO UPDATE SET hash = excluded.hash");
    this.written.clear();
  }

  private level<V>(levels: Map<number, Map<number, V>>, level: number): Map<number, V> {
    let nodes = levels.get(level);
    if (nodes === undefined) levels.set(level, (nodes = new Map()));
    return nodes;
  }
}

/** Every node of a tree built in memory, as tree_nodes rows (a store's first open after an upgrade). */
export function nodeRowsOf(memory: MemoryTreeNodes): [number, number, Buffer][] {
  return Array.from(memory.filledNodes(), ([level, idx, value]): [number, number, Buffer] => [level, idx, nodeBlob(value)]);
}
