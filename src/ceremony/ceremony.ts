// The Groth16 phase-2 ceremony, as files that travel between contributors on different
// machines: a ceremony folder holds the circuit (r1cs, wasm), one zkey per step and
// ceremony.json, the transcript. Each contributor verifies the last step, adds theirs and
// passes the folder on; anyone can verify the whole chain; the coordinator finalizes it
// into a key set (see README, "Trusted setup"). Given an honest phase 1, any one honest
// contributor makes the keys sound.
import { randomBytes } from "node:crypto";
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Logger } from "snarkjs";
import { z } from "zod";
import type { CircuitId } from "../artifacts/circuit-id.js";
import { verificationKeyId } from "../artifacts/key-id.js";
import { loadArtifacts } from "../artifacts/load.js";
import { DEVELOPMENT_KEYS_WARNING, KEY_SET_FORMAT, type KeySetManifest } from "../artifacts/manifest.js";
import { keySetFiles, ptauPath } from "../artifacts/paths.js";
import { nodeSha256Hex } from "../crypto/node-sha256.js";
import { RealDidError } from "../errors.js";
import { readJson, writeAtomically } from "../files.js";
import { Hex, Sha256Hex } from "../formats/fields.js";
import { parseDocument } from "../formats/schema.js";
import { compileCircuit, compilerVersion, sourceFingerprint } from "./circuit-source.js";

export const CEREMONY_FORMAT = "realdid-ceremony/1";
const TRANSCRIPT_FILE = "ceremony.json";
/** snarkjs keeps the first 64 bytes of a contributor's name in the zkey. */
const MAX_NAME_LENGTH = 64;

const sha256 = Sha256Hex;
const hash512 = Hex(64, "a 64-byte contribution hash in hex");
const fileName = z.string().regex(/^[A-Za-z0-9._-]+$/, "must be a plain file name");
const StepSchema = z.discriminatedUnion("kind", [
  z.strictObject({ kind: z.literal("init"), index: z.literal(0), file: fileName, sha256 }),
  z.strictObject({ kind: z.literal("contribution"), index: z.number().int().positive(), name: z.string(), file: fileName, sha256, contributionHash: hash512, at: z.string() }),
  z.strictObject({ kind: z.literal("beacon"), index: z.number().int().positive(), name: z.string(), file: fileName, sha256, contributionHash: hash512, beaconHash: Hex(32), iterationsExp: z.number().int(), at: z.string() }),
]);
export type CeremonyStep = z.infer<typeof StepSchema>;
/** A step after the initial key: a contribution or the beacon. */
export type ContributionStep = Exclude<CeremonyStep, { kind: "init" }>;

/** ceremony.json: what the ceremony is for and every step so far, each with its file's hash. */
const CeremonySchema = z.strictObject({
  format: z.literal(CEREMONY_FORMAT),
  /** circuits/main/<circuit>.circom; also the stem of its file names. */
  circuit: z.string().regex(/^[a-z0-9][a-z0-9-]{0,63}$/, "must be a circuit name (lowercase letters, digits, '-')"),
  constraints: z.number().int().positive(),
  sourceFingerprint: sha256,
  compiler: z.string(),
  r1cs: z.strictObject({ file: fileName, sha256 }),
  wasm: z.strictObject({ file: fileName, sha256 }),
  /** The prepared phase-1 powers of tau every step is checked against. */
  ptau: z.strictObject({ sha256 }),
  steps: z.array(StepSchema).min(1),
});
export type Ceremony = z.infer<typeof CeremonySchema>;

type Snarkjs = typeof import("snarkjs");
const loadSnarkjs = (): Promise<Snarkjs> => import("snarkjs"); // only ceremony commands pay for it

const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString("hex");
const stepFile = (circuit: string, index: number) => `${circuit}-${String(index).padStart(4, "0")}.zkey`;
const fail = (message: string): never => {
  throw new RealDidError("ceremony_invalid", message);
};
const describeStep = (step: CeremonyStep) => `step ${step.index} (${step.kind === "init" ? "initial key" : `${step.kind} by ${JSON.stringify(step.name)}`}, ${step.file})`;

