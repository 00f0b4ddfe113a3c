import { createServer, type RequestListener } from "node:http";
import type { AddressInfo } from "node:net";
import { type Logger, pino } from "pino";
import { BUSINESS_CIRCUIT } from "../artifacts/circuit-id.js";
import type { CircuitArtifacts } from "../artifacts/artifacts.js";
import { loadArtifacts } from "../artifacts/load.js";
import { RealDidError } from "../errors.js";
import { openOrCreateSigningKeyFile } from "../signed-log/signing-key-file.js";
import { passphraseFromEnv } from "../files.js";
import { createApp } from "./app.js";
import { ChallengeLimiter } from "./challenge-limiter.js";
import type { LogLevel, OidcConfig, ServiceConfig } from "./config.js";
import { openOrCreateOidcKeys } from "./oidc-keys.js";
import { LedgerReplica } from "./ledger-replica.js";
import { ledgerSource } from "./ledger-source.js";
import { ServiceMetrics } from "./metrics.js";
import { PostgresVerifierStore, type PostgresStoreOptions } from "./postgres-store.js";
import { SqliteVerifierStore } from "./sqlite-store.js";
import type { VerifierStore } from "./store.js";
import { batchingCheck } from "./verify-batcher.js";
import { VerifyPool } from "./verify-pool.js";

/** The verifier service's receipt key file format. */
const RECEIPT_KEY_FORMAT = "realdid-verifier-key/1";
/** Expired challenges are purged this often (or every TTL, if shorter), which bounds the challenge table. */
const PURGE_INTERVAL_MS = 60_000;
/** Liveness answers 200 from the moment the port is taken (app.ts serves them once ready). */
const LIVENESS_PATHS = new Set(["/livez", "/healthz/live"]);
/** A request's headers must be in within this, its whole body within REQUEST_TIMEOUT_MS. */
const HEADERS_TIMEOUT_MS = 10_000;
const REQUEST_TIMEOUT_MS = 30_000;

export interface RunningService {
  readonly url: string;
  /** The key id it verifies personal proofs with, and the public key its receipts are signed with. */
  readonly keyId: string;
  /** The key id it verifies business proofs with, when a site has a business policy. */
  readonly businessKeyId?: string;
  readonly receiptKey: string;
  readonly replica: LedgerReplica;
  /** Stops taking connections, lets requests in flight finish (up to shutdownGraceSeconds), then closes workers and store. */
  close(): Promise<void>;
}

/** The service's structured log: JSON lines on stderr (pino). */
export const serviceLogToStderr = (level: LogLevel): Logger => pino({ base: undefined, level }, pino.destination({ dest: 2, sync: true }));

export const openStore = async (database: string, options: PostgresStoreOptions = {}): Promise<VerifierStore> =>
  /^postgres(ql)?:\/\//.test(database) ? PostgresVerifierStore.open(database, options) : SqliteVerifierStore.open(database);

/** The OpenID Provider's keys (created on first start) and its clients' secrets, from the environment variables the config names. */
function openOidcSecrets(oidc: OidcConfig, receiptKeyPassphraseEnv: string | undefined, logger: Logger) {
  const passphraseEnv = oidc.keysPassphraseEnv ?? receiptKeyPassphraseEnv;
  const option = oidc.keysPassphraseEnv !== undefined ? "oidc.keysPassphraseEnv" : "receiptKeyPassphraseEnv";
  const passphrase = passphraseFromEnv(passphraseEnv, `${option} in the service config`);
  const { secrets, created } = openOrCreateOidcKeys(oidc.keysFile, passphrase, `${option} in the service config`);
  if (passphrase === undefined) logger.warn({ file: oidc.keysFile }, "the OpenID Provider keys are kept in the clear: set oidc.keysPassphraseEnv (or receiptKeyPassphraseEnv) in the config to seal them");
  if (created) logger.info({ file: oidc.keysFile }, "created the OpenID Provider keys; every instance behind this issuer must use the same file");
  const clientSecrets = new Map<string, string>();
  oidc.clients.forEach((client, i) => {
    const secret = passphraseFromEnv(client.clientSecretEnv, `oidc.clients[${i}].clientSecretEnv`);
    if (secret !== undefined) clientSecrets.set(client.clientId, secret);
  });
  return { secrets, clientSecrets };
}

