// The composed RealDidBusiness(11, 4, 32, 4) circuit (issue 14): witnesses whose outputs
// equal the library's for people acting for enterprises under mandates in the one registry
// tree; a table of refusals, each fed to the circuit directly (saying which template fails)
// and to businessCircuitInput (saying which error code it gives); and edited witnesses.
import { readFileSync } from "node:fs";
import { beforeAll, describe, expect, it } from "vitest";
import { dayNumber } from "../src/attributes/calendar.js";
import { predicateBounds } from "../src/attributes/predicates.js";
import { BUSINESS_CIRCUIT } from "../src/artifacts/circuit-id.js";
import { circuitMainPath } from "../src/artifacts/paths.js";
import { type BusinessProofInputs, type BusinessProofRequest, businessCircuitInput } from "../src/business/business-circuit-input.js";
import { authorityTypeRange, creditCodeOfValue, type EnterpriseFields, enterpriseFields, enterpriseLeaf } from "../src/business/enterprise.js";
import { ALL_TASKS, type MandateTasks, type MandateTerms, mandateLeaf, type Role, ROLE_NAMES, rolePseudonym, TASKS } from "../src/business/mandate.js";
import { encryptHandle, encryptMandateHandle, generateRegulatorKeyPair } from "../src/crypto/escrow.js";
import { FastPoseidon } from "../src/crypto/fast-poseidon.js";
import type { RealDidError } from "../src/errors.js";
import { type CircuitInput, circuitInput } from "../src/proof/circuit-input.js";
import { scopeToField } from "../src/proof/request.js";
import { RegistryTree, TREE_HEIGHT } from "../src/registry/registry-tree.js";
import { type Citizen, makeCitizen, TODAY } from "./helpers/fixtures.js";
import { sourceLine, TestCircuit } from "./helpers/test-circuit.js";

const CODE_A = "91350100M000100Y43";
const CODE_B = "91110000100006485K";
const A = enterpriseFields(CODE_A);
const B = enterpriseFields(CODE_B);
const regulator = generateRegulatorKeyPair();
const RANDOMNESS = 777n;
const ANY_ENTERPRISE = { region: [0n, 999_999n], type: [0n, 2n ** 32n - 1n] } as const;

const request = (overrides: Partial<BusinessProofRequest> = {}): BusinessProofRequest => ({
  scope: "tax.example",
  challenge: 4242n,
  regulatorKey: regulator.publicKey,
  bounds: predicateBounds({ minAge: 18 }, TODAY),
  today: TODAY,
  roles: ROLE_NAMES,
  task: null,
  revealEnterprise: false,
  enterpriseBounds: ANY_ENTERPRISE,
  ...overrides,
});

let circuit: TestCircuit;
let hasher: FastPoseidon;
let tree: RegistryTree;
/** Person leaves first (index = position), then the two enterprises, then mandates. */
const people: Citizen[] = [];
const [representative, manager, agentOne, agentFour, stranger, representativeB] = [0, 1, 2, 3, 4, 5];
const mandates: Record<string, MandateTerms> = {};

function grant(person: number, enterprise: EnterpriseFields, role: Role, tasks: MandateTasks, validFrom: string, validUntil: string): MandateTerms {
  const terms = { agentCommitment: people[person].identity.commitment, enterprise, role, tasks, validFrom, validUntil, index: tree.size };
  tree.insert(mandateLeaf(terms));
  return terms;
}

/** A copy of the registry tree (the same leaves), to revoke in without touching the shared one. */
function copyOfTree(): RegistryTree {
  const copy = new RegistryTree(TREE_HEIGHT, hasher);
  copy.insertMany(tree.leavesFrom(0, tree.size));
  return copy;
}

beforeAll(async () => {
  circuit = await TestCircuit.compile("realdid_business_main", readFileSync(circuitMainPath(BUSINESS_CIRCUIT), "utf8"));
  hasher = await FastPoseidon.create();
  tree = new RegistryTree(TREE_HEIGHT, hasher);
  for (let i = 0; i < 6; i++) people.push(makeCitizen());
  tree.insertMany(people.map((person) => person.leaf));
  tree.insertMany([enterpriseLeaf(A), enterpriseLeaf(B)]);
  mandates.representative = grant(representative, A, "legal_representative", ALL_TASKS, "2026-01-05", "9999-12-31");
  mandates.manager = grant(manager, A, "license_manager", ["licence_renewal", "annual_report"], "2026-02-01", "2027-01-31");
  mandates.managerAsAgent = grant(manager, A, "agent", ["invoicing"], "2026-02-01", "2027-01-31");
  mandates.agentOne = grant(agentOne, A, "agent", ["tax_filing"], "2026-06-01", "2026-12-31");
  mandates.agentOneForB = grant(agentOne, B, "agent", ["tax_filing"], "2026-06-01", "2026-12-31");
  mandates.agentFour = grant(agentFour, A, "agent", ["tax_filing", "invoicing", "social_insurance", "annual_report"], "2026-03-01", "2026-09-30");
  mandates.representativeB = grant(representativeB, B, "legal_representative", ALL_TASKS, "2025-11-20", "9999-12-31");
});

