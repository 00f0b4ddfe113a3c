import { predicateBounds } from "../attributes/predicates.js";
import { toFieldElement } from "../crypto/field.js";
import { type EscrowCiphertext, escrowJson } from "../crypto/escrow.js";
import { codeDayProblem } from "../desk/desk-check.js";
import type { DeskReceipt } from "../desk/desk-receipt.js";
import { shortCodeChallenge } from "../desk/short-code.js";
import { pairwiseDid } from "../did/did-uri.js";
import { RealDidError } from "../errors.js";
import { parsePoint } from "../policy/policy.js";
import { BUSINESS_SIGNAL_NAMES, parseBusinessSignals } from "../business/business-signals.js";
import { parsePublicSignals } from "../proof/public-signals.js";
import { type ProofCheck, verifyProof } from "../proof/verifier.js";
import { keyIdOf, type PartialDecryption } from "./threshold-key.js";

const CASE_FORMAT = "realdid-case/1";
const PARTIAL_FORMAT = "realdid-partial/1";

/**
 * An unmasking case: which escrow ciphertext, under which key, on what legal basis. A
 * business proof's case also carries its mandate's ciphertext (same R, another pad of the
 * same K): unmasking it names the enterprise and the mandate the person acted under.
 */
export interface UnmaskingCase {
  readonly caseId: string;
  readonly legalBasis: string;
  readonly keyId: string;
  readonly ciphertext: EscrowCiphertext;
  readonly mandateCipher?: bigint;
}

/** A case for the escrow ciphertext(s) in a proof's public signals (a personal or a business proof: its length says which). */
export function caseFromProof(publicSignals: unknown, caseId: string, legalBasis: string): UnmaskingCase {
  if (!/^[A-Za-z0-9._/-]{1,100}$/.test(caseId)) throw new RealDidError("invalid_argument", "the case id must be 1-100 letters, digits, '.', '_', '/' or '-'");
  if (legalBasis.trim().length < 10) throw new RealDidError("invalid_argument", "the legal basis must be stated (at least 10 characters)");
  if (Array.isArray(publicSignals) && publicSignals.length === BUSINESS_SIGNAL_NAMES.length) {
    const business = parseBusinessSignals(publicSignals);
    return { caseId, legalBasis, keyId: keyIdOf(business.regulatorKey), ciphertext: business.escrow, mandateCipher: business.mandateCipher };
  }
  const signals = parsePublicSignals(publicSignals);
  return { caseId, legalBasis, keyId: keyIdOf(signals.regulatorKey), ciphertext: signals.escrow };
}

/**
 * A front desk's receipt as grounds for a case: its proof verifies under the regulator's key
 * set for everything the receipt says of it (the desk's scope, the code's challenge, the
 * predicates' bounds on the code's day, the root), and its DID is the proof's, so the audit
 * entry that names the desk and the person names the ones the escrow came from; the code's
 * day must be its time's or the day before. The desk's name, the time and the day are only
 * its word, and the audit entry records them apart. Returns the audit entry's source.
 */
export async function checkDeskReceipt(receipt: DeskReceipt, keyId: string, check: ProofCheck, where: string): Promise<Record<string, unknown>> {
  const signals = parsePublicSignals(receipt.proof.publicSignals);
  const result = await verifyProof(receipt.proof, {
    keyId,
    scope: receipt.desk.scope,
    challenge: shortCodeChallenge(receipt.code),
    bounds: predicateBounds(receipt.predicates, receipt.day),
    // Whichever key it is escrowed to: the case names it, and only that key's holders can open it.
    regulatorKey: signals.regulatorKey,
    rootStatus: (root) => (root.toString() === receipt.root ? "current" : "unknown"),
  }, check);
  if (!result.valid) throw new RealDidError("receipt_invalid", `${where}: its proof is refused: ${result.message}`);
  if (pairwiseDid(result.didAddress) !== receipt.did) throw new RealDidError("receipt_invalid", `${where}: its DID ${receipt.did} is not its proof's`);
  const dayProblem = codeDayProblem(receipt);
  if (dayProblem !== undefined) throw new RealDidError("receipt_invalid", `${where}: ${dayProblem}`);
  // What the proof establishes, apart from what only the desk's page says (no proof covers a name or a clock).
  const { id, desk, time, code, day, did, root } = receipt;
  return { deskReceipt: { id, proven: { scope: desk.scope, code, did, root }, statedByDesk: { name: desk.name, time, day } } };
}

export const caseJson = (c: UnmaskingCase) => ({
  format: CASE_FORMAT,
  caseId: c.caseId,
  legalBasis: c.legalBasis,
  keyId: c.keyId,
  ciphertext: escrowJson(c.ciphertext),
  ...(c.mandateCipher !== undefined && { mandateCipher: c.mandateCipher.toString() }),
});

export function parseCase(value: unknown): UnmaskingCase {
  const v = value as ReturnType<typeof caseJson>;
  if (v?.format !== CASE_FORMAT || typeof v.caseId !== "string" || typeof v.legalBasis !== "string" || typeof v.keyId !== "string") {
    throw new RealDidError("invalid_argument", `the case file is not a ${CASE_FORMAT} file`);
  }
  return {
    caseId: v.caseId,
    legalBasis: v.legalBasis,
    keyId: v.keyId,
    ciphertext: { ephemeral: parsePoint("ciphertext.ephemeral", v.ciphertext?.ephemeral), cipher: toFieldElement("ciphertext.cipher", v.ciphertext?.cipher) },
    ...(v.mandateCipher !== undefined && { mandateCipher: toFieldElement("mandateCipher", v.mandateCipher) }),
  };
}

export const partialJson = (caseId: string, p: PartialDecryption) => ({
  format: PARTIAL_FORMAT,
  caseId,
  keyId: p.keyId,
  index: p.index,
  sharedKey: { x: p.sharedKey.x.toString(), y: p.sharedKey.y.toString() },
  proof: { challenge: p.proof.challenge.toString(), response: p.proof.response.toString() },
});

export function parsePartial(value: unknown, where: string): { caseId: string; partial: PartialDecryption } {
  const v = value as ReturnType<typeof partialJson>;
  if (v?.format !== PARTIAL_FORMAT || typeof v.caseId !== "string" || !Number.isInteger(v.index)) throw new RealDidError("invalid_argument", `${where} is not a ${PARTIAL_FORMAT} file`);
  try {
    return {
      caseId: v.caseId,
      partial: { keyId: String(v.keyId), index: v.index, sharedKey: parsePoint("sharedKey", v.sharedKey), proof: { challenge: toFieldElement("challenge", v.proof?.challenge), response: toFieldElement("response", v.proof?.response) } },
    };
  } catch (error) {
    // A sharedKey off the curve or outside the subgroup cannot be an honest partial.
    throw new RealDidError("forged_partial", `${where} (holder ${v.index}): ${(error as Error).message}`);
  }
}
