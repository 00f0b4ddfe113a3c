import { base32crockford } from "@scure/base";
import { RealDidError } from "../errors.js";
import { presentationChallenge } from "../proof/request.js";

/**
 * A desk's short code: 8 characters of Crockford base32 (40 random bits), shown in big
 * letters and typed by a person whose wallet already knows the desk. Its challenge is
 * presentationChallenge(code), so the code a person typed and the one the desk shows give
 * the same circuit challenge.
 */
export const SHORT_CODE_LENGTH = 8;
const CODE = /^[0-9A-HJKMNP-TV-Z]{8}$/;

export const newShortCode = (): string => base32crockford.encode(globalThis.crypto.getRandomValues(new Uint8Array(5)));

/** A code as typed ("abcd-efgh", "0O" and "1IL" confused) in its one spelling, or a clear error. */
export function normalizeShortCode(typed: string): string {
  const code = typed.toUpperCase().replace(/[\s-]/g, "").replace(/O/g, "0").replace(/[IL]/g, "1");
  if (!CODE.test(code)) throw new RealDidError("invalid_argument", `a desk code is ${SHORT_CODE_LENGTH} letters and digits (Crockford base32, no U), received ${JSON.stringify(typed.slice(0, 20))}`);
  return code;
}

/** "ABCD-EFGH": easier to read aloud and to type. */
export const spacedShortCode = (code: string): string => `${code.slice(0, 4)}-${code.slice(4)}`;

export const shortCodeChallenge = (code: string): bigint => presentationChallenge(normalizeShortCode(code));
