import { linkSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { RealDidError } from "../errors.js";
import { ed25519Signer, type LogSigner, newSigningKeyHex } from "./signed-log.js";

/**
 * An Ed25519 signing key in a file of its own, mode 600: the registrar's ledger key, the
 * regulator's audit key, the verifier service's receipt key. The secret is in plain text:
 * protect the folder (sealing keys at rest is planned work).
 */
export function createSigningKeyFile(path: string, format: string): LogSigner {
  const secretKey = newSigningKeyHex();
  const signer = ed25519Signer(secretKey);
  // Written whole under another name, then linked into place: no reader ever sees a half-written key, and linking fails if the file exists.
  const tmp = `${path}.tmp-${process.pid}-${Date.now()}`;
  writeFileSync(tmp, JSON.stringify({ format, algorithm: "ed25519", secretKey, publicKey: signer.publicKey }, null, 2) + "\n", { mode: 0o600, flag: "wx" });
  try {
    linkSync(tmp, path);
  } finally {
    rmSync(tmp, { force: true });
  }
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
    if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw new RealDidError("io_error", `cannot create signing key file ${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
    return { signer: readSigningKeyFile(path, format), created: false };
  }
}
