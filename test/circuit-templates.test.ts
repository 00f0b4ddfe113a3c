// Witness tests for each template in circuits/lib, against the TypeScript library:
// valid inputs give the library's outputs; invalid inputs give no witness (a failed
// assertion naming the template), and a cheating prover's edited witness breaks a constraint.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { dayNumber } from "../src/attributes/calendar.js";
import { BASE8, multiplyPoint, SUBGROUP_ORDER } from "../src/crypto/baby-jubjub.js";
import { decryptHandle, encryptHandle, encryptMandateHandle, generateRegulatorKeyPair, mandateHandleFromSharedKey, shiftedRegulatorKey } from "../src/crypto/escrow.js";
import { SNARK_FIELD } from "../src/crypto/field.js";
import { hashCommitment, hashLeaf, hashPair } from "../src/crypto/poseidon.js";
import { CIRCUITS_DIR } from "../src/artifacts/paths.js";
import { RegistryTree } from "../src/registry/registry-tree.js";
import { randomField } from "./helpers/fixtures.js";
import { sourceLine, templateMain, TestCircuit } from "./helpers/test-circuit.js";

const TWO32 = 2n ** 32n;

describe("IdentityCommitment", () => {
  let circuit: TestCircuit;
  beforeAll(async () => {
    circuit = await TestCircuit.compile("identity_commitment", templateMain("lib/identity-commitment.circom", "IdentityCommitment()"));
  });

  it("commits as the library does, for any field element", async () => {
    for (const secret of [0n, 1n, randomField(250), SUBGROUP_ORDER, SNARK_FIELD - 1n]) {
      const witness = await circuit.witness({ secret });
      expect(circuit.signal(witness, "main.commitment")).toBe(hashCommitment(secret));
    }
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

  it("hashes as the library does", async () => {
    const commitment = randomField(253);
    for (const values of [attributes, [TWO32 - 1n, 0n, TWO32 - 1n, 0n]]) {
      const witness = await circuit.witness({ commitment, attributes: values });
      expect(circuit.signal(witness, "main.leaf")).toBe(hashLeaf(commitment, values));
    }
  });

  it("rejects an edited leaf", async () => {
    const witness = await circuit.witness({ commitment: 7n, attributes });
    expect(circuit.failedConstraints(circuit.edit(witness, { "main.leaf": hashLeaf(8n, attributes) }))).not.toEqual([]);
  });
});

describe("MerkleInclusion(3)", () => {
  const HEIGHT = 3;
  let circuit: TestCircuit;
  const tree = new RegistryTree(HEIGHT);
  beforeAll(async () => {
    circuit = await TestCircuit.compile("merkle_inclusion_3", templateMain("lib/merkle-inclusion.circom", `MerkleInclusion(${HEIGHT})`));
    tree.insertMany(Array.from({ length: 8 ** HEIGHT }, () => randomField(253)));
  });

  const inputFor = (index: number) => {
    const proof = tree.proof(index);
    return { leaf: proof.leaf, index, siblings: proof.siblings };
  };

  // Octal 000, 111, ..., 777 put the path node in every position at every level; then mixed digits.
  it.each([0, 0o111, 0o222, 0o333, 0o444, 0o555, 0o666, 0o777, 0o012, 0o765, 37])("gives the library's root for leaf %i", async (index) => {
    const witness = await circuit.witness(inputFor(index));
    expect(circuit.signal(witness, "main.root")).toBe(tree.root);
    expect(circuit.failedConstraints(witness)).toEqual([]);
  });

  it("refuses an index of 8^HEIGHT or more (one leaf, one index)", async () => {
    await expect(circuit.witness({ ...inputFor(3), index: 3 + 8 ** HEIGHT })).rejects.toThrow(/Num2Bits|MerkleInclusion/);
  });

  it("gives another root for a wrong sibling or index, and the true root cannot be forced", async () => {
    const input = inputFor(10);
    const wrongSibling = { ...input, siblings: input.siblings.map((others, level) => (level === 2 ? [others[0] + 1n, ...others.slice(1)] : others)) };
    const wrongIndex = { ...input, index: 11 };
    for (const bad of [wrongSibling, wrongIndex]) {
      const witness = await circuit.witness(bad);
      expect(circuit.signal(witness, "main.root")).not.toBe(tree.root);
      expect(circuit.failedConstraints(circuit.edit(witness, { "main.root": tree.root }))).not.toEqual([]);
    }
  });

  it("rejects a witness whose children were reordered", async () => {
    const witness = await circuit.witness(inputFor(6));
    const [first, second] = [circuit.signal(witness, "main.children[1][0]"), circuit.signal(witness, "main.children[1][1]")];
    expect(circuit.failedConstraints(circuit.edit(witness, { "main.children[1][0]": second, "main.children[1][1]": first }))).not.toEqual([]);
  });
});

describe("InclusiveRange(32)", () => {
  let circuit: TestCircuit;
  beforeAll(async () => {
    circuit = await TestCircuit.compile("inclusive_range", templateMain("lib/attribute-predicates.circom", "InclusiveRange(32)", ["lo", "hi"]));
  });

  it("holds on and between the bounds, including the full 32-bit range", async () => {
    for (const [value, lo, hi] of [[10n, 10n, 20n], [20n, 10n, 20n], [15n, 10n, 20n], [0n, 0n, TWO32 - 1n], [TWO32 - 1n, 0n, TWO32 - 1n]]) {
      expect(await circuit.witness({ value, lo, hi })).toBeDefined();
    }
  });

  it.each([
    ["one below lo", 9n, 10n, 20n],
    ["one above hi", 21n, 10n, 20n],
    ["a value of 2^32 under the widest bounds", TWO32, 0n, TWO32 - 1n],
    ["a value of p - 1 under the widest bounds", SNARK_FIELD - 1n, 0n, TWO32 - 1n],
    ["a value far above a lo of 2^32 - 1", 2n * TWO32, TWO32 - 1n, TWO32 - 1n],
    ["empty range", 15n, 20n, 10n],
  ])("fails for %s", async (_, value, lo, hi) => {
    await expect(circuit.witness({ value, lo, hi })).rejects.toThrow(/Num2Bits|InclusiveRange/);
  });

  it("means nothing for bounds of 2^32 or more, which is why verifyProof refuses such requests", async () => {
    // lo = p - 1 is "-1": 5 - (-1) = 6 fits in 32 bits. The verifier only asks for bounds below 2^32.
    expect(await circuit.witness({ value: 5n, lo: SNARK_FIELD - 1n, hi: 20n })).toBeDefined();
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
    circuit = await TestCircuit.compile("handle_escrow", templateMain("lib/handle-escrow.circom", "HandleEscrow()", ["publicKey", "shiftedKey"]));
  });
  const input = (handle: bigint, randomness: bigint, key = regulator.publicKey, shifted = shiftedRegulatorKey(key)) => ({
    handle,
    randomness,
    publicKey: [key.x, key.y],
    shiftedKey: [shifted.x, shifted.y],
  });
  const ciphertextOf = (witness: bigint[]) => ({
    ephemeral: { x: circuit.signal(witness, "main.ephemeral[0]"), y: circuit.signal(witness, "main.ephemeral[1]") },
    cipher: circuit.signal(witness, "main.cipher"),
  });
  const TWO126 = 2n ** 126n;

  // Random r, and the ladder's corners: all digits -1, all +1, one half +1 and the other -1.
  it.each([
    ["random", randomField(251)],
    ["random, near 2^252", 2n ** 252n - 1n - randomField(200)],
    ["0", 0n],
    ["2^252 - 1", 2n ** 252n - 1n],
    ["low half all ones", TWO126 - 1n],
    ["high half all ones", (TWO126 - 1n) * TWO126],
    ["l - 1", SUBGROUP_ORDER - 1n],
  ])("encrypts as the library does and the regulator decrypts it: r = %s", async (_, r) => {
    const handle = randomField(253);
    const witness = await circuit.witness(input(handle, r));
    expect(circuit.failedConstraints(witness)).toEqual([]);
    const ciphertext = ciphertextOf(witness);
    expect(ciphertext).toEqual(encryptHandle(handle, regulator.publicKey, r));
    expect(decryptHandle(ciphertext, regulator.secretKey)).toBe(handle);
  });

  it("runs the incomplete ladder steps exactly as far as the bound in JointScalarMul allows", () => {
    // Safe while 2·(3·2^k - 1)·(2^126 + 1) + 2^126 + 1 < l: for k = 0..122, i.e. 123 steps.
    const safe = (k: bigint) => 2n * (3n * 2n ** k - 1n) * (TWO126 + 1n) + TWO126 + 1n < SUBGROUP_ORDER;
    expect(safe(122n)).toBe(true);
    expect(safe(123n)).toBe(false);
    expect(readFileSync(join(CIRCUITS_DIR, "lib", "handle-escrow.circom"), "utf8")).toContain("JointScalarMul(H, 123)");
  });

  it("refuses randomness of 2^252 or p - 1", async () => {
    for (const r of [2n ** 252n, SNARK_FIELD - 1n]) await expect(circuit.witness(input(5n, r))).rejects.toThrow(/Num2Bits/);
  });

  it("with a wrong shifted key gives a ciphertext the regulator cannot open (the verifier checks the key)", async () => {
    const wrongShift = multiplyPoint(regulator.publicKey, 2n ** 125n);
    const ciphertext = ciphertextOf(await circuit.witness(input(77n, 12345n, regulator.publicKey, wrongShift)));
    expect(decryptHandle(ciphertext, regulator.secretKey)).not.toBe(77n);
  });

  describe("DoubleHandleEscrow", () => {
    let double: TestCircuit;
    beforeAll(async () => {
      double = await TestCircuit.compile("double_handle_escrow", templateMain("lib/handle-escrow.circom", "DoubleHandleEscrow()", ["publicKey", "shiftedKey"]));
    });

    it("encrypts its first handle exactly as HandleEscrow does and the second as encryptMandateHandle, under one R", async () => {
      const [personLeaf, mandateLeaf, r] = [randomField(253), randomField(253), randomField(251)];
      const { handle: _, ...rest } = input(personLeaf, r);
      const witness = await double.witness({ ...rest, handles: [personLeaf, mandateLeaf] });
      expect(double.failedConstraints(witness)).toEqual([]);
      const single = ciphertextOf(await circuit.witness(input(personLeaf, r)));
      const ephemeral = { x: double.signal(witness, "main.ephemeral[0]"), y: double.signal(witness, "main.ephemeral[1]") };
      expect({ ephemeral, cipher: double.signal(witness, "main.cipher[0]") }).toEqual(single);
      const mandateCipher = double.signal(witness, "main.cipher[1]");
      expect(mandateCipher).toBe(encryptMandateHandle(mandateLeaf, regulator.publicKey, r));
      const sharedKey = multiplyPoint(ephemeral, regulator.secretKey);
      expect(mandateHandleFromSharedKey(mandateCipher, sharedKey)).toBe(mandateLeaf);
      // The two pads differ: one handle and its cipher say nothing of the other.
      expect(mandateCipher - mandateLeaf).not.toBe(single.cipher - personLeaf);
    });

    it("rejects an edited second cipher", async () => {
      const { handle: _, ...rest } = input(1n, 777n);
      const witness = await double.witness({ ...rest, handles: [1n, 2n] });
      expect(double.failedConstraints(double.edit(witness, { "main.cipher[1]": encryptMandateHandle(3n, regulator.publicKey, 777n) }))).not.toEqual([]);
    });
  });

  it("rejects a ciphertext or ephemeral key that does not match the key", async () => {
    const witness = await circuit.witness(input(99n, 12345n));
    const other = encryptHandle(99n, generateRegulatorKeyPair().publicKey, 12345n);
    expect(circuit.failedConstraints(circuit.edit(witness, { "main.cipher": other.cipher }))).not.toEqual([]);
    const shifted = multiplyPoint(BASE8, 12346n);
    expect(circuit.failedConstraints(circuit.edit(witness, { "main.ephemeral[0]": shifted.x, "main.ephemeral[1]": shifted.y }))).not.toEqual([]);
  });
});

describe("MandateInForce(32)", () => {
  let circuit: TestCircuit;
  beforeAll(async () => {
    circuit = await TestCircuit.compile("mandate_in_force", templateMain("lib/mandate.circom", "MandateInForce(32)", ["today"]));
  });
  const [validFrom, validUntil] = ["2026-06-01", "2026-12-31"].map((day) => BigInt(dayNumber("day", day)));

  it("holds from validFrom to validUntil inclusive, and on a one-day mandate", async () => {
    for (const today of [validFrom, validFrom + 1n, validUntil - 1n, validUntil]) {
      expect(circuit.failedConstraints(await circuit.witness({ today, validFrom, validUntil }))).toEqual([]);
    }
    expect(await circuit.witness({ today: validFrom, validFrom, validUntil: validFrom })).toBeDefined();
  });

  it.each([
    ["the day before validFrom", validFrom - 1n, validFrom, validUntil, "MandateInForce > InclusiveRange > Num2Bits"],
    ["the day after validUntil", validUntil + 1n, validFrom, validUntil, "MandateInForce > InclusiveRange > Num2Bits"],
    ["validFrom after validUntil", validFrom, validFrom, validFrom - 1n, "MandateInForce > InclusiveRange > Num2Bits"],
    // today - validFrom = 6 fits in 32 bits: only the range check on validFrom refuses it.
    ["a validFrom of p - 1 (\"-1\")", 5n, SNARK_FIELD - 1n, 10n, "MandateInForce > Num2Bits"],
    ["a validUntil of 2^32", 5n, 0n, TWO32, "MandateInForce > Num2Bits"],
  ])("fails for %s", async (_, today, from, until, templates) => {
    expect((await circuit.failedAssertion({ today, validFrom: from, validUntil: until })).templates).toBe(templates);
  });
});

describe("TaskInMandate(4)", () => {
  let circuit: TestCircuit;
  beforeAll(async () => {
    circuit = await TestCircuit.compile("task_in_mandate", templateMain("lib/mandate.circom", "TaskInMandate(4)", ["required"]));
  });
  const FOUR = [1001n, 1002n, 1003n, 1008n];

  it.each([
    ["a task in any of four slots", FOUR, [1001n, 1002n, 1003n, 1008n]],
    ["the one task of a one-task mandate", [1005n, 0n, 0n, 0n], [1005n]],
    ["any task (required 0) of any mandate", [1005n, 0n, 0n, 0n], [0n]],
    ["every task of a mandate for all (ALL_TASKS = 1 in the first slot)", [1n, 0n, 0n, 0n], [1001n, 1004n, 1008n, 0n]],
  ])("holds for %s", async (_, tasks, requiredTasks) => {
    for (const required of requiredTasks) expect(circuit.failedConstraints(await circuit.witness({ tasks, required }))).toEqual([]);
  });

  it.each([
    ["a task not in the mandate", FOUR, 1004n],
    ["a task not in a one-task mandate", [1005n, 0n, 0n, 0n], 1006n],
    ["ALL_TASKS in a later slot (only the first slot means every task)", [1001n, 1n, 0n, 0n], 1005n],
  ])("fails for %s", async (_, tasks, required) => {
    expect((await circuit.failedAssertion({ tasks, required })).templates).toBe("TaskInMandate");
  });
});

describe("RoleInSet(3)", () => {
  let circuit: TestCircuit;
  beforeAll(async () => {
    circuit = await TestCircuit.compile("role_in_set", templateMain("lib/mandate.circom", "RoleInSet(3)", ["allowed"]));
  });

  it.each([
    ["one allowed role", [0n, 0n, 1n], [3n]],
    ["two allowed roles", [1n, 0n, 1n], [1n, 3n]],
    ["every role", [1n, 1n, 1n], [1n, 2n, 3n]],
  ])("holds for %s", async (_, allowed, roles) => {
    for (const role of roles) expect(circuit.failedConstraints(await circuit.witness({ role, allowed }))).toEqual([]);
  });

  it.each([
    ["a role not allowed", 2n, [1n, 0n, 1n], "accepted[ROLES] === 1;"],
    ["role 0", 0n, [1n, 1n, 1n], "accepted[ROLES] === 1;"],
    ["role 4", 4n, [1n, 1n, 1n], "accepted[ROLES] === 1;"],
    ["no role allowed", 1n, [0n, 0n, 0n], "accepted[ROLES] === 1;"],
    // The sum reads only allowed[role - 1]: the bit constraint alone refuses a 2 elsewhere.
    ["an allowed value of 2 beside the role", 1n, [1n, 2n, 0n], "allowed[i] * (allowed[i] - 1) === 0;"],
    ["an allowed value of 2 at the role", 2n, [0n, 2n, 0n], "allowed[i] * (allowed[i] - 1) === 0;"],
  ])("fails for %s", async (_, role, allowed, assertion) => {
    expect(await circuit.failedAssertion({ role, allowed })).toEqual({ templates: "RoleInSet", line: sourceLine("lib/mandate.circom", assertion) });
  });
});
