import type { EncodedAttributes } from "../attributes/attributes.js";
import { hashLeaf } from "../crypto/poseidon.js";

/** What the registrar hands a citizen: where their leaf is and the attributes in it. */
export interface Credential {
  readonly index: number;
  readonly attributes: EncodedAttributes;
}

/** The registry leaf for a commitment and attributes, as CredentialLeaf computes it. */
export const credentialLeaf = (commitment: bigint, attributes: EncodedAttributes): bigint => hashLeaf(commitment, attributes);
