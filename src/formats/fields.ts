import { z } from "zod";
import { SNARK_FIELD } from "../crypto/field.js";

/** A canonical decimal string (no sign, no leading zeros) of at most 78 digits: how numbers travel. */
export const Decimal = z.string().regex(/^(0|[1-9][0-9]{0,77})$/, "must be a decimal string without sign or leading zeros");

/** A BN254 scalar field element as a canonical decimal string. */
export const FieldDecimal = Decimal.refine((value) => BigInt(value) < SNARK_FIELD, "must be below the BN254 scalar field order");

/** A Baby Jubjub point as {x, y} decimal strings (curve and subgroup are checked where it is used). */
export const PointJson = z.object({ x: FieldDecimal, y: FieldDecimal });

/** ISO 8601 UTC time, as every document writes times. */
export const IsoTime = z.iso.datetime();
