import { readFileSync } from "node:fs";
import { RealDidError } from "../errors.js";
import { ensureCircuitKeys, type ProgressLog, readManifest } from "./build.js";
import { type ArtifactManifest, sha256Hex } from "./manifest.js";
import { artifactFiles, type CircuitId, REALDID_CIRCUIT } from "./paths.js";

/** A circuit's proving and verifying material, read once and kept in memory. */
export interface CircuitArtifacts {
  readonly manifest: ArtifactManifest;
  readonly wasm: Uint8Array;
  readonly zkey: Uint8Array;
  readonly verificationKey: Record<string, unknown>;
}

export interface LoadOptions {
  readonly circuit?: CircuitId;
  /** Progress lines of a key build (default: stderr). */
  readonly log?: ProgressLog;
  /** Where the development-keys warning goes (default: stderr). */
  readonly warn?: (message: string) => void;
}

const toStderr = (line: string) => process.stderr.write(`[realdid] ${line}\n`);

/**
 * Loads the keys, building them first if missing or stale, and checks every file
 * against the manifest so a wasm, zkey and verification key of different builds are
 * never mixed.
 */
export async function loadArtifacts({ circuit = REALDID_CIRCUIT, log = toStderr, warn = toStderr }: LoadOptions = {}): Promise<CircuitArtifacts> {
  await ensureCircuitKeys(circuit, log);
  const manifest = readManifest(circuit)!;
  const files = artifactFiles(circuit);
  const checked = (kind: keyof ArtifactManifest["files"]) => {
    const data = readFileSync(files[kind]);
    if (sha256Hex(data) !== manifest.files[kind]) {
      throw new RealDidError("artifacts_mismatch", `${files[kind]} does not match its manifest: rebuild the keys (npm run build:keys)`);
    }
    return data;
  };
  const artifacts = {
    manifest,
    wasm: checked("wasm"),
    zkey: checked("zkey"),
    verificationKey: JSON.parse(checked("verificationKey").toString("utf8")),
  };
  warn(manifest.warning);
  return artifacts;
}
