// The worker pool's own Groth16 verifier against snarkjs, on valid and invalid proofs.
import * as snarkjs from "snarkjs";
import { afterAll, beforeAll, expect, it } from "vitest";
import { releaseCurve } from "../src/proof/curve.js";
import type { ProofResult } from "../src/proof/prover.js";
import { VerifyPool } from "../src/service/verify-pool.js";
import { type ProofFixture, proofFixture } from "./helpers/proof-fixture.js";

let fixture: ProofFixture;
let pool: VerifyPool;
let proofs: ProofResult[];

beforeAll(async () => {
  fixture = await proofFixture();
  pool = await VerifyPool.create(fixture.artifacts.verificationKey, 2);
  proofs = [await fixture.prove(0, fixture.requestFor("a.example")), await fixture.prove(3, fixture.requestFor("b.example"))];
});
afterAll(async () => {
  await pool.close();
  await releaseCurve();
});

it("agrees with snarkjs on valid proofs, changed signals, swapped and off-curve points", async () => {
  const [p, q] = proofs;
  const cases = [
    { proof: p.proof, publicSignals: p.publicSignals },
    { proof: q.proof, publicSignals: q.publicSignals },
    { proof: p.proof, publicSignals: q.publicSignals },
    { proof: { ...p.proof, pi_c: q.proof.pi_c }, publicSignals: p.publicSignals },
    { proof: { ...p.proof, pi_a: ["1", "3", "1"] }, publicSignals: p.publicSignals }, // not on the curve
    { proof: p.proof, publicSignals: p.publicSignals.map((s, i) => (i === 6 ? (BigInt(s) + 1n).toString() : s)) },
    { proof: p.proof, publicSignals: p.publicSignals.map((s, i) => (i === 0 ? "21888242871839275222246405745257275088548364400416034343698204186575808495617" : s)) },
    { proof: p.proof, publicSignals: p.publicSignals.slice(1) },
  ];
  const expected = [true, true, false, false, false, false, false, false];
  const viaPool = await Promise.all(cases.map((c) => pool.check(c.proof, c.publicSignals)));
  expect(viaPool).toEqual(expected);
  for (const [i, c] of cases.entries()) {
    if (c.publicSignals.length === 17) expect(await snarkjs.groth16.verify(fixture.artifacts.verificationKey, c.publicSignals, c.proof), `case ${i}`).toBe(expected[i]);
  }
});

it("spreads concurrent checks over both workers and answers each one", async () => {
  const results = await Promise.all(Array.from({ length: 20 }, (_, i) => pool.check(proofs[i % 2].proof, proofs[(i + (i % 3 === 0 ? 1 : 0)) % 2].publicSignals)));
  expect(results).toEqual(Array.from({ length: 20 }, (_, i) => i % 3 !== 0));
});