/**
 * Starts the verifier service: store, ledger replica (pulled now and every
 * syncInterval), verification keys on a worker pool, rate limits and the HTTP API.
 * `log` is a pino logger, or a function that gets each JSON log line. If any step fails
 * (a busy port included) what was opened is closed again, so the process can exit.
 */
export async function startVerifierService(config: ServiceConfig, log: Logger | ((line: string) => void)): Promise<RunningService> {
  const logger = typeof log === "function" ? pino({ base: undefined, level: config.logLevel }, { write: (line: string) => log(line.trimEnd()) }) : log;
  const undo: (() => unknown)[] = [];
  try {
    // The port first: a busy port is reported at once, before minutes of store, ledger and key set-up.
    // Until the service is ready it is live (the process answers) but every other request is 503 service_starting.
    let handle: RequestListener = (req, res) => {
      if (LIVENESS_PATHS.has((req.url ?? "").split("?")[0])) return void res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ status: "ok" }));
      res.writeHead(503, { "content-type": "application/json", "retry-after": "1" }).end(JSON.stringify({ error: { code: "service_starting", message: "the service is starting" } }));
    };
    const server = createServer((req, res) => handle(req, res));
    // A client that never finishes its headers or body is cut off instead of holding a socket.
    server.headersTimeout = HEADERS_TIMEOUT_MS;
    server.requestTimeout = REQUEST_TIMEOUT_MS;
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject).listen(config.port, config.host, () => {
        server.off("error", reject);
        resolve();
      });
    }).catch((error) => {
      if (error.code === "EADDRINUSE") throw new RealDidError("io_error", `cannot listen on ${config.host}:${config.port}: the address is already in use`);
      if (error.code === "EACCES" || error.code === "EADDRNOTAVAIL") throw new RealDidError("io_error", `cannot listen on ${config.host}:${config.port}: ${error.code}`);
      throw error;
    });
    // Listening: a later server error (rare: the listening socket failing) is logged, not thrown at nobody.
    server.on("error", (error) => logger.error({ err: error }, "HTTP server error"));
    undo.push(() => {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(resolve));
    });
    let replica: LedgerReplica | undefined;
    const metrics = new ServiceMetrics(() => replica?.ledger.length ?? 0);
    const store = await openStore(config.database, {
      onConnectionError: (error) => {
        metrics.storeConnectionError();
        logger.warn({ detail: error.message }, "a database connection dropped; a new one is opened on demand");
      },
    });
    undo.push(() => store.close());
    replica = await LedgerReplica.open(store, ledgerSource(config.ledger.source, { maxBytes: config.ledger.maxAnswerBytes, timeoutMs: config.ledger.timeoutMs }), config.ledger.registrarKey, {
      unknownRootPullIntervalMs: config.ledger.unknownRootPullIntervalMs,
      onPull: () => metrics.ledgerPull(),
      onRollback: (rollback) => {
        metrics.ledgerRollback();
        logger.error({ rollback }, "ledger source rolled back; refused, keeping the verified ledger");
      },
    });
    const ledger = replica;
    await ledger.sync().catch((error) => logger.warn({ source: config.ledger.source, detail: (error as Error).message }, "ledger sync failed (will retry)"));
    ledger.startPolling(config.ledger.syncIntervalMs, (message) => logger.warn({ detail: message }, "ledger sync failed"));
    undo.push(() => ledger.stopPolling());
    // An expired challenge can never be claimed: it is deleted at the next purge (a late proof for it is then challenge_unknown).
    const pruner = setInterval(
      () =>
        Promise.all([store.pruneChallenges(new Date()), store.pruneOidcRecords(new Date())]).catch((error) => logger.warn({ detail: (error as Error).message }, "challenge purge failed")),
      Math.min(PURGE_INTERVAL_MS, config.challengeTtlMs),
    );
    pruner.unref();
    undo.push(() => clearInterval(pruner));
    const artifacts = loadArtifacts({ dir: config.keys, warn: (line) => logger.warn(line) });
    // The business circuit's keys (and their workers) only when some site asks for business logins.
    const hasBusinessSites = [...config.sites.values()].some((site) => site.policy.business !== undefined);
    const businessArtifacts = hasBusinessSites ? loadArtifacts({ circuit: BUSINESS_CIRCUIT, dir: config.businessKeys, warn: (line) => logger.warn(line) }) : undefined;
    const receiptPassphrase = passphraseFromEnv(config.receiptKeyPassphraseEnv, "receiptKeyPassphraseEnv");
    const receiptKey = openOrCreateSigningKeyFile(config.receiptKeyFile, RECEIPT_KEY_FORMAT, receiptPassphrase, "receiptKeyPassphraseEnv in the service config");
    if (receiptPassphrase === undefined) logger.warn({ file: config.receiptKeyFile }, "the receipt signing key is kept in the clear: set receiptKeyPassphraseEnv in the config to seal it");
    if (receiptKey.created) logger.info({ file: config.receiptKeyFile, publicKey: receiptKey.signer.publicKey }, "created the receipt signing key; every instance of this service must use the same file");
    const oidc = config.oidc && { ...openOidcSecrets(config.oidc, config.receiptKeyPassphraseEnv, logger), mount: (await import("./oidc-provider.js")).mountOidcProvider };
    const limiter = await ChallengeLimiter.create(store, config.limits);
    // One pool per circuit: a worker holds one decoded verification key and batches proofs made with it.
    const pools: VerifyPool[] = [];
    const verifierOf = async (keys: CircuitArtifacts) => {
      const pool = await VerifyPool.create(keys.verificationKey, config.workers);
      pools.push(pool);
      undo.push(() => pool.close());
      return { keyId: keys.keyId, check: batchingCheck(pool) };
    };
    const personal = await verifierOf(artifacts);
    const business = businessArtifacts && (await verifierOf(businessArtifacts));
    handle = createApp({ config, store, replica: ledger, personal, ...(business && { business }), metrics, receiptSigner: receiptKey.signer, limiter, logger, oidc });
    const { port } = server.address() as AddressInfo;
    const url = `http://${config.host}:${port}`;
    logger.info({ url, keyId: artifacts.keyId, businessKeyId: businessArtifacts?.keyId, ledgerEntries: ledger.ledger.length }, "verifier service listening");
    const shutDown = async () => {
      logger.info("shutting down: finishing requests in flight");
      ledger.stopPolling();
      clearInterval(pruner);
      await new Promise<void>((resolve) => {
        // No new connections; a keep-alive connection is closed as soon as its answer is out (idle), every one after the grace period.
        const idle = setInterval(() => server.closeIdleConnections(), 100);
        const force = setTimeout(() => server.closeAllConnections(), config.shutdownGraceMs);
        server.close(() => {
          clearInterval(idle);
          clearTimeout(force);
          resolve();
        });
        server.closeIdleConnections();
      });
      await Promise.all(pools.map((pool) => pool.close()));
      await store.close();
      logger.info("shut down");
    };
    let closing: Promise<void> | undefined; // a second signal waits for the same shutdown
    return {
      url,
      keyId: artifacts.keyId,
      ...(businessArtifacts && { businessKeyId: businessArtifacts.keyId }),
      receiptKey: receiptKey.signer.publicKey,
      replica: ledger,
      close: () => (closing ??= shutDown()),
    };
  } catch (error) {
    for (const step of undo.reverse()) await Promise.resolve(step()).catch(() => undefined);
    throw error;
  }
}
