// Phase 1 of the trusted setup (powers of tau), made locally from source, once.
//
// Preparing phase 2 of a 2^15 ceremony takes many minutes on 2 cores, so the prepared
// file is committed under keys/ptau/ and reused by every circuit build; only the
// circuit-specific phase 2 (realdid ceremony; npm run keys:dev-ceremony) reruns when a circuit changes.
// DEVELOPMENT CEREMONY: one local contributor plus a public beacon. Not for production;
// a production phase 1 needs many independent contributors (see README, Trusted setup).
import { createHash, randomBytes } from "node:crypto";
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import * as snarkjs from "snarkjs";
import { PTAU_DIR, PTAU_POWER, ptauPath, ptauTranscriptPath } from "../src/artifacts/paths.js";
import { progressLogger } from "./progress.js";

const started = Date.now();
const power = Number(process.argv[2] ?? PTAU_POWER);
mkdirSync(PTAU_DIR, { recursive: true });
const work = (name: string) => join(PTAU_DIR, `pot${power}_${name}.ptau`);
const logger = progressLogger("ptau");

const curve = await snarkjs.curves.getCurveFromName("bn128");
const step = async (label: string, run: () => Promise<unknown>) => {
  const t = Date.now();
  console.log(`[ptau] ${label} ...`);
  await run();
  console.log(`[ptau] ${label} done in ${((Date.now() - t) / 1000).toFixed(1)} s`);
};

const contributionHashes: Record<string, string> = {};
const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString("hex");
const beaconHash = createHash("sha256").update(`realdid development beacon, power ${power}`).digest("hex");

await step(`new accumulator 2^${power}`, () => snarkjs.powersOfTau.newAccumulator(curve, power, work("0000"), logger));
await step("contribution 1 (local random entropy)", async () => {
  contributionHashes.contribution1 = hex(await snarkjs.powersOfTau.contribute(work("0000"), work("0001"), "realdid dev contributor 1", randomBytes(64).toString("hex"), logger));
});
await step("beacon", async () => {
  contributionHashes.beacon = hex(await snarkjs.powersOfTau.beacon(work("0001"), work("beacon"), "realdid dev beacon", beaconHash, 10, logger));
});
await step("prepare phase 2", () => snarkjs.powersOfTau.preparePhase2(work("beacon"), ptauPath(power), logger));
await step("verify", async () => {
  if (!(await snarkjs.powersOfTau.verify(ptauPath(power), logger))) throw new Error("prepared powers of tau do not verify");
});
for (const name of ["0000", "0001", "beacon"]) rmSync(work(name));

const transcript = {
  warning: "DEVELOPMENT POWERS OF TAU: one local contributor and a deterministic beacon. NOT FOR PRODUCTION.",
  power,
  curve: "bn128",
  contributions: [
    { name: "realdid dev contributor 1", hash: contributionHashes.contribution1 },
    { name: "realdid dev beacon", beaconHash, iterationsExp: 10, hash: contributionHashes.beacon },
  ],
  prepared: { file: `pot${power}.ptau`, sha256: createHash("sha256").update(readFileSync(ptauPath(power))).digest("hex") },
  madeWith: "snarkjs " + JSON.parse(readFileSync("node_modules/snarkjs/package.json", "utf8")).version,
  createdAt: new Date().toISOString(),
  seconds: Math.round((Date.now() - started) / 1000),
};
writeFileSync(ptauTranscriptPath(power), JSON.stringify(transcript, null, 2) + "\n");
await curve.terminate();
console.log(`[ptau] wrote ${ptauPath(power)} in ${transcript.seconds} s`);
