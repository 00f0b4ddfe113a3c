// `npm run bench`: one table of realdid's figures beside its peers' from the same run
// (Semaphore v4 depth 20 from its official npm artifacts; snarkjs one proof at a time).
// Machines are noisy: read the ratios, not absolute times across runs.
// `npm run bench -- desk service` runs only those parts (proving, verification, desk, service,
// registry, business, chain); a figure a part compares with is measured for it if its own part does not run.
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { pino } from "pino";
import * as snarkjs from "snarkjs";
import { WitnessCalculatorBuilder } from "circom_runtime";
import { encodeAttributes } from "../src/attributes/attributes.js";
import { todayIso } from "../src/attributes/calendar.js";
import { predicateBounds } from "../src/attributes/predicates.js";
import { loadArtifacts } from "../src/artifacts/load.js";
import { proofDocument } from "../src/proof/proof-document.js";
import { refreshPath } from "../src/registrar/path-client.js";
import { startRegistrarServer } from "../src/registrar/registrar-server.js";
import { generateRegulatorKeyPair } from "../src/crypto/escrow.js";
import { FastPoseidon } from "../src/crypto/fast-poseidon.js";
import { PoseidonPool } from "../src/crypto/poseidon-pool.js";
import { Identity } from "../src/identity/identity.js";
import { RootLedger } from "../src/ledger/root-ledger.js";
import { DESK_CONFIG_FORMAT, parseDeskConfig } from "../src/desk/desk-config.js";
import { deskSnapshot } from "../src/desk/desk-snapshot.js";
import { circuitInput } from "../src/proof/circuit-input.js";
import { groth16Check } from "../src/proof/groth16-check.js";
import { releaseCurve } from "../src/proof/curve.js";
import { readSections } from "../src/proof/groth16-prover.js";
import { Prover } from "../src/proof/prover.js";
import { challengeForMessage } from "../src/proof/request.js";
import { credentialLeaf } from "../src/registry/credential.js";
import { RegistryTree, TREE_HEIGHT } from "../src/registry/registry-tree.js";
import { Registrar } from "../src/registrar/registrar.js";
import { LocalKeyProvider } from "../src/registrar/registrar-keys.js";
import { aesGcmSealPacked } from "../src/crypto/aes-gcm.js";
import { sha256Hex } from "../src/crypto/sha256.js";
import { VerifyPool } from "../src/service/verify-pool.js";
import { ed25519Signer, newSigningKeyHex } from "../src/signed-log/ed25519-signer.js";
import { personRecord } from "../test/helpers/people.js";
import { spawnService } from "../test/helpers/service-process.js";
import { measureBrowserProofs } from "./bench/browser-proof.js";
import { measureMsm } from "./bench/msm.js";
import { measureBusiness } from "./bench/business.js";
import { measureCompactPresentation } from "./bench/compact-presentation.js";
import { measureDeskInBrowser } from "./bench/desk-browser.js";
import { coldCliProofMs } from "./bench/cli-proof.js";
import { loadTest } from "./bench/load.js";
import { measureGas } from "./bench/gas.js";
import { measureSemaphore, SEMAPHORE_ARTIFACTS, SEMAPHORE_DEPTH } from "./bench/semaphore-peer.js";
import { BenchTable, ms, timeInterleaved, timeRuns, timing } from "./bench/table.js";

const PROOF_RUNS = Number(process.env.BENCH_PROOF_RUNS ?? 7);
const BROWSER_PROOF_RUNS = Number(process.env.BENCH_BROWSER_PROOF_RUNS ?? 5);
const BROWSER_DESK_RUNS = Number(process.env.BENCH_BROWSER_DESK_RUNS ?? 9);
const TREE_LEAVES = Number(process.env.BENCH_TREE_LEAVES ?? 1_000_000);
const SEMAPHORE_GROUP = 20_000;
const SEMAPHORE_CONSTRAINTS = 6_431; // Semaphore v4 depth 20
const ENROLLMENTS = 100_000;
const LOAD = { requests: 400, concurrency: 16 };
const MiB = (bytes: number) => `${(bytes / 2 ** 20).toFixed(0)} MiB`;
const perSecond = (v: number) => `${v.toFixed(1)}/s`;
const count = (v: number) => v.toLocaleString("en");

