import { RealDidError } from "../errors.js";

const WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const CHECK_CHARACTERS = "10X98765432";

/**
 * Validates an 18-character resident identity number (GB 11643): 17 digits and an
 * ISO 7064 MOD 11-2 check character. Returns the birth date it encodes (YYYY-MM-DD) so
 * the registrar can cross-check the record.
 */
export function nationalIdBirthDate(nationalId: unknown): string {
  if (typeof nationalId !== "string" || !/^\d{17}[\dX]$/.test(nationalId)) {
    throw new RealDidError("invalid_record", `nationalId must be 17 digits and a check digit or X, received ${JSON.stringify(nationalId)}`);
  }
  const sum = WEIGHTS.reduce((acc, weight, i) => acc + weight * Number(nationalId[i]), 0);
  if (CHECK_CHARACTERS[sum % 11] !== nationalId[17]) {
    throw new RealDidError("invalid_record", `nationalId ${nationalId} has a wrong check character (expected ${CHECK_CHARACTERS[sum % 11]})`);
  }
  return `${nationalId.slice(6, 10)}-${nationalId.slice(10, 12)}-${nationalId.slice(12, 14)}`;
}

/** Completes 17 digits with their check character (for tests and examples). */
export function withCheckCharacter(first17: string): string {
  const sum = WEIGHTS.reduce((acc, weight, i) => acc + weight * Number(first17[i]), 0);
  return first17 + CHECK_CHARACTERS[sum % 11];
}
