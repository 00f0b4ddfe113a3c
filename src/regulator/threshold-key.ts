import { createHash } from "node:crypto";
import { addPoints, assertSubgroupPoint, BASE8, IDENTITY, multiplyPoint, type Point, pointsEqual, SUBGROUP_ORDER } from "../crypto/baby-jubjub.js";
import { type EscrowCiphertext, handleFromSharedKey } from "../crypto/escrow.js";
import { mod } from "../crypto/field.js";
import { RealDidError } from "../errors.js";
import { type EqualityProof, proveEqualLogs, verifyEqualLogs } from "./chaum-pedersen.js";
import { checkThreshold, evaluate, lagrangeAtZero, randomPolynomial } from "./shamir.js";

/**
 * The regulator's escrow key, shared k of n. Public: the key PK = sk·G that provers
 * encrypt to, each holder's share key A_i = s_i·G (to check partial decryptions), and
 * Feldman commitments C_j = a_j·G to the polynomial (so a holder can check its share).
 */
export interface RegulatorPublicKey {
  readonly keyId: string;
  readonly publicKey: Point;
  readonly threshold: number;
  readonly shares: number;
  /** shareKeys[i - 1] belongs to holder i. */
  readonly shareKeys: readonly Point[];
  readonly commitments: readonly Point[];
}

/** One holder's contribution to opening one ciphertext: K_i = s_i·R and its proof. */
export interface PartialDecryption {
  readonly keyId: string;
  readonly index: number;
  readonly sharedKey: Point;
  readonly proof: EqualityProof;
}

/** A short, stable name for a regulator key (policies and files refer to keys by it). */
export const keyIdOf = (key: Point): string => createHash("sha256").update(`realdid/regulator-key/1\n${key.x},${key.y}`).digest("hex").slice(0, 16);

/** Feldman: the share key f(index)·G of holder `index`, from commitments C_j = a_j·G as Σ C_j·index^j. */
export const feldmanShareKey = (commitments: readonly Point[], index: number): Point =>
  commitments.reduce((acc, c, j) => addPoints(acc, multiplyPoint(c, mod(BigInt(index) ** BigInt(j), SUBGROUP_ORDER))), IDENTITY);

/**
 * The public side of a sharing, from the commitments to its polynomial alone: a dealer's
 * polynomial, or the sum of the qualified holders' polynomials in a DKG.
 */
export function publicKeyFromCommitments(threshold: number, shares: number, commitments: readonly Point[]): RegulatorPublicKey {
  checkThreshold(threshold, shares);
  const publicKey = commitments[0];
  assertSubgroupPoint("the regulator key", publicKey);
  return {
    keyId: keyIdOf(publicKey),
    publicKey,
    threshold,
    shares,
    shareKeys: Array.from({ length: shares }, (_, i) => feldmanShareKey(commitments, i + 1)),
    commitments,
  };
}

/**
 * The dealer's ceremony (dealer-trusted, for development and tests): draws sk and a random
 * degree-(k-1) polynomial with f(0) = sk and hands out f(1..n). The dealer sees sk while it
 * runs and must forget it: nothing here writes or returns it. The dealer-free ceremony is
 * the DKG in dkg.ts.
 */
export function dealThresholdKey(threshold: number, shares: number): { key: RegulatorPublicKey; shareSecrets: bigint[] } {
  checkThreshold(threshold, shares);
  const polynomial = randomPolynomial(threshold);
  return {
    key: publicKeyFromCommitments(threshold, shares, polynomial.coefficients.map((a) => multiplyPoint(BASE8, a))),
    shareSecrets: Array.from({ length: shares }, (_, i) => evaluate(polynomial, BigInt(i + 1))),
  };
}

/** Feldman check: s·G = Σ C_j·i^j, and it is the published share key of holder i. */
export function shareIsValid(key: RegulatorPublicKey, index: number, secret: bigint): boolean {
  const actual = multiplyPoint(BASE8, secret);
  return pointsEqual(actual, feldmanShareKey(key.commitments, index)) && pointsEqual(actual, key.shareKeys[index - 1] ?? IDENTITY);
}

export function partialDecrypt(key: RegulatorPublicKey, index: number, secret: bigint, ciphertext: EscrowCiphertext): PartialDecryption {
  // A torsion component in R would leak the share modulo 8 through the published K_i.
  assertSubgroupPoint("the ciphertext's ephemeral key", ciphertext.ephemeral, "invalid_argument");
  return { keyId: key.keyId, index, sharedKey: multiplyPoint(ciphertext.ephemeral, secret), proof: proveEqualLogs(secret, ciphertext.ephemeral) };
}

/**
 * Checks every partial (a wrong or forged one is named), needs `threshold` valid ones
 * from distinct holders, combines them by Lagrange in the exponent into the shared key
 * K = sk·R (every pad of the case is a hash of it). The secret key is never rebuilt.
 */
export function combineSharedKey(key: RegulatorPublicKey, ciphertext: EscrowCiphertext, partials: readonly PartialDecryption[]): Point {
  const seen = new Set<number>();
  for (const p of partials) {
    if (p.keyId !== key.keyId) throw new RealDidError("wrong_regulator_key", `the partial of holder ${p.index} is for regulator key ${p.keyId}, not ${key.keyId}`);
    const shareKey = key.shareKeys[p.index - 1];
    if (shareKey === undefined || !verifyEqualLogs(p.proof, shareKey, ciphertext.ephemeral, p.sharedKey)) {
      throw new RealDidError("forged_partial", `the partial decryption of holder ${p.index} does not prove it used holder ${p.index}'s share: rejected`);
    }
    seen.add(p.index);
  }
  if (seen.size < key.threshold) {
    throw new RealDidError("not_enough_partials", `${seen.size} valid partial${seen.size === 1 ? "" : "s"} from distinct holders; ${key.threshold} are needed (fewer reveal nothing about the handle)`);
  }
  const chosen = [...seen].slice(0, key.threshold);
  const lambdas = lagrangeAtZero(chosen);
  return chosen.reduce((acc, index, i) => addPoints(acc, multiplyPoint(partials.find((p) => p.index === index)!.sharedKey, lambdas[i])), IDENTITY);
}

/** The handle from k partials (see combineSharedKey). */
export const combinePartials = (key: RegulatorPublicKey, ciphertext: EscrowCiphertext, partials: readonly PartialDecryption[]): bigint =>
  handleFromSharedKey(ciphertext, combineSharedKey(key, ciphertext, partials));
