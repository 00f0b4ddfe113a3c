/**
 * base64 (RFC 4648 §4, in sealed files) and base64url without padding (§5, for documents
 * carried in URLs). Through btoa/atob, which Node 20 and every browser have, so the core
 * needs no Buffer.
 */
export function bytesToBase64Url(bytes: Uint8Array): string {
  let binary = "";
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

/** The bytes of a base64url string; undefined when it is not one. */
export function base64UrlToBytes(text: string): Uint8Array | undefined {
  if (!/^[A-Za-z0-9_-]*$/.test(text) || text.length % 4 === 1) return undefined;
  const binary = atob(text.replace(/-/g, "+").replace(/_/g, "/") + "=".repeat((4 - (text.length % 4)) % 4));
  return Uint8Array.from(binary, (char) => char.charCodeAt(0));
}

/** The bytes of a standard base64 string, padded or not (as Buffer reads it); undefined when it is not one. */
export function base64ToBytes(text: string): Uint8Array | undefined {
  const unpadded = text.replace(/={1,2}$/, "");
  if (!/^[A-Za-z0-9+/]*$/.test(unpadded) || unpadded.length % 4 === 1) return undefined;
  return Uint8Array.from(atob(unpadded + "=".repeat((4 - (unpadded.length % 4)) % 4)), (char) => char.charCodeAt(0));
}
