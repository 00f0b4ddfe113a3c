import { scrypt } from "@noble/hashes/scrypt.js";
import { z } from "zod";
import { RealDidError } from "../errors.js";
import { base64ToBytes } from "../formats/base64.js";

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

/** The AES-256 key a passphrase gives under a sealed field's scrypt parameters (@noble/hashes: the same in Node and browsers). */
export const sealingKey = (passphrase: string, kdf: SealedData["kdf"]): Uint8Array =>
  scrypt(passphrase.normalize("NFKC"), bytes(kdf.salt, "kdf.salt"), { N: kdf.N, r: kdf.r, p: kdf.p, dkLen: 32 });

/** A base64 field's bytes; a field that is not base64 is named (the schema's pattern lets through a length no decoder reads). */
function bytes(text: string, field: string): Uint8Array<ArrayBuffer> {
  const decoded = base64ToBytes(text);
  if (decoded === undefined) throw new RealDidError("invalid_identity_file", `the sealed data's ${field} is not base64`);
  return decoded as Uint8Array<ArrayBuffer>;
}

/**
 * Opens a sealed field with WebCrypto's AES-GCM (browsers have no node:crypto; the Node
 * adapter passphrase-seal.ts opens the same fields synchronously through OpenSSL).
 */
export async function unsealWithWebCrypto(sealed: SealedData, passphrase: string): Promise<Uint8Array> {
  const key = await crypto.subtle.importKey("raw", sealingKey(passphrase, sealed.kdf) as Uint8Array<ArrayBuffer>, "AES-GCM", false, ["decrypt"]);
  const iv = bytes(sealed.iv, "iv");
  const tag = bytes(sealed.tag, "tag");
  if (iv.length !== 12 || tag.length !== 16) throw new RealDidError("wrong_passphrase", "wrong passphrase, or the encrypted data was altered");
  const ciphertext = new Uint8Array([...bytes(sealed.ciphertext, "ciphertext"), ...tag]);
  try {
    return new Uint8Array(await crypto.subtle.decrypt({ name: "AES-GCM", iv, tagLength: 128 }, key, ciphertext));
  } catch {
    throw new RealDidError("wrong_passphrase", "wrong passphrase, or the encrypted data was altered");
  }
}
