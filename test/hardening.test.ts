// Hardening from an independent review: Baby Jubjub on @noble/curves, G2 subgroup checks in
// both Groth16 verifiers, verifyProof's own regulator-key check, and one strict form of
// public inputs for verifyProof and the verify worker.
import { bn254 } from "@noble/curves/bn254.js";
import { babyjubjub } from "@noble/curves/misc.js";
import { type Bn128, buildBn128, type CurvePoint } from "ffjavascript";
import * as snarkjs from "snarkjs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { addPoints, assertSubgroupPoint, BASE8, IDENTITY, multiplyPoint, type Point, SUBGROUP_ORDER } from "../src/crypto/baby-jubjub.js";
import { generateRegulatorKeyPair } from "../src/crypto/escrow.js";
import { invertMod, mod, randomBelow, SNARK_FIELD } from "../src/crypto/field.js";
import type { RealDidError } from "../src/errors.js";
import { releaseCurve } from "../src/proof/curve.js";
import { isG2SubgroupPoint } from "../src/proof/g2-subgroup.mjs";
import type { ProofResult } from "../src/proof/prover.js";
import { publicInputValue } from "../src/proof/public-input.mjs";
import { PUBLIC_SIGNAL_NAMES, parsePublicSignals } from "../src/proof/public-signals.js";
import { groth16Check } from "../src/proof/groth16-check.js";
import { type ProofCheck, type VerificationRequest, verifyProof } from "../src/proof/verifier.js";
import { VerifyPool } from "../src/service/verify-pool.js";
import { type ProofFixture, proofFixture } from "./helpers/proof-fixture.js";

const L = SUBGROUP_ORDER;
const P = SNARK_FIELD;

// The hand-written affine double-and-add that src/crypto/baby-jubjub.ts used before @noble/curves.
function referenceAdd(p: Point, q: Point): Point {
  const xx = (p.x * q.x) % P;
  const yy = (p.y * q.y) % P;
  const dxxyy = (168696n * xx * yy) % P;
  return { x: mod((p.x * q.y + p.y * q.x) * invertMod(1n + dxxyy, P), P), y: mod((yy - 168700n * xx) * invertMod(1n - dxxyy, P), P) };
}
function referenceMultiply(point: Point, scalar: bigint): Point {
  let result = IDENTITY;
  let addend = point;
  for (let k = scalar; k > 0n; k >>= 1n) {
    if (k & 1n) result = referenceAdd(result, addend);
    addend = referenceAdd(addend, addend);
  }
  return result;
}

/** A point of the whole curve (order 8·l), from the first y after `seed` with a matching x. */
function curvePoint(seed: bigint): Point {
  const F = babyjubjub.Point.Fp;
  for (let y = seed; ; y++) {
    const xx = F.div(F.sub(1n, F.sqr(y)), F.sub(168700n, F.mul(168696n, F.sqr(y))));
    if (F.eql(F.pow(xx, (P - 1n) / 2n), F.ONE)) return { x: F.sqrt(xx), y };
  }
}
const randomSubgroupPoint = (): Point => referenceMultiply(BASE8, randomBelow(L));
/** A torsion point of order exactly 8, and a point with a component of order 8 besides its subgroup part. */
const torsion8 = (() => {
  for (let seed = 2n; ; seed++) {
    const t = referenceMultiply(curvePoint(seed), L);
    const four = referenceMultiply(t, 4n);
    if (four.x !== 0n || four.y !== 1n) return t;
  }
})();
const mixedPoint = (): Point => referenceAdd(randomSubgroupPoint(), torsion8);

const codeOf = (action: () => unknown): string | undefined => {
  try {
    action();
  } catch (error) {
    return (error as RealDidError).code;
  }
  return undefined;
};

