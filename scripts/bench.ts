// `npm run bench`: one table of constraint count, witness, proving and verification
// times (median, min, max), verifier-service throughput over HTTP with 1 and 2 worker
// threads (p50/p99), registry-tree insertion and registrar enrollment rates.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { WitnessCalculatorBuilder } from "circom_runtime";
import { encodeAttributes } from "../src/attributes/attributes.js";
import { todayIso } from "../src/attributes/calendar.js";
import { predicateBounds } from "../src/attributes/predicates.js";
import { loadArtifacts } from "../src/artifacts/load.js";
import { generateRegulatorKeyPair } from "../src/crypto/escrow.js";
import { Identity } from "../src/identity/identity.js";
import { ed25519Signer, newSigningKeyHex } from "../src/signed-log/signed-log.js";
import { RootLedger, type RootStatus } from "../src/ledger/root-ledger.js";
import { circuitInput } from "../src/proof/circuit-input.js";
import { releaseCurve } from "../src/proof/curve.js";
import { Prover } from "../src/proof/prover.js";
import { challengeForMessage } from "../src/proof/request.js";
import { groth16Check, verifyProof } from "../src/proof/verifier.js";
import { credentialLeaf } from "../src/registry/credential.js";
import { RegistryTree } from "../src/registry/registry-tree.js";
import { Registrar } from "../src/registrar/registrar.js";
import { parseServiceConfig } from "../src/service/config.js";
import { startVerifierService } from "../src/service/server.js";
import { personRecord } from "../test/helpers/people.js";
import { loadTest } from "./bench/load.js";
import { BenchTable } from "./bench/table.js";

const PROOF_RUNS = Number(process.env.BENCH_PROOF_RUNS ?? 7);
const VERIFY_RUNS = 30;
const LOAD = { requests: 400, concurrency: 16 };
const TREE_LEAVES = 100_000;
const ENROLLMENTS = 100_000;

const table = new BenchTable();
const work = mkdtempSync(join(tmpdir(), "realdid-bench-"));
const artifacts = await loadArtifacts();
table.single("constraints (RealDid 32, 4 slots)", String(artifacts.manifest.constraints));

// One citizen in a tree of 1001, proving to a site that accepts message-bound proofs.
const today = todayIso();
const identity = Identity.random();
const attributes = encodeAttributes({ birthDate: "1990-03-14", region: "110105", expiry: "2035-01-01", documentType: "national_id_card" }, today);
const tree = await RegistryTree.create();
tree.insertMany([...Array.from({ length: 1000 }, (_, i) => BigInt(i + 1)), credentialLeaf(identity.commitment, attributes)]);
const regulator = generateRegulatorKeyPair();
const predicates = { minAge: 18, notExpired: true, regionPrefix: "11" };
const request = { scope: "bench.example", challenge: challengeForMessage("bench"), bounds: predicateBounds(predicates, today), regulatorKey: regulator.publicKey };
const inputs = { identity, credential: { index: 1000, attributes }, merkleProof: tree.proof(1000), request };

const witnessCalculator = await WitnessCalculatorBuilder(artifacts.wasm);
await table.time("witness (calculator kept)", PROOF_RUNS, () => witnessCalculator.calculateWTNSBin(circuitInput(inputs), true));

const prover = await Prover.create(artifacts);
const firstStart = performance.now();
const proof = await prover.prove(inputs);
table.single("first proof in process (cold)", `${(performance.now() - firstStart).toFixed(1)} ms`);
await table.time("proof, warm (witness + Groth16)", PROOF_RUNS, () => prover.prove(inputs));

const rootNow = tree.root;
const verificationRequest = { ...request, rootStatus: (root: bigint): RootStatus => (root === rootNow ? "current" : "unknown") };
const check = groth16Check(artifacts.verificationKey);
await table.time("verification in process (checks + snarkjs)", VERIFY_RUNS, async () => {
  const outcome = await verifyProof(proof, verificationRequest, check);
  if (!outcome.valid) throw new Error(outcome.message);
});

// The verifier service over HTTP on loopback, with 1 and then 2 verification workers.
const signer = ed25519Signer(newSigningKeyHex());
const ledger = new RootLedger(signer.publicKey);
ledger.publishRoot(rootNow, tree.size, new Date(), signer);
writeFileSync(join(work, "ledger.jsonl"), ledger.toJsonLines());
const regulatorKey = { x: regulator.publicKey.x.toString(), y: regulator.publicKey.y.toString() };
const body = JSON.stringify({ site: "bench", message: "bench", proof: { proof: proof.proof, publicSignals: proof.publicSignals } });
let singleWorkerRate = 0;
for (const workers of [1, 2]) {
  const config = parseServiceConfig(
    { port: 0, workers, database: join(work, `verifier-${workers}`), ledger: { source: "ledger.jsonl", registrarKey: signer.publicKey }, sites: { bench: { scope: "bench.example", minAge: 18, regionPrefix: "11", checkExpiry: true, regulatorKey, allowMessageProofs: true } } },
    work,
  );
  const service = await startVerifierService(config, () => {});
  await loadTest(`${service.url}/v1/verify`, body, { requests: 40, concurrency: 4 }); // warm-up
  const result = await loadTest(`${service.url}/v1/verify`, body, LOAD);
  if (result.failures > 0) throw new Error(`${result.failures} verifications failed under load`);
  if (workers === 1) singleWorkerRate = result.perSecond;
  const ratio = workers === 1 ? "" : ` (${(result.perSecond / singleWorkerRate).toFixed(2)}x of 1 worker)`;
  table.single(`service /v1/verify over HTTP, ${workers} worker${workers > 1 ? "s" : ""}, ${LOAD.concurrency} clients`, `p50 ${result.p50.toFixed(1)} ms, p99 ${result.p99.toFixed(1)} ms`, `${result.perSecond.toFixed(1)}/s${ratio}`, result.requests);
  await service.close();
}

const bigTree = await RegistryTree.create();
const treeStart = performance.now();
bigTree.insertMany(Array.from({ length: TREE_LEAVES }, (_, i) => BigInt(i) * 7919n + 1n));
const treeSeconds = (performance.now() - treeStart) / 1000;
table.single(`tree: batch insert ${TREE_LEAVES} leaves (depth 32)`, `${treeSeconds.toFixed(2)} s`, `${Math.round(TREE_LEAVES / treeSeconds)} leaves/s`);
await table.time("tree: single insert (depth 32)", 200, () => bigTree.insert(42n));
await table.time("tree: Merkle path", 200, () => bigTree.proof(54321));

const registrar = await Registrar.init(join(work, "registrar"));
const people = Array.from({ length: ENROLLMENTS }, (_, i) => ({ record: personRecord(i), commitment: BigInt(i + 1) * 104729n }));
const enrollStart = performance.now();
registrar.enroll(people);
const enrollSeconds = (performance.now() - enrollStart) / 1000;
table.single(`registrar: enroll ${ENROLLMENTS} people (one batch, SQLite)`, `${enrollSeconds.toFixed(2)} s`, `${Math.round(ENROLLMENTS / enrollSeconds)} people/s`);
registrar.close();

table.print();
console.log(artifacts.manifest.warning);
rmSync(work, { recursive: true, force: true });
await releaseCurve();
