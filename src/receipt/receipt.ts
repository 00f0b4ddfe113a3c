import { ed25519 } from "@noble/curves/ed25519.js";
import { z } from "zod";
import { RealDidError } from "../errors.js";
import { canonicalJson } from "../formats/canonical-json.js";
import { Ed25519PublicKey, FieldDecimal, Hex, IsoTime, KeyId } from "../formats/fields.js";
import { parseDocument } from "../formats/schema.js";
import { ProofDocumentSchema } from "../proof/proof-document.js";
import type { LogSigner } from "../signed-log/signed-log.js";

export const RECEIPT_FORMAT = "realdid-receipt/1";

/**
 * What a site keeps after a login: the verifier service's signed statement that this proof
 * (kept whole, with its public signals) was valid for this site and action at this time,
 * under the root in this ledger entry. It is enough for the regulator to open a case
 * (`realdid regulator open-case --receipt`), without the site's proof file or logs.
 */
export const ReceiptSchema = z.strictObject({
  format: z.literal(RECEIPT_FORMAT),
  /** The verifier service's Ed25519 public key. */
  verifierKey: Ed25519PublicKey,
  site: z.string(),
  action: z.string().nullable(),
  scope: z.string(),
  time: IsoTime,
  keyId: KeyId,
  didAddress: FieldDecimal,
  root: FieldDecimal,
  ledgerSeq: z.number().int().min(0),
  predicates: z.array(z.string()),
  proof: ProofDocumentSchema,
  signature: Hex(64),
});
export type Receipt = z.infer<typeof ReceiptSchema>;
export type UnsignedReceipt = Omit<Receipt, "format" | "verifierKey" | "signature">;

const signingMessage = (receipt: Omit<Receipt, "signature">) => new TextEncoder().encode(`${RECEIPT_FORMAT}\n${canonicalJson(receipt)}`);

export function signReceipt(content: UnsignedReceipt, signer: LogSigner): Receipt {
  const unsigned = { format: RECEIPT_FORMAT, verifierKey: signer.publicKey, ...content } as const;
  return { ...unsigned, signature: signer.sign(signingMessage(unsigned)) };
}

/**
 * Parses a receipt (nothing but its fields: a signed document carries no unsigned extras)
 * and checks its signature and that the verifier service that signed it is the one
 * trusted. A forged, edited or self-signed receipt is refused.
 */
export function verifyReceipt(value: unknown, where: string, trustedKey: string): Receipt {
  if (!/^[0-9a-f]{64}$/.test(trustedKey)) throw new RealDidError("invalid_argument", "the trusted verifier key must be an Ed25519 public key: 64 lowercase hex characters");
  const receipt = parseDocument(ReceiptSchema, value, where, "receipt_invalid");
  const { signature, ...unsigned } = receipt;
  let valid = false;
  try {
    valid = ed25519.verify(Buffer.from(signature, "hex"), signingMessage(unsigned), Buffer.from(receipt.verifierKey, "hex"));
  } catch {
    valid = false;
  }
  if (!valid) throw new RealDidError("receipt_invalid", `${where}: the signature is not the verifier service's (the receipt was forged or edited)`);
  if (receipt.verifierKey !== trustedKey) throw new RealDidError("receipt_invalid", `${where} is signed by verifier key ${receipt.verifierKey}, not the trusted ${trustedKey}`);
  if (receipt.proof.keyId !== receipt.keyId || receipt.proof.scope !== receipt.scope) throw new RealDidError("receipt_invalid", `${where}: its proof's key id or scope differs from the receipt's`);
  return receipt;
}
