import { existsSync } from "node:fs";
import { createHash, generateKeyPairSync, randomBytes } from "node:crypto";
import { z } from "zod";
import { RealDidError } from "../errors.js";
import { readJson, writeAtomically } from "../files.js";
import { parseDocument } from "../formats/schema.js";
import { seal, unseal } from "../identity/passphrase-seal.js";
import { SealedDataSchema } from "../identity/sealed-data.js";

/**
 * The OpenID Provider's secrets in one file (realdid-oidc-keys/1, mode 600): the ES256 key
 * that signs ID tokens (published as the JWKS) and the keys that sign its cookies. Made on
 * first start; every instance behind one issuer must share the file, or a code issued by
 * one instance and redeemed at another would not verify. Sealed with a passphrase (scrypt +
 * AES-256-GCM, as the receipt key) when one is configured; in the clear otherwise, with a
 * warning at every start.
 */
export const OIDC_KEYS_FORMAT = "realdid-oidc-keys/1";

const B64U = z.string().regex(/^[A-Za-z0-9_-]+$/);
const SigningJwk = z.strictObject({ kty: z.literal("EC"), crv: z.literal("P-256"), x: B64U, y: B64U, d: B64U, kid: B64U, alg: z.literal("ES256"), use: z.literal("sig") });
const SecretsSchema = z.strictObject({ signingKeys: z.array(SigningJwk).min(1), cookieKeys: z.array(z.string().min(32)).min(1) });
export type OidcSecrets = z.infer<typeof SecretsSchema>;
const KeysFileSchema = z.union([
  z.strictObject({ format: z.literal(OIDC_KEYS_FORMAT), secrets: SecretsSchema }),
  z.strictObject({ format: z.literal(OIDC_KEYS_FORMAT), sealed: SealedDataSchema }),
]);

function newSecrets(): OidcSecrets {
  const { privateKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
  const jwk = privateKey.export({ format: "jwk" }) as { kty: "EC"; crv: "P-256"; x: string; y: string; d: string };
  // The key id is the RFC 7638 thumbprint of the public key: the same key always has the same id.
  const kid = createHash("sha256").update(JSON.stringify({ crv: jwk.crv, kty: jwk.kty, x: jwk.x, y: jwk.y })).digest("base64url");
  return { signingKeys: [{ ...jwk, kid, alg: "ES256", use: "sig" }], cookieKeys: [randomBytes(32).toString("base64url")] };
}

function readKeysFile(path: string, passphrase: string | undefined, option: string): OidcSecrets {
  const file = parseDocument(KeysFileSchema, readJson(path, "OpenID Provider keys"), `OpenID Provider keys file ${path}`);
  if ("secrets" in file) return file.secrets;
  if (passphrase === undefined) throw new RealDidError("keys_locked", `the OpenID Provider keys in ${path} are sealed: give their passphrase with ${option}`);
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder().decode(unseal(file.sealed, passphrase)));
  } catch (error) {
    if (error instanceof RealDidError && error.code === "wrong_passphrase") throw new RealDidError("wrong_passphrase", `the passphrase does not open the OpenID Provider keys in ${path}`);
    throw error;
  }
  return parseDocument(SecretsSchema, json, `the sealed OpenID Provider keys in ${path}`);
}

/** Reads the keys file, or creates it if there is none yet (instances starting together race: one file wins, all read it). */
export function openOrCreateOidcKeys(path: string, passphrase: string | undefined, option: string): { secrets: OidcSecrets; created: boolean } {
  if (existsSync(path)) return { secrets: readKeysFile(path, passphrase, option), created: false }; // no scrypt run for keys never written
  const secrets = newSecrets();
  const content = passphrase === undefined ? { secrets } : { sealed: seal(new TextEncoder().encode(JSON.stringify(secrets)), passphrase) };
  try {
    writeAtomically(path, JSON.stringify({ format: OIDC_KEYS_FORMAT, ...content }, null, 2) + "\n", { overwrite: false, mode: 0o600 });
    return { secrets, created: true };
  } catch (error) {
    if (!(error instanceof RealDidError && error.code === "file_exists")) throw error;
    return { secrets: readKeysFile(path, passphrase, option), created: false };
  }
}
