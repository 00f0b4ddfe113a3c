import { sha256 } from "@noble/hashes/sha2.js";
import { bytesToHex, utf8ToBytes } from "@noble/hashes/utils.js";

/** SHA-256 as hex (a string counts as its UTF-8 bytes); platform-neutral. Node hashes megabyte files with node-sha256.ts. */
export const sha256Hex = (data: Uint8Array | string): string => bytesToHex(sha256(typeof data === "string" ? utf8ToBytes(data) : data));
