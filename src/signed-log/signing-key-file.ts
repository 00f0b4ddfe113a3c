import { readFileSync } from "node:fs";
import { z } from "zod";
import { RealDidError } from "../errors.js";
import { writeAtomically } from "../files.js";
import { parseDocument } from "../formats/schema.js";
import { seal, unseal } from "../identity/passphrase-seal.js";
import { SealedDataSchema } from "../identity/sealed-data.js";
import { ed25519Signer, newSigningKeyHex } from "./ed25519-signer.js";
import type { LogSigner } from "./signed-log.js";

/**
 * An Ed25519 signing key in a file of its own, mode 600: the regulator's audit key, the
 * verifier service's receipt key. Sealed with a passphrase (scrypt + AES-256-GCM) unless the
 * owner chose otherwise; a file in the clear is still read, and its owner warned. (The
 * registrar's ledger key is sealed with its other keys: see registrar-keys.ts.)
 */
const hex32 = z.string().regex(/^[0-9a-f]{64}$/);
const keyFileSchema = z.union([
  z.strictObject({ format: z.string(), algorithm: z.literal("ed25519"), publicKey: hex32, sealed: SealedDataSchema }),
  z.strictObject({ format: z.string(), algorithm: z.literal("ed25519"), publicKey: hex32, secretKey: hex32 }),
]);

/** Creates the key file (never over an existing one). Without a passphrase the secret is written in the clear. */
export function createSigningKeyFile(path: string, format: string, passphrase?: string): LogSigner {
  const secretKey = newSigningKeyHex();
  const signer = ed25519Signer(secretKey);
  const secret = passphrase === undefined ? { secretKey } : { sealed: seal(Buffer.from(secretKey, "hex"), passphrase) };
  // Linked into place whole: no reader sees a half-written key, and it fails if the file exists.
  writeAtomically(path, JSON.stringify({ format, algorithm: "ed25519", publicKey: signer.publicKey, ...secret }, null, 2) + "\n", { overwrite: false, mode: 0o600 });
  return signer;
}

/** Reads the key file; a sealed one needs its passphrase (`option` names where it comes from, for the error). */
export function readSigningKeyFile(path: string, format: string, passphrase?: string, option = "--passphrase-env"): LogSigner {
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(path, "utf8"));
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new RealDidError(code === "ENOENT" ? "file_not_found" : "invalid_argument", `signing key file ${path} ${code === "ENOENT" ? "not found" : "cannot be read as JSON"}`);
  }
  const file = parseDocument(keyFileSchema, json, `${format} file ${path}`);
  if (file.format !== format) throw new RealDidError("invalid_argument", `${path} is not a ${format} file`);
  if ("secretKey" in file) return ed25519Signer(file.secretKey);
  if (passphrase === undefined) throw new RealDidError("keys_locked", `the signing key in ${path} is sealed: give its passphrase with ${option}`);
  let secretKey: string;
  try {
    secretKey = Buffer.from(unseal(file.sealed, passphrase)).toString("hex");
  } catch {
    throw new RealDidError("wrong_passphrase", `the passphrase does not open the signing key in ${path}`);
  }
  const signer = ed25519Signer(secretKey);
  if (signer.publicKey !== file.publicKey) throw new RealDidError("invalid_argument", `${path}: the sealed key is not the one the file names`);
  return signer;
}

/** Reads the key file, or creates it if there is none yet (several processes may race: one file wins). */
export function openOrCreateSigningKeyFile(path: string, format: string, passphrase?: string, option?: string): { signer: LogSigner; created: boolean } {
  try {
    return { signer: createSigningKeyFile(path, format, passphrase), created: true };
  } catch (error) {
    if (!(error instanceof RealDidError && error.code === "file_exists")) throw error;
    return { signer: readSigningKeyFile(path, format, passphrase, option), created: false };
  }
}
