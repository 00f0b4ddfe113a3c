import { DataIntegrityProof } from "@digitalbazaar/data-integrity";
import { cryptosuite } from "@digitalbazaar/eddsa-rdfc-2022-cryptosuite";
import { verifyCredential } from "@digitalbazaar/vc";
import { registrarDid, registrarKeyOf } from "../did/did-uri.js";
import { RealDidError } from "../errors.js";
import type { LedgerEntry } from "../ledger/ledger-entry.js";
import { refreshPath } from "../registrar/path-client.js";
import { realDidDocumentLoader } from "./document-loader.js";
import { isRealDidCredential, type ParsedCredential, parseRealDidCredential } from "./realdid-credential.js";

export interface CredentialCheckOptions {
  /** The registrar the credential must be from: its ledger key (hex) or its DID. */
  registrar?: string;
  /** A server of the registrar's ledger and buckets: check the leaf is still in the registry (the registrar learns only the bucket). */
  statusFrom?: string;
  now?: Date;
}

export interface VerifiedCredential extends ParsedCredential {
  issuer: string;
  /** What was checked, in order, in words. */
  checked: string[];
  /** The signed ledger entry the status was checked under (with `statusFrom`). */
  statusEntry?: LedgerEntry;
}

const reason = (error: unknown): string => {
  const nested = (error as { errors?: { message?: string }[] } | undefined)?.errors?.map((e) => e.message).filter(Boolean);
  return nested?.length ? nested.join("; ") : ((error as Error | undefined)?.message ?? "not verified");
};

/**
 * Verifies the registrar's Verifiable Credential and names the first part that fails:
 * its shape (credential_invalid), its issuer (credential_issuer_mismatch, when an expected
 * registrar is given), its leaf against commitment and attributes
 * (credential_leaf_mismatch), its Data Integrity proof through @digitalbazaar/vc
 * (credential_signature_invalid), and with `statusFrom` its status: the leaf still in the
 * registry under the registrar's signed root (credential_revoked, credential_reissued).
 */
export async function verifyRealDidCredential(value: unknown, { registrar, statusFrom, now }: CredentialCheckOptions = {}): Promise<VerifiedCredential> {
  if (!isRealDidCredential(value)) throw new RealDidError("credential_invalid", "this is not a Verifiable Credential (an older realdid-credential/1 file carries no signature to verify)");
  const parsed = parseRealDidCredential(value);
  const issuer = registrarDid(parsed.registrarKey);
  const checked = ["shape: a RealDIDCredential (VC 2.0)"];
  if (registrar !== undefined) {
    const expected = registrarKeyOf(registrar);
    if (expected !== parsed.registrarKey) throw new RealDidError("credential_issuer_mismatch", `the credential was issued by ${issuer}, not by the expected registrar ${registrarDid(expected)}`);
    checked.push(`issuer: the expected registrar ${issuer}`);
  } else checked.push(`issuer: ${issuer} (no expected registrar given)`);
  checked.push(`leaf ${parsed.credential.index}: Poseidon(commitment, attributes) = ${parsed.leaf}`);

  let statusEntry: LedgerEntry | undefined;
  let statusError: unknown;
  const checkStatus = async () => {
    if (statusFrom === undefined) return { verified: true };
    try {
      statusEntry = (await refreshPath(statusFrom, { index: parsed.credential.index, leaf: parsed.leaf, registrarKey: parsed.registrarKey })).entry;
      return { verified: true };
    } catch (error) {
      statusError = error;
      return { verified: false, error: error as Error };
    }
  };
  const suite = new DataIntegrityProof({ cryptosuite });
  const result = await verifyCredential({ credential: value, suite, documentLoader: realDidDocumentLoader, checkStatus, ...(now !== undefined && { now }) });
  if (statusError !== undefined) throw statusError;
  if (!result.verified) throw new RealDidError("credential_signature_invalid", `the credential's proof does not verify: ${reason(result.error ?? result.results?.[0]?.error)}`);
  checked.push(`signature: eddsa-rdfc-2022 by ${issuer}`);
  checked.push(statusEntry === undefined ? "status: not checked (no registrar server given)" : `status: leaf ${parsed.credential.index} is in the registry under the registrar's signed root #${statusEntry.seq} (${statusEntry.time})`);
  return { ...parsed, issuer, checked, statusEntry };
}
