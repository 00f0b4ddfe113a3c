/**
 * realdid's JSON-LD context for the registrar's credential (docs/did-realdid.md, "The
 * registrar's credential"). It defines every term the credential uses beyond the VC 2.0
 * context, protected so no later context can redefine them. The credential names it by
 * URL; realdid's document loader serves this copy and never fetches the URL.
 */
export const REALDID_CONTEXT_URL = "https://w3id.org/realdid/credentials/v1";

const VOCAB = "https://w3id.org/realdid#";
const XSD = "http://www.w3.org/2001/XMLSchema#";

export const REALDID_CONTEXT = {
  "@context": {
    "@protected": true,
    RealDIDCredential: `${VOCAB}RealDIDCredential`,
    RealDIDRegistryStatus: `${VOCAB}RealDIDRegistryStatus`,
    commitment: `${VOCAB}commitment`,
    leaf: `${VOCAB}leaf`,
    leafIndex: { "@id": `${VOCAB}leafIndex`, "@type": `${XSD}nonNegativeInteger` },
    attributes: `${VOCAB}attributes`,
    birthDate: { "@id": `${VOCAB}birthDate`, "@type": `${XSD}date` },
    region: `${VOCAB}region`,
    expiry: { "@id": `${VOCAB}expiry`, "@type": `${XSD}date` },
    documentType: `${VOCAB}documentType`,
  },
} as const;
