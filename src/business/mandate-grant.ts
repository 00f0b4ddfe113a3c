import { z } from "zod";
import { ATTRIBUTE_MAX } from "../attributes/attributes.js";
import { predicateBounds } from "../attributes/predicates.js";
import type { Point } from "../crypto/baby-jubjub.js";
import { RealDidError } from "../errors.js";
import { Ed25519PublicKey, IsoTime, NormalizedString } from "../formats/fields.js";
import { parseDocument } from "../formats/schema.js";
import type { RootStatus } from "../ledger/root-ledger.js";
import type { RealDidProof } from "../proof/prover.js";
import { challengeForMessage } from "../proof/request.js";
import type { ProofCheck } from "../proof/verifier.js";
import type { BusinessProofRequest } from "./business-circuit-input.js";
import { verifyBusinessProof } from "./business-verifier.js";
import { parseCreditCode } from "./credit-code.js";
import { MANDATE_TASK_SLOTS, type Task, TASK_NAMES } from "./mandate.js";

export const GRANT_FORMAT = "realdid-mandate-grant/1";
export const REVOCATION_FORMAT = "realdid-mandate-revocation/1";
/** How far a grant's or revocation's time may be from the registrar's clock: a replay later is refused. */
export const GRANT_CLOCK_SKEW_MS = 10 * 60 * 1000;

const IsoDate = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, "must be a date written YYYY-MM-DD");
const CreditCode = NormalizedString((code) => parseCreditCode(code).code);

/**
 * What an enterprise's legal representative grants, as the registrar receives it with the
 * representative's business proof: the person is named by national ID number (the registrar
 * finds their commitment; the representative never sees it), the role, the tasks, the period.
 */
export const MandateGrantSchema = z.strictObject({
  format: z.literal(GRANT_FORMAT),
  /** The registrar it is addressed to: a grant for one registrar is no grant for another. */
  registrarKey: Ed25519PublicKey,
  enterpriseCode: CreditCode,
  agentNationalId: z.string().min(1).max(40),
  role: z.enum(["license_manager", "agent"]),
  tasks: z.array(z.enum(TASK_NAMES as [Task, ...Task[]])).min(1).max(MANDATE_TASK_SLOTS),
  validFrom: IsoDate,
  validUntil: IsoDate,
  requestedAt: IsoTime,
});
export type MandateGrantDocument = z.output<typeof MandateGrantSchema>;

/** A representative's revocation of one of the enterprise's mandates (the operator may also revoke directly). */
export const MandateRevocationSchema = z.strictObject({
  format: z.literal(REVOCATION_FORMAT),
  registrarKey: Ed25519PublicKey,
  enterpriseCode: CreditCode,
  mandateIndex: z.number().int().min(0),
  requestedAt: IsoTime,
});
export type MandateRevocationDocument = z.output<typeof MandateRevocationSchema>;

export type RepresentativeAct = MandateGrantDocument | MandateRevocationDocument;

export const parseMandateGrant = (value: unknown, what: string): MandateGrantDocument => parseDocument(MandateGrantSchema, value, what);
export const parseMandateRevocation = (value: unknown, what: string): MandateRevocationDocument => parseDocument(MandateRevocationSchema, value, what);

/** The scope of a representative's proofs to a registrar: their address there is theirs alone. */
export const representativeScope = (registrarKey: string): string => `realdid-registrar:${registrarKey}/mandates`;

/** The challenge a representative's proof answers: the act itself, so the proof signs it. */
export const actChallenge = (act: RepresentativeAct): bigint => challengeForMessage(JSON.stringify(act));

const FULL_RANGE = [0n, ATTRIBUTE_MAX] as const;

/**
 * What the representative proves for an act: they hold the enterprise's legal representative
 * mandate (role 1, any task, in force today), the enterprise revealed, answering the act's
 * challenge at the registrar's scope, escrowed to the regulator's key.
 */
export function representativeRequest(act: RepresentativeAct, regulatorKey: Point, keyId: string): BusinessProofRequest & { keyId: string } {
  return {
    scope: representativeScope(act.registrarKey),
    challenge: actChallenge(act),
    // The representative's own identity document must be valid on the day of the act.
    bounds: predicateBounds({ notExpired: true }, act.requestedAt.slice(0, 10)),
    regulatorKey,
    keyId,
    today: act.requestedAt.slice(0, 10),
    roles: ["legal_representative"],
    task: null,
    revealEnterprise: true,
    enterpriseBounds: { region: FULL_RANGE, type: FULL_RANGE },
  };
}

export interface RegistrarSide {
  readonly registrarKey: string;
  readonly regulatorKey: Point;
  readonly keyId: string;
  readonly check: ProofCheck;
  readonly rootStatus: (root: bigint) => RootStatus;
  readonly now: Date;
}

/**
 * The registrar's check of a representative's act: addressed to this registrar, made within
 * GRANT_CLOCK_SKEW_MS of its clock, and proven by the legal representative of the enterprise
 * it names (the proof reveals the enterprise's code, which must be the act's), under the
 * registrar's current root only: a grant outlives the root window, so a representative
 * revoked a minute ago must not still grant under the root before. Returns the evidence the
 * registrar keeps with the change.
 */
export async function verifyRepresentativeAct(act: RepresentativeAct, proof: RealDidProof, registrar: RegistrarSide): Promise<{ act: RepresentativeAct; proof: RealDidProof }> {
  if (act.registrarKey !== registrar.registrarKey) throw new RealDidError("representative_refused", "the act is addressed to another registrar");
  if (Math.abs(Date.parse(act.requestedAt) - registrar.now.getTime()) > GRANT_CLOCK_SKEW_MS) {
    throw new RealDidError("representative_refused", `the act was made at ${act.requestedAt}, more than ${GRANT_CLOCK_SKEW_MS / 60000} minutes from the registrar's time ${registrar.now.toISOString()}: make it again`);
  }
  const outcome = await verifyBusinessProof(proof, { ...representativeRequest(act, registrar.regulatorKey, registrar.keyId), rootStatus: registrar.rootStatus }, registrar.check);
  if (!outcome.valid) throw new RealDidError("representative_refused", `the legal representative's proof is refused (${outcome.code}): ${outcome.message}`);
  if (outcome.creditCode !== act.enterpriseCode) throw new RealDidError("representative_refused", `the proof is by the legal representative of ${outcome.creditCode}, not of ${act.enterpriseCode}`);
  return { act, proof: { keyId: proof.keyId, proof: proof.proof, publicSignals: proof.publicSignals } };
}
