import { randomBytes } from "node:crypto";
import { aesGcmDecrypt, aesGcmEncrypt } from "../crypto/aes-gcm.js";
import { RealDidError } from "../errors.js";
import { type SealedData, sealingKey } from "./sealed-data.js";

// Passphrase sealing in Node (node:crypto AES-GCM, synchronous); the format and its key
// derivation are platform-neutral in sealed-data.ts.

/** 2^16 costs ~0.2 s and 64 MiB here: slow for guessing, fine for a person. */
const DEFAULT_COST = { N: 2 ** 16, r: 8, p: 1 };

export function seal(plaintext: Uint8Array, passphrase: string, cost = DEFAULT_COST): SealedData {
  if (passphrase.length === 0) throw new RealDidError("invalid_argument", "the passphrase is empty");
  const kdf = { name: "scrypt" as const, ...cost, salt: randomBytes(16).toString("base64") };
  return { kdf, cipher: "aes-256-gcm", ...aesGcmEncrypt(sealingKey(passphrase, kdf), plaintext) };
}

export function unseal(sealed: SealedData, passphrase: string): Uint8Array {
  if (sealed?.kdf?.name !== "scrypt" || sealed.cipher !== "aes-256-gcm") {
    throw new RealDidError("invalid_identity_file", "unsupported encryption: expected scrypt + aes-256-gcm");
  }
  const plaintext = aesGcmDecrypt(sealingKey(passphrase, sealed.kdf), sealed);
  if (plaintext === undefined) throw new RealDidError("wrong_passphrase", "wrong passphrase, or the encrypted data was altered");
  return plaintext;
}
