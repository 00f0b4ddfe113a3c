import { createHash } from "node:crypto";

/**
 * SHA-256 as hex in Node's OpenSSL, for key and ceremony files of many megabytes: 7 ms for
 * 10 MB against 145 ms for @noble/hashes (measured here). The same digests as the
 * platform-neutral sha256Hex in sha256.ts, which the browser uses.
 */
export const nodeSha256Hex = (data: Uint8Array | string): string => createHash("sha256").update(data).digest("hex");
