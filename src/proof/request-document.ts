import { z } from "zod";
import { ATTRIBUTE_MAX, ATTRIBUTE_SLOTS, DOCUMENT_TYPES, type DocumentType } from "../attributes/attributes.js";
import { dayNumber } from "../attributes/calendar.js";
import { type Predicates, predicateBounds } from "../attributes/predicates.js";
import { type Point, pointsEqual } from "../crypto/baby-jubjub.js";
import { parseDocument } from "../formats/schema.js";
import { FieldDecimal, IsoTime, KeyId, PointJson } from "../formats/fields.js";
import { RealDidError } from "../errors.js";
import { describePredicates, type Policy, parsePoint } from "../policy/policy.js";
import { type BusinessPolicy, BusinessPolicySchema, describeBusiness, enterpriseBounds } from "../business/business-policy.js";
import type { BusinessTerms } from "../business/business-circuit-input.js";
import type { ProofRequest } from "./request.js";

export const REQUEST_FORMAT = "realdid-request/1";

const Bound = FieldDecimal.refine((value) => BigInt(value) <= ATTRIBUTE_MAX, `must be at most ${ATTRIBUTE_MAX}`);
const Bounds = z.array(Bound).length(ATTRIBUTE_SLOTS.length);
const Years = z.number().int().min(0).max(150);

/** What the site asks, as data: the prover shows it in words and checks the bounds are exactly these. */
const PredicatesSchema = z.strictObject({
  minAge: Years.optional(),
  maxAge: Years.optional(),
  notExpired: z.boolean().optional(),
  regionPrefix: z.string().regex(/^\d{1,6}$/, "must be 1 to 6 digits").optional(),
  documentType: z.enum(Object.keys(DOCUMENT_TYPES) as [DocumentType, ...DocumentType[]]).optional(),
});

/**
 * What a site asks a citizen to prove, as the verifier service hands it out (GET
 * /v1/sites/:site without a challenge, POST /v1/challenges with one) and as `realdid
 * prove --request` reads it: the scope, the predicates and the attribute bounds they give
 * on `day`, the regulator key the real-name handle must be escrowed to, and the key id of
 * the circuit keys the site verifies with.
 */
export const RequestDocumentSchema = z.strictObject({
  format: z.literal(REQUEST_FORMAT),
  keyId: KeyId,
  /** The verifier service's name for the site, and the action if the request is for one. */
  site: z.string().max(64).optional(),
  action: z.string().max(64).nullable().optional(),
  scope: z.string().min(1).max(300),
  predicates: PredicatesSchema,
  day: z.iso.date(),
  bounds: z.strictObject({ lo: Bounds, hi: Bounds }),
  regulatorKey: PointJson,
  rootWindowSeconds: z.number().int().min(0),
  challenge: FieldDecimal.optional(),
  expiresAt: IsoTime.optional(),
  /** The site's actions (a one-per-person action's address is a nullifier). */
  actions: z.record(z.string(), z.strictObject({ onePerPerson: z.boolean() })).optional(),
  /** A business login: what the person must prove about their mandate (the business circuit; keyId is its key id). */
  business: BusinessPolicySchema.extend({ enterpriseBounds: z.strictObject({ region: z.tuple([Bound, Bound]), type: z.tuple([Bound, Bound]) }) }).optional(),
});
export type RequestDocument = z.infer<typeof RequestDocumentSchema>;

export interface RequestContext {
  readonly keyId: string;
  /** The day the bounds are computed for (YYYY-MM-DD, UTC). */
  readonly day: string;
  readonly scope?: string;
  readonly site?: string;
  readonly action?: string | null;
  readonly challenge?: bigint;
  readonly expiresAt?: Date;
  readonly actions?: RequestDocument["actions"];
}

/** The request document for a site's policy (the scope may name an action: "shop.example/vote"). */
export function requestDocument(policy: Policy, context: RequestContext): RequestDocument {
  const bounds = predicateBounds(policy.predicates, context.day);
  return {
    format: REQUEST_FORMAT,
    keyId: context.keyId,
    ...(context.site !== undefined && { site: context.site, action: context.action ?? null }),
    scope: context.scope ?? policy.scope,
    predicates: JSON.parse(JSON.stringify(policy.predicates)) as RequestDocument["predicates"], // without the unset ones
    day: context.day,
    bounds: { lo: bounds.lo.map(String), hi: bounds.hi.map(String) },
    regulatorKey: { x: policy.regulatorKey.x.toString(), y: policy.regulatorKey.y.toString() },
    rootWindowSeconds: policy.rootWindowMs / 1000,
    ...(context.challenge !== undefined && { challenge: context.challenge.toString() }),
    ...(context.expiresAt !== undefined && { expiresAt: context.expiresAt.toISOString() }),
    ...(context.actions !== undefined && { actions: context.actions }),
    ...(policy.business !== undefined && { business: businessSection(policy.business) }),
  };
}

