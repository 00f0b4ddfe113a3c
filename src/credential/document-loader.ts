import { contexts as credentialsContexts } from "@digitalbazaar/credentials-context";
import { contexts as dataIntegrityContexts } from "@digitalbazaar/data-integrity-context";
import { contexts as multikeyContexts } from "@digitalbazaar/multikey-context";
import type { DocumentLoader } from "@digitalbazaar/vc";
import { contexts as didContexts } from "did-context";
import { realDidDocument } from "../did/did-document.js";
import { DID_METHOD_PREFIX } from "../did/did-uri.js";
import { RealDidError } from "../errors.js";
import { REALDID_CONTEXT, REALDID_CONTEXT_URL } from "./realdid-context.js";

/** Every JSON-LD context realdid's credentials need, from the installed packages and this one. */
const CONTEXTS = new Map<string, unknown>([...credentialsContexts, ...dataIntegrityContexts, ...multikeyContexts, ...didContexts, [REALDID_CONTEXT_URL, REALDID_CONTEXT]]);

const loaded = (url: string, document: unknown) => ({ contextUrl: null, documentUrl: url, document: structuredClone(document) });

/**
 * The JSON-LD document loader of realdid's credentials: the contexts above, and did:realdid
 * documents and verification methods resolved offline by our DID method. Anything else is
 * refused: verifying a credential fetches nothing (no network, no tracking of who checks
 * which credential, no context swapped under a signature).
 */
export const realDidDocumentLoader: DocumentLoader = async (url) => {
  const context = CONTEXTS.get(url);
  if (context !== undefined) return loaded(url, context);
  if (url.startsWith(DID_METHOD_PREFIX)) {
    const [did, fragment] = url.split("#", 2);
    const document = realDidDocument(did);
    if (fragment === undefined) return loaded(url, document);
    const method = document.verificationMethod?.find((m) => m.id === url);
    if (method === undefined) throw new RealDidError("invalid_did", `${did} has no verification method #${fragment}`);
    return loaded(url, { "@context": document["@context"], ...method });
  }
  throw new RealDidError("invalid_argument", `realdid's document loader does not load ${JSON.stringify(url.slice(0, 200))}: only the VC 2.0, Data Integrity, Multikey, DID and realdid contexts and did:realdid (it never uses the network)`);
};
