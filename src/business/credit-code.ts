import { RealDidError } from "../errors.js";

/**
 * The 31 characters of a unified social credit code (GB 32100-2015): digits and capital
 * letters without I, O, S, V and Z (too easily read as 1, 0, 5, U and 2).
 */
export const CREDIT_CODE_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY";
const ALPHABET = CREDIT_CODE_ALPHABET;
/** Weight of position i is 3^i mod 31: all non-zero mod 31, so any single changed character changes the sum. */
const WEIGHTS = Array.from({ length: 17 }, (_, i) => 3 ** i % 31);

const checkCharacterOf = (first17: string): string => {
  const sum = WEIGHTS.reduce((acc, weight, i) => acc + weight * ALPHABET.indexOf(first17[i]), 0);
  return ALPHABET[(31 - (sum % 31)) % 31];
};

/**
 * Validates an enterprise's 18-character unified social credit code (GB 32100-2015): the
 * registration authority and organisation type (one character each), the 6-digit
 * administrative division of registration, the 9-character organisation code and a check
 * character (weighted sum mod 31). Every single-character change and every wrong check
 * character is refused, saying which check failed. Returns the code's parts.
 */
export function parseCreditCode(code: unknown): { code: string; authority: string; organisationType: string; region: string; organisationCode: string } {
  if (typeof code !== "string" || code.length !== 18) {
    throw new RealDidError("invalid_record", `a unified social credit code is 18 characters, received ${JSON.stringify(typeof code === "string" ? code.slice(0, 40) : code)}`);
  }
  for (const [i, character] of [...code].entries()) {
    if (!ALPHABET.includes(character)) {
      throw new RealDidError("invalid_record", `unified social credit code ${code}: character ${i + 1} ${JSON.stringify(character)} is not used in credit codes (digits and capitals without I, O, S, V, Z)`);
    }
  }
  if (!/^\d{6}$/.test(code.slice(2, 8))) throw new RealDidError("invalid_record", `unified social credit code ${code}: characters 3-8 must be the 6-digit administrative division of registration, received ${code.slice(2, 8)}`);
  const expected = checkCharacterOf(code.slice(0, 17));
  if (expected !== code[17]) {
    throw new RealDidError("invalid_record", `unified social credit code ${code} fails its check: the check character is ${code[17]}, but the first 17 characters give ${expected} (a character was changed or mistyped)`);
  }
  return { code, authority: code[0], organisationType: code[1], region: code.slice(2, 8), organisationCode: code.slice(8, 17) };
}

/** Completes 17 characters with their check character (for tests and examples). */
export const withCreditCodeCheck = (first17: string): string => first17 + checkCharacterOf(first17);
