import { SUBGROUP_ORDER } from "../crypto/baby-jubjub.js";
import { invertMod, mod, randomBelow } from "../crypto/field.js";
import { RealDidError } from "../errors.js";

/**
 * Shamir secret sharing over the Baby Jubjub subgroup order l: a random polynomial f of
 * degree k-1 with f(0) = secret; holder i (1..n) gets f(i). Any k shares determine f(0);
 * k-1 shares are uniformly random and say nothing about it.
 */
export interface Polynomial {
  /** coefficients[0] is the secret. */
  readonly coefficients: readonly bigint[];
}

export function randomPolynomial(threshold: number, secret: bigint = randomBelow(SUBGROUP_ORDER)): Polynomial {
  return { coefficients: [secret, ...Array.from({ length: threshold - 1 }, () => randomBelow(SUBGROUP_ORDER))] };
}

export function evaluate({ coefficients }: Polynomial, x: bigint): bigint {
  return coefficients.reduceRight((acc, c) => mod(acc * x + c, SUBGROUP_ORDER), 0n);
}

export function checkThreshold(threshold: number, shares: number): void {
  if (!Number.isInteger(threshold) || !Number.isInteger(shares) || threshold < 1 || shares < threshold || shares > 255) {
    throw new RealDidError("invalid_argument", `threshold and shares must satisfy 1 <= threshold <= shares <= 255, received ${threshold} of ${shares}`);
  }
}


/** Lagrange coefficients at 0 for the holders `indices`: f(0) = Σ λ_i·f(i). */
export function lagrangeAtZero(indices: readonly number[]): bigint[] {
  return indices.map((i) =>
    indices.reduce((acc, j) => (j === i ? acc : mod(acc * BigInt(j) * invertMod(BigInt(j - i), SUBGROUP_ORDER), SUBGROUP_ORDER)), 1n),
  );
}
