import { toFieldElement } from "../crypto/field.js";
import { RealDidError } from "../errors.js";
import { MAX_TREE_DEPTH, type MerkleProof, merkleRootOf } from "./registry-tree.js";

const FILE_FORMAT = "realdid-path/1";

/** A Merkle path as the registrar hands it out: JSON with decimal strings. */
export const pathFile = (proof: MerkleProof) => ({
  format: FILE_FORMAT,
  index: proof.index,
  depth: proof.depth,
  leaf: proof.leaf.toString(),
  root: proof.root.toString(),
  siblings: proof.siblings.map(String),
});

/** Parses a path file and checks that it hashes up to the root it claims. */
export function parsePathFile(value: unknown): MerkleProof {
  const file = value as ReturnType<typeof pathFile>;
  if (file?.format !== FILE_FORMAT) throw new RealDidError("invalid_argument", `the path file's format is not ${FILE_FORMAT}`);
  if (!Number.isInteger(file.depth) || file.depth < 1 || file.depth > MAX_TREE_DEPTH) throw new RealDidError("invalid_argument", "the path file's depth must be 1 to 32");
  if (!Number.isSafeInteger(file.index) || file.index < 0 || file.index >= 2 ** file.depth) throw new RealDidError("invalid_argument", "the path file's index is out of range");
  if (!Array.isArray(file.siblings) || file.siblings.length !== file.depth) throw new RealDidError("invalid_argument", `the path file must have ${file.depth} siblings`);
  const proof: MerkleProof = {
    index: file.index,
    depth: file.depth,
    leaf: toFieldElement("leaf", file.leaf),
    root: toFieldElement("root", file.root),
    siblings: file.siblings.map((s, i) => toFieldElement(`siblings[${i}]`, s)),
  };
  if (merkleRootOf(proof) !== proof.root) throw new RealDidError("invalid_argument", "the path file's siblings do not lead to its root");
  return proof;
}
