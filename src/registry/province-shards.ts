import { PROVINCE_CODES } from "../attributes/attributes.js";
import { RealDidError } from "../errors.js";
import { BUCKET_LEAVES, TREE_ARITY, TREE_HEIGHT } from "./registry-tree.js";

/**
 * Shards by province inside the one national tree: below the root, levels 10 and 9 have
 * 64 subtrees ("shards") of 8^9 = 134,217,728 leaves each, and a province's people,
 * enterprises and mandates fill its own shard's slots in order. A leaf's index is
 * `slot × SHARD_LEAVES + k`. The circuit and the verifier are unchanged (a proof names the
 * national root, the province stays hidden); what sharding buys is room per province and
 * changes in different provinces that touch different subtrees. See docs/national-scale.md.
 */
export const SHARD_LEVEL = 9;
export const SHARD_LEAVES = TREE_ARITY ** SHARD_LEVEL;
export const SHARD_SLOTS = TREE_ARITY ** (TREE_HEIGHT - SHARD_LEVEL);
/** Buckets (see BUCKET_LEAVES) per shard: a bucket lies in one shard. */
export const SHARD_BUCKETS = SHARD_LEAVES / BUCKET_LEAVES;

/** The shard slot of a province (the first two digits of a region code), by its place in PROVINCE_CODES. */
export function shardOfRegion(region: string): number {
  const slot = (PROVINCE_CODES as readonly string[]).indexOf(region.slice(0, 2));
  if (slot < 0) throw new RealDidError("invalid_attribute", `unknown region code ${region}: no province ${region.slice(0, 2)}`);
  return slot;
}

/** The province of a shard slot, or null for a spare slot. */
export function provinceOfShard(slot: number): string | null {
  return PROVINCE_CODES[slot] ?? null;
}

/** The shard a leaf index lies in. */
export function shardOfLeaf(index: number): number {
  return Math.floor(index / SHARD_LEAVES);
}

/** The shard a bucket lies in. */
export function shardOfBucket(bucket: number): number {
  return Math.floor(bucket / SHARD_BUCKETS);
}

/**
 * Leaf slots in use per shard (a shard's slots are filled in order, so its size is one more
 * than its highest leaf's offset), and new ones handed out during a change.
 */
export class ShardSizes {
  private readonly sizes: number[];

  constructor(sizes: readonly number[]) {
    if (sizes.length !== SHARD_SLOTS) throw new Error(`a tree has ${SHARD_SLOTS} shard sizes, received ${sizes.length}`);
    this.sizes = [...sizes];
  }

  /** Leaf slots in use in the whole tree (a ledger entry's tree size). */
  get total(): number {
    return this.sizes.reduce((sum, size) => sum + size, 0);
  }

  size(slot: number): number {
    return this.sizes[slot];
  }

  /** The first of `count` new consecutive leaf slots in the shard of `region`, refused when it has no room for them. */
  reserve(region: string, count: number): number {
    const slot = shardOfRegion(region);
    const used = this.sizes[slot];
    if (used + count > SHARD_LEAVES) {
      throw new RealDidError("tree_full", `province ${provinceOfShard(slot)}'s shard of the registry holds ${SHARD_LEAVES} leaves; ${used} are in use, ${count} more do not fit`);
    }
    this.sizes[slot] = used + count;
    return slot * SHARD_LEAVES + used;
  }

  /** Whether `bucket` holds a leaf slot in use (buckets past a shard's last leaf do not exist yet). */
  hasBucket(bucket: number): boolean {
    const slot = shardOfBucket(bucket);
    return Number.isSafeInteger(bucket) && bucket >= 0 && slot < SHARD_SLOTS && (bucket - slot * SHARD_BUCKETS) * BUCKET_LEAVES < this.sizes[slot];
  }

  /** The shards in use, with their first leaf, size and buckets (realdid-tree/2's `shards`). */
  inUse(): { slot: number; province: string | null; firstLeaf: number; size: number; firstBucket: number; buckets: number }[] {
    return this.sizes.flatMap((size, slot) =>
      size === 0 ? [] : [{ slot, province: provinceOfShard(slot), firstLeaf: slot * SHARD_LEAVES, size, firstBucket: slot * SHARD_BUCKETS, buckets: Math.ceil(size / BUCKET_LEAVES) }],
    );
  }
}
