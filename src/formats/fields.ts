import { z } from "zod";
import { KEY_ID_PATTERN } from "../artifacts/key-id.js";
import { SNARK_FIELD } from "../crypto/field.js";

/**
 * A canonical decimal string (no sign, no leading zeros) of at most 77 digits -- both BN254
 * fields' orders have 77 -- as numbers travel between parties.
 */
export const Decimal = z.string().regex(/^(0|[1-9][0-9]{0,76})$/, "must be a decimal string without sign or leading zeros");

/** A BN254 scalar field element as a canonical decimal string. */
export const FieldDecimal = Decimal.refine((value) => BigInt(value) < SNARK_FIELD, "must be below the BN254 scalar field order");

/** A Baby Jubjub point as {x, y} decimal strings (curve and subgroup are checked where it is used). */
export const PointJson = z.strictObject({ x: FieldDecimal, y: FieldDecimal });

/** ISO 8601 UTC time, as every document writes times. */
export const IsoTime = z.iso.datetime();

/** `bytes` bytes as lowercase hex: keys, hashes, signatures. */
export const Hex = (bytes: number, what = `${bytes} bytes of lowercase hex`) => z.string().regex(new RegExp(`^[0-9a-f]{${bytes * 2}}$`), `must be ${what}`);
export const Sha256Hex = Hex(32, "a SHA-256 hash (64 lowercase hex characters)");
/** An Ed25519 public key (registrar, verifier service, audit office). */
export const Ed25519PublicKey = Hex(32, "an Ed25519 public key (64 lowercase hex characters)");

export const KeyId = z.string().regex(KEY_ID_PATTERN, "must be a key id (32 hex characters)");

/** A string field read through `normalize` (e.g. a typed code, a key or its DID); what it throws becomes the field's message. */
export const NormalizedString = (normalize: (text: string) => string) =>
  z.string().transform((text, context) => {
    try {
      return normalize(text);
    } catch (error) {
      context.addIssue({ code: "custom", message: (error as Error).message });
      return z.NEVER;
    }
  });
