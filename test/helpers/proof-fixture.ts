import { predicateBounds } from "../../src/attributes/predicates.js";
import type { CircuitArtifacts } from "../../src/artifacts/artifacts.js";
import { loadArtifacts } from "../../src/artifacts/load.js";
import { FastPoseidon } from "../../src/crypto/fast-poseidon.js";
import { generateRegulatorKeyPair, type RegulatorKeyPair } from "../../src/crypto/escrow.js";
import { Prover } from "../../src/proof/prover.js";
import { type ProofRequest, randomChallenge } from "../../src/proof/request.js";
import { RegistryTree, TREE_HEIGHT } from "../../src/registry/registry-tree.js";
import { type Citizen, makeCitizen, TODAY } from "./fixtures.js";

/** A registry of five citizens, a regulator, the real keys and a warm prover. */
export interface ProofFixture {
  artifacts: CircuitArtifacts;
  prover: Prover;
  tree: RegistryTree;
  citizens: Citizen[];
  regulator: RegulatorKeyPair;
  /** A request for `scope` on `day`, with the given predicates. */
  requestFor(scope: string, predicates?: object, day?: string, challenge?: bigint): ProofRequest & { keyId: string };
  /** A real proof by citizen `index` for `request`. */
  prove(index: number, request: ProofRequest): ReturnType<Prover["prove"]>;
}

export async function proofFixture(): Promise<ProofFixture> {
  const artifacts = loadArtifacts({ warn: () => {} });
  const prover = await Prover.create(artifacts);
  const citizens = Array.from({ length: 5 }, () => makeCitizen());
  const tree = new RegistryTree(TREE_HEIGHT, await FastPoseidon.create());
  tree.insertMany(citizens.map((c) => c.leaf));
  const regulator = generateRegulatorKeyPair();
  return {
    artifacts,
    prover,
    tree,
    citizens,
    regulator,
    requestFor: (scope, predicates = { minAge: 18, notExpired: true, regionPrefix: "11" }, day = TODAY, challenge = randomChallenge()) => ({
      scope,
      challenge,
      bounds: predicateBounds(predicates, day),
      regulatorKey: regulator.publicKey,
      keyId: artifacts.keyId,
    }),
    prove: (index, request) =>
      prover.prove({ identity: citizens[index].identity, credential: { index, attributes: citizens[index].attributes }, merkleProof: tree.proof(index), request }),
  };
}
