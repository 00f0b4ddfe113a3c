// Minimal typings for the parts of snarkjs 0.7 that realdid uses (the package ships none).
declare module "snarkjs" {
  export interface Groth16Proof {
    pi_a: string[];
    pi_b: string[][];
    pi_c: string[];
    protocol: string;
    curve: string;
  }
  export type PublicSignals = string[];
  export interface Logger {
    debug(message: string): void;
    info(message: string): void;
    warn(message: string): void;
    error(message: string): void;
  }
  export interface Curve {
    terminate(): Promise<void>;
  }
  export type WtnsInput = Record<string, unknown>;
  export type FileOrBuffer = string | Uint8Array | { type: "mem"; data?: Uint8Array };

  export const curves: {
    getCurveFromName(name: string, singleThread?: boolean): Promise<Curve>;
  };
  export const powersOfTau: {
    newAccumulator(curve: Curve, power: number, fileName: string, logger?: Logger): Promise<unknown>;
    contribute(oldPtau: string, newPtau: string, name: string, entropy: string, logger?: Logger): Promise<Uint8Array>;
    beacon(oldPtau: string, newPtau: string, name: string, beaconHash: string, numIterationsExp: number, logger?: Logger): Promise<Uint8Array>;
    preparePhase2(oldPtau: string, newPtau: string, logger?: Logger): Promise<void>;
    verify(ptau: string, logger?: Logger): Promise<boolean>;
  };
  export const zKey: {
    newZKey(r1cs: string, ptau: string, zkey: FileOrBuffer, logger?: Logger): Promise<unknown>;
    contribute(oldZkey: string, newZkey: string, name: string, entropy: string, logger?: Logger): Promise<Uint8Array>;
    /** false (and the reason logged) for a malformed beacon or an iteration exponent outside 10..63. */
    beacon(oldZkey: string, newZkey: string, name: string, beaconHash: string, numIterationsExp: number, logger?: Logger): Promise<Uint8Array | false>;
    exportVerificationKey(zkey: FileOrBuffer, logger?: Logger): Promise<Record<string, unknown>>;
    verifyFromR1cs(r1cs: string, ptau: string, zkey: string, logger?: Logger): Promise<boolean>;
    verifyFromInit(initZkey: string, ptau: string, zkey: string, logger?: Logger): Promise<boolean>;
  };
  export const groth16: {
    fullProve(input: WtnsInput, wasm: FileOrBuffer, zkey: FileOrBuffer, logger?: Logger, wtnsCalcOptions?: unknown, proverOptions?: { singleThread?: boolean }): Promise<{ proof: Groth16Proof; publicSignals: PublicSignals }>;
    prove(zkey: FileOrBuffer, witness: FileOrBuffer, logger?: Logger, options?: { singleThread?: boolean }): Promise<{ proof: Groth16Proof; publicSignals: PublicSignals }>;
    verify(vkey: Record<string, unknown>, publicSignals: PublicSignals, proof: Groth16Proof, logger?: Logger): Promise<boolean>;
  };
  export const wtns: {
    calculate(input: WtnsInput, wasm: FileOrBuffer, wtns: FileOrBuffer): Promise<void>;
    check(r1cs: string, wtns: FileOrBuffer, logger?: Logger): Promise<boolean>;
  };
}