describe("Baby Jubjub on @noble/curves", () => {
  it("noble's curve is circomlib's: a, d, field, subgroup order, cofactor, and its base is Base8", () => {
    const { a, d, p, n, h } = babyjubjub.Point.CURVE();
    expect([a, d, p, n, h]).toEqual([168700n, 168696n, P, L, 8n]);
    expect(babyjubjub.Point.BASE.toAffine()).toEqual(BASE8);
  });

  it("multiplies as the old double-and-add did: random and edge scalars, subgroup points and Base8", () => {
    const points = [BASE8, randomSubgroupPoint(), randomSubgroupPoint()];
    const scalars = [0n, 1n, 2n, L - 1n, L, L + 1n, 2n ** 251n, ...Array.from({ length: 12 }, () => randomBelow(L))];
    for (const point of points) {
      for (const scalar of scalars) expect(multiplyPoint(point, scalar)).toEqual(referenceMultiply(point, scalar));
    }
  });

  it("multiplies points outside the subgroup exactly below l, and refuses to reduce a larger scalar for them", () => {
    for (const point of [torsion8, mixedPoint()]) {
      for (const scalar of [0n, 1n, 3n, 8n, L - 1n, randomBelow(L)]) expect(multiplyPoint(point, scalar)).toEqual(referenceMultiply(point, scalar));
      expect(codeOf(() => multiplyPoint(point, L))).toBe("invalid_argument");
    }
  });

  it("adds as the old formula did, doubling and the identity included", () => {
    const [p, q] = [randomSubgroupPoint(), mixedPoint()];
    for (const [a, b] of [[p, q], [p, p], [q, IDENTITY], [IDENTITY, IDENTITY], [torsion8, torsion8]]) expect(addPoints(a, b)).toEqual(referenceAdd(a, b));
  });

  it("will not multiply a point that is not on the curve (no secret scalar meets another curve)", () => {
    expect(codeOf(() => multiplyPoint({ x: 1n, y: 2n }, randomBelow(L)))).toBe("invalid_argument");
    expect(codeOf(() => addPoints({ x: 1n, y: 2n }, BASE8))).toBe("invalid_argument");
  });

  it("assertSubgroupPoint agrees with l·P = O: points of small order and points outside the subgroup are refused", () => {
    const refused = [torsion8, referenceMultiply(torsion8, 2n), { x: 0n, y: P - 1n }, mixedPoint(), mixedPoint(), curvePoint(5n)];
    for (const point of refused) {
      expect(referenceMultiply(point, L)).not.toEqual(IDENTITY);
      expect(() => assertSubgroupPoint("key", point)).toThrow(/not in the prime-order subgroup/);
    }
    for (const point of [BASE8, randomSubgroupPoint(), referenceMultiply(BASE8, L - 1n)]) {
      expect(referenceMultiply(point, L)).toEqual(IDENTITY);
      expect(() => assertSubgroupPoint("key", point)).not.toThrow();
    }
  });
});

let fixture: ProofFixture;
let pool: VerifyPool;
let curve: Bn128;
let check: ProofCheck;
/** Three valid proofs, the first for a request whose document-type bound is 1 (public signal 14). */
let proofs: ProofResult[];
let requests: VerificationRequest[];
const DOCUMENT_TYPE_LO = PUBLIC_SIGNAL_NAMES.indexOf("attributeLo.documentType");

beforeAll(async () => {
  fixture = await proofFixture();
  pool = await VerifyPool.create(fixture.artifacts.verificationKey, 2);
  curve = await buildBn128(); // the curve snarkjs verifies on, released by releaseCurve
  check = groth16Check(fixture.artifacts.verificationKey);
  requests = ["a.example", "b.example", "c.example"].map(
    (scope): VerificationRequest => ({
      ...fixture.requestFor(scope, { minAge: 18, notExpired: true, regionPrefix: "11", documentType: "national_id_card" }),
      rootStatus: (root) => (root === fixture.tree.root ? "current" : "unknown"),
    }),
  );
  proofs = [];
  for (const [i, request] of requests.entries()) proofs.push(await fixture.prove(i, request));
}, 120_000);
afterAll(async () => {
  await pool?.close();
  await releaseCurve();
});