/** The library's inputs for a person proving with a mandate (paths from `registry`). */
function proofInputs(person: number, terms: MandateTerms, req = request(), registry = tree): BusinessProofInputs {
  return {
    identity: people[person].identity,
    credential: { index: person, attributes: people[person].attributes },
    merkleProof: registry.proof(person),
    mandate: { terms, merkleProof: registry.proof(terms.index) },
    request: req,
    escrowRandomness: RANDOMNESS,
  };
}
const inputFor = (person: number, terms: MandateTerms, req = request()) => businessCircuitInput(proofInputs(person, terms, req));

describe("RealDidBusiness(11, 4, 32, 4) witnesses", () => {
  it.each([
    ["the representative (tasks all), a required task, enterprise revealed", representative, "representative", { task: "tax_filing", revealEnterprise: true }],
    ["the representative (tasks all), any task, enterprise hidden", representative, "representative", {}],
    ["the other enterprise's representative, revealed", representativeB, "representativeB", { revealEnterprise: true, roles: ["legal_representative"] }],
    ["an agent with one task, that task required", agentOne, "agentOne", { task: "tax_filing", roles: ["agent"] }],
    ["an agent with four tasks, the last one required, region and authority asked", agentFour, "agentFour", { task: "annual_report", enterpriseBounds: { region: [350000n, 359999n], type: authorityTypeRange("9") } }],
    ["a license manager, any task", manager, "manager", { roles: ["license_manager", "agent"] }],
  ] as const)("%s: outputs the library's root, pseudonym, ciphers and revealed code", async (_, person, mandate, overrides) => {
    const terms = mandates[mandate];
    const req = request(overrides as Partial<BusinessProofRequest>);
    const witness = await circuit.witness(inputFor(person, terms, req));
    expect(circuit.failedConstraints(witness)).toEqual([]);
    const escrow = encryptHandle(people[person].leaf, regulator.publicKey, RANDOMNESS);
    expect(circuit.signal(witness, "main.root")).toBe(tree.root);
    expect(circuit.signal(witness, "main.pseudonym")).toBe(rolePseudonym(scopeToField(req.scope), people[person].identity.secret, terms.enterprise.code, terms.role));
    expect(circuit.signal(witness, "main.escrowEphemeral[0]")).toBe(escrow.ephemeral.x);
    expect(circuit.signal(witness, "main.escrowEphemeral[1]")).toBe(escrow.ephemeral.y);
    expect(circuit.signal(witness, "main.escrowCipher")).toBe(escrow.cipher);
    expect(circuit.signal(witness, "main.mandateCipher")).toBe(encryptMandateHandle(mandateLeaf(terms), regulator.publicKey, RANDOMNESS));
    const revealed = circuit.signal(witness, "main.revealedEnterprise");
    if (req.revealEnterprise) {
      expect(revealed).toBe(terms.enterprise.code);
      expect(creditCodeOfValue(revealed)).toBe(terms.enterprise === A ? CODE_A : CODE_B);
    } else {
      expect(revealed).toBe(0n);
    }
  });
});

describe("RealDidBusiness role pseudonyms", () => {
  const pseudonymOf = async (person: number, terms: MandateTerms, req = request()) => circuit.signal(await circuit.witness(inputFor(person, terms, req)), "main.pseudonym");

  it("are the same for one person, enterprise, role and scope, whatever the challenge, randomness or task asked", async () => {
    const first = await pseudonymOf(agentFour, mandates.agentFour);
    const again = circuit.signal(await circuit.witness(businessCircuitInput({ ...proofInputs(agentFour, mandates.agentFour, request({ challenge: 99n, task: "invoicing" })), escrowRandomness: 123456n })), "main.pseudonym");
    expect(again).toBe(first);
  });

  it("differ for another scope, another enterprise, another role, and from the person's own DID address", async () => {
    const base = await pseudonymOf(agentOne, mandates.agentOne);
    const otherScope = await pseudonymOf(agentOne, mandates.agentOne, request({ scope: "customs.example" }));
    const otherEnterprise = await pseudonymOf(agentOne, mandates.agentOneForB);
    expect(new Set([base, otherScope, otherEnterprise]).size).toBe(3);
    expect(base).not.toBe(people[agentOne].identity.didAddress(scopeToField("tax.example")));
    const asManager = await pseudonymOf(manager, mandates.manager);
    const asAgent = await pseudonymOf(manager, mandates.managerAsAgent);
    expect(asManager).not.toBe(asAgent);
    expect(asAgent).toBe(rolePseudonym(scopeToField("tax.example"), people[manager].identity.secret, A.code, "agent"));
  });
});

