// The library's Poseidon, Baby Jubjub and escrow against circomlibjs and poseidon-lite; AES-GCM's packed sealer.
import { randomBytes } from "node:crypto";
import { buildBabyjub, buildPoseidon } from "circomlibjs";
import { poseidon8 } from "poseidon-lite";
import { describe, expect, it } from "vitest";
import { aesGcmOpenPacked, packedSealerOf } from "../src/crypto/aes-gcm.js";
import { addPoints, assertSubgroupPoint, BASE8, IDENTITY, isOnCurve, multiplyPoint, SUBGROUP_ORDER } from "../src/crypto/baby-jubjub.js";
import { decryptHandle, encryptHandle, generateRegulatorKeyPair, handleFromSharedKey } from "../src/crypto/escrow.js";
import { SNARK_FIELD, toFieldElement } from "../src/crypto/field.js";
import { FastPoseidon } from "../src/crypto/fast-poseidon.js";
import { hashLeaf } from "../src/crypto/poseidon.js";
import { randomField } from "./helpers/fixtures.js";

describe("Poseidon", () => {
  it.each([true, false])("FastPoseidon (native: %s) equals poseidon-lite on 500 random tree nodes, leaves and the field's edges", async (native) => {
    const fast = await FastPoseidon.create({ native });
    const pairs: [bigint, bigint][] = Array.from({ length: 500 }, () => [randomField(253), randomField(253)]);
    pairs.push([0n, 0n], [SNARK_FIELD - 1n, SNARK_FIELD - 1n], [1n, SNARK_FIELD - 1n]);
    for (const [a, b] of pairs) expect(fast.hashNode([a, b, b, a, a, a, b, 0n])).toBe(poseidon8([a, b, b, a, a, a, b, 0n]));
    for (const [a, b] of pairs.slice(0, 50)) expect(fast.hashLeaf(a, [b, a, 7n, b])).toBe(hashLeaf(a, [b, a, 7n, b]));
  });

  it("hashLeaf equals circomlibjs's Poseidon(5)", async () => {
    const poseidon = await buildPoseidon();
    const inputs = Array.from({ length: 5 }, () => randomField(253));
    expect(hashLeaf(inputs[0], inputs.slice(1))).toBe(poseidon.F.toObject(poseidon(inputs)));
  });
});

describe("Baby Jubjub", () => {
  it("multiplies and adds as circomlibjs does", async () => {
    const babyJub = await buildBabyjub();
    const F = babyJub.F;
    for (let i = 0; i < 5; i++) {
      const k = randomField(251);
      const ours = multiplyPoint(BASE8, k);
      const theirs = babyJub.mulPointEscalar(babyJub.Base8, k);
      expect(ours).toEqual({ x: F.toObject(theirs[0]), y: F.toObject(theirs[1]) });
      const sum = babyJub.addPoint(theirs, babyJub.Base8);
      expect(addPoints(ours, BASE8)).toEqual({ x: F.toObject(sum[0]), y: F.toObject(sum[1]) });
    }
  });

  it("has Base8 of order l", () => {
    expect(isOnCurve(BASE8)).toBe(true);
    expect(multiplyPoint(BASE8, SUBGROUP_ORDER)).toEqual(IDENTITY);
  });

  it("accepts only subgroup points that are not the identity as keys", () => {
    expect(() => assertSubgroupPoint("key", generateRegulatorKeyPair().publicKey)).not.toThrow();
    expect(() => assertSubgroupPoint("key", IDENTITY)).toThrow(/identity/);
    expect(() => assertSubgroupPoint("key", { x: 1n, y: 2n })).toThrow(/not a point/);
    // (0, -1) is on the curve with order 2: outside the prime subgroup.
    expect(() => assertSubgroupPoint("key", { x: 0n, y: SNARK_FIELD - 1n })).toThrow(/subgroup/);
  });
});

describe("escrow", () => {
  it("decrypts random handles with the regulator key, and not with another", () => {
    const regulator = generateRegulatorKeyPair();
    const other = generateRegulatorKeyPair();
    for (let i = 0; i < 5; i++) {
      const handle = randomField(253);
      const ciphertext = encryptHandle(handle, regulator.publicKey);
      expect(decryptHandle(ciphertext, regulator.secretKey)).toBe(handle);
      expect(decryptHandle(ciphertext, other.secretKey)).not.toBe(handle);
      expect(handleFromSharedKey(ciphertext, multiplyPoint(ciphertext.ephemeral, regulator.secretKey))).toBe(handle);
    }
  });

  it("refuses to encrypt to an invalid key", () => {
    expect(() => encryptHandle(1n, { x: 0n, y: SNARK_FIELD - 1n })).toThrow(/subgroup/);
  });
});

describe("field input guards", () => {
  it.each([
    ["a float", 1.5, /not an integer/],
    ["a word", "abc", /not an integer/],
    ["a negative", -1n, /outside/],
    ["the modulus", SNARK_FIELD, /outside/],
    ["an object", {}, /received object/],
  ])("rejects %s, naming the parameter", (_, value, message) => {
    expect(() => toFieldElement("challenge", value)).toThrow(message);
    expect(() => toFieldElement("challenge", value)).toThrow(/'challenge'/);
  });
});

describe("AES-256-GCM, packed", () => {
  it("a sealer of one fresh key counts its IVs up, and every box opens with its own context only", () => {
    const key = randomBytes(32);
    const seal = packedSealerOf(key);
    const boxes = Array.from({ length: 1000 }, (_, i) => seal(Buffer.from(`record ${i}`), `realdid-record/1:${i}`));
    expect(new Set(boxes.map((box) => box.subarray(0, 12).toString("hex"))).size).toBe(1000);
    expect(boxes[999].subarray(0, 12).toString("hex")).toBe("0000000000000000000003e7");
    boxes.forEach((box, i) => expect(aesGcmOpenPacked(key, box, `realdid-record/1:${i}`)?.toString()).toBe(`record ${i}`));
    expect(aesGcmOpenPacked(key, boxes[1], "realdid-record/1:2")).toBeUndefined();
    expect(aesGcmOpenPacked(randomBytes(32), boxes[1], "realdid-record/1:1")).toBeUndefined();
  });
});
