// Threshold unmasking: Shamir over the subgroup order, Chaum–Pedersen partials, Lagrange
// in the exponent; and ciphertexts made by the real circuit.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { todayIso } from "../src/attributes/calendar.js";
import { addPoints, BASE8, multiplyPoint } from "../src/crypto/baby-jubjub.js";
import { SNARK_FIELD } from "../src/crypto/field.js";
import { encryptHandle } from "../src/crypto/escrow.js";
import { releaseCurve } from "../src/proof/curve.js";
import { proveEqualLogs, verifyEqualLogs } from "../src/regulator/chaum-pedersen.js";
import { lagrangeAtZero } from "../src/regulator/shamir.js";
import { combinePartials, dealThresholdKey, partialDecrypt, shareIsValid } from "../src/regulator/threshold-key.js";
import { randomField } from "./helpers/fixtures.js";
import { type ProofFixture, proofFixture } from "./helpers/proof-fixture.js";

const subsets = <T>(items: T[], size: number): T[][] =>
  size === 0 ? [[]] : items.flatMap((item, i) => subsets(items.slice(i + 1), size - 1).map((rest) => [item, ...rest]));

describe("3-of-5 regulator key", () => {
  const { key, shareSecrets } = dealThresholdKey(3, 5);
  const handle = randomField(253);
  const ciphertext = encryptHandle(handle, key.publicKey);
  const partials = shareSecrets.map((secret, i) => partialDecrypt(key, i + 1, secret, ciphertext));

  it("refuses to decrypt a ciphertext whose ephemeral key has a torsion part (it would leak the share mod 8)", () => {
    const twoTorsion = { x: 0n, y: SNARK_FIELD - 1n }; // (0, -1): the point of order 2
    const mixed = { ...ciphertext, ephemeral: addPoints(ciphertext.ephemeral, twoTorsion) };
    expect(() => partialDecrypt(key, 1, shareSecrets[0], mixed)).toThrow(/ephemeral key is not in the prime-order subgroup/);
  });

  it("lets every set of 3, 4 or 5 holders recover the same handle", () => {
    for (const size of [3, 4, 5]) {
      for (const holders of subsets([1, 2, 3, 4, 5], size)) {
        expect(combinePartials(key, ciphertext, holders.map((i) => partials[i - 1])), holders.join(",")).toBe(handle);
      }
    }
  });

  it("refuses 2 holders, and the same holder counted twice", () => {
    expect(() => combinePartials(key, ciphertext, [partials[1], partials[3]])).toThrow(/2 valid partials .* 3 are needed/);
    expect(() => combinePartials(key, ciphertext, [partials[0], partials[0], partials[2]])).toThrow(/not_enough|2 valid partials/);
  });

  it("names a forged partial", () => {
    const forged = { ...partials[1], index: 4 }; // holder 2's work passed off as holder 4's
    expect(() => combinePartials(key, ciphertext, [partials[0], forged, partials[4]])).toThrow(/holder 4 does not prove/);
    const madeUp = { ...partials[2], sharedKey: multiplyPoint(BASE8, 12345n) };
    expect(() => combinePartials(key, ciphertext, [partials[0], madeUp, partials[4]])).toThrow(/holder 3 does not prove/);
  });

  it("lets each holder check its share against the public commitments", () => {
    shareSecrets.forEach((secret, i) => expect(shareIsValid(key, i + 1, secret)).toBe(true));
    expect(shareIsValid(key, 2, shareSecrets[0])).toBe(false);
    expect(shareIsValid(key, 1, shareSecrets[0] + 1n)).toBe(false);
  });

  it("has Lagrange coefficients that interpolate f(0) from any holders", () => {
    // f(x) = 7 + 3x + 2x^2: f(0) = 7 from f(1), f(2), f(4).
    const f = (x: bigint) => 7n + 3n * x + 2n * x * x;
    const lambdas = lagrangeAtZero([1, 2, 4]);
    const l = 2736030358979909402780800718157159386076813972158567259200215660948447373041n;
    expect(((lambdas[0] * f(1n) + lambdas[1] * f(2n) + lambdas[2] * f(4n)) % l + l) % l).toBe(7n);
  });
});

describe("key rotation", () => {
  it("keeps proofs under the old key unmaskable with the old shares after a new key is introduced", () => {
    const old = dealThresholdKey(2, 3);
    const handle = randomField(253);
    const ciphertext = encryptHandle(handle, old.key.publicKey);
    const rotated = dealThresholdKey(2, 3);
    const oldPartials = [1, 2].map((i) => partialDecrypt(old.key, i, old.shareSecrets[i - 1], ciphertext));
    expect(combinePartials(old.key, ciphertext, oldPartials)).toBe(handle);
    expect(() => combinePartials(rotated.key, ciphertext, oldPartials)).toThrow(/is for regulator key/);
    const newPartials = [1, 2].map((i) => partialDecrypt(rotated.key, i, rotated.shareSecrets[i - 1], ciphertext));
    expect(combinePartials(rotated.key, ciphertext, newPartials)).not.toBe(handle);
  });
});

describe("Chaum–Pedersen", () => {
  it("accepts an honest proof and rejects another image", () => {
    const secret = randomField(250);
    const base = multiplyPoint(BASE8, randomField(250));
    const proof = proveEqualLogs(secret, base);
    expect(verifyEqualLogs(proof, multiplyPoint(BASE8, secret), base, multiplyPoint(base, secret))).toBe(true);
    expect(verifyEqualLogs(proof, multiplyPoint(BASE8, secret), base, multiplyPoint(base, secret + 1n))).toBe(false);
    expect(verifyEqualLogs({ ...proof, response: proof.response + 1n }, multiplyPoint(BASE8, secret), base, multiplyPoint(base, secret))).toBe(false);
  });
});

describe("ciphertexts from the circuit", () => {
  let fixture: ProofFixture;
  beforeAll(async () => {
    fixture = await proofFixture();
  });
  afterAll(releaseCurve);

  it("decrypt, with any 2 of 3 shares, to the leaf of the citizen who proved", async () => {
    const { key, shareSecrets } = dealThresholdKey(2, 3);
    for (const who of [0, 3]) {
      const request = { ...fixture.requestFor("site.example", { minAge: 18 }, todayIso()), regulatorKey: key.publicKey };
      const { signals } = await fixture.prove(who, request);
      for (const holders of subsets([1, 2, 3], 2)) {
        const partials = holders.map((i) => partialDecrypt(key, i, shareSecrets[i - 1], signals.escrow));
        expect(combinePartials(key, signals.escrow, partials)).toBe(fixture.citizens[who].leaf);
      }
    }
  });
});