/** A refusal: how a cheating prover feeds the circuit, where it fails, and what the library says first. */
interface Refusal {
  /** The honest input of agentOne's mandate for A (tax_filing, 2026-06-01 to 2026-12-31), changed. */
  readonly fedToCircuit: (honest: CircuitInput) => CircuitInput;
  /** The failing assertion's templates, from the main template inwards (TestCircuit.failedAssertion). */
  readonly fails: string;
  /** The failing assertion's source line, where it is one of ours: [file under circuits/, its text]. */
  readonly assertion?: readonly [string, string];
  /** The same wrong request made through businessCircuitInput, its error code and words; null where the library's types cannot express it. */
  readonly library: { inputs: () => BusinessProofInputs; code: RealDidError["code"]; says: RegExp } | null;
}

const day = (iso: string) => dayNumber("day", iso);
const withDay = (iso: string, shift: number) => (honest: CircuitInput) => ({ ...honest, today: String(day(iso) + shift) });
/** Replaces the enterprise bounds on [region, type][slot]. */
const withEnterpriseBounds = (honest: CircuitInput, slot: 0 | 1, [lo, hi]: readonly [bigint, bigint]) => {
  const [los, his] = [[...(honest.enterpriseLo as string[])], [...(honest.enterpriseHi as string[])]];
  [los[slot], his[slot]] = [String(lo), String(hi)];
  return { ...honest, enterpriseLo: los, enterpriseHi: his };
};
const agentOneInputs = (overrides: Partial<BusinessProofRequest>) => () => proofInputs(agentOne, mandates.agentOne, request(overrides));
/** The registry after a revocation of agentOne's mandate for A (a copy of the tree; the shared one is untouched). */
const revokedTree = () => {
  const copy = copyOfTree();
  copy.remove(mandates.agentOne.index);
  return copy;
};

/** The mandate's leaf is not under the person's root. */
const ROOTS_DIFFER = { fails: "RealDidBusiness", assertion: ["realdid-business.circom", "mandateRoot === root;"] } as const;
const IN_FORCE = "RealDidBusiness > MandateInForce > InclusiveRange > Num2Bits";
const ENTERPRISE_RANGE = "RealDidBusiness > EnterpriseDisclosure > AttributePredicates > InclusiveRange > Num2Bits";