describe("G2 subgroup check (B of a Groth16 proof)", () => {
  const Fp2 = bn254.fields.Fp2;
  const twistB = bn254.G2.Point.CURVE().b;
  const twistOrder = () => curve.r * (2n * bn254.fields.Fp.ORDER - curve.r); // r · (2q − r)
  /** A point on the twist y² = x³ + b' from the first x = (seed + k) + 7i with a square right side. */
  function twistPoint(seed: bigint): CurvePoint {
    for (let k = seed; ; k++) {
      const x = Fp2.fromBigTuple([k, 7n]);
      const right = Fp2.add(Fp2.mul(Fp2.sqr(x), x), twistB);
      if (!Fp2.eql(Fp2.pow(right, (Fp2.ORDER - 1n) / 2n), Fp2.ONE)) continue;
      const y = Fp2.sqrt(right);
      return curve.G2.fromObject([
        [x.c0, x.c1],
        [y.c0, y.c1],
      ]);
    }
  }
  const inPlainSubgroup = (point: CurvePoint) => curve.G2.isZero(curve.G2.timesScalar(point, curve.r));
  const proofB = (proof: snarkjs.Groth16Proof) => curve.G2.fromObject(proof.pi_b.map((c) => c.map(BigInt)));
  const asPiB = (point: CurvePoint): string[][] => {
    const [x, y] = curve.G2.toObject(curve.G2.toAffine(point)) as bigint[][];
    return [x.map(String), y.map(String), ["1", "0"]];
  };
  /** Twist points outside G2: two hashed ones, points of order 10069 and 5864401, and a proof's B plus the former. */
  function outsiders(): CurvePoint[] {
    const hashed = [twistPoint(1n), twistPoint(1000n)];
    const order = (m: bigint) => curve.G2.timesScalar(hashed[0], twistOrder() / m);
    return [...hashed, order(10069n), order(5864401n), curve.G2.add(proofB(proofs[0].proof), order(10069n))];
  }

  it("agrees with [r]Q = 0 on G2 points and on twist points outside G2, which G2.isValid passes", () => {
    const members = [curve.G2.g, curve.G2.zero, curve.G2.timesScalar(curve.G2.g, randomBelow(curve.r)), ...proofs.map((p) => proofB(p.proof))];
    for (const q of members) {
      expect(inPlainSubgroup(q)).toBe(true);
      expect(isG2SubgroupPoint(curve, q)).toBe(true);
    }
    const small = outsiders()[2];
    expect(curve.G2.isZero(curve.G2.timesScalar(small, 10069n))).toBe(true);
    for (const q of outsiders()) {
      expect(curve.G2.isValid(q)).toBe(true);
      expect(inPlainSubgroup(q)).toBe(false);
      expect(isG2SubgroupPoint(curve, q)).toBe(false);
    }
  });

  it("both verifiers refuse a proof whose B is outside G2, alone and in a batch with valid proofs", async () => {
    // With the real key the pairing fails for these points too (as far as anyone knows); the next test shows the check alone refusing.
    const [valid0, valid1] = proofs.map((p) => ({ proof: p.proof, publicSignals: p.publicSignals }));
    const tampered = outsiders().map((b) => ({ ...valid0, proof: { ...valid0.proof, pi_b: asPiB(b) } }));
    for (const candidate of tampered) {
      expect(await check(candidate.proof, candidate.publicSignals)).toBe(false);
      expect(await verifyProof({ ...proofs[0], ...candidate }, requests[0], check)).toMatchObject({ valid: false, code: "invalid_proof" });
      expect(await pool.check(candidate.proof, candidate.publicSignals)).toBe(false);
    }
    const batch = [valid0, ...tampered.slice(0, 2), valid1, ...tampered.slice(2), valid0];
    expect(await pool.checkMany(batch)).toEqual([true, false, false, true, false, false, false, true]);
    expect(await check(valid0.proof, valid0.publicSignals)).toBe(true);
  });

  it("both verifiers refuse B outside G2 even where the pairing equation holds (under a key made for the proof)", async () => {
    // With α = A, β = B and every other term the identity, e(−A, B)·e(α, β) = 1 holds for any B on the
    // twist (e(−A, B) is the conjugate, so the inverse, of e(A, B)): snarkjs alone accepts such a proof.
    // The first B, the proof's own, is the control.
    const zero = ["0", "1", "0"];
    const { proof, publicSignals } = proofs[0];
    const vk = fixture.artifacts.verificationKey as { IC: unknown[] };
    for (const [b, expected] of [[proofB(proof), true], ...outsiders().map((q) => [q, false] as const)] as const) {
      const crafted = { ...vk, vk_alpha_1: proof.pi_a, vk_beta_2: asPiB(b), IC: vk.IC.map(() => zero) };
      const candidate = { ...proof, pi_b: asPiB(b), pi_c: zero };
      expect(await snarkjs.groth16.verify(crafted, publicSignals, candidate)).toBe(true);
      expect(await groth16Check(crafted)(candidate, publicSignals)).toBe(expected);
      const craftedPool = await VerifyPool.create(crafted, 1);
      expect(await craftedPool.checkMany([{ proof: candidate, publicSignals }, { proof: candidate, publicSignals }])).toEqual([expected, expected]);
      await craftedPool.close();
    }
  });
});

