import { bytesToHex } from "@noble/hashes/utils.js";
import { RealDidError } from "../errors.js";

/** The BN254 scalar field: every circuit signal lives here. */
export const SNARK_FIELD = 21888242871839275222246405745257275088548364400416034343698204186575808495617n;

export const mod = (value: bigint, modulus: bigint): bigint => {
  const r = value % modulus;
  return r < 0n ? r + modulus : r;
};

/** Parses a bigint / decimal string / safe integer and checks it is a field element. */
export function toFieldElement(name: string, value: unknown): bigint {
  let parsed: bigint;
  if (typeof value === "bigint") parsed = value;
  else if (typeof value === "number" && Number.isSafeInteger(value)) parsed = BigInt(value);
  else if (typeof value === "string" && /^(0|[1-9][0-9]*)$/.test(value)) parsed = BigInt(value);
  else if (typeof value === "string" && /^0x[0-9a-fA-F]+$/.test(value)) parsed = BigInt(value);
  else {
    const shown = typeof value === "string" ? `"${value.slice(0, 40)}"` : typeof value;
    throw new RealDidError("invalid_argument", `Parameter '${name}' is not an integer, received ${shown}`);
  }
  if (parsed < 0n || parsed >= SNARK_FIELD) {
    throw new RealDidError("invalid_argument", `Parameter '${name}' is outside the BN254 scalar field: ${parsed}`);
  }
  return parsed;
}

/** Bytes per field element in the binary formats (wtns, zkey, the Poseidon pool's buffers). */
export const FIELD_BYTES = 32;
const MASK64 = (1n << 64n) - 1n;

/** Writes a field element as 32 bytes little-endian at `offset`. */
export function writeFieldElement(view: DataView, offset: number, value: bigint): void {
  for (let limb = 0; limb < 4; limb++, value >>= 64n) view.setBigUint64(offset + limb * 8, value & MASK64, true);
}

/** Reads a field element written as 32 bytes little-endian at `offset`. */
export function readFieldElement(view: DataView, offset: number): bigint {
  return (view.getBigUint64(offset + 24, true) << 192n) | (view.getBigUint64(offset + 16, true) << 128n) | (view.getBigUint64(offset + 8, true) << 64n) | view.getBigUint64(offset, true);
}

/**
 * Field elements as 32-byte little-endian values in one buffer (a Poseidon worker's or the
 * native Poseidon's input). Refuses a value outside the field: the native Poseidon would
 * refuse it and circomlibjs's would reduce it, so neither sees one.
 */
export function packFieldElements(name: string, values: readonly bigint[]): Uint8Array<ArrayBuffer> {
  const view = new DataView(new ArrayBuffer(values.length * FIELD_BYTES));
  values.forEach((value, k) => {
    if (value < 0n || value >= SNARK_FIELD) throw new RealDidError("invalid_argument", `Parameter '${name}' is outside the BN254 scalar field: ${value}`);
    writeFieldElement(view, k * FIELD_BYTES, value);
  });
  return new Uint8Array(view.buffer);
}

/** The field elements of a buffer packFieldElements' layout. */
export function unpackFieldElements(bytes: Uint8Array): bigint[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return Array.from({ length: bytes.byteLength / FIELD_BYTES }, (_, k) => readFieldElement(view, k * FIELD_BYTES));
}

/** Inverse modulo a prime by extended Euclid: far cheaper than Fermat exponentiation in BigInt. */
export function invertMod(value: bigint, modulus: bigint): bigint {
  let [a, b, x0, x1] = [mod(value, modulus), modulus, 1n, 0n];
  while (b !== 0n) {
    const q = a / b;
    [a, b] = [b, a - q * b];
    [x0, x1] = [x1, x0 - q * x1];
  }
  return mod(x0, modulus);
}

/** Uniform random element of [1, bound) by rejection sampling. */
export function randomBelow(bound: bigint): bigint {
  const bytes = Math.ceil(bound.toString(2).length / 8);
  const topMask = (1n << BigInt(bound.toString(2).length)) - 1n;
  for (;;) {
    const candidate = BigInt("0x" + bytesToHex(globalThis.crypto.getRandomValues(new Uint8Array(bytes)))) & topMask;
    if (candidate > 0n && candidate < bound) return candidate;
  }
}