const PARTS = ["proving", "verification", "desk", "service", "registry", "business", "chain"];
const chosen = process.argv.slice(2);
const unknownPart = chosen.find((part) => !PARTS.includes(part));
if (unknownPart !== undefined) {
  console.error(`bench: no part "${unknownPart}"; the parts are ${PARTS.join(", ")} (none given: all)`);
  process.exit(2);
}
const runs = (part: string) => chosen.length === 0 || chosen.includes(part);
/** A figure measured the first time a part needs it, in the order the parts run. */
const once = <T>(measure: () => Promise<T>): (() => Promise<T>) => {
  let measured: Promise<T> | undefined;
  return () => (measured ??= measure());
};

const table = new BenchTable();
const work = mkdtempSync(join(tmpdir(), "realdid-bench-"));
const artifacts = loadArtifacts();
table.add("constraints (RealDid: 2^33 leaves, 4 slots, escrow)", count(artifacts.manifest.constraints), `Semaphore v4 depth 20: ${count(SEMAPHORE_CONSTRAINTS)}`);
table.add("published key set", `key id ${artifacts.keyId} (${artifacts.manifest.contributors.length} ceremony steps)`);

// --- Proving: a citizen in a tree of 1001 ----------------------------------------------
const today = todayIso();
const regulator = generateRegulatorKeyPair();
const predicates = { minAge: 18, notExpired: true, regionPrefix: "11" };
const request = { scope: "bench.example", challenge: challengeForMessage("bench"), bounds: predicateBounds(predicates, today), regulatorKey: regulator.publicKey };
const identity = Identity.random();
const attributes = encodeAttributes({ birthDate: "1990-03-14", region: "110105", expiry: "2035-01-01", documentType: "national_id_card" }, today);
const tree = new RegistryTree(TREE_HEIGHT, await FastPoseidon.create());
tree.insertMany([...Array.from({ length: 1000 }, (_, i) => BigInt(i + 1)), credentialLeaf(identity.commitment, attributes)]);
const inputsFor = (scope: string) => ({ identity, credential: { index: 1000, attributes }, merkleProof: tree.proof(1000), request: { ...request, scope } });
const inputs = inputsFor("bench.example");

// A long-lived prover, as a daemon or a service keeps: it fills its tables of multiples after its first proof.
const prover = await Prover.create(artifacts, { tables: true });
const firstProof = once(async () => {
  const start = performance.now();
  const proof = await prover.prove(inputs);
  const proved = performance.now();
  await prover.tablesFilled();
  return { proof, ms: proved - start, tablesMs: performance.now() - proved };
});
const semaphoreFigures = once(async () => {
  // Every MSM whole, as for a citizen's first proof under a new root.
  const wholeProver = await Prover.create(artifacts, { updateLastSums: false, tables: true });
  await wholeProver.tablesFilled();
  return measureSemaphore(PROOF_RUNS, SEMAPHORE_GROUP, () => wholeProver.prove(inputs));
});
const singleProof = once(async () => proofDocument((await firstProof()).proof, "bench.example"));
const snarkjsVerify = once(async () => {
  const single = await singleProof();
  return timeRuns(30, () => snarkjs.groth16.verify(artifacts.verificationKey, single.publicSignals, single.proof));
});

