// Per-arity entry points: the package index parses the constants of all 16 arities.
import { poseidon1 } from "poseidon-lite/poseidon1";
import { poseidon2 } from "poseidon-lite/poseidon2";
import { poseidon8 } from "poseidon-lite/poseidon8";
import { poseidon5 } from "poseidon-lite/poseidon5";

/**
 * Poseidon as in circomlib (same constants in poseidon-lite and circomlibjs).
 * Arity separates the roles: Poseidon1 = identity commitment, Poseidon5 = leaf
 * (commitment + 4 attributes), Poseidon8 = tree nodes (eight children), Poseidon2 = DID
 * address, escrow pad.
 */
export const hashCommitment = (secret: bigint): bigint => poseidon1([secret]);
export const hashPair = (left: bigint, right: bigint): bigint => poseidon2([left, right]);
export const hashNode = (children: readonly bigint[]): bigint => poseidon8([...children]);
export const hashLeaf = (commitment: bigint, attributes: readonly bigint[]): bigint => poseidon5([commitment, ...attributes]);

/** The hashes a registry needs in bulk: tree nodes and leaves. */
export interface RegistryHasher {
  hashNode(children: readonly bigint[]): bigint;
  hashLeaf(commitment: bigint, attributes: readonly bigint[]): bigint;
}

/** Reference implementation (poseidon-lite): no set-up, ~0.6 ms per node hash; the one the browser has (FastPoseidon, in fast-poseidon.ts, is Node only). */
export const REFERENCE_HASHER: RegistryHasher = { hashNode, hashLeaf };
