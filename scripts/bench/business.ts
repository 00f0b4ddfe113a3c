// The business circuit (a person acting for an enterprise under a mandate), measured beside the
// personal circuit in the same run: a legal representative, as the registrar enrolls them, logs
// in at a tax portal that asks for the credit code; each proof is for a new site.
import type { CircuitArtifacts } from "../../src/artifacts/artifacts.js";
import { BUSINESS_CIRCUIT } from "../../src/artifacts/circuit-id.js";
import { loadArtifacts } from "../../src/artifacts/load.js";
import type { EncodedAttributes } from "../../src/attributes/attributes.js";
import { businessTerms, parseBusinessPolicy } from "../../src/business/business-policy.js";
import { proveBusiness } from "../../src/business/business-prover.js";
import { withCreditCodeCheck } from "../../src/business/credit-code.js";
import { enterpriseFields, enterpriseLeaf } from "../../src/business/enterprise.js";
import { ALL_TASKS, type MandateTerms, mandateLeaf } from "../../src/business/mandate.js";
import { FastPoseidon } from "../../src/crypto/fast-poseidon.js";
import type { Identity } from "../../src/identity/identity.js";
import { groth16Check } from "../../src/proof/groth16-check.js";
import { Prover } from "../../src/proof/prover.js";
import type { ProofRequest } from "../../src/proof/request.js";
import { credentialLeaf } from "../../src/registry/credential.js";
import { RegistryTree, TREE_HEIGHT } from "../../src/registry/registry-tree.js";
import { type Timing, timeInterleaved } from "./table.js";

export interface BusinessFigures {
  artifacts: CircuitArtifacts;
  /** From making the business prover (zkey parsed, witness calculator built) to its first proof. */
  firstProofMs: number;
  proof: Timing;
  /** The personal jobs, run alternately with the business ones so both see the same load. */
  personalProof: Timing;
  verify: Timing;
  personalVerify: Timing;
}

/** The personal circuit's jobs to alternate with: one more warm proof, one more groth16Check of a proof. */
export interface PersonalJobs {
  prove: () => Promise<unknown>;
  verify: () => Promise<unknown>;
}

/** The business proof of `citizen` as their enterprise's legal representative, for `request` (the personal part) on `today`. */
export async function measureBusiness(runs: number, citizen: { identity: Identity; attributes: EncodedAttributes }, request: ProofRequest, today: string, personal: PersonalJobs): Promise<BusinessFigures> {
  const enterprise = enterpriseFields(withCreditCodeCheck("91440300MA5DC1234"));
  const tree = new RegistryTree(TREE_HEIGHT, await FastPoseidon.create());
  tree.insertMany([credentialLeaf(citizen.identity.commitment, citizen.attributes), enterpriseLeaf(enterprise)]);
  const mandate: MandateTerms = { agentCommitment: citizen.identity.commitment, enterprise, role: "legal_representative", tasks: ALL_TASKS, validFrom: today, validUntil: "9999-12-31", index: tree.size };
  tree.insert(mandateLeaf(mandate));
  const policy = parseBusinessPolicy({ roles: ["legal_representative", "agent"], task: "tax_filing", revealEnterprise: true, enterprise: { regionPrefix: "44" } }, "bench business policy");
  const terms = businessTerms(policy, today);

  const artifacts = loadArtifacts({ circuit: BUSINESS_CIRCUIT, warn: () => {} });
  let site = 0;
  const proverFor = (prover: Prover) => () =>
    proveBusiness(prover, {
      identity: citizen.identity,
      credential: { index: 0, attributes: citizen.attributes },
      merkleProof: tree.proof(0),
      mandate: { terms: mandate, merkleProof: tree.proof(mandate.index) },
      request: { ...request, scope: `business-${site++}.example`, ...terms },
    });
  const firstStart = performance.now();
  const prove = proverFor(await Prover.create(artifacts));
  const first = await prove();
  const firstProofMs = performance.now() - firstStart;

  const [proof, personalProof] = await timeInterleaved(runs, prove, personal.prove);
  const check = groth16Check(artifacts.verificationKey);
  const verifyFirst = async () => {
    if (!(await check(first.proof, first.publicSignals))) throw new Error("the business proof did not verify");
  };
  const [verify, personalVerify] = await timeInterleaved(30, verifyFirst, personal.verify);
  return { artifacts, firstProofMs, proof, personalProof, verify, personalVerify };
}
