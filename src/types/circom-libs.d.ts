// Minimal typings for the parts of circomlibjs and circom_runtime that realdid uses.
declare module "circomlibjs" {
  export interface FieldOps {
    toObject(element: Uint8Array): bigint;
    e(value: bigint): Uint8Array;
  }
  export interface PoseidonFn {
    (inputs: (bigint | Uint8Array)[]): Uint8Array;
    F: FieldOps;
  }
  export function buildPoseidon(): Promise<PoseidonFn>;
  export interface BabyJub {
    F: FieldOps;
    Base8: [Uint8Array, Uint8Array];
    subOrder: bigint;
    addPoint(a: [Uint8Array, Uint8Array], b: [Uint8Array, Uint8Array]): [Uint8Array, Uint8Array];
    mulPointEscalar(p: [Uint8Array, Uint8Array], e: bigint): [Uint8Array, Uint8Array];
    inCurve(p: [Uint8Array, Uint8Array]): boolean;
  }
  export function buildBabyjub(): Promise<BabyJub>;
}

declare module "circom_runtime" {
  export interface WitnessCalculator {
    calculateWitness(input: Record<string, unknown>, sanityCheck?: boolean): Promise<bigint[]>;
    calculateWTNSBin(input: Record<string, unknown>, sanityCheck?: boolean): Promise<Uint8Array>;
  }
  export function WitnessCalculatorBuilder(code: Uint8Array, options?: Record<string, unknown>): Promise<WitnessCalculator>;
}
