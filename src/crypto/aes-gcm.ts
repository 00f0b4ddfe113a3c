import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto";

/**
 * AES-256-GCM with a fresh 96-bit IV per message: confidentiality and an authentication
 * tag that also covers `aad` (context the ciphertext must not be moved out of).
 * Byte fields travel as base64, as every sealed document writes them.
 */
export interface AesGcmBox {
  iv: string;
  tag: string;
  ciphertext: string;
}

export function aesGcmEncrypt(key: Uint8Array, plaintext: Uint8Array, aad?: Uint8Array): AesGcmBox {
  const iv = randomBytes(12);
  const cipher = createCipheriv("aes-256-gcm", key, iv);
  if (aad !== undefined) cipher.setAAD(aad);
  const ciphertext = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return { iv: iv.toString("base64"), tag: cipher.getAuthTag().toString("base64"), ciphertext: ciphertext.toString("base64") };
}

/** The plaintext, or undefined when the key is wrong or anything covered by the tag was altered. */
export function aesGcmDecrypt(key: Uint8Array, box: AesGcmBox, aad?: Uint8Array): Uint8Array | undefined {
  try {
    const decipher = createDecipheriv("aes-256-gcm", key, Buffer.from(box.iv, "base64"));
    if (aad !== undefined) decipher.setAAD(aad);
    decipher.setAuthTag(Buffer.from(box.tag, "base64"));
    return Buffer.concat([decipher.update(Buffer.from(box.ciphertext, "base64")), decipher.final()]);
  } catch {
    return undefined;
  }
}
