// The one form in which both Groth16 verifiers -- verifyProof in this thread (through
// parsePublicSignals) and the verify worker -- accept a public input: a canonical decimal
// string (digits only: no sign, no leading zero but in "0" itself, no hex, not a JSON number)
// below BN254's scalar field order. Plain JavaScript, so that the worker can import it.
// One spelling per value: the two verifiers cannot disagree on an input, and signals that
// are stored or signed as sent read the same to everyone who parses them later.

/** BN254's scalar field order r (SNARK_FIELD in src/crypto/field.ts). */
const FIELD_ORDER = 21888242871839275222246405745257275088548364400416034343698204186575808495617n;
// At most 77 digits, the order's length, so no long string reaches BigInt.
const CANONICAL_DECIMAL = /^(0|[1-9][0-9]{0,76})$/;

/** The value of a public input in that form; null for anything else. */
export function publicInputValue(input) {
  if (typeof input !== "string" || !CANONICAL_DECIMAL.test(input)) return null;
  const value = BigInt(input);
  return value < FIELD_ORDER ? value : null;
}
