import { readFileSync } from "node:fs";
import { RealDidError } from "../errors.js";
import { nodeSha256Hex } from "../crypto/node-sha256.js";
import { artifactsFromBytes, type CircuitArtifacts } from "./artifacts.js";
import { type CircuitId, REALDID_CIRCUIT } from "./circuit-id.js";
import { keySetFiles, publishedKeysDir } from "./paths.js";

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
 * Loads a published key set from its folder: the Node file adapter of artifactsFromBytes,
 * which checks every file against the manifest and the key id against the verification key.
 * Nothing is built or downloaded here.
 */
export function loadArtifacts({ circuit = REALDID_CIRCUIT, dir = publishedKeysDir(circuit), warn = toStderr }: LoadOptions = {}): CircuitArtifacts {
  const files = keySetFiles(dir, circuit);
  const bytes = {
    manifest: readKeyFile(files.manifest, "key set manifest"),
    wasm: readKeyFile(files.wasm, "key file"),
    zkey: readKeyFile(files.zkey, "key file"),
    verificationKey: readKeyFile(files.verificationKey, "key file"),
  };
  return artifactsFromBytes(bytes, { circuit, names: files, warn, sha256Hex: nodeSha256Hex });
}
