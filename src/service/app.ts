import { createHash, randomUUID, timingSafeEqual } from "node:crypto";
import express, { type NextFunction, type Request, type Response } from "express";
import type { Logger } from "pino";
import { z } from "zod";
import { realDidDocument } from "../did/did-document.js";
import { isPairwiseDid, verifierDid } from "../did/did-uri.js";
import type { RealDidError } from "../errors.js";
import { Decimal } from "../formats/fields.js";
import { parseDocument } from "../formats/schema.js";
import { ProofDocumentSchema } from "../proof/proof-document.js";
import { malformed, refusalFor, ServiceError } from "./service-error.js";
import type { mountOidcProvider, OidcDeps } from "./oidc-provider.js";
import { SiteVerification, type VerificationDeps } from "./site-verification.js";

export interface ServiceDeps extends VerificationDeps {
  /** Structured log: one line per request (with its request id) and every internal error. */
  readonly logger: Logger;
  /**
   * The OpenID Provider's keys and client secrets, when the config has an `oidc` section, and
   * its mount (loaded only then: oidc-provider prints a runtime warning on Node 20 when imported).
   */
  readonly oidc?: Pick<OidcDeps, "secrets" | "clientSecrets"> & { readonly mount: typeof mountOidcProvider };
}

/** A request id a client or proxy sent is kept if it is plain (it ends up in logs); otherwise a new one is made. */
const REQUEST_ID = /^[\w.:@-]{1,128}$/;

const Name = z.string().max(64);
/** POST /v1/challenges */
const ChallengeBody = z.strictObject({ site: Name, action: Name.optional() });
/**
 * POST /v1/verify: a proof document (realdid-proof/2) and either the challenge it answers,
 * or, for sites that allow it, the site and the message whose hash is its challenge.
 */
const ChallengeVerifyBody = z.strictObject({ challenge: Decimal, proof: ProofDocumentSchema });
const MessageVerifyBody = z.strictObject({ site: Name, action: Name.optional(), message: z.string().max(1024), proof: ProofDocumentSchema });
const verifyBodySchema = (value: unknown) => (typeof value === "object" && value !== null && "message" in value ? MessageVerifyBody : ChallengeVerifyBody);

/** GET /v1/receipts: a site's receipts for one pairwise DID. */
const ReceiptsQuery = z.strictObject({ site: Name, did: z.string().refine(isPairwiseDid, "must be a pairwise DID (did:realdid:pairwise: and 64 lowercase hex digits)") });

/** A body checked against its schema; a mismatch is a 400 that names the field. */
function body<S extends z.ZodType>(schema: S, value: unknown, what: string): z.output<S> {
  try {
    return parseDocument(schema, value, what);
  } catch (error) {
    throw malformed((error as RealDidError).message);
  }
}

/**
 * The verifier service's HTTP API, for relying parties (website backends):
 *   POST /v1/challenges   {site, action?}                      -> a single-use challenge
 *   POST /v1/verify       {challenge, proof}                   -> the verified identity facts
 *                         {site, action?, message, proof}      -> same, for message-bound proofs
 *   GET  /v1/sites/:site  the site's public policy (what a prover must answer)
 *   GET  /v1/receipts?site=&did=  receipts of the site's OpenID logins by a pairwise DID
 *   GET  /v1/did          the service's DID document (did:realdid:verifier: its receipt key), open to all
 *   <issuer path>/…       the OpenID Provider (oidc-provider.ts), when configured
 *   GET  /livez          liveness: the process answers
 *   GET  /readyz         readiness: database and ledger replica usable (503 with the problems if not); /healthz is an alias
 *   GET  /metrics
 */
