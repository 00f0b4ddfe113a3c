import { z } from "zod";
import { SUBGROUP_ORDER } from "../crypto/baby-jubjub.js";
import { randomBelow, toFieldElement } from "../crypto/field.js";
import { hashCommitment, hashPair } from "../crypto/poseidon.js";
import { RealDidError } from "../errors.js";
import { FieldDecimal } from "../formats/fields.js";
import { parseDocument } from "../formats/schema.js";
import { SealedDataSchema, seal, unseal } from "./passphrase-seal.js";

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

/**
 * A citizen's identity: a secret scalar that never leaves their machine, and its public
 * commitment Poseidon1(secret), which the registrar enrolls inside a leaf.
 * The secret is a canonical Baby Jubjub scalar in [1, l), as the circuit requires.
 */
export class Identity {
  readonly commitment: bigint;

  private constructor(readonly secret: bigint) {
    this.commitment = hashCommitment(secret);
  }

  static random(): Identity {
    return new Identity(randomBelow(SUBGROUP_ORDER));
  }

  static fromSecret(secret: bigint): Identity {
    const value = toFieldElement("secret", secret);
    if (value === 0n || value >= SUBGROUP_ORDER) {
      throw new RealDidError("invalid_argument", "Parameter 'secret' must be in [1, l) where l is the Baby Jubjub subgroup order");
    }
    return new Identity(value);
  }

  /** This identity's DID address (and nullifier) at a scope: Poseidon2(scope, secret). */
  didAddress(scope: bigint): bigint {
    return hashPair(scope, this.secret);
  }

  /** JSON for the identity file, the secret sealed with the passphrase (scrypt + AES-256-GCM). */
  export(passphrase: string): string {
    return this.fileJson({ sealed: seal(new TextEncoder().encode(this.secret.toString()), passphrase) });
  }

  /** JSON for an identity file anyone who can read it can prove with: for tests and throwaway identities only. */
  exportInsecurePlaintext(): string {
    return this.fileJson({ secret: this.secret.toString() });
  }

  private fileJson(holding: Pick<IdentityFile, "secret" | "sealed">): string {
    const file: IdentityFile = { format: FILE_FORMAT, commitment: this.commitment.toString(), ...holding };
    return JSON.stringify(file, null, 2) + "\n";
  }

  static import(json: string, passphrase?: string): Identity {
    return parseIdentityFile(json, passphrase).identity;
  }
}

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
