import { assertSubgroupPoint, BASE8, multiplyPoint, type Point, SUBGROUP_ORDER } from "./baby-jubjub.js";
import { mod, randomBelow, SNARK_FIELD } from "./field.js";
import { poseidon3 } from "poseidon-lite/poseidon3";
import { hashPair } from "./poseidon.js";

/**
 * Handle escrow, exactly as circuits/lib/handle-escrow.circom computes it: from randomness
 * r, the ephemeral scalar k = 2r + (2^126 + 1)² (mod l), R = k·Base8, K = k·PK,
 * cipher = handle + Poseidon2(K.x, K.y) (mod p). The circuit's joint ladder computes k·PK in
 * that form (see JointScalarMul); k is uniform mod l when r is. The holder of sk
 * (PK = sk·Base8) recovers K = sk·R and the handle.
 */
export interface EscrowCiphertext {
  readonly ephemeral: Point;
  readonly cipher: bigint;
}

/** A ciphertext as JSON: decimal strings, as verification results and case files write it. */
export const escrowJson = (escrow: EscrowCiphertext) => ({ ephemeral: { x: escrow.ephemeral.x.toString(), y: escrow.ephemeral.y.toString() }, cipher: escrow.cipher.toString() });

export interface RegulatorKeyPair {
  readonly secretKey: bigint;
  readonly publicKey: Point;
}

/** Escrow randomness is < 2^252 in the circuit; drawing it below l keeps it there. */
export const randomEscrowScalar = (): bigint => randomBelow(SUBGROUP_ORDER);

const LADDER_HALF_BITS = 126n;
const ephemeralScalar = (randomness: bigint): bigint => mod(2n * randomness + (2n ** LADDER_HALF_BITS + 1n) ** 2n, SUBGROUP_ORDER);

// Remembered per key: a verifier accepts only a handful of regulator keys.
const cacheKey = (key: Point): string => `${key.x},${key.y}`;
const shiftedKeys = new Map<string, Point>();
const checkedKeys = new Set<string>();

/** assertSubgroupPoint for a key a verifier accepts, once per key rather than once per proof. */
export function assertRegulatorKey(name: string, regulatorKey: Point): void {
  const id = cacheKey(regulatorKey);
  if (checkedKeys.has(id)) return;
  assertSubgroupPoint(name, regulatorKey);
  checkedKeys.add(id);
}

/** 2^126·PK: a public input of the circuit, which the verifier recomputes from its key. */
export function shiftedRegulatorKey(regulatorKey: Point): Point {
  const id = cacheKey(regulatorKey);
  let shifted = shiftedKeys.get(id);
  if (!shifted) shiftedKeys.set(id, (shifted = multiplyPoint(regulatorKey, 2n ** LADDER_HALF_BITS)));
  return shifted;
}

export function generateRegulatorKeyPair(): RegulatorKeyPair {
  const secretKey = randomBelow(SUBGROUP_ORDER);
  return { secretKey, publicKey: multiplyPoint(BASE8, secretKey) };
}

const padFor = (sharedKey: Point): bigint => hashPair(sharedKey.x, sharedKey.y);
/** A business proof's second pad (DoubleHandleEscrow): another hash of the same K. */
const mandatePadFor = (sharedKey: Point): bigint => poseidon3([sharedKey.x, sharedKey.y, 1n]);

export function encryptHandle(handle: bigint, regulatorKey: Point, randomness: bigint = randomEscrowScalar()): EscrowCiphertext {
  assertSubgroupPoint("regulator key", regulatorKey);
  const scalar = ephemeralScalar(randomness);
  return {
    ephemeral: multiplyPoint(BASE8, scalar),
    cipher: mod(handle + padFor(multiplyPoint(regulatorKey, scalar)), SNARK_FIELD),
  };
}

/** Recovers the handle from the shared key K = sk·R (computed whole or combined from shares). */
export const handleFromSharedKey = (ciphertext: EscrowCiphertext, sharedKey: Point): bigint =>
  mod(ciphertext.cipher - padFor(sharedKey), SNARK_FIELD);

export const decryptHandle = (ciphertext: EscrowCiphertext, secretKey: bigint): bigint =>
  handleFromSharedKey(ciphertext, multiplyPoint(ciphertext.ephemeral, secretKey));

/**
 * A business proof escrows two handles under one R (DoubleHandleEscrow): the person's leaf
 * (cipher, decrypted as above) and the mandate's leaf: mandateCipher = leaf + Poseidon3(K.x, K.y, 1).
 */
export function encryptMandateHandle(mandateHandle: bigint, regulatorKey: Point, randomness: bigint): bigint {
  assertSubgroupPoint("regulator key", regulatorKey);
  return mod(mandateHandle + mandatePadFor(multiplyPoint(regulatorKey, ephemeralScalar(randomness))), SNARK_FIELD);
}

export const mandateHandleFromSharedKey = (mandateCipher: bigint, sharedKey: Point): bigint => mod(mandateCipher - mandatePadFor(sharedKey), SNARK_FIELD);
