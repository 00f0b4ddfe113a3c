/** The value of a public input written as a canonical decimal string below BN254's scalar field order; null for anything else. */
export function publicInputValue(input: unknown): bigint | null;
