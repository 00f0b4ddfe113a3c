import { sha256Hex } from "../crypto/sha256.js";
import { RealDidError } from "../errors.js";

/** Hex characters of a key id: 128 bits of SHA-256, enough to tell key sets apart. */
const KEY_ID_LENGTH = 32;

/**
 * The key id: a short name for a circuit's key set, carried by every proof, request and
 * verification result so that a proof made with other keys is named as such instead of
 * failing as a bare invalid proof. It hashes the verification key's defining fields in a
 * fixed order (vk_alphabeta_12 is derived from them, so it is left out).
 */
export function verificationKeyId(verificationKey: Record<string, unknown>): string {
  const fields = ["protocol", "curve", "nPublic", "vk_alpha_1", "vk_beta_2", "vk_gamma_2", "vk_delta_2", "IC"] as const;
  const canonical = JSON.stringify(fields.map((name) => [name, verificationKey[name]]));
  return sha256Hex(`realdid/verification-key/1\n${canonical}`).slice(0, KEY_ID_LENGTH);
}

export const KEY_ID_PATTERN = new RegExp(`^[0-9a-f]{${KEY_ID_LENGTH}}$`);

/** Why material made with another key set is refused, naming both ids. */
export const keyMismatchMessage = (theirs: string, ours: string, what: string): string =>
  `${what} was made for circuit keys ${theirs}, but these keys are ${ours}: both parties must use the same published key set`;

/** Refuses material made with another key set, naming both ids. */
export function assertSameKeys(theirs: string, ours: string, what: string): void {
  if (theirs !== ours) throw new RealDidError("key_mismatch", keyMismatchMessage(theirs, ours, what));
}
