import { assertSameKeys } from "../artifacts/key-id.js";
import type { Prover, RealDidProof } from "../proof/prover.js";
import { type BusinessProofInputs, businessCircuitInput } from "./business-circuit-input.js";
import { type BusinessSignals, parseBusinessSignals } from "./business-signals.js";

export interface BusinessProofResult extends RealDidProof {
  /** The same public signals, by name. */
  readonly signals: BusinessSignals;
}

/**
 * A business proof with a prover made from the business circuit's key set (see
 * businessCircuitInput for the checks made first): the prover refuses a request for other keys.
 */
export async function proveBusiness(prover: Prover, inputs: BusinessProofInputs, onStage?: (stage: "witness" | "proof") => void): Promise<BusinessProofResult> {
  if (inputs.request.keyId !== undefined) assertSameKeys(inputs.request.keyId, prover.keyId, "the site's request");
  const made = await prover.proveAny(businessCircuitInput(inputs), onStage);
  return { ...made, signals: parseBusinessSignals(made.publicSignals) };
}
