import { sha256Hex } from "../crypto/sha256.js";
import { RealDidError } from "../errors.js";
import { parseDocument } from "../formats/schema.js";
import { type CircuitId, REALDID_CIRCUIT } from "./circuit-id.js";
import { verificationKeyId } from "./key-id.js";
import { type KeySetManifest, KeySetManifestSchema } from "./manifest.js";

/** A circuit's proving and verifying material, read once and kept in memory. */
export interface CircuitArtifacts {
  readonly manifest: KeySetManifest;
  /** The key id every proof, request and result made with these keys carries. */
  readonly keyId: string;
  readonly wasm: Uint8Array;
  readonly zkey: Uint8Array;
  readonly verificationKey: Record<string, unknown>;
}

/** The files of a key set as bytes, however they were read (files in Node, fetch in a browser). */
export interface KeySetBytes {
  readonly manifest: Uint8Array;
  readonly wasm: Uint8Array;
  readonly zkey: Uint8Array;
  readonly verificationKey: Uint8Array;
}

export interface ArtifactsOptions {
  readonly circuit?: CircuitId;
  /** What to call each file in messages (Node passes the paths); default: its name in a key set folder. */
  readonly names?: Readonly<Record<keyof KeySetBytes, string>>;
  /** Where the development-keys warning goes (default: console.warn). */
  readonly warn?: (message: string) => void;
  /** SHA-256 as hex; Node passes OpenSSL's, about 20x faster than @noble/hashes on these megabytes. */
  readonly sha256Hex?: (data: Uint8Array) => string;
}

const keySetFileNames = (circuit: CircuitId) => ({
  manifest: "manifest.json",
  wasm: `${circuit.name}.wasm`,
  zkey: `${circuit.name}.zkey`,
  verificationKey: "verification_key.json",
});

const toConsole = (line: string) => console.warn(`[realdid] ${line}`);

/**
 * A key set from its files' bytes: every file is checked against its manifest, and the key
 * id against the verification key, so keys of different ceremonies are never mixed.
 * Platform-neutral: the browser fetches the bytes, Node's loadArtifacts reads them from files.
 */
export function artifactsFromBytes(bytes: KeySetBytes, { circuit = REALDID_CIRCUIT, names = keySetFileNames(circuit), warn = toConsole, sha256Hex: hash = sha256Hex }: ArtifactsOptions = {}): CircuitArtifacts {
  const text = (data: Uint8Array) => new TextDecoder().decode(data);
  let manifestJson: unknown;
  try {
    manifestJson = JSON.parse(text(bytes.manifest));
  } catch {
    throw new RealDidError("artifacts_mismatch", `the key set manifest ${names.manifest} is not valid JSON`);
  }
  const manifest = parseDocument(KeySetManifestSchema, manifestJson, `key set manifest ${names.manifest}`, "artifacts_mismatch");
  if (manifest.circuit !== circuit.name) throw new RealDidError("artifacts_mismatch", `${names.manifest} is for circuit ${manifest.circuit}, not ${circuit.name}`);
  const checked = (kind: "wasm" | "zkey" | "verificationKey") => {
    if (hash(bytes[kind]) !== manifest.files[kind]) throw new RealDidError("artifacts_mismatch", `${names[kind]} does not match its manifest: the key set was altered`);
    return bytes[kind];
  };
  const verificationKey = JSON.parse(text(checked("verificationKey"))) as Record<string, unknown>;
  const keyId = verificationKeyId(verificationKey);
  if (keyId !== manifest.keyId) throw new RealDidError("artifacts_mismatch", `${names.verificationKey} has key id ${keyId}, its manifest says ${manifest.keyId}`);
  const artifacts = { manifest, keyId, wasm: checked("wasm"), zkey: checked("zkey"), verificationKey };
  if (manifest.warning !== undefined) warn(manifest.warning);
  return artifacts;
}
