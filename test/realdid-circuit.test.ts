// The composed RealDid(11, 4, 32) circuit: witnesses whose outputs equal the library's, and
// a table of wrong inputs that give no valid witness.
import { readFileSync } from "node:fs";
import { beforeAll, describe, expect, it } from "vitest";
import { encodeAttributes, type PersonAttributes } from "../src/attributes/attributes.js";
import { predicateBounds } from "../src/attributes/predicates.js";
import { REALDID_CIRCUIT } from "../src/artifacts/circuit-id.js";
import { circuitMainPath } from "../src/artifacts/paths.js";
import { encryptHandle, generateRegulatorKeyPair } from "../src/crypto/escrow.js";
import { FastPoseidon } from "../src/crypto/fast-poseidon.js";
import { SNARK_FIELD } from "../src/crypto/field.js";
import { Identity } from "../src/identity/identity.js";
import { type CircuitInput, circuitInput } from "../src/proof/circuit-input.js";
import { type ProofRequest, randomChallenge, scopeToField } from "../src/proof/request.js";
import { credentialLeaf } from "../src/registry/credential.js";
import { RegistryTree, TREE_HEIGHT } from "../src/registry/registry-tree.js";
import { ADULT, type Citizen, makeCitizen, TODAY } from "./helpers/fixtures.js";
import { TestCircuit } from "./helpers/test-circuit.js";

const regulator = generateRegulatorKeyPair();
const request = (predicates = {}): ProofRequest => ({
  scope: "shop.example",
  challenge: randomChallenge(),
  bounds: predicateBounds(predicates, TODAY),
  regulatorKey: regulator.publicKey,
});

let circuit: TestCircuit;
let tree: RegistryTree;
const citizens: Citizen[] = [];

beforeAll(async () => {
  circuit = await TestCircuit.compile("realdid_main", readFileSync(circuitMainPath(REALDID_CIRCUIT), "utf8"));
  for (let i = 0; i < 6; i++) citizens.push(makeCitizen());
  tree = new RegistryTree(TREE_HEIGHT, await FastPoseidon.create());
  tree.insertMany(citizens.map((c) => c.leaf));
});

const inputFor = (citizen: Citizen, req = request({ minAge: 18 }), index = citizens.indexOf(citizen)) =>
  circuitInput({ identity: citizen.identity, credential: { index, attributes: citizen.attributes }, merkleProof: tree.proof(index), request: req, escrowRandomness: 777n });

describe("RealDid(11, 4, 32) witnesses", () => {
  it.each([0, 1, 5])("for leaf %i outputs the library's root, DID address and ciphertext", async (index) => {
    const citizen = citizens[index];
    const req = request({ minAge: 18, notExpired: true, regionPrefix: "11" });
    const witness = await circuit.witness(inputFor(citizen, req));
    const escrow = encryptHandle(citizen.leaf, regulator.publicKey, 777n);
    expect(circuit.signal(witness, "main.root")).toBe(tree.root);
    expect(circuit.signal(witness, "main.didAddress")).toBe(citizen.identity.didAddress(scopeToField("shop.example")));
    expect(circuit.signal(witness, "main.escrowEphemeral[0]")).toBe(escrow.ephemeral.x);
    expect(circuit.signal(witness, "main.escrowEphemeral[1]")).toBe(escrow.ephemeral.y);
    expect(circuit.signal(witness, "main.escrowCipher")).toBe(escrow.cipher);
    expect(circuit.failedConstraints(witness)).toEqual([]);
  });

  it("gives different DID addresses for different scopes", async () => {
    const a = await circuit.witness(inputFor(citizens[2]));
    const b = await circuit.witness(inputFor(citizens[2], { ...request({ minAge: 18 }), scope: "news.example" }));
    expect(circuit.signal(a, "main.didAddress")).not.toBe(circuit.signal(b, "main.didAddress"));
  });
});

