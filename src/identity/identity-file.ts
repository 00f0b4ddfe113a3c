import { z } from "zod";
import { toFieldElement } from "../crypto/field.js";
import { RealDidError } from "../errors.js";
import { FieldDecimal } from "../formats/fields.js";
import { parseDocument } from "../formats/schema.js";
import { Identity } from "./identity.js";
import { SealedDataSchema, seal, unseal } from "./passphrase-seal.js";

// The identity file is the Node adapter's way to keep an Identity (scrypt + node:crypto
// AES-GCM); the Identity itself is platform-neutral and lives in identity.ts.

const FILE_FORMAT = "realdid-identity/1";

/**
 * The identity file: the commitment in the clear, the secret sealed with a passphrase
 * (`sealed`), or -- only when made with --insecure-plaintext, or by versions before
 * sealing was the default -- readable (`secret`).
 */
const IdentityFileSchema = z
  .strictObject({ format: z.literal(FILE_FORMAT), commitment: FieldDecimal, secret: FieldDecimal.optional(), sealed: SealedDataSchema.optional() })
  .refine((file) => (file.secret === undefined) !== (file.sealed === undefined), "must hold exactly one of 'sealed' and 'secret'");

type IdentityFile = z.infer<typeof IdentityFileSchema>;

const fileJson = (identity: Identity, holding: Pick<IdentityFile, "secret" | "sealed">): string => {
  const file: IdentityFile = { format: FILE_FORMAT, commitment: identity.commitment.toString(), ...holding };
  return JSON.stringify(file, null, 2) + "\n";
};

/** JSON for the identity file, the secret sealed with the passphrase (scrypt + AES-256-GCM). */
export const exportIdentity = (identity: Identity, passphrase: string): string =>
  fileJson(identity, { sealed: seal(new TextEncoder().encode(identity.secret.toString()), passphrase) });

/** JSON for an identity file anyone who can read it can prove with: for tests and throwaway identities only. */
export const exportIdentityInsecurePlaintext = (identity: Identity): string => fileJson(identity, { secret: identity.secret.toString() });

/** Reads an identity file; `plaintext` says its secret was stored readable (callers warn). */
export function parseIdentityFile(json: string, passphrase?: string): { identity: Identity; plaintext: boolean } {
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch {
    throw new RealDidError("invalid_identity_file", "the identity file is not valid JSON");
  }
  const file = parseDocument(IdentityFileSchema, value, "the identity file", "invalid_identity_file");
  let secretText = file.secret;
  if (file.sealed !== undefined) {
    if (passphrase === undefined) throw new RealDidError("wrong_passphrase", "the identity file is encrypted: a passphrase is needed (--passphrase-env)");
    secretText = new TextDecoder().decode(unseal(file.sealed, passphrase));
  }
  const identity = Identity.fromSecret(toFieldElement("secret", secretText));
  if (identity.commitment.toString() !== file.commitment) {
    throw new RealDidError("invalid_identity_file", "the identity file's commitment does not match its secret");
  }
  return { identity, plaintext: file.sealed === undefined };
}

/** The identity in an identity file (sealed files need the passphrase). */
export const importIdentity = (json: string, passphrase?: string): Identity => parseIdentityFile(json, passphrase).identity;
