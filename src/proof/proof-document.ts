import { z } from "zod";
import { parseDocument } from "../formats/schema.js";
import { Decimal, FieldDecimal, KeyId } from "../formats/fields.js";
import type { RealDidProof } from "./prover.js";
import { PUBLIC_SIGNAL_NAMES } from "./public-signals.js";
import { BUSINESS_SIGNAL_NAMES } from "../business/business-signals.js";

export const PROOF_FORMAT = "realdid-proof/2";

/** snarkjs's Groth16 proof object: projective coordinates as decimal strings. */
const Groth16ProofSchema = z.strictObject({
  pi_a: z.array(Decimal).length(3),
  pi_b: z.array(z.array(Decimal).length(2)).length(3),
  pi_c: z.array(Decimal).length(3),
  protocol: z.literal("groth16"),
  curve: z.literal("bn128"),
});

/**
 * A proof as it travels from citizen to site (a file, or the body the site forwards to the
 * verifier service): the key id of the keys it was made with, the scope it is for, the
 * Groth16 proof and the public signals in circuit order. The same document carries a
 * business proof (RealDidBusiness).
 */
export const ProofDocumentSchema = z.strictObject({
  format: z.literal(PROOF_FORMAT),
  keyId: KeyId,
  scope: z.string().min(1).max(300),
  proof: Groth16ProofSchema,
  /** A personal proof's 19 or a business proof's 31 (the key id says which circuit; its verifier parses them by name). */
  publicSignals: z
    .array(FieldDecimal)
    .refine((signals) => signals.length === PUBLIC_SIGNAL_NAMES.length || signals.length === BUSINESS_SIGNAL_NAMES.length, `must hold ${PUBLIC_SIGNAL_NAMES.length} (a personal proof) or ${BUSINESS_SIGNAL_NAMES.length} (a business proof) public signals`),
});
export type ProofDocument = z.infer<typeof ProofDocumentSchema>;

export const proofDocument = (proof: RealDidProof, scope: string): ProofDocument => ({
  format: PROOF_FORMAT,
  keyId: proof.keyId,
  scope,
  proof: proof.proof as ProofDocument["proof"],
  publicSignals: proof.publicSignals,
});

export const parseProofDocument = (value: unknown, what: string): ProofDocument => parseDocument(ProofDocumentSchema, value, what);
