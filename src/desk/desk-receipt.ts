import { z } from "zod";
import { canonicalJson } from "../formats/canonical-json.js";
import { IsoTime, KeyId } from "../formats/fields.js";
import { parseDocument } from "../formats/schema.js";
import { sha256Hex } from "../crypto/sha256.js";
import { RealDidError } from "../errors.js";
import { type ProofDocument, ProofDocumentSchema } from "../proof/proof-document.js";
import { DeskPredicates, DeskScope } from "./desk-config.js";

/**
 * What a desk keeps of a person it verified, for the regulator: the desk, when, which code
 * (challenge) on which day, the ledger entry the root was checked against, the predicates
 * that held, the pairwise DID and the full proof (realdid-proof/2, whose public signals carry
 * the escrowed real-name handle, so the regulator can open a case from it). Its id is the
 * SHA-256 of the proof document: the same presentation stored twice is one receipt.
 */
export const DESK_RECEIPT_FORMAT = "realdid-desk-receipt/1";

export const DeskReceiptSchema = z.strictObject({
  format: z.literal(DESK_RECEIPT_FORMAT),
  id: z.string().regex(/^[0-9a-f]{64}$/, "must be the SHA-256 of the proof document (64 lowercase hex characters)"),
  desk: z.strictObject({ name: z.string().min(1).max(80), scope: DeskScope }),
  time: IsoTime,
  code: z.string().regex(/^[0-9A-HJKMNP-TV-Z]{8}$/, "must be a desk code (8 characters of Crockford base32)"),
  day: z.iso.date(),
  keyId: KeyId,
  ledgerSeq: z.number().int().min(0),
  root: z.string().regex(/^(0|[1-9][0-9]{0,76})$/, "must be a decimal string"),
  predicates: DeskPredicates,
  did: z.string().regex(/^did:realdid:pairwise:[0-9a-f]{64}$/, "must be a pairwise did:realdid"),
  proof: ProofDocumentSchema,
});
export type DeskReceipt = z.output<typeof DeskReceiptSchema>;

export const receiptId = (proof: ProofDocument): string => sha256Hex(canonicalJson(proof));

/** A receipt as received: its schema, and its id is its proof's (a receipt cannot be renamed over another). */
export function parseDeskReceipt(value: unknown): DeskReceipt {
  const receipt = parseDocument(DeskReceiptSchema, value, "the desk receipt");
  if (receipt.id !== receiptId(receipt.proof)) throw new RealDidError("invalid_argument", "the desk receipt: field 'id' is not the SHA-256 of its proof document");
  return receipt;
}
