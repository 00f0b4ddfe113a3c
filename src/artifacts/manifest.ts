import { createHash } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { CIRCUITS_DIR, type CircuitId, PROJECT_ROOT, ptauTranscriptPath } from "./paths.js";

export const DEVELOPMENT_KEYS_WARNING =
  "DEVELOPMENT KEYS: made by a one-machine local ceremony; anyone who kept its randomness can forge proofs. Not for production.";

/** Ties the wasm, r1cs, zkey and verification key to the sources they were built from. */
export interface ArtifactManifest {
  warning: string;
  circuit: string;
  /** sha256 over circuit sources, compiler, circomlib and the phase-1 transcript. */
  fingerprint: string;
  compiler: string;
  constraints: number;
  publicSignals: number;
  files: Record<"wasm" | "r1cs" | "zkey" | "verificationKey", string>;
  builtAt: string;
  buildSeconds: number;
}

export const sha256Hex = (data: Uint8Array | string): string => createHash("sha256").update(data).digest("hex");

const packageVersion = (name: string): string =>
  JSON.parse(readFileSync(join(PROJECT_ROOT, "node_modules", name, "package.json"), "utf8")).version;

export const compilerVersion = (): string => `circom2 ${packageVersion("circom2")}`;

function circomFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true })
    .flatMap((entry) => (entry.isDirectory() ? circomFiles(join(dir, entry.name)) : entry.name.endsWith(".circom") ? [join(dir, entry.name)] : []))
    .sort();
}

/** Changes whenever anything that shapes the keys changes; keys are rebuilt when it does. */
export function sourceFingerprint(circuit: CircuitId): string {
  const hash = createHash("sha256");
  hash.update(`circuit ${circuit.name}\n${compilerVersion()}\ncircomlib ${packageVersion("circomlib")}\n`);
  for (const file of circomFiles(CIRCUITS_DIR)) hash.update(`${relative(PROJECT_ROOT, file)}\n`).update(readFileSync(file));
  hash.update(readFileSync(ptauTranscriptPath()));
  return hash.digest("hex");
}
