import { z } from "zod";
import { KeyId, Sha256Hex } from "../formats/fields.js";

export const DEVELOPMENT_KEYS_WARNING =
  "DEVELOPMENT KEYS: made by a one-machine ceremony whose contributors' randomness was not destroyed under any witness; anyone who kept it can forge proofs. Not for production.";

export const KEY_SET_FORMAT = "realdid-keys/1";

/**
 * manifest.json of a key set: which circuit, its key id, the SHA-256 of every file (so a
 * wasm, zkey and verification key of different ceremonies are never mixed), and who
 * contributed to the phase-2 ceremony that made it (the whole record is transcript.json).
 */
export const KeySetManifestSchema = z.strictObject({
  format: z.literal(KEY_SET_FORMAT),
  /** Present only on development keys; printed wherever they are used. */
  warning: z.string().optional(),
  circuit: z.string(),
  keyId: KeyId,
  constraints: z.number().int().positive(),
  publicSignals: z.number().int().positive(),
  /** SHA-256 over the circuit sources, compiler, circomlib and the phase-1 transcript. */
  sourceFingerprint: Sha256Hex,
  compiler: z.string(),
  contributors: z.array(z.string()),
  files: z.strictObject({ wasm: Sha256Hex, r1cs: Sha256Hex, zkey: Sha256Hex, verificationKey: Sha256Hex, transcript: Sha256Hex }),
  finalizedAt: z.string(),
});
export type KeySetManifest = z.infer<typeof KeySetManifestSchema>;