if (runs("proving")) {
  const { ms: firstProofMs, tablesMs } = await firstProof();
  const semaphore = await semaphoreFigures();
  table.compare("first proof in a process", firstProofMs, semaphore.firstProofMs, ms, "lower");
  table.add("  then the tables of multiples filled, in the background (warm proofs below use them)", ms(tablesMs));
  table.compare("proof, warm median, every MSM whole (realdid 2^33 leaves vs Semaphore depth 20, interleaved)", semaphore.alongside.median, semaphore.proof.median, ms, "lower");
  table.add("  proof timings", timing(semaphore.alongside), timing(semaphore.proof));
  // One citizen at a new site each time: the Merkle part of the witness stays, so the prover updates its sums.
  let site = 0;
  const [sameCitizen, semaphoreAgain] = await timeInterleaved(PROOF_RUNS, () => prover.prove(inputsFor(`site-${site++}.example`)), () => semaphore.prove());
  table.compare("proof, warm median, one citizen at a new site each time (interleaved)", sameCitizen.median, semaphoreAgain.median, ms, "lower");
  table.add("  proof timings", timing(sameCitizen), timing(semaphoreAgain));
  const witnessCalculator = await WitnessCalculatorBuilder(artifacts.wasm);
  table.add("  of which witness (calculator kept)", timing(await timeRuns(PROOF_RUNS, () => witnessCalculator.calculateWTNSBin(circuitInput(inputs), true))));
  table.add("peak memory of this process so far", MiB(process.resourceUsage().maxRSS * 1024));
  const cliProof = await coldCliProofMs(work, regulator.publicKey);
  table.add("cold CLI proof (process start to proof file): alone / with `realdid prover-daemon`", `${ms(cliProof.alone)} / ${ms(cliProof.withDaemon)}`);
  // In the browser: the wallet's proving worker beside snarkjs's browser build, in headless Chromium.
  const inBrowser = await measureBrowserProofs(BROWSER_PROOF_RUNS, circuitInput(inputs), work);
  table.compare("in-browser proof (Chromium), first in a fresh page, keys fetched: wallet worker vs snarkjs", inBrowser.ours.firstMs, inBrowser.snarkjs.firstMs, ms, "lower");
  table.compare("in-browser proof (Chromium), warm median, every MSM whole: wallet worker vs snarkjs", inBrowser.ours.warm.median, inBrowser.snarkjs.warm.median, ms, "lower");
  table.add("  in-browser timings (wallet / snarkjs)", timing(inBrowser.ours.warm), timing(inBrowser.snarkjs.warm));
  table.compare("  in-browser warm (wallet) vs Semaphore v4 on snarkjs in Node", inBrowser.ours.warm.median, semaphore.proof.median, ms, "lower");
  table.compare("  in-browser warm (wallet) vs our prover in Node (same run)", inBrowser.ours.warm.median, semaphore.alongside.median, ms, "lower");
  const witness = await witnessCalculator.calculateWTNSBin(circuitInput(inputs), true);
  for (const msm of await measureMsm(PROOF_RUNS, artifacts.zkey, readSections(witness, "wtns", "witness").get(2)!)) {
    table.compare(`MSM alone, ${msm.label}: ours vs ffjavascript (snarkjs's)`, msm.ours.median, msm.ffjavascript.median, ms, "lower");
    table.add("  MSM timings (ours / ffjavascript)", timing(msm.ours), timing(msm.ffjavascript));
  }
}

// --- Verification ------------------------------------------------------------------
if (runs("verification")) {
  const single = await singleProof();
  const snarkjsOne = await snarkjsVerify();
  table.compare("verification, one proof (snarkjs vs Semaphore)", snarkjsOne.median, (await semaphoreFigures()).verify.median, ms, "lower");
  const pool = await VerifyPool.create(artifacts.verificationKey, 2);
  const poolOne = await timeRuns(30, () => pool.check(single.proof, single.publicSignals));
  table.compare("verification, one proof (realdid worker vs snarkjs)", poolOne.median, snarkjsOne.median, ms, "lower");
  const BATCH = 64;
  const batchRuns = await timeRuns(5, () => Promise.all([pool.checkMany(Array(BATCH / 2).fill(single)), pool.checkMany(Array(BATCH / 2).fill(single))]));
  const batchRate = BATCH / (batchRuns.median / 1000);
  table.compare(`verification throughput, batches of ${BATCH} on 2 workers vs snarkjs one at a time`, batchRate, 1000 / snarkjsOne.median, perSecond, "higher");
  await pool.close();
}

