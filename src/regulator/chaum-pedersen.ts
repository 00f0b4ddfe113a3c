import { createHash } from "node:crypto";
import { addPoints, BASE8, multiplyPoint, negatePoint, type Point, SUBGROUP_ORDER } from "../crypto/baby-jubjub.js";
import { mod, randomBelow } from "../crypto/field.js";

/**
 * Chaum–Pedersen proof that two points share one discrete log: log_G(A) = log_R(K),
 * here that a partial decryption K_i = s_i·R used the share behind the public share key
 * A_i = s_i·G. Non-interactive by Fiat–Shamir (SHA-256, reduced mod l).
 *
 * An optional `context` (who proves what, about which document) goes into the challenge,
 * so a proof made for one context does not verify for another: a DKG complaint binds its
 * ceremony, complainer, accused and deal. Without a context the hash is the one partial
 * decryptions have always used.
 */
export interface EqualityProof {
  readonly challenge: bigint;
  readonly response: bigint;
}

function fiatShamir(points: readonly Point[], context: string | undefined): bigint {
  // A separate domain tag for proofs with a context, so no context-free proof can collide with one.
  const hash = createHash("sha256").update(context === undefined ? "realdid/chaum-pedersen/1" : `realdid/chaum-pedersen-in-context/1\n${context.length}:${context}`);
  for (const p of points) hash.update(`\n${p.x},${p.y}`);
  return mod(BigInt("0x" + hash.digest("hex")), SUBGROUP_ORDER);
}

/** Proves log_G(secret·G) = log_R(secret·R) without revealing `secret`. */
export function proveEqualLogs(secret: bigint, base: Point, context?: string): EqualityProof {
  const publicPoint = multiplyPoint(BASE8, secret);
  const image = multiplyPoint(base, secret);
  const nonce = randomBelow(SUBGROUP_ORDER);
  const challenge = fiatShamir([BASE8, publicPoint, base, image, multiplyPoint(BASE8, nonce), multiplyPoint(base, nonce)], context);
  return { challenge, response: mod(nonce + challenge * secret, SUBGROUP_ORDER) };
}

/** Checks that `image` = s·base for the s with `publicPoint` = s·G (in `context`, if the proof was made in one). */
export function verifyEqualLogs(proof: EqualityProof, publicPoint: Point, base: Point, image: Point, context?: string): boolean {
  if (proof.challenge < 0n || proof.challenge >= SUBGROUP_ORDER || proof.response < 0n || proof.response >= SUBGROUP_ORDER) return false;
  // Commitments recomputed: z·G − c·A and z·R − c·K.
  const commitG = addPoints(multiplyPoint(BASE8, proof.response), negatePoint(multiplyPoint(publicPoint, proof.challenge)));
  const commitR = addPoints(multiplyPoint(base, proof.response), negatePoint(multiplyPoint(image, proof.challenge)));
  return fiatShamir([BASE8, publicPoint, base, image, commitG, commitR], context) === proof.challenge;
}
