import { z } from "zod";
import { Ed25519PublicKey, FieldDecimal } from "../formats/fields.js";
import { parseDocument } from "../formats/schema.js";

/** An enterprise's standing in the registry; anything but active empties its leaf and revokes its mandates. */
export const ENTERPRISE_STATUSES = ["active", "suspended", "struck_off"] as const;
export type EnterpriseStatus = (typeof ENTERPRISE_STATUSES)[number];

export const ENTERPRISE_STATUS_FORMAT = "realdid-enterprise-status/1";

/**
 * GET /v1/enterprises/:code on the registrar's server: an enterprise's public status, as
 * the enterprise credit registry publishes it, and nothing about any person. Its leaf
 * (anyone can compute it from the code) is in the tree at `leafIndex` while it is active:
 * that index's bucket, under a signed root, confirms it. Platform-neutral.
 */
export const EnterpriseStatusDocumentSchema = z.strictObject({
  format: z.literal(ENTERPRISE_STATUS_FORMAT),
  registrarKey: Ed25519PublicKey,
  creditCode: z.string().length(18),
  status: z.enum(ENTERPRISE_STATUSES),
  leafIndex: z.number().int().min(0),
  leaf: FieldDecimal,
});
export type EnterpriseStatusDocument = z.output<typeof EnterpriseStatusDocumentSchema>;

export const enterpriseStatusDocument = (status: Omit<EnterpriseStatusDocument, "format" | "registrarKey">, registrarKey: string): EnterpriseStatusDocument => ({
  format: ENTERPRISE_STATUS_FORMAT,
  registrarKey,
  ...status,
});

export const parseEnterpriseStatusDocument = (value: unknown, where = "the registrar's enterprise status"): EnterpriseStatusDocument => parseDocument(EnterpriseStatusDocumentSchema, value, where);
