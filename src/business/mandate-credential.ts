import { z } from "zod";
import { RealDidError } from "../errors.js";
import { Ed25519PublicKey, FieldDecimal, IsoTime, NormalizedString } from "../formats/fields.js";
import { parseDocument } from "../formats/schema.js";
import { parseCreditCode } from "./credit-code.js";
import { enterpriseFields } from "./enterprise.js";
import { ALL_TASKS, MANDATE_TASK_SLOTS, mandateLeaf, type MandateTerms, type Role, ROLE_NAMES, type Task, TASK_NAMES } from "./mandate.js";

export const MANDATE_CREDENTIAL_FORMAT = "realdid-mandate/1";

const IsoDate = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, "must be a date written YYYY-MM-DD");

/**
 * The mandate credential: what an agent (or the legal representative) needs to prove that
 * they act for an enterprise, and nothing about anyone's person (no name, no ID number).
 * `registrarKey` says whose ledger the mandate leaf's roots are published in; with `index`
 * and `leaf` it refreshes the leaf's Merkle path by bucket like a person's credential.
 * Platform-neutral.
 */
export const MandateCredentialSchema = z.strictObject({
  format: z.literal(MANDATE_CREDENTIAL_FORMAT),
  registrarKey: Ed25519PublicKey,
  enterprise: z.strictObject({ creditCode: NormalizedString((code) => parseCreditCode(code).code), name: z.string().min(1).max(200) }),
  role: z.enum(ROLE_NAMES as [Role, ...Role[]]),
  tasks: z.union([z.literal(ALL_TASKS), z.array(z.enum(TASK_NAMES as [Task, ...Task[]])).min(1).max(MANDATE_TASK_SLOTS)]),
  validFrom: IsoDate,
  validUntil: IsoDate,
  /** The mandate leaf's index in the registry tree (bound into the leaf). */
  index: z.number().int().min(0),
  leaf: FieldDecimal,
  /**
   * The agent's identity commitment (their identity file holds the secret behind it). Absent
   * from the copy the legal representative receives for the agent: the commitment would let
   * them test which other mandate leaves (e.g. other enterprises' representatives) are this
   * person's. The agent's wallet or CLI fills it in from their identity (parseMandateCredential).
   */
  agentCommitment: FieldDecimal.optional(),
  issuedAt: IsoTime,
});
export type MandateCredential = z.output<typeof MandateCredentialSchema>;

/** The mandate's terms as the circuit takes them (a credential completed with its agent's commitment). */
export const mandateTermsOf = (credential: MandateCredential): MandateTerms => ({
  agentCommitment: BigInt(holderCommitmentOf(credential)),
  enterprise: enterpriseFields(credential.enterprise.creditCode),
  role: credential.role,
  tasks: credential.tasks,
  validFrom: credential.validFrom,
  validUntil: credential.validUntil,
  index: credential.index,
});

/** The credential for a mandate leaf the registrar wrote (`leaf` = mandateLeaf(terms), already computed). */
export function mandateCredential(registrarKey: string, enterprise: { creditCode: string; name: string }, terms: MandateTerms, leaf: bigint, issuedAt: Date): MandateCredential {
  return {
    format: MANDATE_CREDENTIAL_FORMAT,
    registrarKey,
    enterprise: { creditCode: enterprise.creditCode, name: enterprise.name },
    role: terms.role,
    tasks: terms.tasks === ALL_TASKS ? ALL_TASKS : [...terms.tasks],
    validFrom: terms.validFrom,
    validUntil: terms.validUntil,
    index: terms.index,
    leaf: leaf.toString(),
    agentCommitment: terms.agentCommitment.toString(),
    issuedAt: issuedAt.toISOString(),
  };
}

function holderCommitmentOf(credential: MandateCredential): string {
  if (credential.agentCommitment === undefined) throw new RealDidError("invalid_argument", "the mandate credential names no agent commitment: complete it with the agent's identity (parseMandateCredential)");
  return credential.agentCommitment;
}

/** The copy of a mandate credential the legal representative hands to the agent: without the agent's commitment. */
export function representativeCopy(credential: MandateCredential): MandateCredential {
  const { agentCommitment: _, ...copy } = credential;
  return copy;
}

/**
 * Parses a mandate credential. With `holderCommitment` (the agent's own, from their identity):
 * the credential is theirs — its leaf is the one its terms and that commitment give — and is
 * returned completed with it. Without: a credential that names its commitment is checked the
 * same way; one that does not (the representative's copy) is checked for its form only.
 */
export function parseMandateCredential(value: unknown, what = "the mandate credential", holderCommitment?: bigint): MandateCredential {
  const parsed = parseDocument(MandateCredentialSchema, value, what);
  if (holderCommitment !== undefined && parsed.agentCommitment !== undefined && BigInt(parsed.agentCommitment) !== holderCommitment) {
    throw new RealDidError("mandate_mismatch", `${what} was granted to another person (its agent commitment is not this identity's)`);
  }
  const commitment = parsed.agentCommitment ?? holderCommitment?.toString();
  if (commitment === undefined) return parsed;
  const credential = { ...parsed, agentCommitment: commitment };
  let leaf: bigint;
  try {
    leaf = mandateLeaf(mandateTermsOf(credential));
  } catch (error) {
    if (error instanceof RealDidError) throw new RealDidError("invalid_argument", `${what}: ${error.message}`);
    throw error;
  }
  if (leaf.toString() !== credential.leaf) {
    throw parsed.agentCommitment === undefined
      ? new RealDidError("mandate_mismatch", `${what} was not granted to this identity (its leaf is not what its terms and your commitment give)`)
      : new RealDidError("credential_leaf_mismatch", `${what}: its leaf does not match its terms (enterprise, role, tasks, dates, index, agent commitment)`);
  }
  return credential;
}
