import { z } from "zod";
import { Ed25519PublicKey, PointJson } from "../formats/fields.js";
import { parseDocument } from "../formats/schema.js";

/**
 * What the wallet is told by the server that serves it (`realdid wallet`, or the static
 * build's wallet-config.json): where the registrar is and which key signs its ledger, the
 * regulator keys the person lets their real-name handle be escrowed to, the verifier
 * services (OpenID Providers) it sends proofs to, and where the circuit keys are: the personal
 * key set, and the business circuit's for a person acting for an enterprise (optional, so a
 * configuration written before business logins still reads).
 */
export const WALLET_CONFIG_FORMAT = "realdid-wallet-config/1";

const Origin = z.url({ protocol: /^https?$/ }).refine((url) => new URL(url).origin === url, "must be an origin (scheme://host[:port], no path)");

const KeyFiles = z.strictObject({ manifest: z.string(), wasm: z.string(), zkey: z.string(), verificationKey: z.string() });

export const WalletConfigSchema = z.strictObject({
  format: z.literal(WALLET_CONFIG_FORMAT),
  registrarUrl: z.url({ protocol: /^https?$/ }),
  registrarKey: Ed25519PublicKey,
  regulatorKeys: z.array(PointJson).min(1),
  trustedVerifiers: z.array(Origin).min(1),
  /** The key set files, relative to the wallet's own URL. */
  keys: KeyFiles,
  /** The business circuit's key set files, likewise. */
  businessKeys: KeyFiles.optional(),
});
export type WalletConfig = z.infer<typeof WalletConfigSchema>;

export const parseWalletConfig = (value: unknown): WalletConfig => parseDocument(WalletConfigSchema, value, "the wallet's configuration");
