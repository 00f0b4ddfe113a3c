import { z } from "zod";
import { encodeAttributes, type PersonAttributes } from "../attributes/attributes.js";
import { keyOfDid, registrarDid } from "../did/did-uri.js";
import { RealDidError } from "../errors.js";
import { FieldDecimal, IsoTime } from "../formats/fields.js";
import { parseDocument } from "../formats/schema.js";
import { hashLeaf } from "../crypto/poseidon.js";
import type { Credential, CredentialFile } from "../registry/credential.js";
import { REALDID_CONTEXT_URL } from "./realdid-context.js";

/**
 * The registrar's credential as a W3C Verifiable Credential 2.0 (docs/did-realdid.md):
 * issuer the registrar's DID, subject the identity commitment with the attributes the
 * registrar verified and the registry leaf (index and value) they make, status the leaf's
 * slot in the registry, and an eddsa-rdfc-2022 Data Integrity proof by the registrar's
 * ledger key. It carries what the old realdid-credential/1 file did, signed.
 */
export const VC_V2_CONTEXT = "https://www.w3.org/ns/credentials/v2";
export const CREDENTIAL_TYPE = "RealDIDCredential";
export const STATUS_TYPE = "RealDIDRegistryStatus";
export const CREDENTIAL_CRYPTOSUITE = "eddsa-rdfc-2022";

const Day = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, "must be a date YYYY-MM-DD");
const LeafIndex = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER);

const SubjectSchema = z.strictObject({
  commitment: FieldDecimal,
  attributes: z.strictObject({ birthDate: Day, region: z.string(), expiry: Day, documentType: z.string() }),
  leafIndex: LeafIndex,
  leaf: FieldDecimal,
});

export const RealDidCredentialSchema = z.strictObject({
  "@context": z.tuple([z.literal(VC_V2_CONTEXT), z.literal(REALDID_CONTEXT_URL)]),
  type: z.tuple([z.literal("VerifiableCredential"), z.literal(CREDENTIAL_TYPE)]),
  issuer: z.string().startsWith("did:realdid:registrar:", "must be a registrar's did:realdid"),
  validFrom: IsoTime,
  credentialSubject: SubjectSchema,
  credentialStatus: z.strictObject({ type: z.literal(STATUS_TYPE), leafIndex: LeafIndex }),
  proof: z.strictObject({
    type: z.literal("DataIntegrityProof"),
    cryptosuite: z.literal(CREDENTIAL_CRYPTOSUITE),
    created: IsoTime.optional(),
    verificationMethod: z.string(),
    proofPurpose: z.literal("assertionMethod"),
    proofValue: z.string().regex(/^z[1-9A-HJ-NP-Za-km-z]+$/, "must be a base58btc multibase value"),
  }),
});
export type RealDidCredential = z.infer<typeof RealDidCredentialSchema>;
export type UnsignedRealDidCredential = Omit<RealDidCredential, "proof">;

/** The unsigned credential for an enrolled leaf (the data of `credentialFile`, as a VC). */
export function unsignedRealDidCredential(file: CredentialFile): UnsignedRealDidCredential {
  return {
    "@context": [VC_V2_CONTEXT, REALDID_CONTEXT_URL],
    type: ["VerifiableCredential", CREDENTIAL_TYPE],
    issuer: registrarDid(file.registrarKey),
    validFrom: file.issuedAt.replace(/\.\d{3}Z$/, "Z"),
    credentialSubject: { commitment: file.commitment, attributes: { ...file.attributes }, leafIndex: file.index, leaf: file.leaf },
    credentialStatus: { type: STATUS_TYPE, leafIndex: file.index },
  };
}

export const isRealDidCredential = (value: unknown): boolean => typeof value === "object" && value !== null && "@context" in value;

/** What a citizen's tools read of a credential, in either format. */
export interface ParsedCredential {
  credential: Credential;
  commitment: bigint;
  leaf: bigint;
  registrarKey: string;
}

/**
 * Reads a VC's data and checks it is consistent: the shape, the issuer a registrar DID,
 * the status entry for the subject's leaf, the leaf = Poseidon(commitment, attributes).
 * The signature is not checked here (see verifyRealDidCredential): proving needs only the
 * leaf, which the registrar's signed root vouches for.
 */
export function parseRealDidCredential(value: unknown): ParsedCredential {
  const vc = parseDocument(RealDidCredentialSchema, value, "the credential", "credential_invalid");
  const subject = vc.credentialSubject;
  if (vc.credentialStatus.leafIndex !== subject.leafIndex) {
    throw new RealDidError("credential_invalid", `the credential: credentialStatus names leaf ${vc.credentialStatus.leafIndex}, its subject leaf ${subject.leafIndex}`);
  }
  const registrarKey = keyOfDid(vc.issuer, "registrar");
  let attributes;
  try {
    attributes = encodeAttributes(subject.attributes as PersonAttributes);
  } catch (error) {
    if (error instanceof RealDidError) throw new RealDidError("credential_invalid", `the credential's attributes: ${error.message}`);
    throw error;
  }
  const commitment = BigInt(subject.commitment);
  const leaf = hashLeaf(commitment, attributes);
  if (leaf.toString() !== subject.leaf) throw new RealDidError("credential_leaf_mismatch", "the credential's leaf does not match its commitment and attributes");
  return { credential: { index: subject.leafIndex, attributes }, commitment, leaf, registrarKey };
}
