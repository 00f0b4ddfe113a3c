import { RealDidError } from "../errors.js";
import { expectOk, requestJson } from "../http-client.js";
import { LEDGER_KIND, type LedgerEntry } from "../ledger/ledger-entry.js";
import { BUCKET_LEAVES, BUCKET_LEVEL, EMPTY_LEAF, type MerkleProof, merkleRootOf, RegistryTree } from "../registry/registry-tree.js";
import { SignedLog } from "../signed-log/signed-log.js";
import { parseBucketDocument } from "./bucket-document.js";
import type { Bucket } from "./registrar.js";

/** What a citizen knows of their credential: where the leaf is, what it is, who issued it. */
export interface CredentialRef {
  readonly index: number;
  readonly leaf: bigint;
  readonly registrarKey: string;
}

/**
 * A fresh Merkle path from the registrar's server, fetched by bucket: the registrar serves
 * the whole subtree of 4,096 leaves that holds the credential and the path above it, and
 * the path is computed here, so the registrar does not learn which leaf is proving. The
 * root must be the one in the registrar's signed ledger head (the credential names the
 * registrar's key). A revoked or re-issued credential is named as such.
 */
export async function refreshPath(registrarUrl: string, credential: CredentialRef): Promise<{ path: MerkleProof; entry: LedgerEntry }> {
  const bucket = Math.floor(credential.index / BUCKET_LEAVES);
  const url = `${registrarUrl.replace(/\/$/, "")}/v1/tree/buckets/${bucket}`;
  const document = parseBucketDocument(expectOk(await requestJson(url, { what: "the registrar" }), "the registrar's bucket"), `the registrar's bucket ${bucket}`);
  if (document.registrarKey !== credential.registrarKey) {
    throw new RealDidError("log_wrong_key", `the registrar at ${registrarUrl} signs with key ${document.registrarKey}, but your credential was issued by ${credential.registrarKey}`);
  }
  const entry = document.ledgerEntry;
  if (!SignedLog.isSignedBy(LEDGER_KIND, entry, credential.registrarKey) || entry.root !== document.root) {
    throw new RealDidError("log_bad_signature", `the registrar's bucket ${bucket} does not carry its root in a ledger entry signed by the registrar`);
  }
  // The whole bucket must hash up to the signed root before its slot says anything about the credential.
  const path = pathInBucket({ leaves: document.leaves.map(BigInt), above: document.above.map((level) => level.map(BigInt)), root: BigInt(document.root) }, credential.index);
  if (merkleRootOf(path) !== path.root) throw new RealDidError("log_malformed", `the registrar's bucket ${bucket} does not hash up to the root it names`);
  if (path.leaf === EMPTY_LEAF) throw new RealDidError("credential_revoked", `the registrar has revoked leaf ${credential.index} (its slot is empty under root ${document.root})`);
  if (path.leaf !== credential.leaf) throw new RealDidError("credential_reissued", `the registrar has re-issued leaf ${credential.index} with other attributes: ask the registrar for the new credential`);
  return { path, entry };
}

/** The path of leaf `index` computed from its bucket's leaves and the siblings above the bucket (not yet checked against the root). */
export function pathInBucket(bucket: Pick<Bucket, "leaves" | "above" | "root">, index: number): MerkleProof {
  const position = index % BUCKET_LEAVES;
  const leaves = [...bucket.leaves];
  while (leaves.length <= position) leaves.push(EMPTY_LEAF); // empty slots hash like the empty subtree
  // poseidon-lite, not FastPoseidon: one bucket is ~600 node hashes, less than circomlibjs's set-up, and it runs in a browser.
  const subtree = new RegistryTree(BUCKET_LEVEL);
  subtree.insertMany(leaves);
  return { leaf: leaves[position], index, siblings: [...subtree.proof(position).siblings, ...bucket.above], root: bucket.root };
}

/**
 * Fresh paths for several leaves under one root (a business proof needs the person's and the
 * mandate's): fetched again while the registrar publishes a new root between the fetches.
 */
export async function refreshPaths(registrarUrl: string, credentials: readonly CredentialRef[], attempts = 3): Promise<{ paths: MerkleProof[]; entry: LedgerEntry }> {
  for (let attempt = 1; ; attempt++) {
    const fetched = await Promise.all(credentials.map((credential) => refreshPath(registrarUrl, credential)));
    if (fetched.every(({ entry }) => entry.seq === fetched[0].entry.seq)) return { paths: fetched.map(({ path }) => path), entry: fetched[0].entry };
    if (attempt === attempts) throw new RealDidError("remote_refused", `the registrar at ${registrarUrl} published ${attempts} new roots while the paths were fetched: try again`);
  }
}
