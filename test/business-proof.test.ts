// Real Groth16 business proofs from the business circuit's published keys: a person proves
// they act for an enterprise under a mandate; the verifier checks the site's terms; the
// regulator opens both escrowed handles; a proof is refused for other terms, keys or signals.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { predicateBounds } from "../src/attributes/predicates.js";
import type { CircuitArtifacts } from "../src/artifacts/artifacts.js";
import { BUSINESS_CIRCUIT } from "../src/artifacts/circuit-id.js";
import { loadArtifacts } from "../src/artifacts/load.js";
import type { BusinessProofRequest } from "../src/business/business-circuit-input.js";
import { businessTerms } from "../src/business/business-policy.js";
import { type BusinessProofResult, proveBusiness } from "../src/business/business-prover.js";
import { BUSINESS_SIGNAL_NAMES } from "../src/business/business-signals.js";
import { type BusinessVerificationRequest, verifyBusinessProof } from "../src/business/business-verifier.js";
import { withCreditCodeCheck } from "../src/business/credit-code.js";
import { enterpriseFields, enterpriseLeaf } from "../src/business/enterprise.js";
import { type MandateTerms, mandateLeaf, rolePseudonym } from "../src/business/mandate.js";
import { mandateCredential, mandateTermsOf, parseMandateCredential, representativeCopy } from "../src/business/mandate-credential.js";
import { multiplyPoint } from "../src/crypto/baby-jubjub.js";
import { decryptHandle, generateRegulatorKeyPair, mandateHandleFromSharedKey } from "../src/crypto/escrow.js";
import { FastPoseidon } from "../src/crypto/fast-poseidon.js";
import { parsePolicy } from "../src/policy/policy.js";
import { releaseCurve } from "../src/proof/curve.js";
import { groth16Check } from "../src/proof/groth16-check.js";
import { Prover } from "../src/proof/prover.js";
import { randomChallenge, scopeToField } from "../src/proof/request.js";
import { businessProofRequestFrom, proofRequestFrom, requestDocument } from "../src/proof/request-document.js";
import type { ProofCheck } from "../src/proof/verifier.js";
import { RegistryTree, TREE_HEIGHT } from "../src/registry/registry-tree.js";
import { type Citizen, makeCitizen, TODAY } from "./helpers/fixtures.js";

const regulator = generateRegulatorKeyPair();
const CODE = withCreditCodeCheck("91440300MA5DC1234");
const enterprise = enterpriseFields(CODE);
let artifacts: CircuitArtifacts;
let check: ProofCheck;
let prover: Prover;
let tree: RegistryTree;
let agent: Citizen;
let agentMandate: MandateTerms;
let agentIndex: number;
let proof: BusinessProofResult;
let request: BusinessVerificationRequest;

const portal = parsePolicy({
  scope: "tax.example.gov",
  checkExpiry: true,
  regulatorKey: { x: regulator.publicKey.x.toString(), y: regulator.publicKey.y.toString() },
  business: { roles: ["legal_representative", "agent"], task: "tax_filing", revealEnterprise: true, enterprise: { regionPrefix: "44", authority: "9" } },
});

const verificationRequest = (overrides: Partial<BusinessVerificationRequest> = {}): BusinessVerificationRequest => ({
  scope: portal.scope,
  challenge: proof.signals.challenge,
  bounds: predicateBounds(portal.predicates, TODAY),
  regulatorKey: regulator.publicKey,
  keyId: artifacts.keyId,
  rootStatus: (root) => (root === tree.root ? "current" : "unknown"),
  ...businessTerms(portal.business!, TODAY),
  ...overrides,
});

const proveFor = (citizen: Citizen, index: number, terms: MandateTerms, asked: BusinessProofRequest) =>
  proveBusiness(prover, {
    identity: citizen.identity,
    credential: { index, attributes: citizen.attributes },
    merkleProof: tree.proof(index),
    mandate: { terms, merkleProof: tree.proof(terms.index) },
    request: asked,
    escrowRandomness: 31337n,
  });

beforeAll(async () => {
  artifacts = loadArtifacts({ circuit: BUSINESS_CIRCUIT, warn: () => {} });
  check = groth16Check(artifacts.verificationKey);
  prover = await Prover.create(artifacts);
  const people = Array.from({ length: 4 }, () => makeCitizen());
  agent = people[3];
  agentIndex = 3;
  tree = new RegistryTree(TREE_HEIGHT, await FastPoseidon.create());
  tree.insertMany([...people.map((p) => p.leaf), enterpriseLeaf(enterprise)]);
  const representative: MandateTerms = { agentCommitment: people[0].identity.commitment, enterprise, role: "legal_representative", tasks: "all", validFrom: "2026-01-01", validUntil: "9999-12-31", index: tree.size };
  tree.insert(mandateLeaf(representative));
  agentMandate = { agentCommitment: agent.identity.commitment, enterprise, role: "agent", tasks: ["tax_filing", "invoicing"], validFrom: "2026-06-01", validUntil: "2026-12-31", index: tree.size };
  tree.insert(mandateLeaf(agentMandate));
  // The request a site's policy gives, as the citizen reads it from the request document.
  const document = requestDocument(portal, { keyId: artifacts.keyId, day: TODAY, challenge: randomChallenge() });
  const asked = businessProofRequestFrom(document, { regulatorKeys: [regulator.publicKey], now: new Date(`${TODAY}T12:00:00Z`) });
  proof = await proveFor(agent, agentIndex, agentMandate, asked);
  request = verificationRequest();
});

