import { z } from "zod";
import { sha256Hex } from "../crypto/sha256.js";
import { RealDidError } from "../errors.js";
import { canonicalJson } from "../formats/canonical-json.js";
import { Decimal } from "../formats/fields.js";
import { parseDocument } from "../formats/schema.js";
import { LEDGER_CHANGE_KINDS, type LedgerChange, type LedgerEntry } from "./ledger-entry.js";

export const LEDGER_CHANGE_FORMAT = "realdid-ledger-change/1";

/**
 * What one ledger entry's new root reflects. Its SHA-256 is the entry's `change.digest`,
 * so whoever is handed the document checks it against the signed ledger: the leaf slots
 * the change wrote (public: the bucket API serves them; "0" is an emptied slot) and the
 * kind's details. Details that name a person (a grant's agent) come with a random salt,
 * so the public digest cannot be tested against guessed ID numbers.
 */
export const LedgerChangeDocumentSchema = z.looseObject({
  format: z.literal(LEDGER_CHANGE_FORMAT),
  kind: z.enum(LEDGER_CHANGE_KINDS),
  leaves: z.array(z.strictObject({ index: z.number().int().min(0), leaf: Decimal })).min(1),
});
export type LedgerChangeDocument = z.output<typeof LedgerChangeDocumentSchema>;

export type ChangedLeaf = LedgerChangeDocument["leaves"][number];

/** A changed slot as documents write it: the new leaf, or "0" for an emptied one. */
export const changedLeaf = (index: number, leaf: bigint): ChangedLeaf => ({ index, leaf: leaf.toString() });

/** The entry's `change` for a document. */
export const ledgerChangeOf = (document: LedgerChangeDocument): LedgerChange => ({ kind: document.kind, digest: sha256Hex(canonicalJson(document)) });

/** Checks that `value` is the change document `entry` was published with; returns it parsed. */
export function checkLedgerChange(entry: LedgerEntry, value: unknown): LedgerChangeDocument {
  const document = parseDocument(LedgerChangeDocumentSchema, value, "the change document");
  const expected = ledgerChangeOf(document);
  if (entry.change?.kind !== expected.kind || entry.change.digest !== expected.digest) {
    throw new RealDidError("ledger_change_mismatch", `ledger entry ${entry.seq} was not published with this ${document.kind} change document (its change is ${entry.change ? `${entry.change.kind} ${entry.change.digest}` : "absent"})`);
  }
  return document;
}
