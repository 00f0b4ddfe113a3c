// The worker pool's own Groth16 verifier, single and batched, against snarkjs on valid
// and invalid proofs: a batch with bad proofs names exactly those.
import type { Worker } from "node:worker_threads";
import * as snarkjs from "snarkjs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { releaseCurve } from "../src/proof/curve.js";
import type { ProofResult } from "../src/proof/prover.js";
import { batchingCheck } from "../src/service/verify-batcher.js";
import { type ProofItem, VerifyPool } from "../src/service/verify-pool.js";
import { type ProofFixture, proofFixture } from "./helpers/proof-fixture.js";

let fixture: ProofFixture;
let pool: VerifyPool;
let proofs: ProofResult[];
const P = "21888242871839275222246405745257275088548364400416034343698204186575808495617";

beforeAll(async () => {
  fixture = await proofFixture();
  pool = await VerifyPool.create(fixture.artifacts.verificationKey, 2);
  proofs = [await fixture.prove(0, fixture.requestFor("a.example")), await fixture.prove(3, fixture.requestFor("b.example")), await fixture.prove(4, fixture.requestFor("c.example"))];
});
afterAll(async () => {
  await pool.close();
  await releaseCurve();
});

const item = (p: ProofResult): ProofItem => ({ proof: p.proof, publicSignals: p.publicSignals });
/** Valid proofs and every kind of invalid one, labelled with the expected answer. */
function cases(): [ProofItem, boolean][] {
  const [p, q, r] = proofs.map(item);
  return [
    [p, true],
    [q, true],
    [r, true],
    [{ proof: p.proof, publicSignals: q.publicSignals }, false],
    [{ proof: { ...p.proof, pi_c: q.proof.pi_c }, publicSignals: p.publicSignals }, false],
    [{ proof: { ...p.proof, pi_a: ["1", "3", "1"] }, publicSignals: p.publicSignals }, false], // not on the curve
    [{ proof: p.proof, publicSignals: p.publicSignals.map((s, i) => (i === 6 ? (BigInt(s) + 1n).toString() : s)) }, false],
    [{ proof: p.proof, publicSignals: p.publicSignals.map((s, i) => (i === 0 ? P : s)) }, false], // not below the field order
    [{ proof: p.proof, publicSignals: p.publicSignals.slice(1) }, false],
  ];
}

describe("worker verification", () => {
  it("agrees with snarkjs proof by proof", async () => {
    for (const [candidate, expected] of cases()) {
      expect(await pool.check(candidate.proof, candidate.publicSignals)).toBe(expected);
      if (candidate.publicSignals.length === 17) expect(await snarkjs.groth16.verify(fixture.artifacts.verificationKey, candidate.publicSignals, candidate.proof)).toBe(expected);
    }
  });

  it("verifies a batch of valid proofs as valid", async () => {
    const batch = Array.from({ length: 12 }, (_, i) => item(proofs[i % 3]));
    expect(await pool.checkMany(batch)).toEqual(batch.map(() => true));
  });

  it("finds exactly the bad proofs in a batch", async () => {
    const all = cases();
    for (let shift = 0; shift < 3; shift++) {
      const mixed = [...all.slice(shift), ...all.slice(0, shift), ...all.slice(0, 3)];
      expect(await pool.checkMany(mixed.map(([c]) => c))).toEqual(mixed.map(([, expected]) => expected));
    }
    const oneBad = [...Array.from({ length: 9 }, (_, i) => item(proofs[i % 3])), all[3][0], item(proofs[0])];
    expect(await pool.checkMany(oneBad)).toEqual(oneBad.map((_, i) => i !== 9));
  });

  it("batches concurrent checks by itself and answers each exactly", async () => {
    const check = batchingCheck(pool);
    const all = cases();
    const burst = Array.from({ length: 40 }, (_, i) => all[i % all.length]);
    expect(await Promise.all(burst.map(([c]) => check(c.proof, c.publicSignals)))).toEqual(burst.map(([, expected]) => expected));
  });
});

describe("worker failures and overload", () => {
  let own: VerifyPool;
  beforeAll(async () => {
    own = await VerifyPool.create(fixture.artifacts.verificationKey, 2);
  });
  afterAll(() => own?.close());

  it("a worker that dies fails only its own lists, is replaced, and the pool serves on", async () => {
    const valid = Array.from({ length: 12 }, (_, i) => item(proofs[i % 3]));
    const onFirst = own.checkMany(valid); // the least busy worker: the first
    const onSecond = own.checkMany(valid.slice(0, 3));
    await (own as unknown as { workers: Worker[] }).workers[0].terminate(); // the thread ends mid-batch (a crash, an out-of-memory kill)
    await expect(onFirst).rejects.toMatchObject({ code: "verifier_busy", message: expect.stringMatching(/worker failed .* being replaced/) });
    expect(await onSecond).toEqual([true, true, true]);
    await expect.poll(() => own.idleWorkers, { timeout: 10_000 }).toBe(2);
    const check = batchingCheck(own);
    expect(await Promise.all(valid.map((p) => check(p.proof, p.publicSignals)))).toEqual(valid.map(() => true));
  }, 20_000);

  it("refuses a proof at once with verifier_busy while the queue is full; the queued ones are answered", async () => {
    const check = batchingCheck(own, { maxQueue: 2 });
    const [p] = proofs.map(item);
    const answers = Array.from({ length: 4 }, () => check(p.proof, p.publicSignals)); // two on the workers, two queued
    await expect(check(p.proof, p.publicSignals)).rejects.toMatchObject({ code: "verifier_busy", message: expect.stringMatching(/2 proofs are waiting/) });
    expect(await Promise.all(answers)).toEqual([true, true, true, true]);
  });
});
