import { spawnSync } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import { type ArtifactManifest, compilerVersion, DEVELOPMENT_KEYS_WARNING, sha256Hex, sourceFingerprint } from "./manifest.js";
import { artifactFiles, type CircuitId, circuitKeysDir, circuitMainPath, KEYS_DIR, PROJECT_ROOT, ptauPath } from "./paths.js";

export type ProgressLog = (line: string) => void;

/** A build that holds the lock longer than this is taken to have died. */
const STALE_LOCK_MS = 20 * 60 * 1000;

const quietLogger = { debug() {}, info() {}, warn() {}, error() {} };

function compile(circuit: CircuitId, outDir: string): number {
  // circom2 runs in a WASI sandbox that cannot follow "../": paths relative to the root.
  const cli = join(PROJECT_ROOT, "node_modules", "circom2", "cli.js");
  const args = [cli, relative(PROJECT_ROOT, circuitMainPath(circuit)), "--r1cs", "--wasm", "--O2", "-l", "node_modules", "-l", "circuits", "-o", relative(PROJECT_ROOT, outDir)];
  const run = spawnSync(process.execPath, args, { cwd: PROJECT_ROOT, encoding: "utf8" });
  const constraints = /non-linear constraints: (\d+)/.exec(run.stdout ?? "");
  if (run.status !== 0 || !constraints) throw new Error(`circom2 failed to compile ${circuit.name}:\n${run.stdout}${run.stderr}`);
  return Number(constraints[1]);
}

/**
 * Compiles the circuit and runs the circuit-specific Groth16 phase 2 on the committed
 * phase-1 powers of tau: one local contribution and a beacon. DEVELOPMENT KEYS.
 * Writes to a temporary folder and renames it into place, so a crash leaves no half keys.
 */
export async function buildCircuitKeys(circuit: CircuitId, log: ProgressLog): Promise<ArtifactManifest> {
  const started = Date.now();
  const snarkjs = await import("snarkjs"); // loaded only when keys are actually built
  const step = async <T>(label: string, run: () => Promise<T> | T): Promise<T> => {
    const t = Date.now();
    log(`${label} ...`);
    const result = await run();
    log(`${label} done (${((Date.now() - t) / 1000).toFixed(1)} s)`);
    return result;
  };
  const tmp = join(KEYS_DIR, `.${circuit.name}.build-${process.pid}`);
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp, { recursive: true });
  const final = artifactFiles(circuit);
  const staged = (file: string) => join(tmp, relative(circuitKeysDir(circuit), file));

  const constraints = await step(`compiling ${circuit.name} with ${compilerVersion()}`, () => compile(circuit, tmp));
  renameSync(join(tmp, `${circuit.name}_js`, `${circuit.name}.wasm`), staged(final.wasm));
  rmSync(join(tmp, `${circuit.name}_js`), { recursive: true });

  const zkey0 = join(tmp, "phase2-0.zkey");
  const zkey1 = join(tmp, "phase2-1.zkey");
  await step(`Groth16 setup (${constraints} constraints)`, () => snarkjs.zKey.newZKey(staged(final.r1cs), ptauPath(), zkey0, quietLogger));
  await step("phase-2 contribution", () => snarkjs.zKey.contribute(zkey0, zkey1, "realdid dev contributor", randomBytes(64).toString("hex"), quietLogger));
  const beacon = createHash("sha256").update(`realdid phase-2 beacon ${circuit.name}`).digest("hex");
  await step("phase-2 beacon", () => snarkjs.zKey.beacon(zkey1, staged(final.zkey), "realdid dev beacon", beacon, 10, quietLogger));
  rmSync(zkey0);
  rmSync(zkey1);
  const verificationKey = await step("exporting verification key", () => snarkjs.zKey.exportVerificationKey(staged(final.zkey), quietLogger));
  writeFileSync(staged(final.verificationKey), JSON.stringify(verificationKey, null, 1) + "\n");

  const fileHash = (file: string) => sha256Hex(readFileSync(staged(file)));
  const manifest: ArtifactManifest = {
    warning: DEVELOPMENT_KEYS_WARNING,
    circuit: circuit.name,
    fingerprint: sourceFingerprint(circuit),
    compiler: compilerVersion(),
    constraints,
    publicSignals: Number(verificationKey.nPublic),
    files: { wasm: fileHash(final.wasm), r1cs: fileHash(final.r1cs), zkey: fileHash(final.zkey), verificationKey: fileHash(final.verificationKey) },
    builtAt: new Date().toISOString(),
    buildSeconds: Math.round((Date.now() - started) / 1000),
  };
  writeFileSync(staged(final.manifest), JSON.stringify(manifest, null, 2) + "\n");
  rmSync(circuitKeysDir(circuit), { recursive: true, force: true });
  renameSync(tmp, circuitKeysDir(circuit));
  log(`keys for ${circuit.name} written to ${relative(PROJECT_ROOT, circuitKeysDir(circuit))} in ${manifest.buildSeconds} s`);
  log(DEVELOPMENT_KEYS_WARNING);
  return manifest;
}

export function readManifest(circuit: CircuitId): ArtifactManifest | undefined {
  const file = artifactFiles(circuit).manifest;
  return existsSync(file) ? (JSON.parse(readFileSync(file, "utf8")) as ArtifactManifest) : undefined;
}

const isCurrent = (circuit: CircuitId) => readManifest(circuit)?.fingerprint === sourceFingerprint(circuit);

/**
 * Builds the keys if they are missing or were built from other sources. Several
 * processes (test workers, CLI calls) may ask at once: one builds, the others wait.
 */
export async function ensureCircuitKeys(circuit: CircuitId, log: ProgressLog): Promise<void> {
  if (isCurrent(circuit)) return;
  mkdirSync(KEYS_DIR, { recursive: true });
  const lock = join(KEYS_DIR, `.${circuit.name}.lock`);
  for (;;) {
    try {
      mkdirSync(lock);
      break;
    } catch {
      const lockedAt = statSync(lock, { throwIfNoEntry: false })?.mtimeMs ?? Date.now();
      if (Date.now() - lockedAt > STALE_LOCK_MS) rmSync(lock, { recursive: true, force: true });
      else await new Promise((resolve) => setTimeout(resolve, 1000));
    }
  }
  try {
    if (!isCurrent(circuit)) {
      log(`keys for ${circuit.name} are missing or out of date: building them (about a minute)`);
      await buildCircuitKeys(circuit, log);
    }
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}