function businessSection(business: BusinessPolicy): NonNullable<RequestDocument["business"]> {
  const { region, type } = enterpriseBounds(business.enterprise);
  return { ...business, enterpriseBounds: { region: [String(region[0]), String(region[1])], type: [String(type[0]), String(type[1])] } };
}

export const parseRequestDocument = (value: unknown, what: string): RequestDocument => parseDocument(RequestDocumentSchema, value, what);

/** What a citizen accepts in a request beyond its own form (see proofRequestFrom). */
export interface CitizenTrust {
  /** The regulator keys the citizen lets their real-name handle be escrowed to (published by the regulator). */
  readonly regulatorKeys: readonly Point[];
  readonly now?: Date;
  /** The site's challenge, for a request that carries none. */
  readonly challenge?: bigint;
}

/** The site's request in words, made here from its predicates (never the site's own wording). */
export const describeRequest = (document: RequestDocument): string[] => [
  ...describePredicates(document.predicates as Predicates),
  ...(document.business === undefined ? [] : describeBusiness(document.business)),
];

/**
 * What a prover proves for a request document, after the checks that keep a site from
 * asking for more than it says: the regulator key must be one the citizen trusts (a site's
 * own key would let it open the handle); the bounds must be exactly the ones its predicates
 * give on its day, and that day today give or take one (so a request cannot pin a birth
 * date while saying "age >= 18"); it must not have expired, and there must be a challenge.
 * The key id goes along: a prover with other keys refuses it before proving.
 */
export function proofRequestFrom(document: RequestDocument, trust: CitizenTrust): ProofRequest {
  if (document.business !== undefined) throw new RealDidError("invalid_argument", "the site asks for a business login: prove as a person acting for an enterprise (realdid enterprise prove)");
  return checkedRequest(document, trust);
}

/**
 * What a person acting for an enterprise proves for a business request document: the
 * checks of proofRequestFrom, and the enterprise bounds must be exactly what its enterprise
 * predicates give.
 */
export function businessProofRequestFrom(document: RequestDocument, trust: CitizenTrust): ProofRequest & BusinessTerms {
  if (document.business === undefined) throw new RealDidError("invalid_argument", "the site asks for a personal login, not a business one (realdid prove)");
  const request = checkedRequest(document, trust);
  const { roles, task, revealEnterprise, enterprise, enterpriseBounds: asked } = document.business;
  const expected = enterpriseBounds(enterprise);
  const same = (range: readonly [string, string], want: readonly [bigint, bigint]) => BigInt(range[0]) === want[0] && BigInt(range[1]) === want[1];
  if (!same(asked.region, expected.region) || !same(asked.type, expected.type)) {
    throw new RealDidError("invalid_argument", "the request's enterprise bounds are not what its enterprise predicates give: refused");
  }
  return { ...request, today: document.day, roles, task, revealEnterprise, enterpriseBounds: expected };
}

function checkedRequest(document: RequestDocument, { regulatorKeys, now = new Date(), challenge }: CitizenTrust): ProofRequest {
  const regulatorKey = parsePoint("the request's regulatorKey", document.regulatorKey);
  if (!regulatorKeys.some((key) => pointsEqual(key, regulatorKey))) {
    throw new RealDidError("regulator_key_untrusted", "the site asks to escrow your real name to a regulator key you do not trust: refused (give the regulator's published key with --regulator-key)");
  }
  const today = dayNumber("today", now.toISOString().slice(0, 10));
  if (Math.abs(dayNumber("the request's day", document.day) - today) > 1) throw new RealDidError("invalid_argument", `the request's bounds are for ${document.day}, not for today`);
  const bounds = predicateBounds(document.predicates as Predicates, document.day);
  ATTRIBUTE_SLOTS.forEach((slot, i) => {
    if (BigInt(document.bounds.lo[i]) !== bounds.lo[i] || BigInt(document.bounds.hi[i]) !== bounds.hi[i]) {
      throw new RealDidError("invalid_argument", `the request's bounds on ${slot} are not what its predicates (${describeRequest(document).join(", ") || "none"}) give on ${document.day}: refused`);
    }
  });
  if (document.expiresAt !== undefined && Date.parse(document.expiresAt) <= now.getTime()) {
    throw new RealDidError("request_expired", `the site's request expired at ${document.expiresAt}: ask the site for a new challenge`);
  }
  if (document.challenge !== undefined && challenge !== undefined && BigInt(document.challenge) !== challenge) {
    throw new RealDidError("invalid_argument", "the request already carries a challenge; a different one was given");
  }
  const answered = challenge ?? (document.challenge === undefined ? undefined : BigInt(document.challenge));
  if (answered === undefined) throw new RealDidError("invalid_argument", "the request carries no challenge: give the site's challenge (--challenge)");
  return { keyId: document.keyId, scope: document.scope, challenge: answered, bounds, regulatorKey };
}
