import type { DIDResolutionResult, DIDResolver, ParsedDID } from "did-resolver";
import { RealDidError } from "../errors.js";
import { realDidDocument } from "./did-document.js";

const KNOWN_KIND = /^did:realdid:(pairwise|registrar|verifier):/;

const failure = (error: "invalidDid" | "notFound", message: string): DIDResolutionResult => ({
  didResolutionMetadata: { error, message },
  didDocument: null,
  didDocumentMetadata: {},
});

/**
 * The did:realdid driver for `did-resolver`: `new Resolver(getResolver())`. Resolution is
 * offline: every did:realdid is self-certifying (its document is derived from the
 * identifier), so nothing is fetched and nothing learns who resolved what. A DID of
 * another method never reaches this driver (did-resolver answers `unsupportedDidMethod`).
 */
export function getResolver(): { realdid: DIDResolver } {
  return {
    realdid: async (_did: string, parsed: ParsedDID) => {
      try {
        return { didResolutionMetadata: { contentType: "application/did+ld+json" }, didDocument: realDidDocument(parsed.did), didDocumentMetadata: {} };
      } catch (error) {
        // A malformed DID of a kind this version defines is invalid; one of another kind is not found.
        if (error instanceof RealDidError && error.code === "invalid_did") return failure(KNOWN_KIND.test(parsed.did) ? "invalidDid" : "notFound", error.message);
        throw error;
      }
    },
  };
}
