import { dayNumber } from "../attributes/calendar.js";
import { RealDidError } from "../errors.js";
import { type CircuitInput, circuitInput, decimalSignals, type ProofInputs } from "../proof/circuit-input.js";
import type { ProofRequest } from "../proof/request.js";
import type { EnterpriseBounds } from "./business-signals.js";
import { type MerkleProof, TREE_HEIGHT } from "../registry/registry-tree.js";
import { ALL_TASKS, type MandateTerms, mandateLeaf, parseRole, parseTask, type Role, ROLE_NAMES, ROLES, type Task, TASKS, taskSlots } from "./mandate.js";

/** What a site asks of a person acting for an enterprise, beside what every proof answers. */
export interface BusinessTerms {
  /** The verifier's day, YYYY-MM-DD (UTC): the mandate must be in force on it. */
  readonly today: string;
  /** The roles the site accepts (at least one). */
  readonly roles: readonly Role[];
  /** The task the mandate must cover, or null for any mandate. */
  readonly task: Task | null;
  /** Whether the site learns the enterprise's credit code. */
  readonly revealEnterprise: boolean;
  /** Inclusive ranges on the enterprise's region and encoded type (see authorityTypeRange). */
  readonly enterpriseBounds: EnterpriseBounds;
}

/**
 * What a site asks of a person acting for an enterprise: the personal request (scope,
 * challenge, regulator key, the person's attribute bounds, key id) and the business terms.
 */
export interface BusinessProofRequest extends ProofRequest, BusinessTerms {}

/** The mandate a person proves with: its terms and its leaf's path in the registry tree. */
export interface MandateCredentialPart {
  readonly terms: MandateTerms;
  readonly merkleProof: MerkleProof;
}

export interface BusinessProofInputs extends Omit<ProofInputs, "request"> {
  readonly mandate: MandateCredentialPart;
  readonly request: BusinessProofRequest;
}

/** The circuit's allowedRoles[3]: 1 where the site accepts role i + 1. */
export function allowedRolesSignal(roles: readonly Role[]): bigint[] {
  if (!Array.isArray(roles) || roles.length === 0) throw new RealDidError("invalid_argument", `roles must name at least one of ${ROLE_NAMES.join(", ")}, received ${JSON.stringify(roles)}`);
  const accepted = new Set<number>(roles.map((role) => ROLES[parseRole(role)]));
  return Array.from({ length: ROLE_NAMES.length }, (_, i) => (accepted.has(i + 1) ? 1n : 0n));
}

/** The circuit's requiredTask: the task's code, or 0 for "any task". */
export const requiredTaskSignal = (task: Task | null): bigint => (task === null ? 0n : BigInt(TASKS[parseTask(task)]));

function checkWithin(what: string, value: bigint, [lo, hi]: readonly [bigint, bigint]): void {
  if (value < lo || value > hi) throw new RealDidError("predicate_unsatisfied", `the enterprise's ${what} does not satisfy the request (${value} not in [${lo}, ${hi}])`);
}

/** Checks that the mandate is the prover's, is the leaf on its path, and answers the request. */
function checkMandate({ identity, merkleProof, mandate, request }: BusinessProofInputs): void {
  const { terms } = mandate;
  if (terms.agentCommitment !== identity.commitment) {
    throw new RealDidError("mandate_mismatch", "the mandate was granted to another person (its agent commitment is not this identity's)");
  }
  if (mandateLeaf(terms) !== mandate.merkleProof.leaf) {
    throw new RealDidError("mandate_mismatch", `the mandate's terms do not match leaf ${mandate.merkleProof.index} in its Merkle path (the mandate was revoked, or the terms are not the registrar's)`);
  }
  if (mandate.merkleProof.index !== terms.index) {
    throw new RealDidError("mandate_mismatch", `the mandate's Merkle path is for leaf ${mandate.merkleProof.index}, the mandate is leaf ${terms.index}`);
  }
  if (mandate.merkleProof.siblings.length !== TREE_HEIGHT) {
    throw new RealDidError("mandate_mismatch", `the mandate's Merkle path has ${mandate.merkleProof.siblings.length} levels; the registry tree has ${TREE_HEIGHT}`);
  }
  if (mandate.merkleProof.root !== merkleProof.root) {
    throw new RealDidError("mandate_mismatch", `the person's and the mandate's Merkle paths end in different roots (${merkleProof.root} and ${mandate.merkleProof.root}): refresh both from the same registry state`);
  }
  checkMandateAnswers(terms, request);
}

/**
 * Checks that a mandate's terms answer the request: a role it accepts, the task it names,
 * in force on its day, the enterprise within its bounds (the wallet asks this of each of a
 * person's mandates before anything is proven, to say why one does not fit).
 */
export function checkMandateAnswers(terms: MandateTerms, request: BusinessTerms): void {
  if (!request.roles.includes(terms.role)) {
    throw new RealDidError("role_not_accepted", `the mandate's role ${terms.role} is not one the request accepts (${request.roles.join(", ")})`);
  }
  if (request.task !== null && terms.tasks !== ALL_TASKS && !terms.tasks.includes(request.task)) {
    throw new RealDidError("task_not_covered", `the mandate covers ${terms.tasks.join(", ")}, not the requested task ${request.task}`);
  }
  const today = dayNumber("today", request.today);
  if (today < dayNumber("validFrom", terms.validFrom)) {
    throw new RealDidError("mandate_not_in_force", `the mandate is valid from ${terms.validFrom}; the request's day is ${request.today}`);
  }
  if (today > dayNumber("validUntil", terms.validUntil)) {
    throw new RealDidError("mandate_not_in_force", `the mandate was valid until ${terms.validUntil}; the request's day is ${request.today}`);
  }
  checkWithin("region", terms.enterprise.region, request.enterpriseBounds.region);
  checkWithin("organisation type", terms.enterprise.type, request.enterpriseBounds.type);
}

/**
 * The RealDidBusiness circuit's input signals: every RealDid input under the same names
 * (circuitInput makes them and checks the person's part), then the mandate's and the
 * request's business part. Checks first what the circuit would reject, so the person gets
 * a reason instead of a failed assertion deep in the witness.
 */
export function businessCircuitInput(inputs: BusinessProofInputs): CircuitInput {
  const { mandate, request } = inputs;
  const personal = circuitInput(inputs);
  const allowedRoles = allowedRolesSignal(request.roles);
  const requiredTask = requiredTaskSignal(request.task);
  checkMandate(inputs);
  const { terms } = mandate;
  const { region, type } = request.enterpriseBounds;
  return {
    ...personal,
    enterpriseCode: terms.enterprise.code.toString(),
    enterpriseRegion: terms.enterprise.region.toString(),
    enterpriseType: terms.enterprise.type.toString(),
    role: String(ROLES[terms.role]),
    tasks: decimalSignals(taskSlots(terms.tasks)),
    validFrom: String(dayNumber("validFrom", terms.validFrom)),
    validUntil: String(dayNumber("validUntil", terms.validUntil)),
    mandateIndex: String(mandate.merkleProof.index),
    mandateSiblings: mandate.merkleProof.siblings.map(decimalSignals),
    today: String(dayNumber("today", request.today)),
    allowedRoles: decimalSignals(allowedRoles),
    requiredTask: requiredTask.toString(),
    revealEnterprise: request.revealEnterprise ? "1" : "0",
    enterpriseLo: decimalSignals([region[0], type[0]]),
    enterpriseHi: decimalSignals([region[1], type[1]]),
  };
}
