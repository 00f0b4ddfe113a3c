import { z } from "zod";
import { toFieldElement } from "../crypto/field.js";
import { RealDidError } from "../errors.js";
import { FieldDecimal } from "../formats/fields.js";
import { parseJsonDocument } from "../formats/schema.js";
import { Identity } from "./identity.js";
import { SealedDataSchema } from "./sealed-data.js";

export const FILE_FORMAT = "realdid-identity/1";

/**
 * The identity file: the commitment in the clear, the secret sealed with a passphrase
 * (`sealed`), or -- only when made with --insecure-plaintext, or by versions before
 * sealing was the default -- readable (`secret`).
 */
export const IdentityFileSchema = z
  .strictObject({ format: z.literal(FILE_FORMAT), commitment: FieldDecimal, secret: FieldDecimal.optional(), sealed: SealedDataSchema.optional() })
  .refine((file) => (file.secret === undefined) !== (file.sealed === undefined), "must hold exactly one of 'sealed' and 'secret'");

export type IdentityFile = z.infer<typeof IdentityFileSchema>;

/** The identity file's document, checked against its schema (not yet opened). */
export const identityFileDocument = (json: string): IdentityFile => parseJsonDocument(IdentityFileSchema, json, "the identity file", "invalid_identity_file");

/** The identity a file holds, given its secret (read or unsealed); the commitment must match. */
export function identityInFile(file: IdentityFile, secretText: string): Identity {
  const identity = Identity.fromSecret(toFieldElement("secret", secretText));
  if (identity.commitment.toString() !== file.commitment) {
    throw new RealDidError("invalid_identity_file", "the identity file's commitment does not match its secret");
  }
  return identity;
}
