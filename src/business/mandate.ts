import { poseidon4 } from "poseidon-lite/poseidon4";
import { poseidon12 } from "poseidon-lite/poseidon12";
import { dayNumber } from "../attributes/calendar.js";
import { RealDidError } from "../errors.js";
import type { EnterpriseFields } from "./enterprise.js";

/**
 * Roles in a mandate, as numbers in the circuit (RoleInSet: allowedRoles[role - 1]). The
 * legal representative's mandate is written when the enterprise is enrolled; the others are
 * granted by the representative (a license manager may grant agents).
 */
export const ROLES = { legal_representative: 1, license_manager: 2, agent: 3 } as const;
export type Role = keyof typeof ROLES;
export const ROLE_NAMES = Object.keys(ROLES) as Role[];

export function parseRole(role: unknown): Role {
  if (typeof role === "string" && role in ROLES) return role as Role;
  throw new RealDidError("invalid_argument", `role must be one of ${ROLE_NAMES.join(", ")}, received ${JSON.stringify(role)}`);
}

/**
 * Business tasks a mandate can cover, by name (documents and the command line) and by code
 * (the circuit). Codes are stable: a new task gets a new code, a code is never reused.
 */
export const TASKS = {
  tax_filing: 1001,
  invoicing: 1002,
  social_insurance: 1003,
  customs_declaration: 1004,
  contract_signing: 1005,
  licence_renewal: 1006,
  public_procurement: 1007,
  annual_report: 1008,
} as const;
export type Task = keyof typeof TASKS;
export const TASK_NAMES = Object.keys(TASKS) as Task[];
/** A mandate covers 1 to 4 tasks (the circuit's TASKS slots; unused slots are 0), or every task. */
export const MANDATE_TASK_SLOTS = 4;
/** The first slot's value for "every task" (TaskInMandate's ALL_TASKS): the legal representative's mandate. */
export const ALL_TASKS = "all";
const ALL_TASKS_CODE = 1n;
export type MandateTasks = readonly Task[] | typeof ALL_TASKS;

export function parseTask(task: unknown): Task {
  if (typeof task === "string" && task in TASKS) return task as Task;
  throw new RealDidError("invalid_argument", `unknown business task ${JSON.stringify(task)}: one of ${TASK_NAMES.join(", ")}`);
}

/** A mandate's terms: who may act for which enterprise, in which role, for which tasks, when. */
export interface MandateTerms {
  /** The agent's identity commitment (the registrar looks it up; the representative names the person by ID number). */
  readonly agentCommitment: bigint;
  readonly enterprise: EnterpriseFields;
  readonly role: Role;
  readonly tasks: MandateTasks;
  /** First and last valid day, YYYY-MM-DD (UTC), inclusive. */
  readonly validFrom: string;
  readonly validUntil: string;
  /** The mandate's leaf index in the registry (bound into its leaf). */
  readonly index: number;
}

/** Checks the parts the circuit cannot: "all" or 1-4 distinct known tasks, dates in order. */
export function checkMandateTerms(terms: MandateTerms): void {
  parseRole(terms.role);
  if (terms.tasks !== ALL_TASKS && (!Array.isArray(terms.tasks) || terms.tasks.length < 1 || terms.tasks.length > MANDATE_TASK_SLOTS)) {
    throw new RealDidError("invalid_argument", `a mandate covers "${ALL_TASKS}" or 1 to ${MANDATE_TASK_SLOTS} tasks, received ${Array.isArray(terms.tasks) ? terms.tasks.length : typeof terms.tasks}`);
  }
  if (terms.tasks !== ALL_TASKS) terms.tasks.forEach(parseTask);
  if (terms.tasks !== ALL_TASKS && new Set(terms.tasks).size !== terms.tasks.length) throw new RealDidError("invalid_argument", `a mandate names each task once, received ${terms.tasks.join(", ")}`);
  if (dayNumber("validFrom", terms.validFrom) > dayNumber("validUntil", terms.validUntil)) {
    throw new RealDidError("invalid_argument", `validFrom ${terms.validFrom} is after validUntil ${terms.validUntil}`);
  }
}

/** The circuit's tasks[4]: the codes, then 0 in unused slots ("all": ALL_TASKS_CODE, then 0). */
export function taskSlots(tasks: MandateTasks): bigint[] {
  const codes = tasks === ALL_TASKS ? [ALL_TASKS_CODE] : tasks.map((task) => BigInt(TASKS[task]));
  return Array.from({ length: MANDATE_TASK_SLOTS }, (_, i) => codes[i] ?? 0n);
}

/** The mandate's registry leaf, exactly as circuits/lib/mandate.circom's MandateLeaf computes it. */
export function mandateLeaf(terms: MandateTerms): bigint {
  checkMandateTerms(terms);
  return poseidon12([
    terms.agentCommitment,
    terms.enterprise.code,
    terms.enterprise.region,
    terms.enterprise.type,
    BigInt(ROLES[terms.role]),
    ...taskSlots(terms.tasks),
    BigInt(dayNumber("validFrom", terms.validFrom)),
    BigInt(dayNumber("validUntil", terms.validUntil)),
    BigInt(terms.index),
  ]);
}

/** The person-in-role's address at a scope (RolePseudonym): Poseidon4(scope, secret, code, role). */
export const rolePseudonym = (scope: bigint, secret: bigint, enterpriseCode: bigint, role: Role): bigint =>
  poseidon4([scope, secret, enterpriseCode, BigInt(ROLES[role])]);
