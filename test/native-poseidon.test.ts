// The native Poseidon (native/poseidon-bn254.c) against poseidon-lite, and the WebAssembly
// fallback the registrar uses where it was not built.
import * as lite from "poseidon-lite";
import { describe, expect, it } from "vitest";
import { FIELD_BYTES, SNARK_FIELD, unpackFieldElements, writeFieldElement } from "../src/crypto/field.js";
import { loadNativePoseidon } from "../src/crypto/native-poseidon.mjs";
import { PoseidonPool } from "../src/crypto/poseidon-pool.js";
import { randomField } from "./helpers/fixtures.js";

const native = loadNativePoseidon();
const liteOfArity = (arity: number) => (lite as unknown as Record<string, (inputs: bigint[]) => bigint>)[`poseidon${arity}`];

/** Packed without packFieldElements' range check: the addon's own refusals are tested here. */
const pack = (values: readonly bigint[]) => {
  const view = new DataView(new ArrayBuffer(values.length * FIELD_BYTES));
  values.forEach((value, k) => writeFieldElement(view, k * FIELD_BYTES, value));
  return new Uint8Array(view.buffer);
};

describe("native Poseidon", () => {
  it("is built by npm install", () => {
    expect(native).toBeDefined();
  });

  it("equals poseidon-lite at every arity, on random inputs and the field's edges", () => {
    for (let arity = 1; arity <= 16; arity++) {
      const groups = [Array(arity).fill(0n), Array(arity).fill(SNARK_FIELD - 1n), ...Array.from({ length: 20 }, () => Array.from({ length: arity }, () => randomField(254) % SNARK_FIELD))];
      const hashes = unpackFieldElements(native!.hashPacked(arity, pack(groups.flat())));
      expect(hashes).toEqual(groups.map((inputs) => liteOfArity(arity)(inputs)));
    }
  });

  it("refuses an input that is not a field element and an arity Poseidon does not have", () => {
    expect(() => native!.hashPacked(2, pack([1n, SNARK_FIELD]))).toThrow(/not below the field's modulus/);
    expect(() => native!.hashPacked(2, pack([1n, 2n ** 256n - 1n]))).toThrow(/not below the field's modulus/);
    expect(() => native!.hashPacked(17, pack(Array(17).fill(1n)))).toThrow(/1 to 16 inputs/);
    expect(() => native!.hashPacked(0, new Uint8Array(0))).toThrow(/1 to 16 inputs/);
    expect(() => native!.hashPacked(2, new Uint8Array(3 * FIELD_BYTES))).toThrow(/whole groups/);
  });
});

describe("PoseidonPool", () => {
  it("hashes alike natively and with circomlibjs's WebAssembly (the fallback)", async () => {
    const leaves = Array.from({ length: 5 * 301 }, () => randomField(253));
    const [nativePool, webAssemblyPool] = await Promise.all([PoseidonPool.create(2), PoseidonPool.create(2, { native: false })]);
    try {
      const expected = Array.from({ length: 301 }, (_, i) => lite.poseidon5(leaves.slice(5 * i, 5 * i + 5)));
      expect(await nativePool.hashMany(5, leaves)).toEqual(expected);
      expect(await webAssemblyPool.hashMany(5, leaves)).toEqual(expected);
    } finally {
      await Promise.all([nativePool.close(), webAssemblyPool.close()]);
    }
  });

  it.each([true, false])("(native: %s) refuses a value outside the field and an arity Poseidon does not have, and answers the next call", async (native) => {
    const pool = await PoseidonPool.create(2, { native });
    try {
      await expect(pool.hashMany(2, [1n, SNARK_FIELD])).rejects.toThrow(/outside the BN254 scalar field/);
      await expect(pool.hashMany(2, [1n, -1n])).rejects.toThrow(/outside the BN254 scalar field/);
      await expect(pool.hashMany(17, Array(34).fill(1n))).rejects.toThrow(/Poseidon worker: Poseidon takes 1 to 16 inputs, not 17/);
      expect(await pool.hashMany(2, [1n, 2n, 3n, 4n])).toEqual([lite.poseidon2([1n, 2n]), lite.poseidon2([3n, 4n])]);
    } finally {
      await pool.close();
    }
  });
});
