import { RealDidError } from "../errors.js";
import { invertMod, mod, SNARK_FIELD } from "./field.js";

/**
 * Baby Jubjub, the twisted Edwards curve a·x² + y² = 1 + d·x²·y² over the BN254 scalar
 * field, as in circomlib. d is not a square, so the addition law is complete: one
 * formula serves every pair of points, including doubling and the identity.
 */
export interface Point {
  readonly x: bigint;
  readonly y: bigint;
}

const A = 168700n;
const D = 168696n;
const P = SNARK_FIELD;

/** Order of the prime subgroup (l, 251 bits); the full group has order 8·l. */
export const SUBGROUP_ORDER = 2736030358979909402780800718157159386076813972158567259200215660948447373041n;
/** circomlib's Base8: generator of the prime subgroup. */
export const BASE8: Point = {
  x: 5299619240641551281634865583518297030282874472190772894086521144482721001553n,
  y: 16950150798460657717958625567821834550301663161624707787222815936182638968203n,
};
export const IDENTITY: Point = { x: 0n, y: 1n };

const invert = (value: bigint): bigint => invertMod(value, P);

export function addPoints(p: Point, q: Point): Point {
  const xx = (p.x * q.x) % P;
  const yy = (p.y * q.y) % P;
  const dxxyy = (D * xx * yy) % P;
  return {
    x: mod((p.x * q.y + p.y * q.x) * invert(1n + dxxyy), P),
    y: mod((yy - A * xx) * invert(1n - dxxyy), P),
  };
}

export function multiplyPoint(point: Point, scalar: bigint): Point {
  let result = IDENTITY;
  let addend = point;
  for (let k = scalar; k > 0n; k >>= 1n) {
    if (k & 1n) result = addPoints(result, addend);
    addend = addPoints(addend, addend);
  }
  return result;
}

export const pointsEqual = (p: Point, q: Point): boolean => p.x === q.x && p.y === q.y;

/** -P = (-x, y) on a twisted Edwards curve. */
export const negatePoint = (p: Point): Point => ({ x: mod(-p.x, P), y: p.y });

export function isOnCurve({ x, y }: Point): boolean {
  if (x < 0n || x >= P || y < 0n || y >= P) return false;
  const xx = (x * x) % P;
  const yy = (y * y) % P;
  return mod(A * xx + yy - 1n - ((D * xx) % P) * yy, P) === 0n;
}

/** Throws unless `point` is on the curve, in the prime subgroup and not the identity. */
export function assertSubgroupPoint(name: string, point: Point): void {
  if (!isOnCurve(point)) {
    throw new RealDidError("invalid_regulator_key", `${name} is not a point on Baby Jubjub`);
  }
  if (pointsEqual(point, IDENTITY)) {
    throw new RealDidError("invalid_regulator_key", `${name} is the identity point`);
  }
  if (!pointsEqual(multiplyPoint(point, SUBGROUP_ORDER), IDENTITY)) {
    throw new RealDidError("invalid_regulator_key", `${name} is not in the prime-order subgroup`);
  }
}
