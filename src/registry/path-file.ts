import { toFieldElement } from "../crypto/field.js";
import { RealDidError } from "../errors.js";
import { type MerkleProof, merkleRootOf, TREE_ARITY, TREE_HEIGHT } from "./registry-tree.js";

const FILE_FORMAT = "realdid-path/2";

/** A Merkle path as the registrar hands it out: JSON with decimal strings, three siblings per level. */
export const pathFile = (proof: MerkleProof) => ({
  format: FILE_FORMAT,
  index: proof.index,
  leaf: proof.leaf.toString(),
  root: proof.root.toString(),
  siblings: proof.siblings.map((others) => others.map(String)),
});

/** Parses a path file and checks that it hashes up to the root it claims. */
export function parsePathFile(value: unknown): MerkleProof {
  const file = value as ReturnType<typeof pathFile>;
  if (file?.format !== FILE_FORMAT) throw new RealDidError("invalid_argument", `the path file's format is not ${FILE_FORMAT}`);
  if (!Number.isSafeInteger(file.index) || file.index < 0 || file.index >= TREE_ARITY ** TREE_HEIGHT) throw new RealDidError("invalid_argument", "the path file's index is out of range");
  const siblingsPerLevel = TREE_ARITY - 1;
  if (!Array.isArray(file.siblings) || file.siblings.length !== TREE_HEIGHT || !file.siblings.every((others) => Array.isArray(others) && others.length === siblingsPerLevel)) {
    throw new RealDidError("invalid_argument", `the path file must have ${TREE_HEIGHT} levels of ${siblingsPerLevel} siblings`);
  }
  const proof: MerkleProof = {
    index: file.index,
    leaf: toFieldElement("leaf", file.leaf),
    root: toFieldElement("root", file.root),
    siblings: file.siblings.map((others, level) => others.map((s, k) => toFieldElement(`siblings[${level}][${k}]`, s))),
  };
  if (merkleRootOf(proof) !== proof.root) throw new RealDidError("invalid_argument", "the path file's siblings do not lead to its root");
  return proof;
}
