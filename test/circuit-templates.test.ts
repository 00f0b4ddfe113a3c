// Witness tests for each template in circuits/lib, against the TypeScript library:
// valid inputs give the library's outputs; invalid inputs give no witness (a failed
// assertion naming the template), and a cheating prover's edited witness breaks a constraint.
import { beforeAll, describe, expect, it } from "vitest";
import { BASE8, multiplyPoint, SUBGROUP_ORDER } from "../src/crypto/baby-jubjub.js";
import { decryptHandle, encryptHandle, generateRegulatorKeyPair } from "../src/crypto/escrow.js";
import { SNARK_FIELD } from "../src/crypto/field.js";
import { hashCommitment, hashLeaf, hashPair } from "../src/crypto/poseidon.js";
import { RegistryTree } from "../src/registry/registry-tree.js";
import { randomField } from "./helpers/fixtures.js";
import { templateMain, TestCircuit } from "./helpers/test-circuit.js";

const TWO64 = 2n ** 64n;

describe("IdentityCommitment", () => {
  let circuit: TestCircuit;
  beforeAll(async () => {
    circuit = await TestCircuit.compile("identity_commitment", templateMain("lib/identity-commitment.circom", "IdentityCommitment()"));
  });

  it("commits as the library does", async () => {
    for (const secret of [1n, randomField(250), SUBGROUP_ORDER - 1n]) {
      const witness = await circuit.witness({ secret });
      expect(circuit.signal(witness, "main.commitment")).toBe(hashCommitment(secret));
    }
  });

  it.each([
    ["l (the subgroup order)", SUBGROUP_ORDER],
    ["2^251", 2n ** 251n],
    ["p - 1", SNARK_FIELD - 1n],
  ])("refuses a secret of %s", async (_, secret) => {
    await expect(circuit.witness({ secret })).rejects.toThrow(/IdentityCommitment|Num2Bits|LessThan/);
  });

  it("rejects an edited commitment", async () => {
    const witness = await circuit.witness({ secret: 42n });
    expect(circuit.failedConstraints(witness)).toEqual([]);
    expect(circuit.failedConstraints(circuit.edit(witness, { "main.commitment": hashCommitment(43n) }))).not.toEqual([]);
  });
});

describe("CredentialLeaf", () => {
  let circuit: TestCircuit;
  beforeAll(async () => {
    circuit = await TestCircuit.compile("credential_leaf", templateMain("lib/credential-leaf.circom", "CredentialLeaf(4)"));
  });
  const attributes = [33000n, 110105n, 47000n, 1n];

  it("hashes as the library does, including the largest 64-bit values", async () => {
    const commitment = randomField(253);
    for (const values of [attributes, [TWO64 - 1n, 0n, TWO64 - 1n, 0n]]) {
      const witness = await circuit.witness({ commitment, attributes: values });
      expect(circuit.signal(witness, "main.leaf")).toBe(hashLeaf(commitment, values));
    }
  });

  it.each([
    ["2^64", TWO64],
    ["p - 1", SNARK_FIELD - 1n],
  ])("refuses an attribute of %s in every slot", async (_, bad) => {
    for (let slot = 0; slot < 4; slot++) {
      const values = attributes.map((v, i) => (i === slot ? bad : v));
      await expect(circuit.witness({ commitment: 7n, attributes: values })).rejects.toThrow(/Num2Bits|CredentialLeaf/);
    }
  });

  it("rejects an edited leaf", async () => {
    const witness = await circuit.witness({ commitment: 7n, attributes });
    expect(circuit.failedConstraints(circuit.edit(witness, { "main.leaf": hashLeaf(8n, attributes) }))).not.toEqual([]);
  });
});

describe("MerkleInclusion(8)", () => {
  let circuit: TestCircuit;
  const tree = new RegistryTree(8);
  beforeAll(async () => {
    circuit = await TestCircuit.compile("merkle_inclusion_8", templateMain("lib/merkle-inclusion.circom", "MerkleInclusion(8)"));
    tree.insertMany(Array.from({ length: 37 }, () => randomField(253)));
  });

  const inputFor = (t: RegistryTree, index: number) => {
    const proof = t.proof(index);
    return { leaf: proof.leaf, depth: t.depth, index, siblings: [...proof.siblings, ...Array(8 - t.depth).fill(0n)] };
  };

  it("gives the library's root at every depth 1..8", async () => {
    for (let depth = 1; depth <= 8; depth++) {
      const small = new RegistryTree(depth);
      small.insertMany(Array.from({ length: Math.min(5, 2 ** depth) }, () => randomField(253)));
      const index = small.size - 1;
      const witness = await circuit.witness(inputFor(small, index));
      expect(circuit.signal(witness, "main.root")).toBe(small.root);
    }
  });

  it("ignores siblings above the depth", async () => {
    const small = new RegistryTree(3);
    small.insertMany([1n, 2n, 3n]);
    const input = inputFor(small, 2);
    input.siblings[5] = 12345n;
    expect(circuit.signal(await circuit.witness(input), "main.root")).toBe(small.root);
  });

  it.each([0, 9, 33, -1])("refuses depth %i (outside 1..MAX_DEPTH)", async (depth) => {
    const input = { ...inputFor(tree, 3), depth: depth < 0 ? SNARK_FIELD - 1n : BigInt(depth) };
    await expect(circuit.witness(input)).rejects.toThrow(/MerkleInclusion/);
  });

  it("refuses an index with bits at or above the depth (one leaf, one index)", async () => {
    const small = new RegistryTree(3);
    small.insertMany([1n, 2n, 3n]);
    await expect(circuit.witness({ ...inputFor(small, 2), index: 2 + 8 })).rejects.toThrow(/MerkleInclusion/);
    await expect(circuit.witness({ ...inputFor(small, 2), index: 256 })).rejects.toThrow(/Num2Bits|MerkleInclusion/);
  });

  it("gives another root for a wrong sibling or index, and the true root cannot be forced", async () => {
    const input = inputFor(tree, 10);
    const wrongSibling = { ...input, siblings: input.siblings.map((s, i) => (i === 2 ? s + 1n : s)) };
    const wrongIndex = { ...input, index: 11 };
    for (const bad of [wrongSibling, wrongIndex]) {
      const witness = await circuit.witness(bad);
      expect(circuit.signal(witness, "main.root")).not.toBe(tree.root);
      expect(circuit.failedConstraints(circuit.edit(witness, { "main.root": tree.root }))).not.toEqual([]);
    }
  });
});