function readTranscript(path: string): Ceremony {
  const ceremony = parseDocument(CeremonySchema, readJson(path, "ceremony transcript"), path, "ceremony_invalid");
  ceremony.steps.forEach((step, i) => step.index === i || fail(`${path}: step ${i} is numbered ${step.index}`));
  return ceremony;
}

export const readCeremony = (dir: string): Ceremony => readTranscript(join(dir, TRANSCRIPT_FILE));

const writeCeremony = (dir: string, ceremony: Ceremony) => writeAtomically(join(dir, TRANSCRIPT_FILE), JSON.stringify(ceremony, null, 2) + "\n");

function checkedFile(dir: string, file: string, expected: string, what: string): string {
  const path = join(dir, file);
  if (!existsSync(path)) fail(`${what}: ${path} is missing`);
  if (nodeSha256Hex(readFileSync(path)) !== expected) fail(`${what}: ${path} is not the file the transcript records (its SHA-256 differs)`);
  return path;
}

/** Where the prepared phase-1 powers of tau is: `--ptau`, else this checkout's development one. */
export interface PtauOption {
  readonly ptau?: string;
}

function ceremonyPtau(ceremony: Ceremony, { ptau = ptauPath() }: PtauOption): string {
  if (!existsSync(ptau) || nodeSha256Hex(readFileSync(ptau)) !== ceremony.ptau.sha256) {
    fail(`the powers of tau ${ptau} is not the one the ceremony uses (SHA-256 ${ceremony.ptau.sha256}): give it with --ptau`);
  }
  return ptau;
}

/**
 * Runs one of snarkjs's verifiers and keeps what it says: its logger lines (where it names
 * the contributions a zkey carries) and what it prints with console.log (the reason a
 * contribution is invalid), which would otherwise land in the command's own output.
 */
async function snarkjsVerify(run: (logger: Logger) => Promise<boolean>, what: string): Promise<{ valid: boolean; lines: string[] }> {
  const lines: string[] = [];
  const keep = (message: string) => void lines.push(message);
  const consoleLog = console.log;
  console.log = (...args: unknown[]) => keep(args.map(String).join(" ").trim());
  try {
    return { valid: await run({ debug() {}, info: keep, warn: keep, error: keep }), lines };
  } catch (error) {
    return fail(`${what} is not a readable zkey: ${(error as Error).message}`);
  } finally {
    console.log = consoleLog;
  }
}

const quietLogger: Logger = { debug() {}, info() {}, warn() {}, error() {} };

/** Why snarkjs refused, from what it said. */
const refusalReason = (lines: readonly string[]) => lines.filter((line) => /INVALID|not identical|does not match|Invalid/.test(line)).join("; ") || "invalid contribution";

interface CarriedContribution {
  name: string;
  hash: string;
  beacon?: { hash: string; iterationsExp: number };
}

/**
 * The contributions a zkey carries, by number, as snarkjs's verifiers list them:
 * "contribution #2 Bob:" and the 64-byte hash in four lines of hex words, then for a
 * beacon "Beacon generator: <hex>" and "Beacon iterations Exp: <n>".
 */
function carriedContributions(lines: readonly string[]): Map<number, CarriedContribution> {
  const found = new Map<number, CarriedContribution>();
  let current: CarriedContribution | undefined;
  for (const line of lines) {
    const contribution = /^contribution #(\d+) (.*):\n([\s0-9a-f]+)$/.exec(line);
    const generator = /^Beacon generator: ([0-9a-f]+)$/.exec(line);
    const iterations = /^Beacon iterations Exp: (\d+)$/.exec(line);
    if (contribution) found.set(Number(contribution[1]), (current = { name: contribution[2], hash: contribution[3].replace(/\s+/g, "") }));
    else if (generator && current) current.beacon = { hash: generator[1], iterationsExp: current.beacon?.iterationsExp ?? -1 };
    else if (iterations && current?.beacon) current.beacon.iterationsExp = Number(iterations[1]);
  }
  return found;
}

/**
 * Fails unless the contributions snarkjs listed are exactly the transcript's steps
 * 1..upTo: the same contribution hashes, names, kinds and beacon parameters.
 */
