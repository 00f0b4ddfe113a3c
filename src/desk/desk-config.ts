import { z } from "zod";
import { registrarKeyOf } from "../did/did-uri.js";
import { NormalizedString, PointJson } from "../formats/fields.js";
import { parseDocument } from "../formats/schema.js";
import { RequestDocumentSchema } from "../proof/request-document.js";

/**
 * What a front desk (`realdid desk --config desk.json`) is: its name and scope, what it asks
 * of every person (predicates), the regulator key(s) it accepts the real-name handle escrowed
 * to, the registrar whose ledger it trusts, how long a replaced root still proves, and how
 * long one of its short codes lives.
 */
export const DESK_CONFIG_FORMAT = "realdid-desk-config/1";

/** Predicates as a request document writes them (one schema for sites and desks). */
export const DeskPredicates = RequestDocumentSchema.shape.predicates;

export const DeskScope = z.string().min(1).max(253);

export const DeskConfigSchema = z.strictObject({
  format: z.literal(DESK_CONFIG_FORMAT),
  /** What the person's wallet shows: "Hotel Example, front desk". */
  name: z.string().min(1).max(80),
  /** The desk's domain (and counter), e.g. "hotel.example/front-desk": the pairwise DID is per scope. */
  scope: DeskScope,
  predicates: DeskPredicates,
  regulatorKeys: z.array(PointJson).min(1).max(4),
  registrar: z.strictObject({
    /** The registrar's server (http(s)), or on this machine its data folder or an exported ledger file. */
    ledger: z.string().min(1),
    /** The registrar's ledger key (64 hex) or its DID (did:realdid:registrar:…); kept as the key. */
    key: NormalizedString(registrarKeyOf),
  }),
  rootWindowSeconds: z.number().int().min(0).max(30 * 86400).default(3600),
  /**
   * How long the page keeps verifying on its last snapshot while it cannot sync: a credential
   * revoked after the snapshot is only seen at the next sync, so past this the desk refuses.
   */
  maxOfflineHours: z.number().int().min(1).max(30 * 24).default(24),
  /** How often the desk server pulls the registrar's ledger. */
  syncSeconds: z.number().int().min(5).max(86_400).default(60),
  /** A short code is replaced after this many minutes, and after each use. */
  // At most 12 hours: a code stays outstanding two lifetimes, and a receipt's code day must be its time's day or the day before.
  codeMinutes: z.number().int().min(1).max(12 * 60).default(5),
  /** A key set folder (realdid ceremony finalize); default the package's published keys. */
  keys: z.string().min(1).optional(),
});
export type DeskConfig = z.output<typeof DeskConfigSchema>;

export const parseDeskConfig = (value: unknown, what = "the desk configuration"): DeskConfig => parseDocument(DeskConfigSchema, value, what);