describe("InclusiveRange", () => {
  let circuit: TestCircuit;
  beforeAll(async () => {
    circuit = await TestCircuit.compile("inclusive_range", templateMain("lib/attribute-predicates.circom", "InclusiveRange()", ["lo", "hi"]));
  });

  it("holds on and between the bounds, including the full 64-bit range", async () => {
    for (const [value, lo, hi] of [[10n, 10n, 20n], [20n, 10n, 20n], [15n, 10n, 20n], [0n, 0n, TWO64 - 1n], [TWO64 - 1n, 0n, TWO64 - 1n]]) {
      expect(await circuit.witness({ value, lo, hi })).toBeDefined();
    }
  });

  it.each([
    ["one below lo", 9n, 10n, 20n],
    ["one above hi", 21n, 10n, 20n],
    ["lo of 2^64", 5n, TWO64, TWO64 + 10n],
    ["hi of 2^64 (lo - 1 wrapping)", TWO64, 0n, TWO64],
    ["lo of p - 1 (negative lower bound)", 5n, SNARK_FIELD - 1n, 20n],
    ["empty range", 15n, 20n, 10n],
  ])("fails for %s", async (_, value, lo, hi) => {
    await expect(circuit.witness({ value, lo, hi })).rejects.toThrow(/Num2Bits|InclusiveRange/);
  });
});

describe("DidAddress", () => {
  let circuit: TestCircuit;
  beforeAll(async () => {
    circuit = await TestCircuit.compile("did_address", templateMain("lib/did-address.circom", "DidAddress()", ["scope"]));
  });

  it("derives the library's address, different per scope", async () => {
    const secret = randomField(250);
    const [a, b] = [randomField(248), randomField(248)];
    const wa = await circuit.witness({ scope: a, secret });
    const wb = await circuit.witness({ scope: b, secret });
    expect(circuit.signal(wa, "main.address")).toBe(hashPair(a, secret));
    expect(circuit.signal(wb, "main.address")).not.toBe(circuit.signal(wa, "main.address"));
    expect(circuit.failedConstraints(circuit.edit(wa, { "main.address": circuit.signal(wb, "main.address") }))).not.toEqual([]);
  });
});

describe("HandleEscrow", () => {
  let circuit: TestCircuit;
  const regulator = generateRegulatorKeyPair();
  beforeAll(async () => {
    circuit = await TestCircuit.compile("handle_escrow", templateMain("lib/handle-escrow.circom", "HandleEscrow()", ["publicKey"]));
  });
  const input = (handle: bigint, randomness: bigint, key = regulator.publicKey) => ({ handle, randomness, publicKey: [key.x, key.y] });

  it("encrypts as the library does, and the regulator decrypts it, for random inputs", async () => {
    for (let i = 0; i < 3; i++) {
      const [handle, r] = [randomField(253), randomField(250)];
      const witness = await circuit.witness(input(handle, r));
      const ciphertext = {
        ephemeral: { x: circuit.signal(witness, "main.ephemeral[0]"), y: circuit.signal(witness, "main.ephemeral[1]") },
        cipher: circuit.signal(witness, "main.cipher"),
      };
      expect(ciphertext).toEqual(encryptHandle(handle, regulator.publicKey, r));
      expect(decryptHandle(ciphertext, regulator.secretKey)).toBe(handle);
    }
  });

  it("refuses randomness of 2^251 or p - 1", async () => {
    for (const r of [2n ** 251n, SNARK_FIELD - 1n]) await expect(circuit.witness(input(5n, r))).rejects.toThrow(/Num2Bits/);
  });

  it("rejects a ciphertext or ephemeral key that does not match the key", async () => {
    const witness = await circuit.witness(input(99n, 12345n));
    const other = encryptHandle(99n, generateRegulatorKeyPair().publicKey, 12345n);
    expect(circuit.failedConstraints(circuit.edit(witness, { "main.cipher": other.cipher }))).not.toEqual([]);
    const shifted = multiplyPoint(BASE8, 12346n);
    expect(circuit.failedConstraints(circuit.edit(witness, { "main.ephemeral[0]": shifted.x, "main.ephemeral[1]": shifted.y }))).not.toEqual([]);
  });
});