function checkCarriedHistory(lines: readonly string[], ceremony: Ceremony, upTo: number, what: string): void {
  const carried = carriedContributions(lines);
  if (carried.size !== upTo) fail(`${what} carries ${carried.size} contributions; the transcript has ${upTo} up to it`);
  for (const step of ceremony.steps.slice(1, upTo + 1)) {
    if (step.kind === "init") continue;
    const theirs = carried.get(step.index);
    const beaconMatches = step.kind === "beacon" ? theirs?.beacon?.hash === step.beaconHash && theirs.beacon.iterationsExp === step.iterationsExp : theirs?.beacon === undefined;
    if (theirs?.hash !== step.contributionHash || theirs.name !== step.name || !beaconMatches) {
      fail(`${what} does not carry ${describeStep(step)} as the transcript records it (its ${theirs?.hash !== step.contributionHash ? "contribution hash" : theirs.name !== step.name ? "contributor's name" : "beacon"} differs)`);
    }
  }
}

/**
 * The ceremony's circuit is the one this checkout's sources compile to: the same sources
 * (fingerprint), and the folder's r1cs and wasm are those the compiler makes from them, bit
 * for bit. Without this a coordinator could run a ceremony for another (backdoored) circuit.
 */
function checkCircuit(dir: string, ceremony: Ceremony, log: (line: string) => void): string {
  const circuit = { name: ceremony.circuit };
  if (ceremony.sourceFingerprint !== sourceFingerprint(circuit)) fail(`the ceremony is for other circuit sources than this checkout's ${circuit.name} (check out the version it names)`);
  const r1cs = checkedFile(dir, ceremony.r1cs.file, ceremony.r1cs.sha256, "the circuit's r1cs");
  checkedFile(dir, ceremony.wasm.file, ceremony.wasm.sha256, "the circuit's wasm");
  log(`compiling ${circuit.name} to compare with the ceremony's circuit files`);
  const compiled = compiledHashes(circuit);
  if (compiled.r1cs !== ceremony.r1cs.sha256 || compiled.wasm !== ceremony.wasm.sha256) fail(`the ceremony's r1cs or wasm is not what ${circuit.name} compiles to`);
  return r1cs;
}

/** SHA-256 of the r1cs and wasm this checkout's circuit compiles to (compiled in a scratch folder). */
function compiledHashes(circuit: CircuitId): { r1cs: string; wasm: string } {
  const build = mkdtempSync(join(tmpdir(), "realdid-compile-"));
  try {
    compileCircuit(circuit, build);
    const files = keySetFiles(build, circuit);
    return { r1cs: nodeSha256Hex(readFileSync(files.r1cs)), wasm: nodeSha256Hex(readFileSync(files.wasm)) };
  } finally {
    rmSync(build, { recursive: true, force: true });
  }
}

/**
 * Verifies one step: its file is the recorded one; the initial key is this circuit's (snarkjs
 * recomputes it from the r1cs and the powers of tau: about 30 s); a later step is a valid
 * chain of contributions from the initial key (proofs of knowledge, same-ratio checks) that
 * carries the transcript's history, contributor by contributor.
 */
async function verifyStep(dir: string, ceremony: Ceremony, index: number, snarkjs: Snarkjs, ptau: string, r1cs: string): Promise<void> {
  const step = ceremony.steps[index];
  const what = describeStep(step);
  const path = checkedFile(dir, step.file, step.sha256, what);
  if (step.kind === "init") {
    const { valid, lines } = await snarkjsVerify((logger) => snarkjs.zKey.verifyFromR1cs(r1cs, ptau, path, logger), what);
    if (!valid) fail(`${what} is not the initial key of this circuit and powers of tau: ${refusalReason(lines)}`);
    return;
  }
  const init = checkedFile(dir, ceremony.steps[0].file, ceremony.steps[0].sha256, describeStep(ceremony.steps[0]));
  const { valid, lines } = await snarkjsVerify((logger) => snarkjs.zKey.verifyFromInit(init, ptau, path, logger), what);
  if (!valid) fail(`${what} does not verify against the ceremony's initial key: ${refusalReason(lines)}`);
  checkCarriedHistory(lines, ceremony, index, what);
}

