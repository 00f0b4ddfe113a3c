import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

/** The checkout's root: artifacts live beside the sources, not in the caller's cwd. */
export const PROJECT_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
export const KEYS_DIR = join(PROJECT_ROOT, "keys");
export const PTAU_DIR = join(KEYS_DIR, "ptau");
export const CIRCUITS_DIR = join(PROJECT_ROOT, "circuits");
/** 2^15 leaves headroom above the 13.7k-constraint circuit for later features. */
export const PTAU_POWER = 15;

export const ptauPath = (power: number = PTAU_POWER) => join(PTAU_DIR, `pot${power}.ptau`);
export const ptauTranscriptPath = (power: number = PTAU_POWER) => join(PTAU_DIR, `pot${power}.transcript.json`);

/** A main circuit: circuits/main/<name>.circom, keys in keys/<name>/. */
export interface CircuitId {
  readonly name: string;
}
export const REALDID_CIRCUIT: CircuitId = { name: "realdid-32-4" };

export const circuitMainPath = (circuit: CircuitId) => join(CIRCUITS_DIR, "main", `${circuit.name}.circom`);
export const circuitKeysDir = (circuit: CircuitId) => join(KEYS_DIR, circuit.name);
export const artifactFiles = (circuit: CircuitId) => {
  const dir = circuitKeysDir(circuit);
  return {
    wasm: join(dir, `${circuit.name}.wasm`),
    r1cs: join(dir, `${circuit.name}.r1cs`),
    zkey: join(dir, `${circuit.name}.zkey`),
    verificationKey: join(dir, "verification_key.json"),
    manifest: join(dir, "manifest.json"),
  };
};
