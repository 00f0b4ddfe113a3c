import { ATTRIBUTE_MAX } from "../attributes/attributes.js";
import { dayNumber } from "../attributes/calendar.js";
import { RealDidError } from "../errors.js";
import type { EscrowCiphertext } from "../crypto/escrow.js";
import { type ProofCheck, type VerificationFailure, type VerificationRequest, verifyCircuitProof } from "../proof/verifier.js";
import type { RealDidProof } from "../proof/prover.js";
import { allowedRolesSignal, type BusinessTerms } from "./business-circuit-input.js";
import { type BusinessSignals, parseBusinessSignals } from "./business-signals.js";
import { creditCodeOfValue } from "./enterprise.js";
import { TASKS } from "./mandate.js";

export interface BusinessVerificationRequest extends VerificationRequest, BusinessTerms {}

export type BusinessVerificationResult =
  | {
      readonly valid: true;
      readonly pseudonym: bigint;
      readonly root: bigint;
      readonly escrow: EscrowCiphertext;
      readonly mandateCipher: bigint;
      /** The enterprise's credit code when the site asked for it, else null. */
      readonly creditCode: string | null;
    }
  | VerificationFailure;

const mismatch = (what: string): VerificationFailure => ({ valid: false, code: "mandate_terms_mismatch", message: `the proof's ${what} is not the one asked for` });

/** The business circuit's own public inputs against the site's terms. */
function checkTerms(signals: BusinessSignals, terms: BusinessTerms): VerificationFailure | undefined {
  if (signals.today !== BigInt(dayNumber("today", terms.today))) return mismatch(`day (the mandate must be in force on ${terms.today})`);
  const flags = allowedRolesSignal(terms.roles);
  if (signals.allowedRoles.some((flag, i) => flag !== flags[i])) return mismatch(`set of roles (${terms.roles.join(", ")})`);
  if (signals.requiredTask !== (terms.task === null ? 0n : BigInt(TASKS[terms.task]))) return mismatch(`task (${terms.task ?? "any"})`);
  if (signals.revealEnterprise !== (terms.revealEnterprise ? 1n : 0n)) return mismatch(`disclosure of the enterprise (${terms.revealEnterprise ? "revealed" : "hidden"})`);
  const { region, type } = terms.enterpriseBounds;
  // As for the personal bounds: the circuit's range proof means lo <= value <= hi only for bounds below 2^32.
  for (const [name, [lo, hi]] of [["region", region], ["type", type]] as const) {
    if (!(lo >= 0n && hi <= ATTRIBUTE_MAX)) throw new RealDidError("invalid_argument", `the requested bounds on the enterprise's ${name} must lie in [0, ${ATTRIBUTE_MAX}]`);
  }
  const asked = [region[0], type[0], region[1], type[1]];
  const proven = [signals.enterpriseBounds.region[0], signals.enterpriseBounds.type[0], signals.enterpriseBounds.region[1], signals.enterpriseBounds.type[1]];
  if (proven.some((value, i) => value !== asked[i])) return { valid: false, code: "predicate_mismatch", message: "the proof's bounds on the enterprise's region or type are not the ones asked for" };
  return undefined;
}

/**
 * Verifies a business proof (RealDidBusiness): everything a personal proof is checked for
 * (key id, scope, challenge, regulator key, the person's bounds, root, Groth16), and the
 * site's business terms. Never throws for a bad proof.
 */
export async function verifyBusinessProof(candidate: RealDidProof, request: BusinessVerificationRequest, check: ProofCheck): Promise<BusinessVerificationResult> {
  const result = await verifyCircuitProof(candidate, request, check, parseBusinessSignals, (signals) => checkTerms(signals, request));
  if (!result.valid) return result;
  const { pseudonym, root, escrow, mandateCipher, revealedEnterprise } = result.signals;
  return { valid: true, pseudonym, root, escrow, mandateCipher, creditCode: request.revealEnterprise ? creditCodeOfValue(revealedEnterprise) : null };
}