describe("RealDid(11, 4, 32) refuses", () => {
  /** A person right at a predicate's edge, enrolled in their own tree. */
  function edgeInput(attributes: PersonAttributes, predicates: object) {
    const identity = Identity.random();
    const encoded = encodeAttributes(attributes, TODAY);
    const own = new RegistryTree();
    own.insert(credentialLeaf(identity.commitment, encoded));
    const honest = circuitInput({ identity, credential: { index: 0, attributes: encoded }, merkleProof: own.proof(0), request: request({}), escrowRandomness: 5n });
    // The library refuses a request the credential fails; feed the circuit directly.
    const bounds = predicateBounds(predicates, TODAY);
    return { honest, asked: { ...honest, attributeLo: bounds.lo.map(String), attributeHi: bounds.hi.map(String) } };
  }

  it.each([
    ["one day too young", { ...ADULT, birthDate: "2008-06-16" }, { minAge: 18 }],
    ["expired yesterday", { ...ADULT, expiry: "2026-06-14" }, { notExpired: true }],
    ["a neighbouring region", { ...ADULT, region: "120101" }, { regionPrefix: "11" }],
    ["another document type", { ...ADULT, documentType: "passport" }, { documentType: "national_id_card" }],
  ] as const)("a predicate just outside its range: %s", async (_, attributes, predicates) => {
    const { honest, asked } = edgeInput(attributes as PersonAttributes, predicates);
    await expect(circuit.witness(honest)).resolves.toBeDefined();
    await expect(circuit.witness(asked)).rejects.toThrow(/InclusiveRange|Num2Bits/);
  });

  it("the same predicates one day inside the range", async () => {
    const { asked } = edgeInput({ ...ADULT, birthDate: "2008-06-15", expiry: TODAY }, { minAge: 18, notExpired: true });
    await expect(circuit.witness(asked)).resolves.toBeDefined();
  });

  it.each([
    ["2^32", 2n ** 32n],
    ["p - 1", SNARK_FIELD - 1n],
  ])("an attribute value of %s, even under the widest bounds", async (_, bad) => {
    const input = { ...inputFor(citizens[0], request({})), attributes: ["33000", bad.toString(), "47000", "1"] };
    await expect(circuit.witness(input)).rejects.toThrow(/Num2Bits|InclusiveRange/);
  });

  it("a leaf index of 2^33 or more", async () => {
    await expect(circuit.witness({ ...inputFor(citizens[0]), index: String(2 ** 33) })).rejects.toThrow(/Num2Bits|MerkleInclusion/);
  });

  it.each([
    ["a wrong secret", (input: CircuitInput) => ({ ...input, secret: Identity.random().secret.toString() })],
    ["a wrong sibling", (input: CircuitInput) => ({ ...input, siblings: (input.siblings as string[][]).map((others, level) => (level === 7 ? ["12345", ...others.slice(1)] : others)) })],
    ["a wrong leaf index", (input: CircuitInput) => ({ ...input, index: "3" })],
    ["another person's attributes", (input: CircuitInput) => ({ ...input, attributes: ["33001", "110105", "47000", "1"] })],
  ])("%s: the root differs and the real root cannot be forced into the witness", async (_, tamper) => {
    const input = tamper(inputFor(citizens[4]));
    const witness = await circuit.witness(input);
    const realRoot = tree.root;
    expect(circuit.signal(witness, "main.root")).not.toBe(realRoot);
    expect(circuit.failedConstraints(circuit.edit(witness, { "main.root": realRoot }))).not.toEqual([]);
  });

  it("a ciphertext that does not match the regulator key", async () => {
    const witness = await circuit.witness(inputFor(citizens[3]));
    const forged = encryptHandle(citizens[0].leaf, regulator.publicKey, 777n);
    expect(circuit.failedConstraints(circuit.edit(witness, { "main.escrowCipher": forged.cipher }))).not.toEqual([]);
    const otherKey = generateRegulatorKeyPair().publicKey;
    const otherWitness = await circuit.witness(circuitInput({ identity: citizens[3].identity, credential: { index: 3, attributes: citizens[3].attributes }, merkleProof: tree.proof(3), request: { ...request({ minAge: 18 }), regulatorKey: otherKey }, escrowRandomness: 777n }));
    expect(circuit.signal(otherWitness, "main.escrowCipher")).not.toBe(circuit.signal(witness, "main.escrowCipher"));
  });

  it("an edited DID address", async () => {
    const witness = await circuit.witness(inputFor(citizens[3]));
    expect(circuit.failedConstraints(circuit.edit(witness, { "main.didAddress": citizens[2].identity.didAddress(scopeToField("shop.example")) }))).not.toEqual([]);
  });
});
