import { keyMismatchMessage } from "../artifacts/key-id.js";
import type * as snarkjs from "snarkjs";
import type { RootStatus } from "../ledger/root-ledger.js";
import { ATTRIBUTE_MAX, ATTRIBUTE_SLOTS } from "../attributes/attributes.js";
import { IDENTITY, type Point, pointsEqual } from "../crypto/baby-jubjub.js";
import { assertRegulatorKey, type EscrowCiphertext, shiftedRegulatorKey } from "../crypto/escrow.js";
import { type ErrorCode, RealDidError } from "../errors.js";
import type { RealDidProof } from "./prover.js";
import { parsePublicSignals, type PublicSignals } from "./public-signals.js";
import { type ProofRequest, scopeToField } from "./request.js";

export interface VerificationRequest extends ProofRequest {
  /** The key id of the keys `check` verifies with: a proof made with others is key_mismatch, not a bare invalid_proof. */
  readonly keyId: string;
  /** Older regulator keys still accepted during a key rotation (besides `regulatorKey`). */
  readonly acceptedRegulatorKeys?: readonly Point[];
  /** Where a root stands in the verifier's ledger (RootLedger.rootStatus with its window). */
  readonly rootStatus: (root: bigint) => RootStatus;
}

/**
 * The Groth16 pairing check, in this thread (groth16-check.ts, on snarkjs) or a worker pool.
 * Passed in, so that this module stays platform-neutral (the browser core carries it).
 */
export type ProofCheck = (proof: snarkjs.Groth16Proof, publicSignals: string[]) => Promise<boolean>;

export type VerificationResult =
  | { readonly valid: true; readonly didAddress: bigint; readonly root: bigint; readonly escrow: EscrowCiphertext }
  | { readonly valid: false; readonly code: ErrorCode; readonly message: string };

const failure = (code: ErrorCode, message: string): VerificationFailure => ({ valid: false, code, message });
export type VerificationFailure = Extract<VerificationResult, { valid: false }>;

/** The public signals every realdid circuit has, which every verifier checks the same way. */
export interface CommonSignals {
  readonly root: bigint;
  readonly escrow: EscrowCiphertext;
  readonly scope: bigint;
  readonly challenge: bigint;
  readonly regulatorKey: Point;
  readonly regulatorKeyShifted: Point;
  readonly bounds: PublicSignals["bounds"];
}

/**
 * The checks every circuit's proof goes through: first that its public inputs are the ones
 * this verifier asked for (cheap, and says which one differs), with `checkOwn` for the
 * circuit's own inputs, then the root against the ledger, then the Groth16 proof. Never
 * throws for a bad proof: the result says what did not match.
 */
export async function verifyCircuitProof<S extends CommonSignals>(
  candidate: RealDidProof,
  request: VerificationRequest,
  check: ProofCheck,
  parse: (publicSignals: unknown) => S,
  checkOwn: (signals: S) => VerificationFailure | undefined,
): Promise<{ readonly valid: true; readonly signals: S } | VerificationFailure> {
  // Thrown, not returned: the caller's error, not the proof's. The identity or a key of small order would let anyone open the escrow.
  assertRegulatorKey("regulatorKey", request.regulatorKey);
  request.acceptedRegulatorKeys?.forEach((key, i) => assertRegulatorKey(`acceptedRegulatorKeys[${i}]`, key));
  if (candidate?.keyId !== request.keyId) return failure("key_mismatch", keyMismatchMessage(String(candidate?.keyId ?? "(none named)"), request.keyId, "the proof"));
  let signals: S;
  try {
    signals = parse(candidate?.publicSignals);
  } catch (error) {
    return failure("malformed_proof", (error as RealDidError).message);
  }
  // The document's own scope is checked too: a receipt carries it, and must not say another site.
  if (signals.scope !== scopeToField(request.scope) || (candidate.scope !== undefined && candidate.scope !== request.scope)) return failure("scope_mismatch", `the proof is for another scope than "${request.scope}"`);
  if (signals.challenge !== request.challenge) return failure("challenge_mismatch", "the proof answers another challenge");
  const acceptedKeys = [request.regulatorKey, ...(request.acceptedRegulatorKeys ?? [])];
  if (!acceptedKeys.some((key) => pointsEqual(signals.regulatorKey, key))) return failure("regulator_key_mismatch", "the handle is escrowed to a regulator key this site does not accept");
  // The escrow is only sound with the true 2^126·PK (JointScalarMul's precondition).
  if (!pointsEqual(signals.regulatorKeyShifted, shiftedRegulatorKey(signals.regulatorKey))) {
    return failure("regulator_key_mismatch", "the proof's shifted regulator key is not 2^126 times its regulator key");
  }
  for (const [i, slot] of ATTRIBUTE_SLOTS.entries()) {
    // The circuit's range proof means lo <= value <= hi only for bounds below 2^32.
    if (!(request.bounds.lo[i] >= 0n && request.bounds.hi[i] <= ATTRIBUTE_MAX)) {
      throw new RealDidError("invalid_argument", `the requested bounds on ${slot} must lie in [0, ${ATTRIBUTE_MAX}]`);
    }
    if (signals.bounds.lo[i] !== request.bounds.lo[i] || signals.bounds.hi[i] !== request.bounds.hi[i]) {
      return failure("predicate_mismatch", `the proof's bounds on ${slot} are not the ones asked for`);
    }
  }
  const own = checkOwn(signals);
  if (own) return own;
  // r = 0 (mod l) would give R = K = identity: a ciphertext anyone can open.
  if (pointsEqual(signals.escrow.ephemeral, IDENTITY)) return failure("escrow_degenerate", "the escrow ephemeral key is the identity point");
  const rootStatus = request.rootStatus(signals.root);
  if (rootStatus === "unknown") return failure("unknown_root", "the proof's registry root is not in the registrar's ledger");
  if (rootStatus === "expired") return failure("root_expired", "the proof's registry root was replaced longer ago than the root window");
  let valid = false;
  try {
    valid = await check(candidate.proof, candidate.publicSignals);
  } catch (error) {
    if (error instanceof RealDidError && error.code === "verifier_busy") throw error; // the verifier's trouble, not the proof's
    return failure("malformed_proof", "the Groth16 proof is not well formed");
  }
  if (!valid) return failure("invalid_proof", "the Groth16 proof does not verify");
  return { valid: true, signals };
}

/** Verifies a personal proof (RealDid) for a request; see verifyCircuitProof. */
export async function verifyProof(candidate: RealDidProof, request: VerificationRequest, check: ProofCheck): Promise<VerificationResult> {
  const result = await verifyCircuitProof(candidate, request, check, parsePublicSignals, () => undefined);
  if (!result.valid) return result;
  const { didAddress, root, escrow } = result.signals;
  return { valid: true, didAddress, root, escrow };
}
