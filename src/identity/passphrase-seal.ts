import { randomBytes } from "node:crypto";
import { scrypt } from "@noble/hashes/scrypt.js";
import { z } from "zod";
import { aesGcmDecrypt, aesGcmEncrypt } from "../crypto/aes-gcm.js";
import { RealDidError } from "../errors.js";

/**
 * Passphrase encryption for secrets at rest (identity files, backups, key shares):
 * scrypt derives a 256-bit key, AES-256-GCM seals and authenticates the data.
 */
export interface SealedData {
  kdf: { name: "scrypt"; N: number; r: number; p: number; salt: string };
  cipher: "aes-256-gcm";
  iv: string;
  tag: string;
  ciphertext: string;
}

const Base64 = z.string().regex(/^[A-Za-z0-9+/]*={0,2}$/, "must be base64");

/** scrypt needs 128·N·r bytes: a file may ask for at most 256 MiB (the default is 64 MiB). */
const MAX_SCRYPT_MEMORY = 256 * 2 ** 20;

/** The schema of a sealed field inside a document; scrypt's cost is bounded so a file cannot make us allocate gigabytes or spin for minutes. */
export const SealedDataSchema = z.strictObject({
  kdf: z
    .strictObject({
      name: z.literal("scrypt"),
      N: z.number().int().min(2 ** 14).max(2 ** 20).refine((n) => (n & (n - 1)) === 0, "must be a power of two"),
      r: z.number().int().min(1).max(32),
      p: z.number().int().min(1).max(4),
      salt: Base64,
    })
    .refine((kdf) => 128 * kdf.N * kdf.r <= MAX_SCRYPT_MEMORY, "asks scrypt for more than 256 MiB"),
  cipher: z.literal("aes-256-gcm"),
  iv: Base64,
  tag: Base64,
  ciphertext: Base64,
}) satisfies z.ZodType<SealedData>;

/** 2^16 costs ~0.2 s and 64 MiB here: slow for guessing, fine for a person. */
const DEFAULT_COST = { N: 2 ** 16, r: 8, p: 1 };

const deriveKey = (passphrase: string, kdf: SealedData["kdf"]) =>
  scrypt(passphrase.normalize("NFKC"), Buffer.from(kdf.salt, "base64"), { N: kdf.N, r: kdf.r, p: kdf.p, dkLen: 32 });

export function seal(plaintext: Uint8Array, passphrase: string, cost = DEFAULT_COST): SealedData {
  if (passphrase.length === 0) throw new RealDidError("invalid_argument", "the passphrase is empty");
  const kdf = { name: "scrypt" as const, ...cost, salt: randomBytes(16).toString("base64") };
  return { kdf, cipher: "aes-256-gcm", ...aesGcmEncrypt(deriveKey(passphrase, kdf), plaintext) };
}

export function unseal(sealed: SealedData, passphrase: string): Uint8Array {
  if (sealed?.kdf?.name !== "scrypt" || sealed.cipher !== "aes-256-gcm") {
    throw new RealDidError("invalid_identity_file", "unsupported encryption: expected scrypt + aes-256-gcm");
  }
  const plaintext = aesGcmDecrypt(deriveKey(passphrase, sealed.kdf), sealed);
  if (plaintext === undefined) throw new RealDidError("wrong_passphrase", "wrong passphrase, or the encrypted data was altered");
  return plaintext;
}
