import { type WitnessCalculator, WitnessCalculatorBuilder } from "circom_runtime";
import type * as snarkjs from "snarkjs";
import { assertSameKeys } from "../artifacts/key-id.js";
import type { CircuitArtifacts } from "../artifacts/artifacts.js";
import { type CircuitInput, circuitInput, type ProofInputs } from "./circuit-input.js";
import { Groth16Prover, type ProverOptions } from "./groth16-prover.js";
import { parsePublicSignals, type PublicSignals } from "./public-signals.js";

/** A proof as it travels: the key id of its keys, snarkjs's Groth16 proof and the public signals in circuit order. */
export interface RealDidProof {
  readonly keyId: string;
  /** The scope it says it is for, when it travels as a document (realdid-proof/2): it must be the request's. */
  readonly scope?: string;
  readonly proof: snarkjs.Groth16Proof;
  readonly publicSignals: string[];
}

export interface ProofResult extends RealDidProof {
  /** The same public signals, by name. */
  readonly signals: PublicSignals;
}

/**
 * A long-lived prover: the witness calculator is instantiated once and the zkey parsed
 * once, so each proof pays only for the witness and the Groth16 prover itself. Proofs
 * asked for at once are made one after another.
 */
export class Prover {
  private queue: Promise<unknown> = Promise.resolve();

  private constructor(
    /** The key id of the keys this prover proves with. */
    readonly keyId: string,
    private readonly witnessCalculator: WitnessCalculator,
    private readonly groth16: Groth16Prover,
  ) {}

  static async create(artifacts: CircuitArtifacts, options?: ProverOptions): Promise<Prover> {
    return new Prover(artifacts.keyId, await WitnessCalculatorBuilder(artifacts.wasm), await Groth16Prover.create(artifacts.zkey, options));
  }

  /** Stops the prover's worker threads (Web Workers in a browser); proving after this fails. */
  close(): Promise<void> {
    return this.groth16.close();
  }

  /** Fills the Groth16 prover's tables of multiples now (see ProverOptions.tables); resolves when they are in use. */
  tablesFilled(): Promise<void> {
    return this.groth16.tablesFilled();
  }

  /** Proves for a citizen; see circuitInput for the checks made first. */
  async prove(inputs: ProofInputs): Promise<ProofResult> {
    if (inputs.request.keyId !== undefined) assertSameKeys(inputs.request.keyId, this.keyId, "the site's request");
    return this.proveInput(circuitInput(inputs));
  }

  /**
   * Proves for circuit input (the wallet builds it itself; tests feed the circuit what the
   * library refuses). `onStage` hears when the witness and then the proof begin (a person
   * watches a progress indicator).
   */
  async proveInput(input: CircuitInput, onStage?: (stage: "witness" | "proof") => void): Promise<ProofResult> {
    const made = await this.proveAny(input, onStage);
    return { ...made, signals: parsePublicSignals(made.publicSignals) };
  }

  /** Proves for input of whichever circuit this prover's keys are for (the business circuit's too). */
  proveAny(input: CircuitInput, onStage?: (stage: "witness" | "proof") => void): Promise<RealDidProof> {
    // One proof at a time: the witness calculator and the prover's last sums are shared state.
    const proved = this.queue.then(async () => {
      onStage?.("witness");
      const witness = await this.witnessCalculator.calculateWTNSBin(input, true);
      onStage?.("proof");
      const { proof, publicSignals } = await this.groth16.prove(witness);
      return { keyId: this.keyId, proof, publicSignals };
    });
    this.queue = proved.catch(() => undefined);
    return proved;
  }
}
