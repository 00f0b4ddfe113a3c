import { z } from "zod";
import type { Predicates } from "../attributes/predicates.js";
import type { Point } from "../crypto/baby-jubjub.js";
import { Ed25519PublicKey, IsoTime, KeyId, PointJson } from "../formats/fields.js";
import { parseDocument } from "../formats/schema.js";
import { LEDGER_KIND } from "../ledger/ledger-entry.js";
import { RootLedger, type RootStatus } from "../ledger/root-ledger.js";
import { parsePoint } from "../policy/policy.js";
import { SignedLog } from "../signed-log/signed-log.js";
import { type DeskConfig, DeskPredicates, DeskScope } from "./desk-config.js";

/**
 * Everything the desk page needs to verify with no network: its policy, the regulator keys
 * it accepts, the circuit's verification key and key id, and the registrar's ledger as the
 * desk server pulled it. The page checks every ledger entry's chain and signature again under
 * the registrar key it names (openSnapshot), so a snapshot changed in IndexedDB or on the way
 * is refused, not trusted.
 */
export const DESK_SNAPSHOT_FORMAT = "realdid-desk-snapshot/1";

export const DeskSnapshotSchema = z.strictObject({
  format: z.literal(DESK_SNAPSHOT_FORMAT),
  name: z.string().min(1).max(80),
  scope: DeskScope,
  predicates: DeskPredicates,
  regulatorKeys: z.array(PointJson).min(1),
  rootWindowSeconds: z.number().int().min(0),
  maxOfflineHours: z.number().int().min(1),
  codeMinutes: z.number().int().min(1),
  keyId: KeyId,
  verificationKey: z.record(z.string(), z.unknown()),
  registrarKey: Ed25519PublicKey,
  /** The registrar's ledger entries (realdid-ledger/1), from the first. */
  ledger: z.array(z.unknown()),
  /** When the desk server last pulled the ledger from the registrar. */
  syncedAt: IsoTime,
});
export type DeskSnapshot = z.output<typeof DeskSnapshotSchema>;

export function deskSnapshot(config: DeskConfig, keys: { keyId: string; verificationKey: Record<string, unknown> }, ledger: RootLedger, syncedAt: Date): DeskSnapshot {
  return {
    format: DESK_SNAPSHOT_FORMAT,
    name: config.name,
    scope: config.scope,
    predicates: config.predicates,
    regulatorKeys: config.regulatorKeys,
    rootWindowSeconds: config.rootWindowSeconds,
    maxOfflineHours: config.maxOfflineHours,
    codeMinutes: config.codeMinutes,
    keyId: keys.keyId,
    verificationKey: keys.verificationKey,
    registrarKey: ledger.publicKey,
    ledger: ledger.entriesFrom(0),
    syncedAt: syncedAt.toISOString(),
  };
}

/** A snapshot checked and ready to verify with. */
export interface OpenedSnapshot {
  readonly snapshot: DeskSnapshot;
  readonly predicates: Predicates;
  readonly regulatorKeys: readonly Point[];
  readonly ledger: RootLedger;
  rootStatus(root: bigint, now?: Date): RootStatus;
}

/** Parses a snapshot and replays its ledger (every entry's link and signature, under its registrar key). */
export function openSnapshot(value: unknown): OpenedSnapshot {
  const snapshot = parseDocument(DeskSnapshotSchema, value, "the desk's snapshot");
  const entries = snapshot.ledger.map((entry, i) => SignedLog.parseEntry(LEDGER_KIND, entry, `the desk's snapshot: ledger entry ${i}`));
  const ledger = new RootLedger(snapshot.registrarKey, entries);
  return {
    snapshot,
    predicates: snapshot.predicates as Predicates,
    regulatorKeys: snapshot.regulatorKeys.map((key, i) => parsePoint(`the desk's snapshot: regulatorKeys[${i}]`, key)),
    ledger,
    rootStatus: (root, now = new Date()) => ledger.rootStatus(root, now.getTime(), snapshot.rootWindowSeconds * 1000),
  };
}
