/** Hashes each run of `arity` 32-byte little-endian field elements; the hashes likewise. */
export interface NativePoseidon {
  hashPacked(arity: number, input: Uint8Array): Uint8Array;
}

export function loadNativePoseidon(): NativePoseidon | undefined;

/** Throws a RangeError for an arity outside 1 to 16. */
export function checkPoseidonArity(arity: number): void;
