import { type Predicates, predicateBounds } from "../attributes/predicates.js";
import { assertSubgroupPoint, type Point } from "../crypto/baby-jubjub.js";
import { toFieldElement } from "../crypto/field.js";
import { RealDidError } from "../errors.js";
import { type BusinessPolicy, parseBusinessPolicy } from "../business/business-policy.js";
import { DEFAULT_ROOT_WINDOW_MS } from "../ledger/root-ledger.js";
import type { ProofRequest } from "../proof/request.js";

/**
 * A relying party's policy: what a site asks of every proof. Read from a JSON file:
 * {
 *   "scope": "shop.example",
 *   "minAge": 18, "maxAge": 65, "regionPrefix": "11", "checkExpiry": true, "documentType": "passport",
 *   "rootWindowSeconds": 3600,
 *   "regulatorKey": { "x": "…", "y": "…" },
 *   "registrarKey": "…ed25519 hex…",
 *   "business": { "roles": ["agent"], "task": "tax_filing", "revealEnterprise": true }   (see BusinessPolicySchema)
 * }
 * Only scope and regulatorKey are required.
 */
export interface Policy {
  readonly scope: string;
  readonly predicates: Predicates;
  readonly rootWindowMs: number;
  /** The key provers escrow to now. */
  readonly regulatorKey: Point;
  /** Older keys whose proofs are still accepted while a key rotation completes. */
  readonly acceptedRegulatorKeys: readonly Point[];
  /** The registrar whose ledger this site trusts (checked against the ledger file). */
  readonly registrarKey?: string;
  /** Present for a business login: the person proves they act for an enterprise (the business circuit). */
  readonly business?: BusinessPolicy;
}

const KNOWN_FIELDS = new Set(["scope", "minAge", "maxAge", "regionPrefix", "checkExpiry", "documentType", "rootWindowSeconds", "regulatorKey", "acceptedRegulatorKeys", "registrarKey", "business"]);

export function parsePoint(name: string, value: unknown): Point {
  const v = value as { x?: unknown; y?: unknown };
  if (typeof v !== "object" || v === null) throw new RealDidError("invalid_argument", `${name} must be an object {"x": "…", "y": "…"}`);
  const point = { x: toFieldElement(`${name}.x`, v.x), y: toFieldElement(`${name}.y`, v.y) };
  assertSubgroupPoint(name, point);
  return point;
}

export function parsePolicy(value: unknown): Policy {
  const bad = (message: string): never => {
    throw new RealDidError("invalid_argument", `policy: ${message}`);
  };
  if (typeof value !== "object" || value === null || Array.isArray(value)) bad("must be a JSON object");
  const p = value as Record<string, unknown>;
  for (const key of Object.keys(p)) if (!KNOWN_FIELDS.has(key)) bad(`unknown field "${key}"`);
  if (typeof p.scope !== "string" || p.scope.length === 0 || p.scope.length > 253) bad("scope must be a non-empty string (a domain, or domain/action)");
  if (p.checkExpiry !== undefined && typeof p.checkExpiry !== "boolean") bad("checkExpiry must be true or false");
  const windowSeconds = p.rootWindowSeconds ?? DEFAULT_ROOT_WINDOW_MS / 1000;
  if (typeof windowSeconds !== "number" || !(windowSeconds >= 0) || windowSeconds > 30 * 86400) bad("rootWindowSeconds must be a number of seconds from 0 to 2592000");
  if (p.registrarKey !== undefined && (typeof p.registrarKey !== "string" || !/^[0-9a-f]{64}$/.test(p.registrarKey))) bad("registrarKey must be 64 hex characters");
  if (p.regulatorKey === undefined) bad("regulatorKey is required");
  if (p.acceptedRegulatorKeys !== undefined && !Array.isArray(p.acceptedRegulatorKeys)) bad("acceptedRegulatorKeys must be a list of {x, y} keys");
  const predicates: Predicates = {
    minAge: p.minAge as number | undefined,
    maxAge: p.maxAge as number | undefined,
    regionPrefix: p.regionPrefix as string | undefined,
    notExpired: p.checkExpiry === true,
    documentType: p.documentType as Predicates["documentType"],
  };
  try {
    predicateBounds(predicates, "2000-01-01"); // validates the predicates now, not at first use
  } catch (error) {
    bad((error as Error).message);
  }
  return {
    scope: p.scope as string,
    predicates,
    rootWindowMs: (windowSeconds as number) * 1000,
    regulatorKey: parsePoint("policy: regulatorKey", p.regulatorKey),
    acceptedRegulatorKeys: ((p.acceptedRegulatorKeys as unknown[]) ?? []).map((key, i) => parsePoint(`policy: acceptedRegulatorKeys[${i}]`, key)),
    registrarKey: p.registrarKey as string | undefined,
    ...(p.business !== undefined && { business: parseBusinessPolicy(p.business, "policy: business") }),
  };
}

/** The request a citizen answers (and a verifier expects) under `policy` on `today`. */
export const policyRequest = (policy: Policy, challenge: bigint, today: string): ProofRequest & { acceptedRegulatorKeys: readonly Point[] } => ({
  scope: policy.scope,
  challenge,
  bounds: predicateBounds(policy.predicates, today),
  regulatorKey: policy.regulatorKey,
  acceptedRegulatorKeys: policy.acceptedRegulatorKeys,
});

/** Human-readable list of what a policy checks, for CLI output. */
export function describePredicates(predicates: Predicates): string[] {
  const lines: string[] = [];
  if (predicates.minAge !== undefined) lines.push(`age >= ${predicates.minAge}`);
  if (predicates.maxAge !== undefined) lines.push(`age <= ${predicates.maxAge}`);
  if (predicates.regionPrefix !== undefined) lines.push(`region starts with ${predicates.regionPrefix}`);
  if (predicates.notExpired) lines.push("credential not expired");
  if (predicates.documentType !== undefined) lines.push(`document type ${predicates.documentType}`);
  return lines;
}

export const parseChallenge = (text: unknown): bigint => toFieldElement("challenge", text);
