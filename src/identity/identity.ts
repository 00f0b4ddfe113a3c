import { SUBGROUP_ORDER } from "../crypto/baby-jubjub.js";
import { randomBelow, toFieldElement } from "../crypto/field.js";
import { hashCommitment, hashPair } from "../crypto/poseidon.js";
import { RealDidError } from "../errors.js";

/**
 * A citizen's identity: a secret scalar that never leaves their machine, and its public
 * commitment Poseidon1(secret), which the registrar enrolls inside a leaf.
 * The secret is a canonical Baby Jubjub scalar in [1, l), as the circuit requires.
 * Platform-neutral: the identity file (passphrase sealing, Node only) is identity-file.ts.
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
}
