import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto";
import { scrypt } from "@noble/hashes/scrypt.js";
import { RealDidError } from "../errors.js";

/**
 * Passphrase encryption for secrets at rest (identity files, and later key shares):
 * scrypt derives a 256-bit key, AES-256-GCM seals and authenticates the data.
 */
export interface SealedData {
  kdf: { name: "scrypt"; N: number; r: number; p: number; salt: string };
  cipher: "aes-256-gcm";
  iv: string;
  tag: string;
  ciphertext: string;
}

/** 2^16 costs ~0.2 s and 64 MiB here: slow for guessing, fine for a person. */
const DEFAULT_COST = { N: 2 ** 16, r: 8, p: 1 };

const deriveKey = (passphrase: string, kdf: SealedData["kdf"]) =>
  scrypt(passphrase.normalize("NFKC"), Buffer.from(kdf.salt, "base64"), { N: kdf.N, r: kdf.r, p: kdf.p, dkLen: 32 });

export function seal(plaintext: Uint8Array, passphrase: string, cost = DEFAULT_COST): SealedData {
  if (passphrase.length === 0) throw new RealDidError("invalid_argument", "the passphrase is empty");
  const kdf = { name: "scrypt" as const, ...cost, salt: randomBytes(16).toString("base64") };
  const iv = randomBytes(12);
  const cipher = createCipheriv("aes-256-gcm", deriveKey(passphrase, kdf), iv);
  const ciphertext = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return { kdf, cipher: "aes-256-gcm", iv: iv.toString("base64"), tag: cipher.getAuthTag().toString("base64"), ciphertext: ciphertext.toString("base64") };
}

export function unseal(sealed: SealedData, passphrase: string): Uint8Array {
  if (sealed?.kdf?.name !== "scrypt" || sealed.cipher !== "aes-256-gcm") {
    throw new RealDidError("invalid_identity_file", "unsupported encryption: expected scrypt + aes-256-gcm");
  }
  const decipher = createDecipheriv("aes-256-gcm", deriveKey(passphrase, sealed.kdf), Buffer.from(sealed.iv, "base64"));
  decipher.setAuthTag(Buffer.from(sealed.tag, "base64"));
  try {
    return Buffer.concat([decipher.update(Buffer.from(sealed.ciphertext, "base64")), decipher.final()]);
  } catch {
    throw new RealDidError("wrong_passphrase", "wrong passphrase, or the encrypted data was altered");
  }
}