describe("verifyProof checks the regulator keys it is given", () => {
  const badKeys: [string, Point][] = [
    ["the identity", IDENTITY],
    ["a point of order 2", { x: 0n, y: P - 1n }],
    ["a point of order 8", torsion8],
    ["a key plus a point of order 8", referenceAdd(BASE8, torsion8)],
    ["a point off the curve", { x: 1n, y: 2n }],
  ];

  it.each(badKeys)("refuses %s as regulatorKey or as an accepted older key, even when the proof's own key is accepted", async (_, bad) => {
    const good = requests[0].regulatorKey;
    const asKey = { ...requests[0], regulatorKey: bad, acceptedRegulatorKeys: [good] };
    const asOlder = { ...requests[0], acceptedRegulatorKeys: [generateRegulatorKeyPair().publicKey, bad] };
    await expect(verifyProof(proofs[0], asKey, check)).rejects.toMatchObject({ code: "invalid_regulator_key", message: expect.stringMatching(/^regulatorKey /) });
    await expect(verifyProof(proofs[0], asOlder, check)).rejects.toMatchObject({ code: "invalid_regulator_key", message: expect.stringMatching(/^acceptedRegulatorKeys\[1\] /) });
  });

  it("accepts good keys, a rotation's older key included", async () => {
    const rotated = { ...requests[0], regulatorKey: generateRegulatorKeyPair().publicKey, acceptedRegulatorKeys: [requests[0].regulatorKey] };
    expect(await verifyProof(proofs[0], rotated, check)).toMatchObject({ valid: true });
  });
});

describe("public inputs: one strict form for verifyProof and the worker", () => {
  // Applied to public signal 14, whose value in proofs[0] is 1: most rows spell that same value.
  const badInputs: [string, unknown][] = [
    ["hex", "0x1"],
    ["a leading zero", "01"],
    ["a leading space", " 1"],
    ["a trailing newline", "1\n"],
    ["a plus sign", "+1"],
    ["a JSON number", 1],
    ["a bigint", 1n],
    ["a minus sign", "-1"],
    ["the field order p", P.toString()],
    ["p + 1", (P + 1n).toString()],
    ["a 400-digit number", "1".repeat(400)],
  ];
  const withSignal = (value: unknown) => proofs[0].publicSignals.map((s, i) => (i === DOCUMENT_TYPE_LO ? value : s)) as string[];

  it("the valid proof passes both verifiers with its signals as they are (the control)", async () => {
    expect(proofs[0].publicSignals[DOCUMENT_TYPE_LO]).toBe("1");
    expect(await verifyProof(proofs[0], requests[0], check)).toMatchObject({ valid: true });
    expect(await pool.check(proofs[0].proof, proofs[0].publicSignals)).toBe(true);
  });

  it.each(badInputs)("refuses %s in both verifiers", async (_, value) => {
    const publicSignals = withSignal(value);
    expect(codeOf(() => parsePublicSignals(publicSignals))).toBe("malformed_proof");
    expect(await verifyProof({ ...proofs[0], publicSignals }, requests[0], check)).toMatchObject({ valid: false, code: "malformed_proof" });
    expect(await pool.check(proofs[0].proof, publicSignals)).toBe(false);
  });

  it.each([
    ["one too few", () => proofs[0].publicSignals.slice(1)],
    ["one too many", () => [...proofs[0].publicSignals, "0"]],
    ["not an array", () => "1" as unknown as string[]],
  ])("refuses %s public signals in both verifiers", async (_, signals) => {
    expect(await verifyProof({ ...proofs[0], publicSignals: signals() }, requests[0], check)).toMatchObject({ valid: false, code: "malformed_proof" });
    expect(await pool.check(proofs[0].proof, signals())).toBe(false);
  });

  it("accepts exactly canonical decimals below p", () => {
    expect([0n, 1n, 10n, P - 1n].map((v) => publicInputValue(v.toString()))).toEqual([0n, 1n, 10n, P - 1n]);
    expect(badInputs.map(([, value]) => publicInputValue(value))).toEqual(badInputs.map(() => null));
    expect(["", "00", "1.0", "1e3", "١"].map(publicInputValue)).toEqual([null, null, null, null, null]);
  });
});
