import { type WitnessCalculator, WitnessCalculatorBuilder } from "circom_runtime";
import type * as snarkjs from "snarkjs";
import type { CircuitArtifacts } from "../artifacts/load.js";
import { type CircuitInput, circuitInput, type ProofInputs } from "./circuit-input.js";
import { Groth16Prover } from "./groth16-prover.js";
import { parsePublicSignals, type PublicSignals } from "./public-signals.js";

/** A proof as it travels: snarkjs's Groth16 proof and the public signals in circuit order. */
export interface RealDidProof {
  readonly proof: snarkjs.Groth16Proof;
  readonly publicSignals: string[];
}

export interface ProofResult extends RealDidProof {
  /** The same public signals, by name. */
  readonly signals: PublicSignals;
}

/**
 * A long-lived prover: the witness calculator is instantiated once and the zkey parsed
 * once, so each proof pays only for the witness and the Groth16 prover itself.
 */
export class Prover {
  private constructor(
    private readonly witnessCalculator: WitnessCalculator,
    private readonly groth16: Groth16Prover,
  ) {}

  static async create(artifacts: CircuitArtifacts, options?: { updateLastSums?: boolean }): Promise<Prover> {
    return new Prover(await WitnessCalculatorBuilder(artifacts.wasm), await Groth16Prover.create(artifacts.zkey, options));
  }

  /** Proves for a citizen; see circuitInput for the checks made first. */
  async prove(inputs: ProofInputs): Promise<ProofResult> {
    return this.proveInput(circuitInput(inputs));
  }

  /** Proves for raw circuit input (tests use it to feed the circuit what the library refuses). */
  async proveInput(input: CircuitInput): Promise<ProofResult> {
    const witness = await this.witnessCalculator.calculateWTNSBin(input, true);
    const { proof, publicSignals } = await this.groth16.prove(witness);
    return { proof, publicSignals, signals: parsePublicSignals(publicSignals) };
  }
}
