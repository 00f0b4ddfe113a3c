import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto";

/**
 * AES-256-GCM with a random 96-bit nonce, laid out as nonce ‖ tag ‖ ciphertext. Through
 * Node's OpenSSL: the registrar seals every record it stores (9 µs a record here, with
 * OpenSSL's AES-NI), and @noble/hashes has no cipher. `aad` binds a ciphertext to its place (a
 * record to its leaf index, a data key to its master key), so blobs cannot be swapped.
 */
const NONCE_BYTES = 12;
const TAG_BYTES = 16;

export function aeadSeal(key: Uint8Array, plaintext: Uint8Array, aad: string): Buffer {
  const nonce = randomBytes(NONCE_BYTES);
  const cipher = createCipheriv("aes-256-gcm", key, nonce);
  cipher.setAAD(Buffer.from(aad, "utf8"));
  const ciphertext = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return Buffer.concat([nonce, cipher.getAuthTag(), ciphertext]);
}

/** The plaintext, or undefined when the key is wrong or the data (or its `aad`) was altered. */
export function aeadOpen(key: Uint8Array, sealed: Uint8Array, aad: string): Buffer | undefined {
  if (sealed.length < NONCE_BYTES + TAG_BYTES) return undefined;
  const decipher = createDecipheriv("aes-256-gcm", key, sealed.subarray(0, NONCE_BYTES));
  decipher.setAAD(Buffer.from(aad, "utf8"));
  decipher.setAuthTag(sealed.subarray(NONCE_BYTES, NONCE_BYTES + TAG_BYTES));
  try {
    return Buffer.concat([decipher.update(sealed.subarray(NONCE_BYTES + TAG_BYTES)), decipher.final()]);
  } catch {
    return undefined;
  }
}
