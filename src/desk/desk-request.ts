import { z } from "zod";
import { dayNumber } from "../attributes/calendar.js";
import { type Predicates, predicateBounds } from "../attributes/predicates.js";
import type { Point } from "../crypto/baby-jubjub.js";
import { RealDidError } from "../errors.js";
import { KeyId, NormalizedString } from "../formats/fields.js";
import { parseJsonDocument } from "../formats/schema.js";
import type { ProofRequest } from "../proof/request.js";
import { DeskPredicates, DeskScope } from "./desk-config.js";
import { normalizeShortCode, shortCodeChallenge } from "./short-code.js";

/**
 * What a front desk asks, as the QR code it shows (and the text a wallet may paste): its
 * name and scope, its predicates and the day their bounds are computed for, the key id it
 * verifies with, and its current short code (the challenge). Nothing the wallet must trust:
 * the regulator key comes from the wallet's own list, the bounds from the predicates.
 */
export const DESK_REQUEST_FORMAT = "realdid-desk-request/1";

export const DeskRequestSchema = z.strictObject({
  format: z.literal(DESK_REQUEST_FORMAT),
  name: z.string().min(1).max(80),
  scope: DeskScope,
  predicates: DeskPredicates,
  day: z.iso.date(),
  keyId: KeyId,
  code: NormalizedString(normalizeShortCode),
});
export type DeskRequest = z.output<typeof DeskRequestSchema>;

export const parseDeskRequest = (text: string): DeskRequest => parseJsonDocument(DeskRequestSchema, text.trim(), "the desk's request");

/** The desk's request as the compact JSON its QR code carries. */
export const deskRequestText = (request: DeskRequest): string => JSON.stringify(request);

/**
 * What the wallet proves for a desk's request: the desk's scope, the challenge of its code,
 * the bounds its predicates give on its day (today give or take one: a request cannot pin a
 * birth date while saying "age >= 18"), escrowed to a regulator key the person trusts.
 */
export function deskProofRequest(request: DeskRequest, regulatorKey: Point, now = new Date()): ProofRequest {
  const today = dayNumber("today", now.toISOString().slice(0, 10));
  if (Math.abs(dayNumber("the desk request's day", request.day) - today) > 1) throw new RealDidError("invalid_argument", `the desk's request is for ${request.day}, not for today: ask the desk for its current code`);
  return {
    keyId: request.keyId,
    scope: request.scope,
    challenge: shortCodeChallenge(request.code),
    bounds: predicateBounds(request.predicates as Predicates, request.day),
    regulatorKey,
  };
}
