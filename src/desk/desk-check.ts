import { dayNumber } from "../attributes/calendar.js";
import { predicateBounds } from "../attributes/predicates.js";
import { canonicalJson } from "../formats/canonical-json.js";
import { pairwiseDid } from "../did/did-uri.js";
import { RealDidError } from "../errors.js";
import { describePredicates } from "../policy/policy.js";
import { type ProofCheck, type VerificationResult, verifyProof } from "../proof/verifier.js";
import { decodeCompactPresentation, expandCompactPresentation } from "../presentation/compact-presentation.js";
import { DESK_RECEIPT_FORMAT, type DeskReceipt, receiptId } from "./desk-receipt.js";
import { shortCodeChallenge } from "./short-code.js";
import type { OpenedSnapshot } from "./desk-snapshot.js";

/** A code the desk has shown and not yet seen used, with the day its bounds are for. */
export interface OutstandingCode {
  readonly code: string;
  readonly day: string;
  readonly issuedAt: string;
}

export type DeskOutcome =
  | { readonly verified: true; readonly code: string; readonly did: string; readonly holds: string[]; readonly receipt: DeskReceipt }
  | { readonly verified: false; readonly reason: string; readonly why: string };

const refused = (reason: string, why: string): DeskOutcome => ({ verified: false, reason, why });

/** Refusals in the desk clerk's words; the verifier's own message follows. */
const REFUSAL_WORDS: Partial<Record<string, string>> = {
  unknown_root: "the person's credential is under a registry root this desk has not seen: sync the desk while online, then try again",
  root_expired: "the registry root the proof was made under was replaced longer ago than this desk accepts (a credential was revoked or people enrolled since): the person must make a new code",
  regulator_key_mismatch: "the real-name handle is escrowed to a regulator key this desk does not accept",
  key_mismatch: "the person's wallet proves with other circuit keys than this desk",
  escrow_degenerate: "the real-name handle is not escrowed properly",
  malformed_proof: "the QR code does not hold a well-formed proof",
};

/**
 * Checks a person's QR payload (realdid-qr/1) at the desk, with no network: for each code
 * the desk has outstanding (newest first) and each regulator key it accepts, the payload is
 * expanded with the desk's scope, the code's challenge and the bounds of its predicates on
 * the code's day, then verified as /v1/verify does (root in the synced ledger within the
 * window, Groth16 with the G2 subgroup check). The first that verifies wins; a root that is
 * unknown or expired, or a key the desk does not use, is refused at once whatever the code.
 * Never throws for a bad payload: the outcome says why, in words.
 */
export async function checkAtDesk(payload: Uint8Array, desk: OpenedSnapshot, codes: readonly OutstandingCode[], check: ProofCheck, now = new Date()): Promise<DeskOutcome> {
  let compact;
  try {
    compact = decodeCompactPresentation(payload);
  } catch (error) {
    return refused("bad_qr", `this is not a RealDID presentation code: ${(error as Error).message}`);
  }
  const syncedAt = new Date(desk.snapshot.syncedAt);
  if (now.getTime() - syncedAt.getTime() > desk.snapshot.maxOfflineHours * 3_600_000) {
    return refused(
      "snapshot_stale",
      `this desk last synced with the registrar at ${syncedAt.toISOString()}, more than ${desk.snapshot.maxOfflineHours} hours ago, and would not see a credential revoked since: connect the desk and sync it, then check the code again`,
    );
  }
  if (codes.length === 0) return refused("no_code", "this desk has no code outstanding: show the new code to the person and let them make a new QR code");
  const { snapshot } = desk;
  for (const outstanding of codes) {
    for (const regulatorKey of desk.regulatorKeys) {
      let expanded;
      try {
        expanded = expandCompactPresentation(compact, { keyId: snapshot.keyId, scope: snapshot.scope, challenge: outstanding.code, bounds: predicateBounds(desk.predicates, outstanding.day), regulatorKey });
      } catch (error) {
        const code = error instanceof RealDidError ? error.code : "malformed_proof";
        return refused(code, `${REFUSAL_WORDS[code] ?? "this QR code cannot be read"} (${(error as Error).message})`);
      }
      const result: VerificationResult = await verifyProof(expanded.document, {
        keyId: snapshot.keyId,
        scope: snapshot.scope,
        challenge: expanded.signals.challenge,
        bounds: expanded.signals.bounds,
        regulatorKey,
        rootStatus: (root) => desk.rootStatus(root, now),
      }, check);
      if (result.valid) {
        const did = pairwiseDid(result.didAddress);
        const receipt: DeskReceipt = {
          format: DESK_RECEIPT_FORMAT,
          id: receiptId(expanded.document),
          desk: { name: snapshot.name, scope: snapshot.scope },
          time: now.toISOString(),
          code: outstanding.code,
          day: outstanding.day,
          keyId: snapshot.keyId,
          ledgerSeq: desk.ledger.lookup(result.root)!.entry.seq,
          root: result.root.toString(),
          predicates: snapshot.predicates,
          did,
          proof: expanded.document,
        };
        return { verified: true, code: outstanding.code, did, holds: ["a real-name enrolled person", ...describePredicates(desk.predicates)], receipt };
      }
      // A wrong code or a wrong key only fails the pairing: anything else is the payload's own fault, whatever the code.
      if (result.code !== "invalid_proof") return refused(result.code, `${REFUSAL_WORDS[result.code] ?? "the proof does not meet this desk's request"} (${result.message})`);
    }
  }
  return refused(
    "wrong_code",
    "this QR code does not answer any code this desk has outstanding: it was made for another desk or for an old or already used code, escrowed to a regulator key this desk does not accept, or altered. Ask the person to make a new one for the code shown now",
  );
}