const REFUSALS: Record<string, Refusal> = {
  "expired mandate (today one day after validUntil)": {
    fedToCircuit: withDay("2026-12-31", 1),
    fails: IN_FORCE,
    library: { inputs: agentOneInputs({ today: "2027-01-01" }), code: "mandate_not_in_force", says: /was valid until 2026-12-31; the request's day is 2027-01-01/ },
  },
  "mandate not yet valid (today one day before validFrom)": {
    fedToCircuit: withDay("2026-06-01", -1),
    fails: IN_FORCE,
    library: { inputs: agentOneInputs({ today: "2026-05-31" }), code: "mandate_not_in_force", says: /valid from 2026-06-01; the request's day is 2026-05-31/ },
  },
  "revoked mandate (its leaf emptied, paths from the new root)": {
    fedToCircuit: (honest) => {
      const revoked = revokedTree();
      return { ...honest, siblings: revoked.proof(agentOne).siblings.map((level) => level.map(String)), mandateSiblings: revoked.proof(mandates.agentOne.index).siblings.map((level) => level.map(String)) };
    },
    ...ROOTS_DIFFER,
    library: { inputs: () => proofInputs(agentOne, mandates.agentOne, request(), revokedTree()), code: "mandate_mismatch", says: /terms do not match leaf \d+ in its Merkle path \(the mandate was revoked/ },
  },
  "a role outside the site's set": {
    fedToCircuit: (honest) => ({ ...honest, allowedRoles: ["1", "1", "0"] }),
    fails: "RealDidBusiness > RoleInSet",
    assertion: ["lib/mandate.circom", "accepted[ROLES] === 1;"],
    library: { inputs: agentOneInputs({ roles: ["legal_representative", "license_manager"] }), code: "role_not_accepted", says: /role agent is not one the request accepts \(legal_representative, license_manager\)/ },
  },
  "a task the mandate does not cover": {
    fedToCircuit: (honest) => ({ ...honest, requiredTask: String(TASKS.customs_declaration) }),
    fails: "RealDidBusiness > TaskInMandate",
    assertion: ["lib/mandate.circom", "product[TASKS + 1] === 0;"],
    library: { inputs: agentOneInputs({ task: "customs_declaration" }), code: "task_not_covered", says: /covers tax_filing, not the requested task customs_declaration/ },
  },
  "another enterprise's mandate (the terms changed to B: no such leaf in the tree)": {
    fedToCircuit: (honest) => ({ ...honest, enterpriseCode: String(B.code), enterpriseRegion: String(B.region), enterpriseType: String(B.type) }),
    ...ROOTS_DIFFER,
    library: { inputs: () => ({ ...proofInputs(agentOne, mandates.agentOne), mandate: { terms: { ...mandates.agentOne, enterprise: B }, merkleProof: tree.proof(mandates.agentOne.index) } }), code: "mandate_mismatch", says: /terms do not match leaf \d+ in its Merkle path/ },
  },
  "a mandate granted to another person (the stranger's own identity and path, agentOne's mandate)": {
    fedToCircuit: (honest) => {
      const { mandate: _, ...personal } = proofInputs(stranger, mandates.agentOne);
      const own = circuitInput(personal);
      return { ...honest, secret: own.secret, attributes: own.attributes, index: own.index, siblings: own.siblings };
    },
    ...ROOTS_DIFFER,
    library: { inputs: () => proofInputs(stranger, mandates.agentOne), code: "mandate_mismatch", says: /granted to another person/ },
  },
  "the enterprise's region outside the bounds (Beijing asked, Fuzhou registered)": {
    fedToCircuit: (honest) => withEnterpriseBounds(honest, 0, [110000n, 119999n]),
    fails: ENTERPRISE_RANGE,
    library: { inputs: agentOneInputs({ enterpriseBounds: { ...ANY_ENTERPRISE, region: [110000n, 119999n] } }), code: "predicate_unsatisfied", says: /enterprise's region .*\(350100 not in \[110000, 119999\]\)/ },
  },
  "the enterprise's type outside the bounds (authority 5 asked, 9 registered)": {
    fedToCircuit: (honest) => withEnterpriseBounds(honest, 1, authorityTypeRange("5")),
    fails: ENTERPRISE_RANGE,
    library: { inputs: agentOneInputs({ enterpriseBounds: { ...ANY_ENTERPRISE, type: authorityTypeRange("5") } }), code: "predicate_unsatisfied", says: /enterprise's organisation type .*\(280 not in \[155, 185\]\)/ },
  },
  "the person's predicates unsatisfied (born 1990, at most 30 asked)": {
    fedToCircuit: (honest) => {
      const bounds = predicateBounds({ maxAge: 30 }, TODAY);
      return { ...honest, attributeLo: bounds.lo.map(String), attributeHi: bounds.hi.map(String) };
    },
    fails: "RealDidBusiness > AttributePredicates > InclusiveRange > Num2Bits",
    library: { inputs: agentOneInputs({ bounds: predicateBounds({ maxAge: 30 }, TODAY) }), code: "predicate_unsatisfied", says: /credential's birthDate does not satisfy/ },
  },
  "a reveal flag of 2 (would reveal 2·code)": {
    fedToCircuit: (honest) => ({ ...honest, revealEnterprise: "2" }),
    fails: "RealDidBusiness > EnterpriseDisclosure",
    assertion: ["lib/enterprise-disclosure.circom", "reveal * (reveal - 1) === 0;"],
    library: null,
  },
  "an allowedRoles value of 2 in a slot that is not the mandate's role": {
    // The sum only reads allowed[role - 1]: the bit constraint alone refuses the 2.
    fedToCircuit: (honest) => ({ ...honest, allowedRoles: ["2", "0", "1"] }),
    fails: "RealDidBusiness > RoleInSet",
    assertion: ["lib/mandate.circom", "allowed[i] * (allowed[i] - 1) === 0;"],
    library: null,
  },
};

describe("RealDidBusiness refuses", () => {
  let honest: CircuitInput;
  beforeAll(() => {
    honest = inputFor(agentOne, mandates.agentOne);
  });

  it("(the honest input each refusal changes gives a valid witness)", async () => {
    expect(circuit.failedConstraints(await circuit.witness(honest))).toEqual([]);
  });

  it.each(Object.entries(REFUSALS))("%s: no witness from the circuit", async (_, refusal) => {
    const failed = await circuit.failedAssertion(refusal.fedToCircuit(honest));
    expect(failed.templates).toBe(refusal.fails);
    if (refusal.assertion) expect(failed.line).toBe(sourceLine(...refusal.assertion));
  });

  it.each(Object.entries(REFUSALS).filter(([, refusal]) => refusal.library))("%s: businessCircuitInput refuses first, with its code", (_, refusal) => {
    const { inputs, code, says } = refusal.library!;
    expect(() => businessCircuitInput(inputs())).toThrow(expect.objectContaining({ code, message: expect.stringMatching(says) }));
  });
});

describe("businessCircuitInput also refuses", () => {
  it("a mandate in force exactly from validFrom to validUntil, not a day outside", () => {
    const onDay = (today: string) => () => businessCircuitInput(proofInputs(agentOne, mandates.agentOne, request({ today })));
    expect(onDay("2026-06-01")).not.toThrow();
    expect(onDay("2026-12-31")).not.toThrow();
    expect(onDay("2026-05-31")).toThrow(/the mandate is valid from 2026-06-01; the request's day is 2026-05-31/);
    expect(onDay("2027-01-01")).toThrow(/the mandate was valid until 2026-12-31; the request's day is 2027-01-01/);
  });

  it("paths from two registry states, and a mandate path for another leaf", () => {
    const later = copyOfTree();
    later.insert(makeCitizen().leaf);
    const stale = { ...proofInputs(agentOne, mandates.agentOne), merkleProof: later.proof(agentOne) };
    expect(() => businessCircuitInput(stale)).toThrow(expect.objectContaining({ code: "mandate_mismatch", message: expect.stringContaining("different roots") }));
    const shifted = { ...proofInputs(agentOne, mandates.agentOne), mandate: { terms: { ...mandates.agentOne, index: mandates.agentOne.index + 1 }, merkleProof: tree.proof(mandates.agentOne.index) } };
    expect(() => businessCircuitInput(shifted)).toThrow(expect.objectContaining({ code: "mandate_mismatch" }));
  });

  it("a request without roles, with an unknown role or an unknown task, naming it", () => {
    const asking = (overrides: object) => () => businessCircuitInput(proofInputs(representative, mandates.representative, request(overrides as Partial<BusinessProofRequest>)));
    expect(asking({ roles: [] })).toThrow(expect.objectContaining({ code: "invalid_argument", message: expect.stringContaining("roles must name at least one") }));
    expect(asking({ roles: ["director"] })).toThrow(/role must be one of legal_representative, license_manager, agent, received "director"/);
    expect(asking({ task: "bribery" })).toThrow(/unknown business task "bribery"/);
  });
});

describe("RealDidBusiness soundness: an edited witness breaks a constraint", () => {
  let witness: bigint[];
  beforeAll(async () => {
    witness = await circuit.witness(inputFor(agentOne, mandates.agentOne, request({ revealEnterprise: true, task: "tax_filing" })));
  });

  it("(the witness each case edits satisfies every constraint)", () => {
    expect(circuit.failedConstraints(witness)).toEqual([]);
  });

  it.each([
    ["the revealed enterprise (another enterprise's code)", () => ({ "main.revealedEnterprise": B.code })],
    ["the revealed enterprise (hidden: 0)", () => ({ "main.revealedEnterprise": 0n })],
    ["the pseudonym (the same person for the other enterprise)", () => ({ "main.pseudonym": rolePseudonym(scopeToField("tax.example"), people[agentOne].identity.secret, B.code, "agent") })],
    ["the pseudonym (another role)", () => ({ "main.pseudonym": rolePseudonym(scopeToField("tax.example"), people[agentOne].identity.secret, A.code, "legal_representative") })],
    ["the mandate cipher (another mandate's leaf)", () => ({ "main.mandateCipher": encryptMandateHandle(mandateLeaf(mandates.agentOneForB), regulator.publicKey, RANDOMNESS) })],
    ["the escrow cipher (another person's leaf)", () => ({ "main.escrowCipher": encryptHandle(people[stranger].leaf, regulator.publicKey, RANDOMNESS).cipher })],
    ["a mandate path sibling", () => ({ "main.mandateSiblings[0][3]": 12345n })],
    ["the role (agent → legal representative)", () => ({ "main.role": 1n })],
    ["the required task (another task)", () => ({ "main.requiredTask": BigInt(TASKS.customs_declaration) })],
    ["today (a day after the mandate ended)", () => ({ "main.today": BigInt(day("2027-01-01")) })],
  ])("%s", (_, changes) => {
    expect(circuit.failedConstraints(circuit.edit(witness, changes()))).not.toEqual([]);
  });
});
