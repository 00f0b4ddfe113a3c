import { z } from "zod";
import { RealDidError } from "../errors.js";
import { base64UrlToBytes, bytesToBase64Url } from "../formats/base64.js";
import { FieldDecimal } from "../formats/fields.js";
import { parseDocument } from "../formats/schema.js";
import { Identity } from "../identity/identity.js";

/**
 * How the wallet keeps an identity in the browser (IndexedDB): the secret sealed under the
 * person's passphrase with WebCrypto -- PBKDF2-SHA-256 derives an AES-256-GCM key (not
 * extractable), the commitment is in the clear and bound to the ciphertext as associated
 * data, so a record cannot be spliced with another's. WebCrypto, not a JavaScript KDF:
 * PBKDF2 at 600,000 iterations (OWASP's figure for SHA-256) runs natively in every browser
 * and in Node 20 (globalThis.crypto), so this module is tested in both.
 */
export const VAULT_FORMAT = "realdid-wallet-identity/1";
const DEFAULT_ITERATIONS = 600_000;

const Base64Url = z.string().regex(/^[A-Za-z0-9_-]+$/, "must be base64url");

export const SealedIdentitySchema = z.strictObject({
  format: z.literal(VAULT_FORMAT),
  commitment: FieldDecimal,
  kdf: z.strictObject({ name: z.literal("PBKDF2"), hash: z.literal("SHA-256"), iterations: z.number().int().min(100_000).max(10_000_000), salt: Base64Url }),
  cipher: z.literal("AES-GCM-256"),
  iv: Base64Url,
  ciphertext: Base64Url,
});
export type SealedIdentity = z.infer<typeof SealedIdentitySchema>;

const encoder = new TextEncoder();
function bytesOf(text: string): Uint8Array<ArrayBuffer> {
  const bytes = base64UrlToBytes(text);
  if (bytes === undefined) throw new RealDidError("invalid_identity_file", "the identity stored in this browser is damaged (a field is not base64url)");
  return bytes as Uint8Array<ArrayBuffer>;
}

async function deriveKey(passphrase: string, salt: Uint8Array<ArrayBuffer>, iterations: number): Promise<CryptoKey> {
  const material = await crypto.subtle.importKey("raw", encoder.encode(passphrase.normalize("NFKC")), "PBKDF2", false, ["deriveKey"]);
  return crypto.subtle.deriveKey({ name: "PBKDF2", hash: "SHA-256", salt, iterations }, material, { name: "AES-GCM", length: 256 }, false, ["encrypt", "decrypt"]);
}

const associatedData = (commitment: string) => encoder.encode(`${VAULT_FORMAT}\0${commitment}`);

/** Seals an identity's secret under a passphrase (at least 8 characters: it guards the person's one identity). */
export async function sealIdentity(identity: Identity, passphrase: string, iterations = DEFAULT_ITERATIONS): Promise<SealedIdentity> {
  if (passphrase.length < 8) throw new RealDidError("invalid_argument", "the passphrase must have at least 8 characters");
  const salt = crypto.getRandomValues(new Uint8Array(16));
  const iv = crypto.getRandomValues(new Uint8Array(12));
  const commitment = identity.commitment.toString();
  const key = await deriveKey(passphrase, salt, iterations);
  const ciphertext = await crypto.subtle.encrypt({ name: "AES-GCM", iv, additionalData: associatedData(commitment) }, key, encoder.encode(identity.secret.toString()));
  return {
    format: VAULT_FORMAT,
    commitment,
    kdf: { name: "PBKDF2", hash: "SHA-256", iterations, salt: bytesToBase64Url(salt) },
    cipher: "AES-GCM-256",
    iv: bytesToBase64Url(iv),
    ciphertext: bytesToBase64Url(new Uint8Array(ciphertext)),
  };
}

/** Checks a stored record's form; a damaged one is named as such (invalid_identity_file), never opened. */
export const parseSealedIdentity = (value: unknown): SealedIdentity => parseDocument(SealedIdentitySchema, value, "the identity stored in this browser", "invalid_identity_file");

/** An opened vault: the identity, and the key that seals the wallet's other data for it. */
export interface UnlockedIdentity {
  readonly identity: Identity;
  readonly key: CryptoKey;
}

/** Opens the stored identity; wrong_passphrase when the passphrase is wrong or the record was altered. */
export async function unlockIdentity(value: unknown, passphrase: string): Promise<UnlockedIdentity> {
  const sealed = parseSealedIdentity(value);
  const key = await deriveKey(passphrase, bytesOf(sealed.kdf.salt), sealed.kdf.iterations);
  let plaintext: ArrayBuffer;
  try {
    plaintext = await crypto.subtle.decrypt({ name: "AES-GCM", iv: bytesOf(sealed.iv), additionalData: associatedData(sealed.commitment) }, key, bytesOf(sealed.ciphertext));
  } catch {
    throw new RealDidError("wrong_passphrase", "wrong passphrase (or the stored identity was altered)");
  }
  const identity = Identity.fromSecret(BigInt(new TextDecoder().decode(plaintext)));
  if (identity.commitment.toString() !== sealed.commitment) throw new RealDidError("invalid_identity_file", "the identity stored in this browser does not match its commitment");
  return { identity, key };
}

/**
 * The wallet's other records (the sites a person signed in to, each with the DID it sees,
 * would link their DIDs) are sealed under the identity's key too, with their own associated
 * data so a record cannot pass for the identity or for another identity's.
 */
const DATA_FORMAT = "realdid-wallet-data/1";
const SealedDataBoxSchema = z.strictObject({ format: z.literal(DATA_FORMAT), iv: Base64Url, ciphertext: Base64Url });
const dataAssociatedData = (identity: Identity, name: string) => encoder.encode(`${DATA_FORMAT}\0${identity.commitment}\0${name}`);

export async function sealRecord({ identity, key }: UnlockedIdentity, name: string, value: unknown): Promise<z.infer<typeof SealedDataBoxSchema>> {
  const iv = crypto.getRandomValues(new Uint8Array(12));
  const ciphertext = await crypto.subtle.encrypt({ name: "AES-GCM", iv, additionalData: dataAssociatedData(identity, name) }, key, encoder.encode(JSON.stringify(value)));
  return { format: DATA_FORMAT, iv: bytesToBase64Url(iv), ciphertext: bytesToBase64Url(new Uint8Array(ciphertext)) };
}

export async function openRecord({ identity, key }: UnlockedIdentity, name: string, value: unknown): Promise<unknown> {
  const box = parseDocument(SealedDataBoxSchema, value, `the wallet's ${name}`, "invalid_identity_file");
  try {
    const plaintext = await crypto.subtle.decrypt({ name: "AES-GCM", iv: bytesOf(box.iv), additionalData: dataAssociatedData(identity, name) }, key, bytesOf(box.ciphertext));
    return JSON.parse(new TextDecoder().decode(plaintext));
  } catch {
    throw new RealDidError("invalid_identity_file", `the wallet's ${name} in this browser were altered or belong to another identity; they were left as they are`);
  }
}