/**
 * Starts a ceremony in a new folder: compiles the circuit and makes the initial zkey from
 * the prepared phase-1 powers of tau (`ptau`; about 30 s).
 */
export async function initCeremony(dir: string, circuit: CircuitId, log: (line: string) => void, { ptau = ptauPath() }: PtauOption = {}): Promise<Ceremony> {
  if (existsSync(join(dir, TRANSCRIPT_FILE))) throw new RealDidError("file_exists", `${dir} already holds a ceremony`);
  const snarkjs = await loadSnarkjs();
  log(`compiling ${circuit.name} with ${compilerVersion()}`);
  const constraints = compileCircuit(circuit, dir);
  const r1cs = `${circuit.name}.r1cs`;
  const wasm = `${circuit.name}.wasm`;
  log(`initial key for ${constraints} constraints (about 30 s)`);
  const init = stepFile(circuit.name, 0);
  if (!existsSync(ptau)) throw new RealDidError("file_not_found", `powers of tau file not found: ${ptau}`);
  await snarkjs.zKey.newZKey(join(dir, r1cs), ptau, join(dir, init), quietLogger);
  const fileHash = (file: string) => nodeSha256Hex(readFileSync(join(dir, file)));
  const ceremony: Ceremony = {
    format: CEREMONY_FORMAT,
    circuit: circuit.name,
    constraints,
    sourceFingerprint: sourceFingerprint(circuit),
    compiler: compilerVersion(),
    r1cs: { file: r1cs, sha256: fileHash(r1cs) },
    wasm: { file: wasm, sha256: fileHash(wasm) },
    ptau: { sha256: nodeSha256Hex(readFileSync(ptau)) },
    steps: [{ kind: "init", index: 0, file: init, sha256: fileHash(init) }],
  };
  writeCeremony(dir, ceremony);
  return ceremony;
}

export interface StepOptions extends PtauOption {
  readonly log?: (line: string) => void;
}

function checkName(name: string): void {
  if (name.trim() === "" || new TextEncoder().encode(name).byteLength > MAX_NAME_LENGTH || /[\n\r:]/.test(name)) {
    throw new RealDidError("invalid_argument", `a contributor's name must be 1 to ${MAX_NAME_LENGTH} bytes, without ':' or line breaks`);
  }
}

/**
 * Adds a step after checking the circuit and verifying the last step (the first contributor
 * checks the initial key itself); the new zkey is written under the next number.
 */
async function addStep(dir: string, options: StepOptions, make: (snarkjs: Snarkjs, from: string, to: string) => Promise<Omit<ContributionStep, "index" | "file" | "sha256" | "at">>): Promise<ContributionStep> {
  const ceremony = readCeremony(dir);
  const snarkjs = await loadSnarkjs();
  const ptau = ceremonyPtau(ceremony, options);
  const r1cs = checkCircuit(dir, ceremony, options.log ?? (() => {}));
  const last = ceremony.steps.at(-1)!;
  await verifyStep(dir, ceremony, last.index, snarkjs, ptau, r1cs);
  const index = last.index + 1;
  const file = stepFile(ceremony.circuit, index);
  const made = await make(snarkjs, join(dir, last.file), join(dir, file));
  const step = { ...made, index, file, sha256: nodeSha256Hex(readFileSync(join(dir, file))), at: new Date().toISOString() } as ContributionStep;
  writeCeremony(dir, { ...ceremony, steps: [...ceremony.steps, step] });
  return step;
}

/**
 * A contributor's step: fresh randomness from this machine (plus any entropy given) moves
 * the key on; the randomness is never written anywhere. Publish the returned hash so others
 * can check your contribution is in the final keys.
 */
export function contribute(dir: string, name: string, { entropy = "", ...options }: StepOptions & { entropy?: string } = {}): Promise<ContributionStep> {
  checkName(name);
  return addStep(dir, options, async (snarkjs, from, to) => {
    const hash = await snarkjs.zKey.contribute(from, to, name, randomBytes(64).toString("hex") + entropy, quietLogger);
    return { kind: "contribution", name, contributionHash: hex(hash) };
  });
}

