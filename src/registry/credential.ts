import { type EncodedAttributes, encodeAttributes, type PersonAttributes } from "../attributes/attributes.js";
import { toFieldElement } from "../crypto/field.js";
import { hashLeaf } from "../crypto/poseidon.js";
import { isRealDidCredential, type ParsedCredential, parseRealDidCredential } from "../credential/realdid-credential.js";
import { RealDidError } from "../errors.js";

/** What the registrar hands a citizen: where their leaf is and the attributes in it. */
export interface Credential {
  readonly index: number;
  readonly attributes: EncodedAttributes;
}

/** The registry leaf for a commitment and attributes, as CredentialLeaf computes it. */
export const credentialLeaf = (commitment: bigint, attributes: EncodedAttributes): bigint => hashLeaf(commitment, attributes);

const FILE_FORMAT = "realdid-credential/1";

/**
 * The credential file: only what the citizen needs to prove (no name, no ID number).
 * `registrarKey` says whose ledger the leaf's roots are published in.
 */
export interface CredentialFile {
  format: typeof FILE_FORMAT;
  registrarKey: string;
  index: number;
  commitment: string;
  attributes: PersonAttributes;
  leaf: string;
  issuedAt: string;
}

/** The file for an enrolled leaf; `leaf` is the registrar's, already computed from commitment and attributes. */
export function credentialFile(registrarKey: string, index: number, commitment: bigint, attributes: PersonAttributes, leaf: bigint, issuedAt: Date): CredentialFile {
  return { format: FILE_FORMAT, registrarKey, index, commitment: commitment.toString(), attributes, leaf: leaf.toString(), issuedAt: issuedAt.toISOString() };
}

/**
 * Parses and checks a credential file: the registrar's Verifiable Credential, or an older
 * realdid-credential/1 file. The leaf must match commitment and attributes (a VC's
 * signature is checked by verifyRealDidCredential; proving needs only the leaf).
 */
export function parseCredentialFile(json: string): ParsedCredential {
  let file: CredentialFile;
  try {
    file = JSON.parse(json);
  } catch {
    throw new RealDidError("invalid_argument", "the credential file is not valid JSON");
  }
  if (isRealDidCredential(file)) return parseRealDidCredential(file);
  if (file?.format !== FILE_FORMAT) throw new RealDidError("invalid_argument", `the credential file is neither a Verifiable Credential nor a ${FILE_FORMAT} file`);
  if (!Number.isSafeInteger(file.index) || file.index < 0) throw new RealDidError("invalid_argument", `the credential's index must be a non-negative integer, received ${JSON.stringify(file.index)}`);
  const attributes = encodeAttributes(file.attributes);
  const commitment = toFieldElement("commitment", file.commitment);
  const leaf = credentialLeaf(commitment, attributes);
  if (leaf.toString() !== file.leaf) throw new RealDidError("invalid_argument", "the credential's leaf does not match its commitment and attributes");
  return { credential: { index: file.index, attributes }, commitment, leaf, registrarKey: String(file.registrarKey) };
}