/** A code is shown for at most 12 hours (codeMinutes), so the day it was issued is its use's day or the day before. */
export function codeDayProblem(receipt: Pick<DeskReceipt, "day" | "time">): string | undefined {
  const timeDay = dayNumber("the receipt's time", receipt.time.slice(0, 10));
  const codeDay = dayNumber("the receipt's day", receipt.day);
  return codeDay === timeDay || codeDay === timeDay - 1 ? undefined : `the receipt's code day ${receipt.day} is not the day of its time ${receipt.time}`;
}

/** How long a verified person's receipt may wait in an offline page before it is uploaded. */
export const RECEIPT_UPLOAD_DAYS = 30;
const DAY_MS = 86_400_000;

/**
 * Checks a receipt a desk page uploads. Only its proof is evidence: everything else it says
 * must be what this desk is and what the proof gives — the desk's name, scope, key id and
 * predicates; a time not in the future nor older than RECEIPT_UPLOAD_DAYS; the code's day
 * that of the time (or the day before, for a code shown before midnight); a root the page
 * could have accepted at that time (within the root window, plus the snapshot's allowed age,
 * in the desk's own ledger synced since); the proof valid
 * for the code and day (the accepted regulator keys, the predicates' bounds on that day); the
 * ledger entry and DID the proof's. Which codes the page showed only the page knows.
 */
export async function verifyDeskReceipt(receipt: DeskReceipt, desk: OpenedSnapshot, check: ProofCheck, now = new Date()): Promise<VerificationResult> {
  const { snapshot } = desk;
  const refuse = (message: string): VerificationResult => ({ valid: false, code: "receipt_invalid", message });
  if (receipt.desk.scope !== snapshot.scope) return { valid: false, code: "scope_mismatch", message: `the receipt is from desk "${receipt.desk.scope}", not "${snapshot.scope}"` };
  if (receipt.desk.name !== snapshot.name || receipt.keyId !== snapshot.keyId || canonicalJson(receipt.predicates) !== canonicalJson(snapshot.predicates)) {
    return refuse("the receipt's desk name, key id or predicates are not this desk's");
  }
  const time = Date.parse(receipt.time);
  if (time > now.getTime() + 5 * 60_000 || now.getTime() - time > RECEIPT_UPLOAD_DAYS * DAY_MS) return refuse(`the receipt's time ${receipt.time} is in the future or more than ${RECEIPT_UPLOAD_DAYS} days ago`);
  const dayProblem = codeDayProblem(receipt);
  if (dayProblem !== undefined) return refuse(dayProblem);
  const [regulatorKey, ...acceptedRegulatorKeys] = desk.regulatorKeys;
  const result = await verifyProof(receipt.proof, {
    keyId: snapshot.keyId,
    scope: snapshot.scope,
    challenge: shortCodeChallenge(receipt.code),
    bounds: predicateBounds(desk.predicates, receipt.day),
    regulatorKey,
    acceptedRegulatorKeys,
    // The page may have verified on a snapshot up to maxOfflineHours old, which had not yet seen the root replaced.
    rootStatus: (root) => desk.ledger.rootStatus(root, time, (snapshot.rootWindowSeconds + snapshot.maxOfflineHours * 3600) * 1000),
  }, check);
  if (!result.valid) return result;
  if (result.root.toString() !== receipt.root || desk.ledger.entry(receipt.ledgerSeq)?.root !== receipt.root) return refuse("the receipt's root or ledger entry is not its proof's");
  if (pairwiseDid(result.didAddress) !== receipt.did) return refuse("the receipt's DID is not its proof's");
  return result;
}
