import { readFileSync } from "node:fs";
import { RealDidError } from "../errors.js";
import { parseDocument } from "../formats/schema.js";
import { verificationKeyId } from "./key-id.js";
import { type KeySetManifest, KeySetManifestSchema, sha256Hex } from "./manifest.js";
import { type CircuitId, keySetFiles, publishedKeysDir, REALDID_CIRCUIT } from "./paths.js";

/** A circuit's proving and verifying material, read once and kept in memory. */
export interface CircuitArtifacts {
  readonly manifest: KeySetManifest;
  /** The key id every proof, request and result made with these keys carries. */
  readonly keyId: string;
  readonly wasm: Uint8Array;
  readonly zkey: Uint8Array;
  readonly verificationKey: Record<string, unknown>;
}

export interface LoadOptions {
  readonly circuit?: CircuitId;
  /** A key set folder made by `realdid ceremony finalize`; default: the keys published with this package. */
  readonly dir?: string;
  /** Where the development-keys warning goes (default: stderr). */
  readonly warn?: (message: string) => void;
}

const toStderr = (line: string) => process.stderr.write(`[realdid] ${line}\n`);

function readKeyFile(path: string, what: string): Buffer {
  try {
    return readFileSync(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new RealDidError("artifacts_missing", `the ${what} ${path} cannot be read (${code}): a key set comes from a ceremony (realdid ceremony finalize), it is never built on the fly`);
  }
}

/**
 * Loads a published key set and checks every file against its manifest, and the key id
 * against the verification key, so keys of different ceremonies are never mixed.
 * Nothing is built or downloaded here.
 */
export function loadArtifacts({ circuit = REALDID_CIRCUIT, dir = publishedKeysDir(circuit), warn = toStderr }: LoadOptions = {}): CircuitArtifacts {
  const files = keySetFiles(dir, circuit);
  let manifestJson: unknown;
  try {
    manifestJson = JSON.parse(readKeyFile(files.manifest, "key set manifest").toString("utf8"));
  } catch (error) {
    if (error instanceof RealDidError) throw error;
    throw new RealDidError("artifacts_mismatch", `the key set manifest ${files.manifest} is not valid JSON`);
  }
  const manifest = parseDocument(KeySetManifestSchema, manifestJson, `key set manifest ${files.manifest}`, "artifacts_mismatch");
  if (manifest.circuit !== circuit.name) throw new RealDidError("artifacts_mismatch", `${files.manifest} is for circuit ${manifest.circuit}, not ${circuit.name}`);
  const checked = (kind: "wasm" | "zkey" | "verificationKey") => {
    const data = readKeyFile(files[kind], "key file");
    if (sha256Hex(data) !== manifest.files[kind]) throw new RealDidError("artifacts_mismatch", `${files[kind]} does not match its manifest: the key set was altered`);
    return data;
  };
  const verificationKey = JSON.parse(checked("verificationKey").toString("utf8")) as Record<string, unknown>;
  const keyId = verificationKeyId(verificationKey);
  if (keyId !== manifest.keyId) throw new RealDidError("artifacts_mismatch", `${files.verificationKey} has key id ${keyId}, its manifest says ${manifest.keyId}`);
  const artifacts = { manifest, keyId, wasm: checked("wasm"), zkey: checked("zkey"), verificationKey };
  if (manifest.warning !== undefined) warn(manifest.warning);
  return artifacts;
}