/** The closing step: a public random value (e.g. a future block hash) hashed 2^iterationsExp times. */
export function applyBeacon(dir: string, beaconHash: string, iterationsExp: number, options: StepOptions = {}): Promise<ContributionStep> {
  if (!/^[0-9a-f]{64}$/.test(beaconHash)) throw new RealDidError("invalid_argument", "the beacon must be 64 hex characters (32 bytes)");
  if (!Number.isInteger(iterationsExp) || iterationsExp < 10 || iterationsExp > 63) throw new RealDidError("invalid_argument", "the beacon's iteration exponent must be an integer from 10 to 63 (snarkjs's range)");
  return addStep(dir, options, async (snarkjs, from, to) => {
    const hash = await snarkjs.zKey.beacon(from, to, "beacon", beaconHash, iterationsExp, quietLogger);
    if (hash === false) throw new RealDidError("ceremony_invalid", "snarkjs refused the beacon");
    return { kind: "beacon", name: "beacon", contributionHash: hex(hash), beaconHash, iterationsExp };
  });
}

/**
 * Verifies the whole ceremony: the circuit is this checkout's, every step's file is the
 * recorded one, the initial key is the circuit's (about 30 s), and the last step is a valid
 * chain of every contribution from it, carrying the transcript's history. The last key
 * holds the whole chain, so the steps between are verified one by one only when it fails,
 * to name the first that does not verify.
 */
export async function verifyCeremony(dir: string, { log = () => {}, ...options }: StepOptions = {}): Promise<Ceremony> {
  const ceremony = readCeremony(dir);
  const snarkjs = await loadSnarkjs();
  const ptau = ceremonyPtau(ceremony, options);
  const r1cs = checkCircuit(dir, ceremony, log);
  for (const step of ceremony.steps) checkedFile(dir, step.file, step.sha256, describeStep(step));
  const verify = (step: CeremonyStep) => {
    log(`verifying ${describeStep(step)}`);
    return verifyStep(dir, ceremony, step.index, snarkjs, ptau, r1cs);
  };
  const [init, last] = [ceremony.steps[0], ceremony.steps.at(-1)!];
  await verify(init);
  if (last === init) return ceremony;
  try {
    await verify(last);
  } catch (error) {
    for (const step of ceremony.steps.slice(1, -1)) await verify(step);
    throw error;
  }
  return ceremony;
}

/**
 * Verifies the ceremony and writes its last step as a key set in `outDir`: wasm, r1cs,
 * zkey, verification key, the transcript and a manifest with the key id. Written to a
 * temporary folder and renamed into place, so a crash leaves no half key set.
 */
export async function finalizeCeremony(dir: string, outDir: string, { development = false, ...options }: StepOptions & { development?: boolean } = {}): Promise<KeySetManifest> {
  // It replaces a key set, never anything else (not the ceremony folder, not a folder of other files).
  if (existsSync(outDir) && !isKeySet(outDir)) throw new RealDidError("file_exists", `${outDir} exists and is not a key set: give a new folder (or an earlier key set to replace)`);
  const ceremony = await verifyCeremony(dir, options);
  const contributions = ceremony.steps.filter((step) => step.kind === "contribution");
  if (contributions.length === 0) throw new RealDidError("ceremony_invalid", "the ceremony has no contribution yet: nobody's randomness protects the keys");
  const circuit = { name: ceremony.circuit };
  const snarkjs = await loadSnarkjs();
  const last = ceremony.steps.at(-1)!;
  const verificationKey = await snarkjs.zKey.exportVerificationKey(join(dir, last.file), quietLogger);
  const tmp = `${outDir}.tmp-${process.pid}`;
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp, { recursive: true });
  const files = keySetFiles(tmp, circuit);
  copyFileSync(join(dir, ceremony.wasm.file), files.wasm);
  copyFileSync(join(dir, ceremony.r1cs.file), files.r1cs);
  copyFileSync(join(dir, last.file), files.zkey);
  writeFileSync(files.verificationKey, JSON.stringify(verificationKey, null, 1) + "\n");
  writeFileSync(files.transcript, JSON.stringify(ceremony, null, 2) + "\n");
  const fileHash = (path: string) => nodeSha256Hex(readFileSync(path));
  const manifest: KeySetManifest = {
    format: KEY_SET_FORMAT,
    ...(development && { warning: DEVELOPMENT_KEYS_WARNING }),
    circuit: ceremony.circuit,
    keyId: verificationKeyId(verificationKey),
    constraints: ceremony.constraints,
    publicSignals: Number(verificationKey.nPublic),
    sourceFingerprint: ceremony.sourceFingerprint,
    compiler: ceremony.compiler,
    contributors: ceremony.steps.flatMap((step) => (step.kind === "init" ? [] : [step.kind === "beacon" ? `beacon ${step.beaconHash}` : step.name])),
    files: { wasm: fileHash(files.wasm), r1cs: fileHash(files.r1cs), zkey: fileHash(files.zkey), verificationKey: fileHash(files.verificationKey), transcript: fileHash(files.transcript) },
    finalizedAt: new Date().toISOString(),
  };
  writeFileSync(files.manifest, JSON.stringify(manifest, null, 2) + "\n");
  rmSync(outDir, { recursive: true, force: true });
  renameSync(tmp, outDir);
  return manifest;
}