// A front desk reading a person's QR code: decode realdid-qr/1 and verify it with the desk's own context.
if (runs("desk")) {
  const desk = await measureCompactPresentation(prover, inputs, predicates, today, artifacts.verificationKey);
  const snarkjsOne = await snarkjsVerify();
  table.add("QR payload (realdid-qr/1, compact presentation): bytes / QR version at level M, byte mode", `${desk.bytes} bytes / version ${desk.qrVersion}`);
  table.compare("front desk: decode + verify a compact presentation (Node, warm, one thread) vs snarkjs verify alone", desk.decodeAndVerify.median, snarkjsOne.median, ms, "lower");
  table.add("  of which decoding (4 compressed points) and expanding", timing(desk.decode));
  // The same payload in the desk page's code in Chromium, against a snapshot of a ledger holding the bench's root (development key, made here).
  const deskSigner = ed25519Signer(newSigningKeyHex());
  const deskLedger = new RootLedger(deskSigner.publicKey);
  deskLedger.publishRoot(tree.root, tree.size, new Date(), deskSigner);
  const regulatorKey = { x: regulator.publicKey.x.toString(), y: regulator.publicKey.y.toString() };
  const deskConfig = parseDeskConfig({ format: DESK_CONFIG_FORMAT, name: "bench desk", scope: desk.scope, predicates, regulatorKeys: [regulatorKey], registrar: { ledger: "(the bench's own ledger)", key: deskSigner.publicKey } });
  const snapshot = deskSnapshot(deskConfig, artifacts, deskLedger, new Date());
  const inChromium = await measureDeskInBrowser(BROWSER_DESK_RUNS, desk.payload, snapshot, desk.code, today, work);
  table.add("front desk page (Chromium): decode + verify a QR payload, first in a fresh page (curve start-up)", ms(inChromium.firstMs));
  table.compare("front desk page (Chromium): decode + verify a QR payload, warm median vs the same in Node", inChromium.warm.median, desk.decodeAndVerify.median, ms, "lower");
  table.add("  in-browser desk timings / Node", timing(inChromium.warm), timing(desk.decodeAndVerify));
}

// The verifier service over HTTP on loopback, with 1 and then 2 verification workers.
if (runs("service")) {
  const single = await singleProof();
  const snarkjsOne = await snarkjsVerify();
  const signer = ed25519Signer(newSigningKeyHex());
  const ledger = new RootLedger(signer.publicKey);
  ledger.publishRoot(tree.root, tree.size, new Date(), signer);
  writeFileSync(join(work, "ledger.jsonl"), ledger.toJsonLines());
  const regulatorKey = { x: regulator.publicKey.x.toString(), y: regulator.publicKey.y.toString() };
  const body = JSON.stringify({ site: "bench", message: "bench", proof: single });
  // The service runs in its own process, so the load generator does not share its event loop.
  const serviceConfigFile = join(work, "bench-verifier.json");
  writeFileSync(serviceConfigFile, JSON.stringify({ port: 0, database: "verifier", ledger: { source: "ledger.jsonl", registrarKey: signer.publicKey }, sites: { bench: { scope: "bench.example", minAge: 18, regionPrefix: "11", checkExpiry: true, regulatorKey, allowMessageProofs: true } } }));
  for (const workers of [1, 2]) {
    const { url, child } = await spawnService(serviceConfigFile, work, ["--workers", String(workers), "--database", join(work, `verifier-${workers}`)]);
    await loadTest(`${url}/v1/verify`, body, { requests: 40, concurrency: 4 }); // warm-up
    const result = await loadTest(`${url}/v1/verify`, body, LOAD);
    child.kill("SIGTERM");
    if (result.failures > 0) throw new Error(`${result.failures} verifications failed under load`);
    table.compare(`service /v1/verify over HTTP, ${workers} worker(s), ${LOAD.concurrency} clients, p50 ${ms(result.p50)} p99 ${ms(result.p99)}`, result.perSecond, 1000 / snarkjsOne.median, perSecond, "higher");
  }
}

