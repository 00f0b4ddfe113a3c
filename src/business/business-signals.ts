import { ATTRIBUTE_SLOTS } from "../attributes/attributes.js";
import type { AttributeBounds } from "../attributes/predicates.js";
import type { Point } from "../crypto/baby-jubjub.js";
import type { EscrowCiphertext } from "../crypto/escrow.js";
import { signalValues } from "../proof/public-signals.js";
import { ROLE_NAMES, type Role } from "./mandate.js";

/** Inclusive bounds on the enterprise's region and organisation type (EnterpriseDisclosure's lo/hi). */
export interface EnterpriseBounds {
  readonly region: readonly [bigint, bigint];
  readonly type: readonly [bigint, bigint];
}

/**
 * The business circuit's public signals by name. This module alone knows their positions
 * (circuits/main/realdid-business-32-4.circom: outputs first, then public inputs in order).
 */
export interface BusinessSignals {
  readonly root: bigint;
  /** The person-in-role's address at the scope (RolePseudonym): account and nullifier. */
  readonly pseudonym: bigint;
  /** The person's leaf, escrowed as in a personal proof. */
  readonly escrow: EscrowCiphertext;
  /** The mandate's leaf, escrowed under the same R (mandateHandleFromSharedKey). */
  readonly mandateCipher: bigint;
  /** The enterprise's credit code as a number, or 0 when it stays hidden. */
  readonly revealedEnterprise: bigint;
  readonly scope: bigint;
  readonly challenge: bigint;
  readonly regulatorKey: Point;
  readonly regulatorKeyShifted: Point;
  /** The verifier's day, days since 1900-01-01. */
  readonly today: bigint;
  /** 1 or 0 per role, in ROLE_NAMES order. */
  readonly allowedRoles: readonly bigint[];
  readonly requiredTask: bigint;
  readonly revealEnterprise: bigint;
  readonly bounds: AttributeBounds;
  readonly enterpriseBounds: EnterpriseBounds;
}

export const BUSINESS_SIGNAL_NAMES = [
  "root",
  "pseudonym",
  "escrowEphemeral.x",
  "escrowEphemeral.y",
  "escrowCipher",
  "mandateCipher",
  "revealedEnterprise",
  "scope",
  "challenge",
  "regulatorKey.x",
  "regulatorKey.y",
  "regulatorKeyShifted.x",
  "regulatorKeyShifted.y",
  "today",
  ...ROLE_NAMES.map((role) => `allowedRoles.${role}`),
  "requiredTask",
  "revealEnterprise",
  ...ATTRIBUTE_SLOTS.map((slot) => `attributeLo.${slot}`),
  ...ATTRIBUTE_SLOTS.map((slot) => `attributeHi.${slot}`),
  "enterpriseLo.region",
  "enterpriseLo.type",
  "enterpriseHi.region",
  "enterpriseHi.type",
] as const;

const SLOTS = ATTRIBUTE_SLOTS.length;
const ROLES_AT = 14;
const BOUNDS_AT = ROLES_AT + ROLE_NAMES.length + 2;
const ENTERPRISE_AT = BOUNDS_AT + 2 * SLOTS;

export function parseBusinessSignals(signals: unknown): BusinessSignals {
  const v = signalValues(signals, BUSINESS_SIGNAL_NAMES);
  return {
    root: v[0],
    pseudonym: v[1],
    escrow: { ephemeral: { x: v[2], y: v[3] }, cipher: v[4] },
    mandateCipher: v[5],
    revealedEnterprise: v[6],
    scope: v[7],
    challenge: v[8],
    regulatorKey: { x: v[9], y: v[10] },
    regulatorKeyShifted: { x: v[11], y: v[12] },
    today: v[13],
    allowedRoles: v.slice(ROLES_AT, ROLES_AT + ROLE_NAMES.length),
    requiredTask: v[ROLES_AT + ROLE_NAMES.length],
    revealEnterprise: v[ROLES_AT + ROLE_NAMES.length + 1],
    bounds: { lo: v.slice(BOUNDS_AT, BOUNDS_AT + SLOTS), hi: v.slice(BOUNDS_AT + SLOTS, ENTERPRISE_AT) },
    enterpriseBounds: { region: [v[ENTERPRISE_AT], v[ENTERPRISE_AT + 2]], type: [v[ENTERPRISE_AT + 1], v[ENTERPRISE_AT + 3]] },
  };
}

/** The roles a proof's allowedRoles accept. */
export const rolesOfSignals = (signals: BusinessSignals): Role[] => ROLE_NAMES.filter((_, i) => signals.allowedRoles[i] === 1n);
