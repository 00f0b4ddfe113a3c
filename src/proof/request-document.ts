import { z } from "zod";
import { ATTRIBUTE_MAX, ATTRIBUTE_SLOTS } from "../attributes/attributes.js";
import { predicateBounds } from "../attributes/predicates.js";
import { parseDocument } from "../formats/schema.js";
import { FieldDecimal, IsoTime, PointJson } from "../formats/fields.js";
import { RealDidError } from "../errors.js";
import { describePredicates, type Policy, parsePoint } from "../policy/policy.js";
import { KeyId } from "./proof-document.js";
import type { ProofRequest } from "./request.js";

export const REQUEST_FORMAT = "realdid-request/1";

const Bound = FieldDecimal.refine((value) => BigInt(value) <= ATTRIBUTE_MAX, `must be at most ${ATTRIBUTE_MAX}`);
const Bounds = z.array(Bound).length(ATTRIBUTE_SLOTS.length);

/**
 * What a site asks a citizen to prove, as the verifier service hands it out (GET
 * /v1/sites/:site without a challenge, POST /v1/challenges with one) and as `realdid
 * prove --request` reads it: the scope, the attribute bounds for `day` (and the same in
 * words), the regulator key the real-name handle must be escrowed to, and the key id of
 * the circuit keys the site verifies with.
 */
export const RequestDocumentSchema = z.object({
  format: z.literal(REQUEST_FORMAT),
  keyId: KeyId,
  /** The verifier service's name for the site, and the action if the request is for one. */
  site: z.string().max(64).optional(),
  action: z.string().max(64).nullable().optional(),
  scope: z.string().min(1).max(300),
  predicates: z.array(z.string().max(200)).max(16),
  day: z.iso.date(),
  bounds: z.object({ lo: Bounds, hi: Bounds }),
  regulatorKey: PointJson,
  rootWindowSeconds: z.number().int().min(0),
  challenge: FieldDecimal.optional(),
  expiresAt: IsoTime.optional(),
  /** The site's actions (a one-per-person action's address is a nullifier). */
  actions: z.record(z.string(), z.object({ onePerPerson: z.boolean() })).optional(),
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
    predicates: describePredicates(policy.predicates),
    day: context.day,
    bounds: { lo: bounds.lo.map(String), hi: bounds.hi.map(String) },
    regulatorKey: { x: policy.regulatorKey.x.toString(), y: policy.regulatorKey.y.toString() },
    rootWindowSeconds: policy.rootWindowMs / 1000,
    ...(context.challenge !== undefined && { challenge: context.challenge.toString() }),
    ...(context.expiresAt !== undefined && { expiresAt: context.expiresAt.toISOString() }),
    ...(context.actions !== undefined && { actions: context.actions }),
  };
}

export const parseRequestDocument = (value: unknown, what: string): RequestDocument => parseDocument(RequestDocumentSchema, value, what);

/**
 * What a prover proves for a request document: refused when the request has expired or
 * there is no challenge to answer (`challenge` supplies one for a request without). The
 * key id goes along: a prover with other keys refuses it before proving.
 */
export function proofRequestFrom(document: RequestDocument, { now = new Date(), challenge }: { now?: Date; challenge?: bigint } = {}): ProofRequest {
  if (document.expiresAt !== undefined && Date.parse(document.expiresAt) <= now.getTime()) {
    throw new RealDidError("request_expired", `the site's request expired at ${document.expiresAt}: ask the site for a new challenge`);
  }
  if (document.challenge !== undefined && challenge !== undefined && BigInt(document.challenge) !== challenge) {
    throw new RealDidError("invalid_argument", "the request already carries a challenge; a different one was given");
  }
  const answered = challenge ?? (document.challenge === undefined ? undefined : BigInt(document.challenge));
  if (answered === undefined) throw new RealDidError("invalid_argument", "the request carries no challenge: give the site's challenge (--challenge)");
  ATTRIBUTE_SLOTS.forEach((slot, i) => {
    if (BigInt(document.bounds.lo[i]) > BigInt(document.bounds.hi[i])) throw new RealDidError("invalid_argument", `the request's bounds on ${slot} are an empty range`);
  });
  return {
    keyId: document.keyId,
    scope: document.scope,
    challenge: answered,
    bounds: { lo: document.bounds.lo.map(BigInt), hi: document.bounds.hi.map(BigInt) },
    regulatorKey: parsePoint("the request's regulatorKey", document.regulatorKey),
  };
}
