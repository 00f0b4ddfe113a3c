import { RealDidError } from "../errors.js";
import { dayNumber, isoDateOfDay } from "./calendar.js";

/** The attribute slots of a credential, in circuit order (RealDid's attributes[0..3]). */
export const ATTRIBUTE_SLOTS = ["birthDate", "region", "expiry", "documentType"] as const;
export type AttributeSlot = (typeof ATTRIBUTE_SLOTS)[number];
/** Attribute values and predicate bounds are below 2^32 (the circuit's range proofs are 32-bit). */
export const ATTRIBUTE_MAX = 2n ** 32n - 1n;

export const DOCUMENT_TYPES = { national_id_card: 1, passport: 2, residence_permit: 3 } as const;
export type DocumentType = keyof typeof DOCUMENT_TYPES;

/**
 * Province-level prefixes of 6-digit administrative division codes (GB/T 2260): the first
 * two digits name the province, the next two the city, the last two the county. The order
 * is the province's shard slot in the registry tree (registry/province-shards.ts): append
 * a new province at the end, never reorder.
 */
export const PROVINCE_CODES = [
  "11", "12", "13", "14", "15", "21", "22", "23", "31", "32", "33", "34", "35", "36", "37",
  "41", "42", "43", "44", "45", "46", "50", "51", "52", "53", "54", "61", "62", "63", "64", "65",
  "71", "81", "82",
] as const;
const PROVINCE_PREFIXES: ReadonlySet<string> = new Set(PROVINCE_CODES);

/** A person's attributes as the registrar verified them. Dates are YYYY-MM-DD (UTC). */
export interface PersonAttributes {
  birthDate: string;
  region: string;
  expiry: string;
  documentType: DocumentType;
}

/** Attribute values as circuit integers, in ATTRIBUTE_SLOTS order. */
export type EncodedAttributes = readonly [bigint, bigint, bigint, bigint];

export function encodeRegion(region: unknown): bigint {
  if (typeof region !== "string" || !/^\d{6}$/.test(region)) {
    throw new RealDidError("invalid_attribute", `region must be a 6-digit administrative code, received ${JSON.stringify(region)}`);
  }
  if (!PROVINCE_PREFIXES.has(region.slice(0, 2))) {
    throw new RealDidError("invalid_attribute", `unknown region code ${region}: no province ${region.slice(0, 2)}`);
  }
  return BigInt(region);
}

export function encodeDocumentType(documentType: unknown): bigint {
  if (typeof documentType !== "string" || !Object.hasOwn(DOCUMENT_TYPES, documentType)) {
    throw new RealDidError("invalid_attribute", `documentType must be one of ${Object.keys(DOCUMENT_TYPES).join(", ")}, received ${JSON.stringify(documentType)}`);
  }
  return BigInt(DOCUMENT_TYPES[documentType as DocumentType]);
}

/** Validates and encodes attributes; with `today` (YYYY-MM-DD), a birth date after it is refused. */
export function encodeAttributes(attributes: PersonAttributes, today?: string): EncodedAttributes {
  if (typeof attributes !== "object" || attributes === null) throw new RealDidError("invalid_attribute", "attributes must be an object");
  const birthDate = dayNumber("birthDate", attributes.birthDate);
  const expiry = dayNumber("expiry", attributes.expiry);
  if (today !== undefined && birthDate > dayNumber("today", today)) {
    throw new RealDidError("invalid_attribute", `birthDate ${attributes.birthDate} is in the future`);
  }
  if (expiry <= birthDate) {
    throw new RealDidError("invalid_attribute", `expiry ${attributes.expiry} is not after birthDate ${attributes.birthDate}`);
  }
  return [BigInt(birthDate), encodeRegion(attributes.region), BigInt(expiry), encodeDocumentType(attributes.documentType)];
}

export function decodeAttributes(encoded: EncodedAttributes): PersonAttributes {
  const [birthDate, region, expiry, documentType] = encoded;
  const typeName = Object.entries(DOCUMENT_TYPES).find(([, code]) => BigInt(code) === documentType)?.[0];
  if (typeName === undefined) throw new RealDidError("invalid_attribute", `unknown document type code ${documentType}`);
  return {
    birthDate: isoDateOfDay(Number(birthDate)),
    region: region.toString().padStart(6, "0"),
    expiry: isoDateOfDay(Number(expiry)),
    documentType: typeName as DocumentType,
  };
}
