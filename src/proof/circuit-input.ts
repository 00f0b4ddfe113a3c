import { ATTRIBUTE_SLOTS } from "../attributes/attributes.js";
import { randomEscrowScalar, shiftedRegulatorKey } from "../crypto/escrow.js";
import { RealDidError } from "../errors.js";
import type { Identity } from "../identity/identity.js";
import { type Credential, credentialLeaf } from "../registry/credential.js";
import { type MerkleProof, TREE_HEIGHT } from "../registry/registry-tree.js";
import { type ProofRequest, scopeToField } from "./request.js";

export interface ProofInputs {
  readonly identity: Identity;
  readonly credential: Credential;
  readonly merkleProof: MerkleProof;
  readonly request: ProofRequest;
  /** Ephemeral escrow scalar; fresh randomness when omitted (tests pin it). */
  readonly escrowRandomness?: bigint;
}

export type CircuitInput = Record<string, string | string[] | string[][]>;

/** Signal values as the witness calculator takes them: decimal strings. */
export const decimalSignals = (values: readonly bigint[]): string[] => values.map(String);

/**
 * The RealDid circuit's input signals. Checks first what the circuit would reject, so
 * the citizen gets a reason instead of a failed assertion deep in the witness.
 * RealDidBusiness takes every one of them under the same names (businessCircuitInput).
 */
export function circuitInput({ identity, credential, merkleProof, request, escrowRandomness }: ProofInputs): CircuitInput {
  if (credentialLeaf(identity.commitment, credential.attributes) !== merkleProof.leaf) {
    throw new RealDidError("credential_mismatch", "the identity and credential do not match the leaf in the Merkle path (wrong identity, or the credential was revoked or re-issued)");
  }
  if (merkleProof.index !== credential.index) {
    throw new RealDidError("credential_mismatch", `the Merkle path is for leaf ${merkleProof.index}, the credential is leaf ${credential.index}`);
  }
  ATTRIBUTE_SLOTS.forEach((slot, i) => {
    const value = credential.attributes[i];
    if (value < request.bounds.lo[i] || value > request.bounds.hi[i]) {
      throw new RealDidError("predicate_unsatisfied", `the credential's ${slot} does not satisfy the request (${value} not in [${request.bounds.lo[i]}, ${request.bounds.hi[i]}])`);
    }
  });
  if (merkleProof.siblings.length !== TREE_HEIGHT) {
    throw new RealDidError("credential_mismatch", `the Merkle path has ${merkleProof.siblings.length} levels; the registry tree has ${TREE_HEIGHT}`);
  }
  const shiftedKey = shiftedRegulatorKey(request.regulatorKey);
  return {
    secret: identity.secret.toString(),
    attributes: decimalSignals(credential.attributes),
    index: String(merkleProof.index),
    siblings: merkleProof.siblings.map(decimalSignals),
    escrowRandomness: (escrowRandomness ?? randomEscrowScalar()).toString(),
    scope: scopeToField(request.scope).toString(),
    challenge: request.challenge.toString(),
    regulatorKey: decimalSignals([request.regulatorKey.x, request.regulatorKey.y]),
    regulatorKeyShifted: decimalSignals([shiftedKey.x, shiftedKey.y]),
    attributeLo: decimalSignals(request.bounds.lo),
    attributeHi: decimalSignals(request.bounds.hi),
  };
}