export function createApp(deps: ServiceDeps): express.Express {
  const { config, store, replica, metrics, logger } = deps;
  const app = express();
  app.disable("x-powered-by");
  app.set("trust proxy", config.trustProxy);
  // A request id per request (the caller's X-Request-Id if plain), echoed back and on every log line about it.
  app.use((req, res, next) => {
    const asked = req.get("x-request-id");
    const id = asked !== undefined && REQUEST_ID.test(asked) ? asked : randomUUID();
    res.setHeader("X-Request-Id", id);
    res.locals.log = logger.child({ reqId: id });
    const started = performance.now();
    res.on("finish", () => res.locals.log.info({ method: req.method, path: req.originalUrl.slice(0, 256), status: res.statusCode, ms: Math.round(performance.now() - started) }, "request"));
    next();
  });
  // Public like the receipt key it names: whoever holds a receipt checks it against this DID.
  app.get("/v1/did", (_req, res) => void res.json(realDidDocument(verifierDid(deps.receiptSigner.publicKey))));
  // Relying parties authenticate before anything is parsed; health and metrics stay open.
  app.use("/v1", (req, _res, next) => {
    if (config.apiKeyHashes.length === 0) return next();
    const key = /^Bearer (\S+)$/.exec(req.get("authorization") ?? "")?.[1];
    const presented = key === undefined ? undefined : Buffer.from(createHash("sha256").update(key).digest("hex"));
    const known = presented !== undefined && config.apiKeyHashes.some((hash) => timingSafeEqual(Buffer.from(hash), presented));
    next(known ? undefined : new ServiceError("unauthorized", "a valid API key is required: Authorization: Bearer <key>"));
  });
  const verification = new SiteVerification(deps);
  // The provider parses its own bodies (form posts), so it is mounted before the JSON parser.
  if (config.oidc !== undefined && deps.oidc !== undefined) deps.oidc.mount(app, { ...deps.oidc, config, oidc: config.oidc, store, verification, logger, now: deps.now });
  app.use(express.json({ limit: config.bodyLimitBytes, strict: true }));

  app.post("/v1/challenges", async (req, res) => {
    const asked = body(ChallengeBody, req.body, "challenge request");
    const site = verification.site(asked.site);
    res.status(201).json(await verification.issueChallenge(req.ip ?? "unknown", site, verification.action(site, asked.action)));
  });

  app.get("/v1/sites/:site", (req, res) => {
    res.json(verification.siteRequest(verification.site(req.params.site), null));
  });

  app.post("/v1/verify", async (req, res) => {
    res.json(await verification.verify(req.body, (value) => body(verifyBodySchema(value), value, "verification request")));
  });

  // The receipts of logins through the OpenID Provider (the site never saw those proofs), for the site's regulator requests.
  app.get("/v1/receipts", async (req, res) => {
    const asked = body(ReceiptsQuery, req.query, "receipts query");
    const site = verification.site(asked.site);
    const receipts = await store.receipts(site.id, asked.did);
    res.json({ site: site.id, did: asked.did, receipts: receipts.map((stored) => stored.receipt) });
  });

  // Liveness: the process answers (restart it if not). Readiness: it can do its work now
  // (send it traffic if so): the database answers and the ledger replica has entries.
  const live = (_req: Request, res: Response) => void res.json({ status: "ok" });
  const ready = async (_req: Request, res: Response) => {
    const problems: string[] = [];
    // Readiness is unauthenticated: the database's own words (host, user, database names) go to the log only.
    const storeState = await store.ping().then(
      () => "ok",
      (error) => {
        res.locals.log.warn({ detail: (error as Error).message }, "readiness: the database does not answer");
        problems.push("store_unavailable: the database does not answer (details in the service log)");
        return "unavailable";
      },
    );
    if (replica.ledger.length === 0) problems.push(`ledger_empty: no verified ledger entries yet${replica.lastError ? ` (${replica.lastError})` : ""}`);
    const head = replica.ledger.head;
    res.status(problems.length === 0 ? 200 : 503).json({
      status: problems.length === 0 ? "ok" : "unavailable",
      ...(problems.length > 0 && { problems }),
      store: storeState,
      ledger: { entries: replica.ledger.length, head: head?.seq ?? null, lastSyncError: replica.lastError ?? null, rollback: replica.rollback ?? null },
    });
  };
  app.get(["/livez", "/healthz/live"], live);
  app.get(["/readyz", "/healthz/ready", "/healthz"], ready); // /healthz: readiness, so a load balancer probing it stops sending traffic during an outage

  app.get("/metrics", async (_req, res) => {
    res.type(metrics.contentType).send(await metrics.render());
  });

  app.use((_req, _res, next) => next(new ServiceError("not_found", "no such endpoint")));

  // Every error becomes {error: {code, message}}: body-parser's too, never an HTML page or a stack.
  app.use((error: any, _req: Request, res: Response, _next: NextFunction) => {
    const log: Logger = res.locals.log ?? logger;
    let refusal = refusalFor(error, config.bodyLimitBytes);
    if (refusal === undefined) {
      log.error({ err: error }, "internal error");
      refusal = new ServiceError("internal_error", "internal error");
    }
    if (refusal.code === "store_unavailable") log.warn({ code: refusal.code, detail: refusal.message }, "database unavailable");
    metrics.refused(refusal.code);
    if (refusal.retryAfterSeconds !== undefined) res.setHeader("Retry-After", String(refusal.retryAfterSeconds));
    res.status(refusal.status).json({ error: { code: refusal.code, message: refusal.message } });
  });
  return app;
}
