import { ed25519 } from "@noble/curves/ed25519.js";
import { z } from "zod";
import { EnterprisePredicatesSchema } from "../business/business-policy.js";
import { parseCreditCode } from "../business/credit-code.js";
import { ROLE_NAMES, type Role, TASK_NAMES, type Task } from "../business/mandate.js";
import { RealDidError } from "../errors.js";
import { canonicalJson } from "../formats/canonical-json.js";
import { Ed25519PublicKey, FieldDecimal, Hex, IsoTime, KeyId, NormalizedString } from "../formats/fields.js";
import { parseDocument } from "../formats/schema.js";
import { ProofDocumentSchema } from "../proof/proof-document.js";
import type { LogSigner } from "../signed-log/signed-log.js";

export const RECEIPT_FORMAT = "realdid-receipt/2";
/** Receipts signed before business logins: read (and their signatures checked) as they are, never written. */
export const RECEIPT_FORMAT_V1 = "realdid-receipt/1";

/**
 * What a business proof established beyond a personal one: the site's terms it answered
 * (the roles accepted, the task, the enterprise's predicates) and the enterprise's credit
 * code when the site asked for it (null: the enterprise stayed hidden).
 */
export const BusinessClaimsSchema = z.strictObject({
  roles: z.array(z.enum(ROLE_NAMES as [Role, ...Role[]])).min(1),
  task: z.enum(TASK_NAMES as [Task, ...Task[]]).nullable(),
  creditCode: NormalizedString((code) => parseCreditCode(code).code).nullable(),
  enterprise: EnterprisePredicatesSchema,
});
export type BusinessClaims = z.infer<typeof BusinessClaimsSchema>;

const ReceiptFields = {
  /** The verifier service's Ed25519 public key. */
  verifierKey: Ed25519PublicKey,
  site: z.string(),
  action: z.string().nullable(),
  scope: z.string(),
  time: IsoTime,
  keyId: KeyId,
  /** The pairwise DID's address: a personal proof's DID address, a business proof's role pseudonym. */
  didAddress: FieldDecimal,
  root: FieldDecimal,
  ledgerSeq: z.number().int().min(0),
  predicates: z.array(z.string()),
  proof: ProofDocumentSchema,
  signature: Hex(64),
};

/**
 * What a site keeps after a login: the verifier service's signed statement that this proof
 * (kept whole, with its public signals: 19 for a personal proof, 31 for a business proof
 * with both escrow ciphertexts) was valid for this site and action at this time, under the
 * root in this ledger entry. It is enough for the regulator to open a case
 * (`realdid regulator open-case --receipt`), without the site's proof file or logs.
 * realdid-receipt/2 adds `business`: the business claims proven (null for a personal login).
 */
export const ReceiptSchema = z.strictObject({ format: z.literal(RECEIPT_FORMAT), ...ReceiptFields, business: BusinessClaimsSchema.nullable() });
const ReceiptV1Schema = z.strictObject({ format: z.literal(RECEIPT_FORMAT_V1), ...ReceiptFields });
const AnyReceiptSchema = z.discriminatedUnion("format", [ReceiptSchema, ReceiptV1Schema]);
/** A receipt as read: the current format, or a realdid-receipt/1 (no business claims). */
export type Receipt = z.infer<typeof AnyReceiptSchema>;
export type UnsignedReceipt = Omit<z.infer<typeof ReceiptSchema>, "format" | "verifierKey" | "signature">;

/** Each format signs its own name with its fields, so a receipt cannot be read as another version. */
const signingMessage = (receipt: Omit<Receipt, "signature">) => new TextEncoder().encode(`${receipt.format}\n${canonicalJson(receipt)}`);

export function signReceipt(content: UnsignedReceipt, signer: LogSigner): z.infer<typeof ReceiptSchema> {
  const unsigned = { format: RECEIPT_FORMAT, verifierKey: signer.publicKey, ...content } as const;
  return { ...unsigned, signature: signer.sign(signingMessage(unsigned)) };
}

/** The business claims a receipt holds; null for a personal login (and for every realdid-receipt/1). */
export const businessClaimsOf = (receipt: Receipt): BusinessClaims | null => (receipt.format === RECEIPT_FORMAT ? receipt.business : null);

/**
 * Parses a receipt (nothing but its fields: a signed document carries no unsigned extras)
 * and checks its signature and that the verifier service that signed it is the one
 * trusted. A forged, edited or self-signed receipt is refused.
 */
export function verifyReceipt(value: unknown, where: string, trustedKey: string): Receipt {
  if (!/^[0-9a-f]{64}$/.test(trustedKey)) throw new RealDidError("invalid_argument", "the trusted verifier key must be an Ed25519 public key: 64 lowercase hex characters");
  const receipt = parseDocument(AnyReceiptSchema, value, where, "receipt_invalid");
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
