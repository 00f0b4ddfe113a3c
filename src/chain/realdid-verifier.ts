// The RealDidVerifier contract (contracts/RealDidVerifier.sol): a site's request and a
// citizen's proof as its `check` and `accept` take them. Platform-neutral.
import { assertRegulatorKey, shiftedRegulatorKey } from "../crypto/escrow.js";
import type { Point } from "../crypto/baby-jubjub.js";
import type { RealDidProof } from "../proof/prover.js";
import type { ProofRequest } from "../proof/request.js";
import { verifierArguments } from "./groth16-solidity.js";

/** The constructor's regulator key: the point and 2^126 times it, both public inputs of the circuit. */
export function regulatorKeyWords(regulatorKey: Point): [bigint, bigint, bigint, bigint] {
  assertRegulatorKey("regulatorKey", regulatorKey);
  const shifted = shiftedRegulatorKey(regulatorKey);
  return [regulatorKey.x, regulatorKey.y, shifted.x, shifted.y];
}

/** `(request, proof)` for check and accept. */
export function verifierCall(request: Pick<ProofRequest, "scope" | "challenge" | "bounds">, { proof, publicSignals }: Pick<RealDidProof, "proof" | "publicSignals">) {
  const [a, b, c, signals] = verifierArguments(proof, publicSignals);
  return [
    { scope: request.scope, challenge: request.challenge, low: [...request.bounds.lo], high: [...request.bounds.hi] },
    { a, b, c, publicSignals: signals },
  ] as const;
}
