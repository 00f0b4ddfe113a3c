import { RealDidError } from "../errors.js";

/**
 * DID URIs of the did:realdid method (docs/did-realdid.md). A pairwise DID names a person
 * at one scope: `did:realdid:pairwise:` and the DID address (Poseidon2(scope, secret)) as
 * 64 lowercase hex digits. It is the same value the proof's public signals carry, so a
 * site, the OpenID Provider and the wallet all derive it from the proof alone.
 */
export const DID_METHOD_PREFIX = "did:realdid:";
const PAIRWISE_PREFIX = `${DID_METHOD_PREFIX}pairwise:`;
const PAIRWISE = /^did:realdid:pairwise:([0-9a-f]{64})$/;

export const pairwiseDid = (didAddress: bigint): string => PAIRWISE_PREFIX + didAddress.toString(16).padStart(64, "0");

export const isPairwiseDid = (did: string): boolean => PAIRWISE.test(did);

/** The DID address a pairwise DID names. */
export function parsePairwiseDid(did: string): bigint {
  const match = PAIRWISE.exec(did);
  if (match === null) throw new RealDidError("invalid_argument", `${JSON.stringify(did.slice(0, 100))} is not a pairwise did:realdid (did:realdid:pairwise: and 64 lowercase hex digits)`);
  return BigInt(`0x${match[1]}`);
}
