import { bn254 } from "@noble/curves/bn254.js";
import { babyjubjub } from "@noble/curves/misc.js";
import { bytesToNumberBE, numberToBytesBE } from "@noble/curves/utils.js";
import { isOnCurve, type Point } from "../crypto/baby-jubjub.js";
import { RealDidError } from "../errors.js";

/**
 * Compressed curve points for the compact presentation (realdid-qr/1): one coordinate
 * big-endian in 32 bytes, with bit 7 of byte 0 (always free: both fields are below 2^254)
 * telling which of the two square roots the other coordinate is. Decoding is strict, so
 * every point has exactly one encoding: a value at or above its field, a coordinate with
 * no point on the curve, or a sign bit set where the root is 0 is refused, naming the part.
 *
 * @noble/curves does not serialise BN254 points (there is no standard, it says), so the
 * layout is ours; its fields give the square roots.
 */
const SIGN_BIT = 0x80;
const { Fp, Fp2 } = bn254.fields;
const BabyFp = babyjubjub.Point.Fp;
/** Baby Jubjub's a·x² + y² = 1 + d·x²·y² (circomlib's constants, checked in baby-jubjub.ts). */
const { a: BABY_A, d: BABY_D } = babyjubjub.Point.CURVE();
/** y² = x³ + b on G1 and on G2's twist. */
const G1_B = bn254.G1.Point.CURVE().b;
const G2_B = bn254.G2.Point.CURVE().b;

export interface Fp2Element {
  readonly c0: bigint;
  readonly c1: bigint;
}

const malformed = (part: string, why: string) => new RealDidError("malformed_presentation", `${part} ${why}`);

const isOdd = (value: bigint): boolean => (value & 1n) === 1n;
/** The "sign" of an Fp2 element: its imaginary part's parity, or the real part's when that is 0. */
const fp2Sign = (value: Fp2Element): boolean => (value.c1 === 0n ? isOdd(value.c0) : isOdd(value.c1));

/** 32 bytes big-endian, with the sign bit set when asked. */
function writeCoordinate(value: bigint, sign = false): Uint8Array {
  const bytes = numberToBytesBE(value, 32);
  if (sign) bytes[0] |= SIGN_BIT;
  return bytes;
}

/** The sign bit and the value below `modulus` in 32 bytes (the sign bit cleared only when `signed`). */
function readCoordinate(bytes: Uint8Array, modulus: bigint, part: string, signed: boolean): { value: bigint; sign: boolean } {
  const sign = signed && (bytes[0] & SIGN_BIT) !== 0;
  const value = bytesToNumberBE(sign ? Uint8Array.of(bytes[0] & ~SIGN_BIT, ...bytes.subarray(1)) : bytes);
  if (value >= modulus) throw malformed(part, "is not below its field's modulus");
  return { value, sign };
}

/** A field element (a signal of the circuit) as 32 bytes. */
export const encodeFieldElement = (value: bigint): Uint8Array => writeCoordinate(value);

export const decodeFieldElement = (bytes: Uint8Array, modulus: bigint, part: string): bigint => readCoordinate(bytes, modulus, part, false).value;

/** The root of `square` whose sign is `sign`, by the field's own square root (a method: called bound); undefined when there is none. */
function rootWithSign<T>(square: () => T, sqrt: (value: T) => T, neg: (value: T) => T, signOf: (value: T) => boolean, sign: boolean): T | undefined {
  let root: T;
  try {
    root = sqrt(square());
  } catch {
    return undefined; // not a square, or (Baby Jubjub) a zero denominator: no point has this coordinate
  }
  return signOf(root) === sign ? root : neg(root);
}

/** A BN254 G1 point: x, with the sign bit when y is odd. */
export const encodeG1 = (point: { x: bigint; y: bigint }): Uint8Array => writeCoordinate(point.x, isOdd(point.y));

export function decodeG1(bytes: Uint8Array, part: string): { x: bigint; y: bigint } {
  const { value: x, sign } = readCoordinate(bytes, Fp.ORDER, part, true);
  const y = rootWithSign(() => Fp.add(Fp.mul(Fp.sqr(x), x), G1_B), (v) => Fp.sqrt(v), (v) => Fp.neg(v), isOdd, sign);
  if (y === undefined) throw malformed(part, "is not a point on BN254 (no y for its x)");
  if (isOdd(y) !== sign) throw malformed(part, "is not canonical (the sign bit is set but y is 0)");
  return { x, y };
}

/** A BN254 G2 point: x.c1 then x.c0, with the sign bit (of y) on x.c1. */
export const encodeG2 = (point: { x: Fp2Element; y: Fp2Element }): Uint8Array => Uint8Array.of(...writeCoordinate(point.x.c1, fp2Sign(point.y)), ...writeCoordinate(point.x.c0));

export function decodeG2(bytes: Uint8Array, part: string): { x: Fp2Element; y: Fp2Element } {
  const { value: c1, sign } = readCoordinate(bytes.subarray(0, 32), Fp.ORDER, `${part} (x.c1)`, true);
  const c0 = readCoordinate(bytes.subarray(32, 64), Fp.ORDER, `${part} (x.c0)`, false).value;
  const x = Fp2.create({ c0, c1 });
  const y = rootWithSign(() => Fp2.add(Fp2.mul(Fp2.sqr(x), x), G2_B), (v) => Fp2.sqrt(v), (v) => Fp2.neg(v), fp2Sign, sign);
  if (y === undefined) throw malformed(part, "is not a point on BN254's twist (no y for its x)");
  if (fp2Sign(y) !== sign) throw malformed(part, "is not canonical (the sign bit is set but y is 0)");
  return { x, y };
}

/** A Baby Jubjub point: y, with the sign bit when x is odd. */
export const encodeBabyJubjub = (point: Point): Uint8Array => writeCoordinate(point.y, isOdd(point.x));

export function decodeBabyJubjub(bytes: Uint8Array, part: string): Point {
  const { value: y, sign } = readCoordinate(bytes, BabyFp.ORDER, part, true);
  // x² = (1 − y²) / (a − d·y²)
  const xSquared = () => BabyFp.div(BabyFp.sub(BabyFp.ONE, BabyFp.sqr(y)), BabyFp.sub(BABY_A, BabyFp.mul(BABY_D, BabyFp.sqr(y))));
  const x = rootWithSign(xSquared, (v) => BabyFp.sqrt(v), (v) => BabyFp.neg(v), isOdd, sign);
  if (x === undefined || !isOnCurve({ x, y })) throw malformed(part, "is not a point on Baby Jubjub (no x for its y)");
  if (isOdd(x) !== sign) throw malformed(part, "is not canonical (the sign bit is set but x is 0)");
  return { x, y };
}
