import { ed25519Multibase } from "./ed25519-multikey.js";
import { parseRealDid } from "./did-uri.js";

export const DID_CONTEXT = "https://www.w3.org/ns/did/v1";
export const MULTIKEY_CONTEXT = "https://w3id.org/security/multikey/v1";

/** A DID document as did:realdid resolves it (the did-resolver DIDDocument shape, narrowed). */
export interface RealDidDocument {
  "@context": string | string[];
  id: string;
  verificationMethod?: MultikeyMethod[];
  assertionMethod?: string[];
}

export interface MultikeyMethod {
  id: string;
  type: "Multikey";
  controller: string;
  publicKeyMultibase: string;
}

/** The verification method of a registrar or verifier DID: `<did>#<multikey>`. */
export function verificationMethodId(did: string): string {
  const parsed = parseRealDid(did);
  if (parsed.kind === "pairwise") throw new Error(`${did} has no key: a pairwise DID names a person, it signs nothing`);
  return `${did}#${ed25519Multibase(parsed.publicKey)}`;
}

/**
 * The DID document of any did:realdid, derived from the identifier alone. A pairwise DID's
 * has no keys (it is a pseudonym, made valuable by a proof); a registrar's or verifier's
 * lists its Ed25519 key as a Multikey for assertionMethod (credentials and ledger entries;
 * receipts). Throws `invalid_did` for an identifier that is not one.
 */
export function realDidDocument(did: string): RealDidDocument {
  const parsed = parseRealDid(did);
  switch (parsed.kind) {
    case "pairwise":
      return { "@context": [DID_CONTEXT], id: did };
    case "registrar":
    case "verifier": {
      const method: MultikeyMethod = { id: verificationMethodId(did), type: "Multikey", controller: did, publicKeyMultibase: ed25519Multibase(parsed.publicKey) };
      return { "@context": [DID_CONTEXT, MULTIKEY_CONTEXT], id: did, verificationMethod: [method], assertionMethod: [method.id] };
    }
    default:
      return parsed satisfies never;
  }
}