const isKeySet = (dir: string): boolean => {
  try {
    return JSON.parse(readFileSync(join(dir, "manifest.json"), "utf8"))?.format === KEY_SET_FORMAT;
  } catch {
    return false;
  }
};

/**
 * Checks a finalized key set against this checkout's circuit (what `npm test` runs): made
 * from these sources, the circuit compiles to its r1cs and wasm bit for bit, its zkey
 * verifies against the r1cs and the powers of tau, and carries exactly the contributions
 * its transcript records; the verification key and key id are the zkey's.
 */
export async function checkKeySet(dir: string, circuit: CircuitId, { log = () => {}, ...options }: StepOptions = {}): Promise<KeySetManifest> {
  const { manifest } = loadArtifacts({ circuit, dir, warn: () => {} });
  const stale = (why: string): never => {
    throw new RealDidError("artifacts_mismatch", `the key set in ${dir} ${why}: the circuit changed, so its keys need a new ceremony (npm run keys:dev-ceremony for development keys)`);
  };
  if (manifest.sourceFingerprint !== sourceFingerprint(circuit)) stale("was made from other circuit sources");
  log(`compiling ${circuit.name}`);
  const compiled = compiledHashes(circuit);
  if (compiled.r1cs !== manifest.files.r1cs || compiled.wasm !== manifest.files.wasm) stale("has another r1cs or wasm than this circuit compiles to");
  const files = keySetFiles(dir, circuit);
  if (nodeSha256Hex(readFileSync(files.r1cs)) !== manifest.files.r1cs || nodeSha256Hex(readFileSync(files.transcript)) !== manifest.files.transcript) {
    throw new RealDidError("artifacts_mismatch", `the r1cs or transcript in ${dir} does not match the manifest`);
  }
  const ceremony = readTranscript(files.transcript);
  if (ceremony.steps.at(-1)!.sha256 !== manifest.files.zkey) fail(`${files.transcript}: its last step is not this key set's zkey`);
  const snarkjs = await loadSnarkjs();
  log("verifying the zkey against the circuit and the powers of tau (about 30 s)");
  const { valid, lines } = await snarkjsVerify((logger) => snarkjs.zKey.verifyFromR1cs(files.r1cs, ceremonyPtau(ceremony, options), files.zkey, logger), files.zkey);
  if (!valid) fail(`${files.zkey} does not verify against the circuit and the powers of tau: ${refusalReason(lines)}`);
  checkCarriedHistory(lines, ceremony, ceremony.steps.length - 1, files.zkey);
  if (verificationKeyId(await snarkjs.zKey.exportVerificationKey(files.zkey, quietLogger)) !== manifest.keyId) {
    throw new RealDidError("artifacts_mismatch", `${files.verificationKey} is not the verification key of ${files.zkey}`);
  }
  return manifest;
}