afterAll(releaseCurve);

describe("a real business proof", () => {
  it("verifies: the pseudonym of the person in this role for this enterprise, the revealed credit code, both escrows", async () => {
    expect(proof.publicSignals).toHaveLength(BUSINESS_SIGNAL_NAMES.length);
    const outcome = await verifyBusinessProof(proof, request, check);
    if (!outcome.valid) throw new Error(outcome.message);
    expect(outcome.pseudonym).toBe(rolePseudonym(scopeToField(portal.scope), agent.identity.secret, enterprise.code, "agent"));
    expect(outcome.creditCode).toBe(CODE);
    expect(outcome.root).toBe(tree.root);
    // The regulator (here with the whole key; in service, k of n partials give the same K) opens both handles.
    expect(decryptHandle(outcome.escrow, regulator.secretKey)).toBe(agent.leaf);
    const sharedKey = multiplyPoint(outcome.escrow.ephemeral, regulator.secretKey);
    expect(mandateHandleFromSharedKey(outcome.mandateCipher, sharedKey)).toBe(mandateLeaf(agentMandate));
  });

  it("keeps the enterprise hidden when the site does not ask for it", async () => {
    const hidden = { ...request, challenge: randomChallenge(), revealEnterprise: false, task: null };
    const made = await proveFor(agent, agentIndex, agentMandate, hidden);
    expect(made.signals.revealedEnterprise).toBe(0n);
    const outcome = await verifyBusinessProof(made, hidden, check);
    expect(outcome).toMatchObject({ valid: true, creditCode: null, pseudonym: proof.signals.pseudonym });
  });

  it.each([
    ["another day", { today: "2026-06-16" }, "mandate_terms_mismatch"],
    ["other roles", { roles: ["agent"] as const }, "mandate_terms_mismatch"],
    ["another task", { task: "invoicing" as const }, "mandate_terms_mismatch"],
    ["the enterprise hidden", { revealEnterprise: false }, "mandate_terms_mismatch"],
    ["other enterprise bounds", { enterpriseBounds: { region: [440000n, 449999n], type: [280n, 280n] } as const }, "predicate_mismatch"],
    ["other personal bounds", { bounds: predicateBounds({}, TODAY) }, "predicate_mismatch"],
    ["another scope", { scope: "bank.example" }, "scope_mismatch"],
    ["another challenge", { challenge: 5n }, "challenge_mismatch"],
    ["an unknown root", { rootStatus: () => "unknown" as const }, "unknown_root"],
  ])("is refused for %s", async (_, overrides, code) => {
    expect(await verifyBusinessProof(proof, verificationRequest(overrides as Partial<BusinessVerificationRequest>), check)).toMatchObject({ valid: false, code });
  });

  it("is refused by the personal circuit's keys, and a personal request cannot be answered with it", async () => {
    const personal = loadArtifacts({ warn: () => {} });
    expect(await verifyBusinessProof(proof, { ...request, keyId: personal.keyId }, check)).toMatchObject({ valid: false, code: "key_mismatch" });
    const document = requestDocument(portal, { keyId: artifacts.keyId, day: TODAY, challenge: 7n });
    expect(() => proofRequestFrom(document, { regulatorKeys: [regulator.publicKey], now: new Date(`${TODAY}T12:00:00Z`) })).toThrow(/business login/);
  });

  it.each(BUSINESS_SIGNAL_NAMES.map((name, i) => [name, i] as const))(
    "does not verify with %s changed",
    async (_, i) => {
      const publicSignals = [...proof.publicSignals];
      publicSignals[i] = (BigInt(publicSignals[i]) + 1n).toString();
      // Refused by whichever check sees the change first: the site's terms, or the Groth16 check.
      const outcome = await verifyBusinessProof({ ...proof, publicSignals }, request, check);
      expect(outcome.valid).toBe(false);
    },
  );

  it("a mandate credential without the agent's commitment (the representative's copy) is completed only by the agent's own identity", () => {
    const full = mandateCredential("ab".repeat(32), { creditCode: CODE, name: "Acme" }, agentMandate, mandateLeaf(agentMandate), new Date(`${TODAY}T00:00:00Z`));
    const copy = JSON.parse(JSON.stringify(representativeCopy(full)));
    expect(copy).not.toHaveProperty("agentCommitment");
    expect(parseMandateCredential(copy)).toEqual(copy); // its form only: the representative cannot check it against anyone
    expect(mandateTermsOf(parseMandateCredential(copy, "mandate", agent.identity.commitment))).toEqual(agentMandate);
    expect(() => parseMandateCredential(copy, "mandate", makeCitizen().identity.commitment)).toThrow(/not granted to this identity/);
    expect(() => parseMandateCredential(full, "mandate", makeCitizen().identity.commitment)).toThrow(/granted to another person/);
    expect(() => mandateTermsOf(copy)).toThrow(/names no agent commitment/);
  });

  it("cannot be made by someone else holding the agent's mandate terms", async () => {
    const stranger = makeCitizen();
    tree.insert(stranger.leaf);
    const asked = { ...request, challenge: randomChallenge() };
    await expect(proveFor(stranger, tree.size - 1, agentMandate, asked)).rejects.toMatchObject({ code: "mandate_mismatch" });
  });
});
