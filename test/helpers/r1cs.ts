import { readFileSync } from "node:fs";

/** A linear combination: wire index -> coefficient. */
type LinearCombination = Map<number, bigint>;
export interface R1cs {
  prime: bigint;
  nWires: number;
  constraints: [LinearCombination, LinearCombination, LinearCombination][];
}

/**
 * Reads an .r1cs file (iden3 binary format: sections of header and constraints with
 * little-endian coefficients), so tests can check edited witnesses against every
 * constraint without snarkjs's curve workers.
 */
export function readR1cs(file: string): R1cs {
  const data = readFileSync(file);
  let offset = 12; // magic "r1cs", version, section count
  let n8 = 32;
  let prime = 0n;
  let nWires = 0;
  let constraintBytes: [number, number] | undefined;
  let nConstraints = 0;
  const readLe = (at: number, bytes: number) => {
    let value = 0n;
    for (let i = bytes - 1; i >= 0; i--) value = (value << 8n) | BigInt(data[at + i]);
    return value;
  };
  while (offset < data.length) {
    const type = data.readUInt32LE(offset);
    const size = Number(data.readBigUInt64LE(offset + 4));
    const start = offset + 12;
    if (type === 1) {
      n8 = data.readUInt32LE(start);
      prime = readLe(start + 4, n8);
      nWires = data.readUInt32LE(start + 4 + n8);
      nConstraints = data.readUInt32LE(start + 4 + n8 + 24);
    } else if (type === 2) constraintBytes = [start, start + size];
    offset = start + size;
  }
  const constraints: R1cs["constraints"] = [];
  let at = constraintBytes![0];
  const readCombination = (): LinearCombination => {
    const terms = data.readUInt32LE(at);
    at += 4;
    const lc: LinearCombination = new Map();
    for (let t = 0; t < terms; t++) {
      lc.set(data.readUInt32LE(at), readLe(at + 4, n8));
      at += 4 + n8;
    }
    return lc;
  };
  for (let c = 0; c < nConstraints; c++) constraints.push([readCombination(), readCombination(), readCombination()]);
  return { prime, nWires, constraints };
}

/** Indices of the constraints A·B = C that the witness violates. */
export function failedConstraints(r1cs: R1cs, witness: readonly bigint[]): number[] {
  const p = r1cs.prime;
  const evaluate = (lc: LinearCombination) => {
    let sum = 0n;
    for (const [wire, coeff] of lc) sum += coeff * witness[wire];
    return sum % p;
  };
  const failed: number[] = [];
  r1cs.constraints.forEach(([a, b, c], i) => {
    if ((evaluate(a) * evaluate(b) - evaluate(c)) % p !== 0n) failed.push(i);
  });
  return failed;
}
