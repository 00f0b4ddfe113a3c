import { assertSubgroupPoint, BASE8, multiplyPoint, type Point, SUBGROUP_ORDER } from "./baby-jubjub.js";
import { mod, randomBelow, SNARK_FIELD } from "./field.js";
import { hashPair } from "./poseidon.js";

/**
 * Handle escrow, exactly as circuits/lib/handle-escrow.circom computes it:
 * R = r·Base8, K = r·PK, cipher = handle + Poseidon2(K.x, K.y) (mod p).
 * The holder of sk (PK = sk·Base8) recovers K = sk·R and the handle.
 */
export interface EscrowCiphertext {
  readonly ephemeral: Point;
  readonly cipher: bigint;
}

export interface RegulatorKeyPair {
  readonly secretKey: bigint;
  readonly publicKey: Point;
}

/** Escrow randomness is < 2^251 in the circuit; drawing it below l keeps it there. */
export const randomEscrowScalar = (): bigint => randomBelow(SUBGROUP_ORDER);

export function generateRegulatorKeyPair(): RegulatorKeyPair {
  const secretKey = randomBelow(SUBGROUP_ORDER);
  return { secretKey, publicKey: multiplyPoint(BASE8, secretKey) };
}

const padFor = (sharedKey: Point): bigint => hashPair(sharedKey.x, sharedKey.y);

export function encryptHandle(handle: bigint, regulatorKey: Point, randomness: bigint = randomEscrowScalar()): EscrowCiphertext {
  assertSubgroupPoint("regulator key", regulatorKey);
  return {
    ephemeral: multiplyPoint(BASE8, randomness),
    cipher: mod(handle + padFor(multiplyPoint(regulatorKey, randomness)), SNARK_FIELD),
  };
}

/** Recovers the handle from the shared key K = sk·R (computed whole or combined from shares). */
export const handleFromSharedKey = (ciphertext: EscrowCiphertext, sharedKey: Point): bigint =>
  mod(ciphertext.cipher - padFor(sharedKey), SNARK_FIELD);

export const decryptHandle = (ciphertext: EscrowCiphertext, secretKey: bigint): bigint =>
  handleFromSharedKey(ciphertext, multiplyPoint(ciphertext.ephemeral, secretKey));
