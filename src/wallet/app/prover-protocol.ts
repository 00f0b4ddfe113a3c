import type { CircuitId } from "../../artifacts/circuit-id.js";
import type { CircuitInput } from "../../proof/circuit-input.js";
import type { RealDidProof } from "../../proof/prover.js";

/** Messages between the wallet page and its proving worker (same origin; nothing leaves the browser). */
export interface KeyFileUrls {
  readonly manifest: string;
  readonly wasm: string;
  readonly zkey: string;
  readonly verificationKey: string;
}

/**
 * `circuit`: the key set's circuit (the personal one by default; the business one for a person
 * acting for an enterprise). `wholeProofs`: every MSM computed whole each time, never updated
 * from the last proof (the bench compares it with snarkjs).
 */
export type ToWorker = { readonly type: "load"; readonly keys: KeyFileUrls; readonly circuit?: CircuitId; readonly wholeProofs?: boolean } | { readonly type: "prove"; readonly input: CircuitInput };

export type ProvingStage = "keys" | "setup" | "witness" | "proof";

export type FromWorker =
  | { readonly type: "progress"; readonly stage: ProvingStage; readonly loadedBytes?: number; readonly totalBytes?: number }
  | { readonly type: "ready"; readonly keyId: string; readonly warning?: string }
  | { readonly type: "proved"; readonly proof: RealDidProof; readonly milliseconds: number }
  | { readonly type: "failed"; readonly code: string; readonly message: string };
