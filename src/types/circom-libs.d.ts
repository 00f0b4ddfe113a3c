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
    calculateBinWitness(input: Record<string, unknown>, sanityCheck?: boolean): Promise<Uint8Array>;
  }
  export function WitnessCalculatorBuilder(code: Uint8Array, options?: Record<string, unknown>): Promise<WitnessCalculator>;
}

// The parts of ffjavascript's BN254 curve that the Groth16 prover and verifier use.
declare module "ffjavascript" {
  export type CurvePoint = Uint8Array;
  export interface Field {
    s: number;
    shift: Uint8Array;
    w: Uint8Array[];
    e(value: number | bigint): Uint8Array;
    random(): Uint8Array;
    neg(a: Uint8Array): Uint8Array;
    mul(a: Uint8Array, b: Uint8Array): Uint8Array;
    sub(a: Uint8Array, b: Uint8Array): Uint8Array;
    toObject(a: Uint8Array): bigint;
    fft(buffer: Uint8Array): Promise<Uint8Array>;
    ifft(buffer: Uint8Array): Promise<Uint8Array>;
    batchApplyKey(buffer: Uint8Array, first: Uint8Array, inc: Uint8Array): Promise<Uint8Array>;
  }
  export interface Group {
    F: { n8: number };
    readonly g: CurvePoint;
    readonly zero: CurvePoint;
    isZero(a: CurvePoint): boolean;
    isValid(a: CurvePoint): boolean;
    timesScalar(a: CurvePoint, scalar: bigint): CurvePoint;
    add(a: CurvePoint, b: CurvePoint): CurvePoint;
    eq(a: CurvePoint, b: CurvePoint): boolean;
    timesFr(a: CurvePoint, scalar: Uint8Array): CurvePoint;
    toAffine(a: CurvePoint): CurvePoint;
    toObject(a: CurvePoint): unknown;
    fromObject(a: unknown): CurvePoint;
    fromRprLEM(buffer: Uint8Array, offset: number): CurvePoint;
    toRprLEM(buffer: Uint8Array, offset: number, a: CurvePoint): void;
    toString(a: CurvePoint): string;
    multiExpAffine(bases: Uint8Array, scalars: Uint8Array): Promise<CurvePoint>;
  }
  export interface Bn128 {
    readonly r: bigint;
    Fr: Field;
    G1: Group;
    G2: Group;
    tm: { concurrency: number; queueAction(task: object[]): Promise<Uint8Array[]> };
    terminate(): Promise<void>;
  }
  export function buildBn128(singleThread?: boolean): Promise<Bn128>;
  export const utils: { unstringifyBigInts(value: unknown): unknown };
}
