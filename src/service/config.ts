import { isAbsolute, resolve } from "node:path";
import { z } from "zod";
import { RealDidError } from "../errors.js";
import { parseDocument } from "../formats/schema.js";
import { type Policy, parsePolicy } from "../policy/policy.js";
import type { RateLimit } from "./store.js";

export interface ActionConfig {
  /** The action's DID address is a nullifier: each person may do it once. */
  readonly onePerPerson: boolean;
}

export interface SiteConfig {
  readonly id: string;
  readonly policy: Policy;
  readonly actions: ReadonlyMap<string, ActionConfig>;
  /** Accept proofs bound to a message (challenge = hash of the message) without an issued challenge. */
  readonly allowMessageProofs: boolean;
}

export interface ServiceConfig {
  readonly host: string;
  readonly port: number;
  /** "postgres://…" or a folder for the embedded SQLite store. */
  readonly database: string;
  readonly workers: number;
  readonly challengeTtlMs: number;
  readonly bodyLimitBytes: number;
  /**
   * SHA-256 (hex) of the API keys relying-party backends present as "Authorization: Bearer
   * KEY" on /v1/*; empty means the API is open (bind it to an internal address then).
   */
  readonly apiKeyHashes: readonly string[];
  readonly ledger: {
    readonly source: string;
    readonly registrarKey?: string;
    readonly syncIntervalMs: number;
    /** A source's answer past this size is refused while it streams in. */
    readonly maxAnswerBytes: number;
    /** A source that has not answered completely by then is given up on. */
    readonly timeoutMs: number;
    /** Proofs with an unknown root pull at most once per this interval. */
    readonly unknownRootPullIntervalMs: number;
  };
  readonly limits: ServiceLimits;
  /**
   * Express's "trust proxy": false (the peer's address is the client's), a hop count, or the
   * proxies' addresses. Never true: then any client names its own address in X-Forwarded-For.
   */
  readonly trustProxy: false | number | string;
  /** On SIGTERM/SIGINT, requests in flight get this long to finish before their connections are closed. */
  readonly shutdownGraceMs: number;
  readonly logLevel: LogLevel;
  /** The key set to verify personal proofs with (a `realdid ceremony finalize` folder); default: the package's published keys. */
  readonly keys?: string;
  /** The business circuit's key set, for sites with a `business` policy; default: the package's published business keys. */
  readonly businessKeys?: string;
  /**
   * The Ed25519 key that signs receipts (realdid-verifier-key/1). Created on first start if
   * missing; every instance behind one name must share the file.
   */
  readonly receiptKeyFile: string;
  /** The environment variable holding the passphrase that seals the receipt key file (unset: the key is kept in the clear, with a warning). */
  readonly receiptKeyPassphraseEnv?: string;
  readonly sites: ReadonlyMap<string, SiteConfig>;
  /** "Sign in with RealDID": the OpenID Provider, when configured. */
  readonly oidc?: OidcConfig;
}

/** A website registered with the OpenID Provider. */
export interface OidcClientConfig {
  readonly clientId: string;
  /** The environment variable holding its client secret; absent for a public client (PKCE only, no secret). */
  readonly clientSecretEnv?: string;
  /** Shown to the person in the wallet: the website they are logging into. */
  readonly name: string;
  /** The configured site whose policy a login proves, and the (one-per-person) action, if any. */
  readonly site: string;
  readonly action: string | null;
  readonly redirectUris: readonly string[];
}

export interface OidcConfig {
  /** The provider's issuer URL; its path is where the service mounts it (e.g. http://127.0.0.1:8080/oidc). */
  readonly issuer: string;
  /** The citizen's wallet: the browser is sent to `${walletUrl}#login=…`. */
  readonly walletUrl: string;
  /** Signing and cookie keys (realdid-oidc-keys/1), created on first start; every instance behind the issuer shares it. */
  readonly keysFile: string;
  /** The environment variable whose passphrase seals the keys file (default: receiptKeyPassphraseEnv). */
  readonly keysPassphraseEnv?: string;
  readonly clients: readonly OidcClientConfig[];
}

export interface ServiceLimits {
  /** Challenges one client (IP address, see trustProxy) may ask for. */
  readonly challengesPerClient: RateLimit;
  /** Challenges asked for one site, by all clients together. */
  readonly challengesPerSite: RateLimit;
  /** Challenges issued and not yet expired (used or not), across all instances: the challenge table's bound. */
  readonly maxUnexpiredChallenges: number;
}

const LOG_LEVELS = ["fatal", "error", "warn", "info", "debug", "trace", "silent"] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

