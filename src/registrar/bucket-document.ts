import { z } from "zod";
import { registrarDid } from "../did/did-uri.js";
import { Ed25519PublicKey, FieldDecimal } from "../formats/fields.js";
import { parseDocument } from "../formats/schema.js";
import { LEDGER_KIND, type LedgerEntry } from "../ledger/ledger-entry.js";
import { BUCKET_LEAVES, BUCKET_LEVEL, TREE_ARITY, TREE_HEIGHT } from "../registry/registry-tree.js";
import { SignedLog } from "../signed-log/signed-log.js";
import { SHARD_LEAVES, SHARD_LEVEL } from "../registry/province-shards.js";
import type { Bucket, TreeInfo } from "./registrar.js";

export const BUCKET_FORMAT = "realdid-bucket/1";
export const TREE_INFO_FORMAT = "realdid-tree/2";

/**
 * GET /v1/tree/buckets/:bucket: every leaf of a 4,096-leaf subtree and the siblings of
 * its root up to the registry root, with the signed ledger entry that published that root.
 * A citizen computes their own path from it, so the registrar learns only the bucket.
 */
export const BucketDocumentSchema = z.strictObject({
  format: z.literal(BUCKET_FORMAT),
  registrarKey: Ed25519PublicKey,
  bucket: z.number().int().min(0),
  bucketLevel: z.literal(BUCKET_LEVEL),
  leaves: z.array(FieldDecimal).max(BUCKET_LEAVES),
  above: z.array(z.array(FieldDecimal).length(TREE_ARITY - 1)).length(TREE_HEIGHT - BUCKET_LEVEL),
  root: FieldDecimal,
  /** The current ledger head (the entry that published `root`). */
  ledgerEntry: z.unknown(),
  /** Set when the request named a root that is no longer current: the answer is for the current one. */
  staleRootRequested: z.boolean(),
});
export type BucketDocument = z.infer<typeof BucketDocumentSchema>;

const decimals = (values: readonly bigint[]) => values.map(String);

export const bucketDocument = (bucket: Bucket, registrarKey: string, requestedRoot?: string): BucketDocument => ({
  format: BUCKET_FORMAT,
  registrarKey,
  bucket: bucket.bucket,
  bucketLevel: BUCKET_LEVEL,
  leaves: decimals(bucket.leaves),
  above: bucket.above.map(decimals),
  root: bucket.root.toString(),
  ledgerEntry: bucket.entry,
  staleRootRequested: requestedRoot !== undefined && requestedRoot !== bucket.root.toString(),
});

/**
 * GET /v1/tree: the tree's shape, its province shards in use (where their leaves and
 * buckets are, and each shard's subtree root: with the empty shards' roots, they hash up to
 * `root`, so a client can check a shard's root against the signed ledger entry), and the
 * current root. /2 replaced /1's single size and bucket count, which assumed one run of slots.
 */
export const treeInfoDocument = ({ size, root, shards, entry }: TreeInfo, registrarKey: string) => ({
  format: TREE_INFO_FORMAT,
  registrarKey,
  registrarDid: registrarDid(registrarKey),
  arity: TREE_ARITY,
  height: TREE_HEIGHT,
  bucketLevel: BUCKET_LEVEL,
  bucketLeaves: BUCKET_LEAVES,
  shardLevel: SHARD_LEVEL,
  shardLeaves: SHARD_LEAVES,
  size,
  shards: shards.map((shard) => ({ ...shard, root: shard.root.toString() })),
  root: root.toString(),
  ledgerEntry: entry,
});

/** Parses a bucket answer; its ledger entry must be well formed (whose signature it is, the caller checks). */
export function parseBucketDocument(value: unknown, where: string): BucketDocument & { ledgerEntry: LedgerEntry } {
  const document = parseDocument(BucketDocumentSchema, value, where, "log_malformed");
  return { ...document, ledgerEntry: SignedLog.parseEntry(LEDGER_KIND, document.ledgerEntry, `${where}: ledgerEntry`) };
}