// --- Registry tree and registrar -------------------------------------------------------
if (runs("registry")) {
  const semaphore = await semaphoreFigures();
  // Heap after a full collection, so the figure is the tree's and not garbage's.
  setFlagsFromString("--expose-gc");
  const collectGarbage = runInNewContext("gc") as () => void;
  collectGarbage();
  const heapBefore = process.memoryUsage().heapUsed;
  const bigTree = new RegistryTree(TREE_HEIGHT, await FastPoseidon.create());
  const hashPool = await PoseidonPool.create(2);
  const treeStart = performance.now();
  await bigTree.insertManyParallel(Array.from({ length: TREE_LEAVES }, (_, i) => BigInt(i) * 7919n + 1n), hashPool);
  const treeRate = TREE_LEAVES / ((performance.now() - treeStart) / 1000);
  await hashPool.close();
  table.compare(`tree build, leaves/s (realdid ${TREE_LEAVES} in a 2^33 tree (8-way), 2 hashing workers, vs Semaphore group of ${semaphore.groupSize})`, treeRate, semaphore.groupRate, (v) => v.toFixed(0), "higher");
  collectGarbage();
  table.add(`  memory for ${TREE_LEAVES} leaves (heap)`, MiB(process.memoryUsage().heapUsed - heapBefore));
  table.add("  single insert / Merkle path (2^33 tree)", `${ms((await timeRuns(200, () => bigTree.insert(42n))).median)} / ${ms((await timeRuns(200, () => bigTree.proof(54321))).median)}`);

  const registrarKeys = { keyFile: join(work, "registrar.bench-key.json") }; // a throwaway, insecure key file
  const registrar = await Registrar.init(join(work, "registrar"), registrarKeys);
  const people = Array.from({ length: ENROLLMENTS }, (_, i) => ({ record: personRecord(i), commitment: BigInt(i + 1) * 104729n }));
  const enrollStart = performance.now();
  const credentials = await registrar.enroll(people);
  const enrollSeconds = (performance.now() - enrollStart) / 1000;
  table.add(`registrar: enroll ${ENROLLMENTS} people (one batch, SQLite, records sealed)`, `${enrollSeconds.toFixed(1)} s, ${Math.round(ENROLLMENTS / enrollSeconds)} people/s`);
  // The part of that enrollment which protects the records, alone: the same AEAD per record and two blind indexes.
  const keys = LocalKeyProvider.open(join(work, "registrar"), registrarKeys);
  const dataKey = randomBytes(32);
  const sealStart = performance.now();
  people.forEach(({ record, commitment }, i) => {
    aesGcmSealPacked(dataKey, Buffer.from(JSON.stringify({ ...record, commitment: commitment.toString() })), `realdid-record/1:${i}`);
    keys.blindIndex(`national-id:${record.nationalId}`);
    keys.blindIndex(`commitment:${commitment}`);
  });
  const sealSeconds = (performance.now() - sealStart) / 1000;
  table.add(
    "  of which sealing records and blind indexes",
    `${sealSeconds.toFixed(2)} s (${((100 * sealSeconds) / enrollSeconds).toFixed(0)}%): without it ${Math.round(ENROLLMENTS / (enrollSeconds - sealSeconds))} people/s, so sealing costs ${(enrollSeconds / (enrollSeconds - sealSeconds)).toFixed(2)}x`,
  );
  // A citizen's path refresh: the whole 4,096-leaf bucket over HTTP, the path computed locally.
  const registrarServer = await startRegistrarServer(join(work, "registrar"), { host: "127.0.0.1", port: 0, log: pino({ level: "silent" }) });
  const someone = credentials[ENROLLMENTS / 2];
  const refresh = await timeRuns(20, () => refreshPath(registrarServer.url, { index: someone.index, leaf: BigInt(someone.leaf), registrarKey: registrar.publicKey }));
  table.add(`registrar: path refresh by bucket (${ENROLLMENTS} people, 4,096 leaves over HTTP, path computed by the citizen)`, timing(refresh));
  await registrarServer.close();
  await registrar.close();
}

