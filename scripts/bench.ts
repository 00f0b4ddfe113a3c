// `npm run bench`: constraint count, witness, proving and verification times (median,
// min, max over several runs) and registry-tree insertion rate, as one table.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { WitnessCalculatorBuilder } from "circom_runtime";
import { predicateBounds } from "../src/attributes/predicates.js";
import { todayIso } from "../src/attributes/calendar.js";
import { encodeAttributes } from "../src/attributes/attributes.js";
import { loadArtifacts } from "../src/artifacts/load.js";
import { generateRegulatorKeyPair } from "../src/crypto/escrow.js";
import { Identity } from "../src/identity/identity.js";
import { circuitInput } from "../src/proof/circuit-input.js";
import { releaseCurve } from "../src/proof/curve.js";
import { Prover } from "../src/proof/prover.js";
import { randomChallenge } from "../src/proof/request.js";
import { groth16Check, verifyProof } from "../src/proof/verifier.js";
import { credentialLeaf } from "../src/registry/credential.js";
import { RegistryTree } from "../src/registry/registry-tree.js";
import { Registrar } from "../src/registrar/registrar.js";
import type { RootStatus } from "../src/ledger/root-ledger.js";
import { personRecord } from "../test/helpers/people.js";

const PROOF_RUNS = Number(process.env.BENCH_PROOF_RUNS ?? 7);
const VERIFY_RUNS = 30;
const TREE_LEAVES = 100_000;
const ENROLLMENTS = 100_000;

interface Row {
  measure: string;
  median: string;
  min: string;
  max: string;
  runs: number | string;
  rate: string;
}
const rows: Row[] = [];

async function time(measure: string, runs: number, run: () => Promise<unknown> | unknown): Promise<void> {
  await run(); // warm-up: first-call costs (curve set-up, JIT) are reported separately where they matter
  const samples: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    await run();
    samples.push(performance.now() - t);
  }
  samples.sort((a, b) => a - b);
  const ms = (v: number) => `${v.toFixed(1)} ms`;
    const median = samples[Math.floor(runs / 2)];
  rows.push({ measure, median: ms(median), min: ms(samples[0]), max: ms(samples[runs - 1]), runs, rate: `${(1000 / median).toFixed(1)}/s` });
}

const artifacts = await loadArtifacts();
const single = (measure: string, value: string, rate = "") => rows.push({ measure, median: value, min: "", max: "", runs: 1, rate });
single("constraints (RealDid 32, 4 slots)", String(artifacts.manifest.constraints));

const today = todayIso();
const identity = Identity.random();
const attributes = encodeAttributes({ birthDate: "1990-03-14", region: "110105", expiry: "2035-01-01", documentType: "national_id_card" }, today);
const tree = await RegistryTree.create();
const filler = Array.from({ length: 1000 }, (_, i) => BigInt(i + 1));
tree.insertMany([...filler, credentialLeaf(identity.commitment, attributes)]);
const regulator = generateRegulatorKeyPair();
const request = { scope: "bench.example", challenge: randomChallenge(), bounds: predicateBounds({ minAge: 18, notExpired: true, regionPrefix: "11" }, today), regulatorKey: regulator.publicKey };
const inputs = { identity, credential: { index: 1000, attributes }, merkleProof: tree.proof(1000), request };

const witnessCalculator = await WitnessCalculatorBuilder(artifacts.wasm);
await time("witness (calculator kept)", PROOF_RUNS, () => witnessCalculator.calculateWTNSBin(circuitInput(inputs), true));

const prover = await Prover.create(artifacts);
const firstStart = performance.now();
const proof = await prover.prove(inputs);
single("first proof in process (cold)", `${(performance.now() - firstStart).toFixed(1)} ms`);
await time("proof, warm (witness + Groth16)", PROOF_RUNS, () => prover.prove(inputs));

const rootNow = tree.root;
const verificationRequest = { ...request, rootStatus: (root: bigint): RootStatus => (root === rootNow ? "current" : "unknown") };
const check = groth16Check(artifacts.verificationKey);
await time("verification (checks + Groth16)", VERIFY_RUNS, async () => {
  const outcome = await verifyProof(proof, verificationRequest, check);
  if (!outcome.valid) throw new Error(outcome.message);
});

const leaves = Array.from({ length: TREE_LEAVES }, (_, i) => BigInt(i) * 7919n + 1n);
const bigTree = await RegistryTree.create();
const treeStart = performance.now();
bigTree.insertMany(leaves);
const treeSeconds = (performance.now() - treeStart) / 1000;
single(`tree: batch insert ${TREE_LEAVES} leaves (depth 32)`, `${treeSeconds.toFixed(2)} s`, `${Math.round(TREE_LEAVES / treeSeconds)} leaves/s`);
await time("tree: single insert (depth 32)", 200, () => bigTree.insert(42n));
await time("tree: Merkle path", 200, () => bigTree.proof(54321));

const registrarDir = mkdtempSync(join(tmpdir(), "realdid-bench-"));
const registrar = await Registrar.init(join(registrarDir, "registrar"));
const people = Array.from({ length: ENROLLMENTS }, (_, i) => ({ record: personRecord(i), commitment: BigInt(i + 1) * 104729n }));
const enrollStart = performance.now();
registrar.enroll(people);
const enrollSeconds = (performance.now() - enrollStart) / 1000;
single(`registrar: enroll ${ENROLLMENTS} people (one batch, SQLite)`, `${enrollSeconds.toFixed(2)} s`, `${Math.round(ENROLLMENTS / enrollSeconds)} people/s`);
registrar.close();
rmSync(registrarDir, { recursive: true, force: true });

console.table(rows);
console.log(artifacts.manifest.warning);
await releaseCurve();
