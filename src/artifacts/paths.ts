import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import type { CircuitId } from "./circuit-id.js";

/** The package's root (the checkout, or node_modules/realdid when installed): the published keys live there. */
export const PROJECT_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
export const KEYS_DIR = join(PROJECT_ROOT, "keys");
export const PTAU_DIR = join(KEYS_DIR, "ptau");
export const CIRCUITS_DIR = join(PROJECT_ROOT, "circuits");
/** 2^15: headroom above the 7.9k-constraint circuit (2^13 domain) for later features. */
export const PTAU_POWER = 15;

export const ptauPath = (power: number = PTAU_POWER) => join(PTAU_DIR, `pot${power}.ptau`);
export const ptauTranscriptPath = (power: number = PTAU_POWER) => join(PTAU_DIR, `pot${power}.transcript.json`);

export const circuitMainPath = (circuit: CircuitId) => join(CIRCUITS_DIR, "main", `${circuit.name}.circom`);
/** Where the package's published key set for a circuit lives. */
export const publishedKeysDir = (circuit: CircuitId) => join(KEYS_DIR, circuit.name);

/** The files of a key set in `dir` (the published one, or another made by a ceremony). */
export const keySetFiles = (dir: string, circuit: CircuitId) => ({
  wasm: join(dir, `${circuit.name}.wasm`),
  r1cs: join(dir, `${circuit.name}.r1cs`),
  zkey: join(dir, `${circuit.name}.zkey`),
  verificationKey: join(dir, "verification_key.json"),
  transcript: join(dir, "transcript.json"),
  manifest: join(dir, "manifest.json"),
});