const EnvName = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, "must be an environment variable's name");
const HttpUrl = z.url({ protocol: /^https?$/, error: "must be an http(s) URL" });
/** The service's own routes (app.ts): the provider, mounted at the issuer's path, must not sit on or under them (express matches paths case-insensitively). */
const SERVICE_ROUTES = ["/v1", "/livez", "/readyz", "/healthz", "/metrics"];
const issuerPathIsFree = (url: string) => {
  const path = new URL(url).pathname.toLowerCase();
  return path !== "/" && !SERVICE_ROUTES.some((route) => path === route || path.startsWith(`${route}/`));
};
const OidcSchema = z.strictObject({
  issuer: HttpUrl.refine((url) => !/[?#]/.test(url) && !url.endsWith("/"), "must be an http(s) URL without a query, fragment or trailing slash").refine(
    issuerPathIsFree,
    `must have a path of its own, where the service mounts the provider (e.g. http://127.0.0.1:8080/oidc), not empty and not on or under ${SERVICE_ROUTES.join(", ")}`,
  ),
  walletUrl: HttpUrl.refine((url) => !url.includes("#"), "must be an http(s) URL without a fragment"),
  keysFile: z.string().min(1).default("oidc-keys.json"),
  keysPassphraseEnv: EnvName.optional(),
  clients: z
    .array(
      z.strictObject({
        clientId: z.string().regex(/^[A-Za-z0-9._-]{1,64}$/, "must be 1 to 64 letters, digits, '.', '_' or '-'"),
        clientSecretEnv: EnvName.optional(),
        name: z.string().min(1).max(100),
        site: z.string(),
        action: z.string().nullable().default(null),
        redirectUris: z.array(HttpUrl.refine((url) => !url.includes("#"), "must not carry a fragment")).min(1),
      }),
    )
    .min(1)
    .refine((clients) => new Set(clients.map((c) => c.clientId)).size === clients.length, "client ids must be unique"),
});

const int = (min: number, max: number) => z.number().int().min(min).max(max);
const Window = z.strictObject({ points: int(1, 1_000_000_000), seconds: int(1, 86_400) });
/** The options added for running under faults and abuse, checked by one schema (names the field that is wrong). */
const OperationsSchema = z.object({
  limits: z
    .strictObject({
      challengesPerClient: Window.default({ points: 1000, seconds: 10 }),
      challengesPerSite: Window.default({ points: 2000, seconds: 10 }),
      maxUnexpiredChallenges: int(1, 100_000_000).default(100_000),
    })
    .prefault({}),
  trustProxy: z.union([z.literal(false), int(0, 100), z.string().min(1)]).default(false),
  shutdownGraceSeconds: int(0, 600).default(10),
  logLevel: z.enum(LOG_LEVELS).default("info"),
  receiptKeyPassphraseEnv: EnvName.optional(),
  oidc: OidcSchema.optional(),
  ledger: z.object({
    maxAnswerBytes: int(1024, 1024 * 1024 * 1024).default(16 * 1024 * 1024),
    timeoutSeconds: int(1, 600).default(10),
    unknownRootPullSeconds: int(0, 3600).default(5),
  }),
});

const NAME = /^[a-z0-9][a-z0-9._-]{0,63}$/;

function apiKeyHashes(value: unknown, bad: (message: string) => never): string[] {
  if (value === undefined) return [];
  if (!Array.isArray(value) || !value.every((h) => typeof h === "string" && /^[0-9a-f]{64}$/.test(h))) {
    return bad("apiKeySha256 must be a list of SHA-256 hashes (64 hex characters) of the API keys");
  }
  return value;
}

/** The scope a proof for a site (and action) is bound to: the DID address and nullifier live in it. */
export const scopeFor = (site: SiteConfig, action: string | null): string => (action === null ? site.policy.scope : `${site.policy.scope}/${action}`);

/**
 * Reads the service configuration (JSON). Relative paths are taken from `baseDir`, the
 * config file's folder. Example: config/verifier.example.json.
 */
export function parseServiceConfig(value: unknown, baseDir: string): ServiceConfig {
  const bad = (message: string): never => {
    throw new RealDidError("invalid_argument", `config: ${message}`);
  };
  const c = (typeof value === "object" && value !== null ? value : bad("must be a JSON object")) as Record<string, any>;
  const number = (name: string, fallback: number, min: number, max: number): number => {
    const v = c[name] ?? fallback;
    return typeof v === "number" && Number.isInteger(v) && v >= min && v <= max ? v : bad(`${name} must be an integer from ${min} to ${max}`);
  };
  const path = (p: unknown, name: string): string => (typeof p === "string" && p !== "" ? (isAbsolute(p) || /^[a-z][a-z0-9+.-]*:\/\//.test(p) ? p : resolve(baseDir, p)) : bad(`${name} must be a non-empty string`));
  if (typeof c.sites !== "object" || c.sites === null || Object.keys(c.sites).length === 0) bad("sites must name at least one site");
  const sites = new Map<string, SiteConfig>();
  for (const [id, raw] of Object.entries(c.sites as Record<string, any>)) {
    if (!NAME.test(id)) bad(`site name "${id}" must be lowercase letters, digits, ".", "_" or "-"`);
    const { actions = {}, allowMessageProofs = false, ...policyFields } = raw ?? {};
    if (typeof allowMessageProofs !== "boolean") bad(`sites.${id}.allowMessageProofs must be true or false`);
    const actionMap = new Map<string, ActionConfig>();
    for (const [name, action] of Object.entries(actions as Record<string, any>)) {
      if (!NAME.test(name)) bad(`sites.${id}.actions: action name "${name}" must be lowercase letters, digits, ".", "_" or "-"`);
      actionMap.set(name, { onePerPerson: action?.onePerPerson === true });
    }
    let policy: Policy;
    try {
      policy = parsePolicy(policyFields);
    } catch (error) {
      return bad(`sites.${id}: ${(error as Error).message}`);
    }
    sites.set(id, { id, policy, actions: actionMap, allowMessageProofs });
  }
  const ledger = c.ledger ?? bad("ledger is required: { source, registrarKey }");
  if (ledger.registrarKey !== undefined && !/^[0-9a-f]{64}$/.test(ledger.registrarKey)) bad("ledger.registrarKey must be 64 hex characters");
  const syncSeconds = ledger.syncSeconds ?? 10;
  if (!Number.isInteger(syncSeconds) || syncSeconds < 1 || syncSeconds > 3600) bad("ledger.syncSeconds must be an integer from 1 to 3600");
  if (c.trustProxy === true) {
    bad('trustProxy: true would let any client choose its address in X-Forwarded-For and escape the per-client limit; give the number of proxies in front of the service (e.g. 1) or their addresses (e.g. "loopback" or "10.0.0.0/8")');
  }
  const operations = parseDocument(OperationsSchema, c, "config");
  operations.oidc?.clients.forEach((client, i) => {
    const site = sites.get(client.site) ?? bad(`oidc.clients[${i}].site: no site "${client.site}" is configured`);
    if (client.action !== null && !site.actions.has(client.action)) bad(`oidc.clients[${i}].action: site ${site.id} has no action "${client.action}"`);
  });
  return {
    host: typeof c.host === "string" ? c.host : "127.0.0.1",
    port: number("port", 8080, 0, 65535),
    database: path(c.database ?? "data/verifier", "database"),
    workers: number("workers", 2, 1, 64),
    challengeTtlMs: number("challengeTtlSeconds", 300, 1, 86400) * 1000,
    bodyLimitBytes: number("bodyLimitBytes", 64 * 1024, 1024, 16 * 1024 * 1024),
    apiKeyHashes: apiKeyHashes(c.apiKeySha256, bad),
    ledger: {
      source: path(ledger.source, "ledger.source"),
      registrarKey: ledger.registrarKey,
      syncIntervalMs: syncSeconds * 1000,
      maxAnswerBytes: operations.ledger.maxAnswerBytes,
      timeoutMs: operations.ledger.timeoutSeconds * 1000,
      unknownRootPullIntervalMs: operations.ledger.unknownRootPullSeconds * 1000,
    },
    limits: operations.limits,
    trustProxy: operations.trustProxy,
    shutdownGraceMs: operations.shutdownGraceSeconds * 1000,
    logLevel: operations.logLevel,
    ...(c.keys !== undefined && { keys: path(c.keys, "keys") }),
    ...(c.businessKeys !== undefined && { businessKeys: path(c.businessKeys, "businessKeys") }),
    receiptKeyFile: path(c.receiptKey ?? "verifier-key.json", "receiptKey"),
    ...(operations.receiptKeyPassphraseEnv !== undefined && { receiptKeyPassphraseEnv: operations.receiptKeyPassphraseEnv }),
    sites,
    ...(operations.oidc !== undefined && { oidc: { ...operations.oidc, keysFile: path(operations.oidc.keysFile, "oidc.keysFile") } }),
  };
}
