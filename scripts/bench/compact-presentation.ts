// A front desk's check of a compact presentation (realdid-qr/1): the QR payload's size and
// QR version, and the time to decode its 261 bytes (four compressed points) and verify it
// against the desk's context, in Node, warm, on one thread (snarkjs's pairing check).
import type { Predicates } from "../../src/attributes/predicates.js";
import type { ProofInputs } from "../../src/proof/circuit-input.js";
import { groth16Check } from "../../src/proof/groth16-check.js";
import type { Prover } from "../../src/proof/prover.js";
import { presentationChallenge } from "../../src/proof/request.js";
import { decodeCompactPresentation, encodeCompactPresentation, expandCompactPresentation } from "../../src/presentation/compact-presentation.js";
import { type PresentationVerification, verifyCompactPresentation } from "../../src/presentation/presentation.js";
import { qrVersion } from "../../src/presentation/qr-code.js";
import { type Timing, timeRuns } from "./table.js";

export interface CompactPresentationFigures {
  /** The payload, the desk's scope and the code it answers (the browser's figures check the same payload). */
  payload: Uint8Array;
  scope: string;
  code: string;
  bytes: number;
  qrVersion: number;
  decode: Timing;
  decodeAndVerify: Timing;
}

/** One proof for a desk's code by the citizen of `inputs` (whose request gives the key and bounds for `predicates` on `day`), then the desk's timings. */
export async function measureCompactPresentation(prover: Prover, inputs: ProofInputs, predicates: Predicates, day: string, verificationKey: Record<string, unknown>, runs = 30): Promise<CompactPresentationFigures> {
  const code = "BENCH042";
  const scope = "desk.bench.example";
  const result = await prover.prove({ ...inputs, request: { ...inputs.request, scope, challenge: presentationChallenge(code) } });
  const bytes = encodeCompactPresentation(result);
  const context: PresentationVerification = {
    keyId: prover.keyId,
    scope,
    challenge: code,
    predicates,
    day,
    regulatorKey: inputs.request.regulatorKey,
    rootStatus: (root) => (root === result.signals.root ? "current" : "unknown"),
  };
  const check = groth16Check(verificationKey);
  const decode = await timeRuns(runs, () => expandCompactPresentation(decodeCompactPresentation(bytes), { ...context, bounds: inputs.request.bounds }));
  const decodeAndVerify = await timeRuns(runs, async () => {
    const outcome = await verifyCompactPresentation(bytes, context, check);
    if (!outcome.valid) throw new Error(`the bench's compact presentation did not verify: ${outcome.message}`);
  });
  return { payload: bytes, scope, code, bytes: bytes.length, qrVersion: qrVersion(bytes), decode, decodeAndVerify };
}
