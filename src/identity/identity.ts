import { SUBGROUP_ORDER } from "../crypto/baby-jubjub.js";
import { randomBelow, toFieldElement } from "../crypto/field.js";
import { hashCommitment, hashPair } from "../crypto/poseidon.js";
import { RealDidError } from "../errors.js";
import { type SealedData, seal, unseal } from "./passphrase-seal.js";

const FILE_FORMAT = "realdid-identity/1";

interface IdentityFile {
  format: typeof FILE_FORMAT;
  commitment: string;
  secret?: string;
  sealed?: SealedData;
}

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

  /** JSON for the identity file; with a passphrase the secret is sealed (scrypt + AES-GCM). */
  export(passphrase?: string): string {
    const file: IdentityFile = { format: FILE_FORMAT, commitment: this.commitment.toString() };
    const secret = this.secret.toString();
    if (passphrase === undefined) file.secret = secret;
    else file.sealed = seal(new TextEncoder().encode(secret), passphrase);
    return JSON.stringify(file, null, 2) + "\n";
  }

  static import(json: string, passphrase?: string): Identity {
    let file: IdentityFile;
    try {
      file = JSON.parse(json);
    } catch {
      throw new RealDidError("invalid_identity_file", "the identity file is not valid JSON");
    }
    if (file?.format !== FILE_FORMAT) {
      throw new RealDidError("invalid_identity_file", `the identity file's format is not ${FILE_FORMAT}`);
    }
    let secretText = file.secret;
    if (file.sealed !== undefined) {
      if (passphrase === undefined) throw new RealDidError("wrong_passphrase", "the identity file is encrypted: a passphrase is needed");
      secretText = new TextDecoder().decode(unseal(file.sealed, passphrase));
    }
    if (typeof secretText !== "string") throw new RealDidError("invalid_identity_file", "the identity file has no secret");
    const identity = Identity.fromSecret(toFieldElement("secret", secretText));
    if (identity.commitment.toString() !== file.commitment) {
      throw new RealDidError("invalid_identity_file", "the identity file's commitment does not match its secret");
    }
    return identity;
  }
}
