import { readFileSync } from "node:fs";
import { writeAtomically } from "../files.js";
import { RealDidError } from "../errors.js";
import { ed25519Signer, type LogSigner, newSigningKeyHex } from "./signed-log.js";

/**
 * An Ed25519 signing key in a file of its own, mode 600: the regulator's audit key, the
 * verifier service's receipt key. The secret is in plain text: protect the folder. (The
 * registrar's ledger key is sealed with its other keys: see registrar-keys.ts.)
 */
export function createSigningKeyFile(path: string, format: string): LogSigner {
  const secretKey = newSigningKeyHex();
  const signer = ed25519Signer(secretKey);
  // Linked into place whole: no reader sees a half-written key, and it fails if the file exists.
  writeAtomically(path, JSON.stringify({ format, algorithm: "ed25519", secretKey, publicKey: signer.publicKey }, null, 2) + "\n", { overwrite: false, mode: 0o600 });
  return signer;
}

export function readSigningKeyFile(path: string, format: string): LogSigner {
  let file: { format?: unknown; secretKey?: unknown };
  try {
    file = JSON.parse(readFileSync(path, "utf8"));
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new RealDidError(code === "ENOENT" ? "file_not_found" : "invalid_argument", `signing key file ${path} ${code === "ENOENT" ? "not found" : "cannot be read as JSON"}`);
  }
  if (file?.format !== format || typeof file.secretKey !== "string" || !/^[0-9a-f]{64}$/.test(file.secretKey)) {
    throw new RealDidError("invalid_argument", `${path} is not a ${format} file`);
  }
  return ed25519Signer(file.secretKey);
}

/** Reads the key file, or creates it if there is none yet (several processes may race: one file wins). */
export function openOrCreateSigningKeyFile(path: string, format: string): { signer: LogSigner; created: boolean } {
  try {
    return { signer: createSigningKeyFile(path, format), created: true };
  } catch (error) {
    if (!(error instanceof RealDidError && error.code === "file_exists")) throw error;
    return { signer: readSigningKeyFile(path, format), created: false };
  }
}
