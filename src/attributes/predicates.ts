import { RealDidError } from "../errors.js";
import { ATTRIBUTE_MAX, ATTRIBUTE_SLOTS, type DocumentType, encodeDocumentType, type AttributeSlot } from "./attributes.js";
import { dayNumber, dayYearsBefore } from "./calendar.js";

/**
 * What a site asks about a person. Each predicate becomes an inclusive range on one
 * attribute slot; a slot nobody asks about gets the full range [0, 2^32 - 1].
 */
export interface Predicates {
  /** Age in whole years at least this: birthDate <= today - minAge years. */
  minAge?: number;
  /** Age in whole years at most this: birthDate > today - (maxAge + 1) years. */
  maxAge?: number;
  /** The credential has not expired: expiry >= today. */
  notExpired?: boolean;
  /** Region code starts with these digits ("11" = a province, "1101" = a city). */
  regionPrefix?: string;
  /** Only this document type. */
  documentType?: DocumentType;
}

/** Inclusive bounds per slot, in ATTRIBUTE_SLOTS order: the circuit's attributeLo/Hi. */
export interface AttributeBounds {
  readonly lo: readonly bigint[];
  readonly hi: readonly bigint[];
}

function wholeYears(name: string, value: unknown): number {
  if (typeof value !== "number" || !Number.isInteger(value) || value < 0 || value > 150) {
    throw new RealDidError("invalid_argument", `${name} must be a whole number of years from 0 to 150, received ${JSON.stringify(value)}`);
  }
  return value;
}

/** The 6-digit region codes starting with `prefix` ("11" = a province, "1101" = a city), inclusive. */
export function regionPrefixRange(name: string, prefix: unknown): [bigint, bigint] {
  if (typeof prefix !== "string" || !/^\d{1,6}$/.test(prefix)) {
    throw new RealDidError("invalid_argument", `${name} must be 1 to 6 digits, received ${JSON.stringify(prefix)}`);
  }
  const width = 6 - prefix.length;
  return [BigInt(prefix + "0".repeat(width)), BigInt(prefix + "9".repeat(width))];
}

/** The bounds a verifier expects for `predicates` on `today` (YYYY-MM-DD, UTC). */
export function predicateBounds(predicates: Predicates, today: string): AttributeBounds {
  const lo = new Map<AttributeSlot, bigint>();
  const hi = new Map<AttributeSlot, bigint>();
  if (predicates.minAge !== undefined) {
    hi.set("birthDate", BigInt(dayYearsBefore("today", today, wholeYears("minAge", predicates.minAge))));
  }
  if (predicates.maxAge !== undefined) {
    lo.set("birthDate", BigInt(dayYearsBefore("today", today, wholeYears("maxAge", predicates.maxAge) + 1) + 1));
  }
  if (predicates.notExpired) lo.set("expiry", BigInt(dayNumber("today", today)));
  if (predicates.regionPrefix !== undefined) {
    const [low, high] = regionPrefixRange("regionPrefix", predicates.regionPrefix);
    lo.set("region", low);
    hi.set("region", high);
  }
  if (predicates.documentType !== undefined) {
    const code = encodeDocumentType(predicates.documentType);
    lo.set("documentType", code);
    hi.set("documentType", code);
  }
  const bounds = {
    lo: ATTRIBUTE_SLOTS.map((slot) => lo.get(slot) ?? 0n),
    hi: ATTRIBUTE_SLOTS.map((slot) => hi.get(slot) ?? ATTRIBUTE_MAX),
  };
  ATTRIBUTE_SLOTS.forEach((slot, i) => {
    if (bounds.lo[i] > bounds.hi[i]) throw new RealDidError("invalid_argument", `the predicates on ${slot} can never hold (empty range)`);
  });
  return bounds;
}
