import { bytesToHex, hexToBytes } from "@noble/hashes/utils.js";
import { base58 } from "@scure/base";
import { RealDidError } from "../errors.js";

/**
 * An Ed25519 public key in the Multikey encoding (W3C Controlled Identifiers, as did:key
 * writes it): `z` + base58btc(0xed 0x01 || key). realdid writes keys as 64 lowercase hex
 * digits elsewhere; this is a lossless other spelling of the same 32 bytes.
 */
const ED25519_PUB_HEADER = [0xed, 0x01] as const;
const HEX_KEY = /^[0-9a-f]{64}$/;

export function ed25519Multibase(publicKeyHex: string): string {
  if (!HEX_KEY.test(publicKeyHex)) throw new RealDidError("invalid_argument", `an Ed25519 public key must be 64 lowercase hex digits, received ${JSON.stringify(publicKeyHex.slice(0, 80))}`);
  return `z${base58.encode(Uint8Array.of(...ED25519_PUB_HEADER, ...hexToBytes(publicKeyHex)))}`;
}

/** The key (hex) a Multikey value names, or undefined when it is not an Ed25519 Multikey. */
export function ed25519KeyOfMultibase(multibase: string): string | undefined {
  if (!multibase.startsWith("z")) return undefined;
  let bytes: Uint8Array;
  try {
    bytes = base58.decode(multibase.slice(1));
  } catch {
    return undefined;
  }
  if (bytes.length !== 34 || bytes[0] !== ED25519_PUB_HEADER[0] || bytes[1] !== ED25519_PUB_HEADER[1]) return undefined;
  return bytesToHex(bytes.subarray(2));
}
