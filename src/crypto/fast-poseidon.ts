import { packFieldElements, unpackFieldElements } from "./field.js";
import { loadNativePoseidon } from "./native-poseidon.mjs";
import type { RegistryHasher } from "./poseidon.js";

/** Poseidon of one list of field elements. */
type PoseidonOf = (inputs: readonly bigint[]) => bigint;

/**
 * Poseidon for bulk work (tree building, enrollment batches), Node only: the native Poseidon
 * (native/poseidon-bn254.c) where `npm install` built it, about twice as fast per hash as
 * circomlibjs's WebAssembly Poseidon, which is the fallback (about 3x faster than
 * poseidon-lite after an ~0.8 s set-up). Results are identical (test/crypto.test.ts).
 */
export class FastPoseidon implements RegistryHasher {
  private constructor(private readonly poseidon: PoseidonOf) {}

  /** `native: false` uses circomlibjs's WebAssembly Poseidon even where the native one was built. */
  static async create({ native = true }: { native?: boolean } = {}): Promise<FastPoseidon> {
    const built = native ? loadNativePoseidon() : undefined;
    if (built !== undefined) {
      return new FastPoseidon((inputs) => unpackFieldElements(built.hashPacked(inputs.length, packFieldElements("Poseidon input", inputs)))[0]);
    }
    // Imported on first use: circomlibjs takes ~0.7 s to load, which commands that
    // never build a tree should not pay.
    const { buildPoseidon } = await import("circomlibjs");
    const poseidon = await buildPoseidon();
    return new FastPoseidon((inputs) => poseidon.F.toObject(poseidon([...inputs])));
  }

  hashNode(children: readonly bigint[]): bigint {
    return this.poseidon(children);
  }

  hashLeaf(commitment: bigint, attributes: readonly bigint[]): bigint {
    return this.poseidon([commitment, ...attributes]);
  }
}
