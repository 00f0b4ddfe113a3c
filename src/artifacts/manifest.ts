import { createHash } from "node:crypto";
import { z } from "zod";
import { KEY_ID_PATTERN } from "./key-id.js";

export const DEVELOPMENT_KEYS_WARNING =
  "DEVELOPMENT KEYS: made by a one-machine ceremony whose contributors' randomness was not destroyed under any witness; anyone who kept it can forge proofs. Not for production.";

export const KEY_SET_FORMAT = "realdid-keys/1";

const sha256 = z.string().regex(/^[0-9a-f]{64}$/, "must be a SHA-256 hash (64 hex characters)");

/**
 * manifest.json of a key set: which circuit, its key id, the SHA-256 of every file (so a
 * wasm, zkey and verification key of different ceremonies are never mixed), and who
 * contributed to the phase-2 ceremony that made it (the whole record is transcript.json).
 */
export const KeySetManifestSchema = z.object({
  format: z.literal(KEY_SET_FORMAT),
  /** Present only on development keys; printed wherever they are used. */
  warning: z.string().optional(),
  circuit: z.string(),
  keyId: z.string().regex(KEY_ID_PATTERN, "must be 32 hex characters"),
  constraints: z.number().int().positive(),
  publicSignals: z.number().int().positive(),
  /** SHA-256 over the circuit sources, compiler, circomlib and the phase-1 transcript. */
  sourceFingerprint: sha256,
  compiler: z.string(),
  contributors: z.array(z.string()),
  files: z.object({ wasm: sha256, r1cs: sha256, zkey: sha256, verificationKey: sha256, transcript: sha256 }),
  finalizedAt: z.string(),
});
export type KeySetManifest = z.infer<typeof KeySetManifestSchema>;

export const sha256Hex = (data: Uint8Array | string): string => createHash("sha256").update(data).digest("hex");
