import { DataIntegrityProof, type DataIntegritySigner } from "@digitalbazaar/data-integrity";
import { cryptosuite } from "@digitalbazaar/eddsa-rdfc-2022-cryptosuite";
import { issue } from "@digitalbazaar/vc";
import { hexToBytes } from "@noble/hashes/utils.js";
import { verificationMethodId } from "../did/did-document.js";
import { registrarDid } from "../did/did-uri.js";
import { parseDocument } from "../formats/schema.js";
import type { CredentialFile } from "../registry/credential.js";
import type { LogSigner } from "../signed-log/signed-log.js";
import { realDidDocumentLoader } from "./document-loader.js";
import { type RealDidCredential, RealDidCredentialSchema, unsignedRealDidCredential } from "./realdid-credential.js";

/**
 * The registrar's ledger signer as a Data Integrity signer: the credential is signed by the
 * same key provider that signs ledger entries, so a hardware module or KMS that never
 * hands its key out signs credentials too.
 */
function dataIntegritySigner(ledgerSigner: LogSigner): DataIntegritySigner {
  return {
    id: verificationMethodId(registrarDid(ledgerSigner.publicKey)),
    algorithm: "Ed25519",
    sign: async ({ data }) => hexToBytes(ledgerSigner.sign(data)),
  };
}

/**
 * Signs the Verifiable Credential for an enrolled leaf with the registrar's ledger key
 * (eddsa-rdfc-2022: RDF canonicalization, SHA-256, Ed25519), through @digitalbazaar/vc.
 */
export async function issueRealDidCredential(file: CredentialFile, ledgerSigner: LogSigner): Promise<RealDidCredential> {
  if (ledgerSigner.publicKey !== file.registrarKey) throw new Error("the credential names another registrar than the signer's key");
  const suite = new DataIntegrityProof({ signer: dataIntegritySigner(ledgerSigner), cryptosuite, date: file.issuedAt });
  const signed = await issue({ credential: unsignedRealDidCredential(file), suite, documentLoader: realDidDocumentLoader });
  return parseDocument(RealDidCredentialSchema, signed, "the credential just signed");
}