// --- Business: a legal representative proving for their enterprise at a tax portal ----------
if (runs("business")) {
  const semaphore = await semaphoreFigures();
  const single = await singleProof();
  const personalCheck = groth16Check(artifacts.verificationKey);
  let site = 0;
  const business = await measureBusiness(PROOF_RUNS, { identity, attributes }, request, today, {
    prove: () => prover.prove(inputsFor(`personal-${site++}.example`)),
    verify: async () => {
      if (!(await personalCheck(single.proof, single.publicSignals))) throw new Error("the personal proof did not verify");
    },
  });
  const constraints = business.artifacts.manifest.constraints;
  table.compare("constraints, business circuit (person + enterprise + mandate, 2 paths, 2 escrows) vs Semaphore v4 depth 20", constraints, SEMAPHORE_CONSTRAINTS, count, "lower");
  table.compare("  business vs personal circuit", constraints, artifacts.manifest.constraints, count, "lower");
  table.add("first business proof, from making its prover (same process, curve up)", ms(business.firstProofMs));
  table.compare("business proof, warm median, a new site each time, vs Semaphore v4 depth 20 on snarkjs (this run's figure)", business.proof.median, semaphore.proof.median, ms, "lower");
  table.compare("  business vs personal proof, a new site each time (interleaved)", business.proof.median, business.personalProof.median, ms, "lower");
  table.add("  proof timings (business / personal)", timing(business.proof), timing(business.personalProof));
  table.compare("verification, business proof vs personal proof (groth16Check, interleaved)", business.verify.median, business.personalVerify.median, ms, "lower");
  table.compare("  business proof (groth16Check) vs snarkjs verify of a personal proof", business.verify.median, (await snarkjsVerify()).median, ms, "lower");
}

// --- On chain: the contracts of docs/chain.md beside Semaphore v4's, in the same in-process EVM ----
if (runs("chain")) {
  const signer = ed25519Signer(newSigningKeyHex()); // a throwaway development key
  const chainLedger = new RootLedger(signer.publicKey);
  chainLedger.publishRoot(new RegistryTree(TREE_HEIGHT, await FastPoseidon.create()).root, 0, new Date(Date.now() - 60_000), signer);
  chainLedger.publishRoot(tree.root, tree.size, new Date(), signer, { kind: "enroll", digest: sha256Hex(`bench: ${tree.size} people enrolled`) });
  const gas = await measureGas({ registrarKey: signer.publicKey, entries: chainLedger.entriesFrom(0) }, request, (await firstProof()).proof, SEMAPHORE_ARTIFACTS, SEMAPHORE_DEPTH);
  const gasCount = (v: number) => `${count(v)} gas`;
  table.compare("on chain: verify a proof and record its one-per-person use (realdid accept vs Semaphore validateProof, same EVM)", Number(gas.realdid.accept), Number(gas.semaphore.validateProof), gasCount, "lower");
  table.compare("  the Groth16 verifier alone, one transaction (realdid 19 public signals, the regulator key's 4 summed at deployment, vs Semaphore 4)", Number(gas.realdid.groth16), Number(gas.semaphore.groth16), gasCount, "lower");
  table.add(
    "on chain: putting people on the chain (realdid: one ledger entry per batch of enrollments; Semaphore: a group member each)",
    `${gasCount(Number(gas.realdid.publish))} per ledger entry, any number of people`,
    `${gasCount(Number(gas.semaphore.addMembersEach))} per member in addMembers of ${gas.semaphore.members - 1}; ${gasCount(Number(gas.semaphore.addMember))} addMember of one more`,
  );
  table.add("  published figure: Privado ID (iden3), the on-chain verification step (docs.privado.id)", "", "about 500,000 gas");
}

table.print();
console.log(artifacts.manifest.warning);
rmSync(work, { recursive: true, force: true });
await releaseCurve();
process.exit(0); // Semaphore's snarkjs copy keeps its own curve threads alive
