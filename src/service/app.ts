import { createHash, randomUUID, timingSafeEqual } from "node:crypto";
import express, { type NextFunction, type Request, type Response } from "express";
import type { Logger } from "pino";
import { z } from "zod";
import { escrowJson } from "../crypto/escrow.js";
import { type ErrorCode, RealDidError } from "../errors.js";
import { Decimal } from "../formats/fields.js";
import { parseDocument } from "../formats/schema.js";
import { describePredicates, policyRequest } from "../policy/policy.js";
import { ProofDocumentSchema } from "../proof/proof-document.js";
import { challengeForMessage, randomChallenge } from "../proof/request.js";
import { requestDocument } from "../proof/request-document.js";
import { type ProofCheck, type VerificationResult, verifyProof } from "../proof/verifier.js";
import { signReceipt } from "../receipt/receipt.js";
import type { LogSigner } from "../signed-log/signed-log.js";
import { type ServiceConfig, type SiteConfig, scopeFor } from "./config.js";
import type { LedgerReplica } from "./ledger-replica.js";
import type { ChallengeLimiter, OverLimit } from "./challenge-limiter.js";
import type { ServiceMetrics } from "./metrics.js";
import { isStoreUnavailable } from "./store-errors.js";
import type { VerifierStore } from "./store.js";

export interface ServiceDeps {
  readonly config: ServiceConfig;
  readonly store: VerifierStore;
  readonly replica: LedgerReplica;
  readonly check: ProofCheck;
  readonly metrics: ServiceMetrics;
  /** The key id of the keys `check` verifies with: proofs, requests and receipts carry it. */
  readonly keyId: string;
  /** Signs the receipts sites keep. */
  readonly receiptSigner: LogSigner;
  /** Rate limits on challenge issuance. */
  readonly limiter: ChallengeLimiter;
  /** Structured log: one line per request (with its request id) and every internal error. */
  readonly logger: Logger;
  readonly now?: () => Date;
}

type ServiceErrorCode =
  | ErrorCode
  | "malformed_request"
  | "unauthorized"
  | "payload_too_large"
  | "unknown_site"
  | "unknown_action"
  | "challenge_unknown"
  | "challenge_used"
  | "challenge_expired"
  | "nullifier_used"
  | "message_proofs_disabled"
  | "not_found"
  | "rate_limited"
  | "challenges_exhausted"
  | "internal_error";

const STATUS: Partial<Record<ServiceErrorCode, number>> = {
  malformed_request: 400,
  payload_too_large: 413,
  unauthorized: 401,
  unknown_site: 404,
  unknown_action: 404,
  challenge_unknown: 404,
  not_found: 404,
  challenge_used: 409,
  nullifier_used: 409,
  challenge_expired: 410,
  message_proofs_disabled: 403,
  rate_limited: 429,
  internal_error: 500,
  store_unavailable: 503,
  challenges_exhausted: 503,
  verifier_busy: 503,
};

/** A refusal with a stable code; the error handler turns it into {error: {code, message}}. */
class ServiceError extends Error {
  constructor(
    readonly code: ServiceErrorCode,
    message: string,
    /** Sent as Retry-After: when asking again may work. */
    readonly retryAfterSeconds?: number,
  ) {
    super(message);
  }
  get status(): number {
    return STATUS[this.code] ?? 422; // proof-level refusals: the request was well formed, the proof was not acceptable
  }
}

const malformed = (message: string) => new ServiceError("malformed_request", message);
/** A failing database: the client may retry in a few seconds (the store reconnects by itself). */
const STORE_RETRY_SECONDS = 5;
/** Saturated or replacing a worker: proofs drain in well under a second. */
const VERIFIER_RETRY_SECONDS = 1;
const storeUnavailable = (message: string) => new ServiceError("store_unavailable", message, STORE_RETRY_SECONDS);
/** A client's value quoted in an error message, cut to SHOWN_CHARS (a path segment can be as long as the URL). */
const SHOWN_CHARS = 64;
const shown = (value: unknown): string => {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > SHOWN_CHARS ? `${text.slice(0, SHOWN_CHARS)}…` : text;
};
/** A request id a client or proxy sent is kept if it is plain (it ends up in logs); otherwise a new one is made. */
const REQUEST_ID = /^[\w.:@-]{1,128}$/;

/** The client's mistakes that body-parser reports: a body that does not decompress, an unsupported encoding, an aborted upload. */
function bodyParserMistake(error: any): string | undefined {
  if (typeof error?.code === "string" && /^(Z_|ERR__ERROR|ERR_BROTLI)/.test(error.code)) return `the body does not decompress as its Content-Encoding says (${error.message})`;
  if (error?.type === "encoding.unsupported") return String(error.message);
  if (error?.type === "request.aborted") return "the request was aborted before its body was complete";
  return undefined;
}

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
 *   GET  /livez          liveness: the process answers
 *   GET  /readyz         readiness: database and ledger replica usable (503 with the problems if not); /healthz is an alias
 *   GET  /metrics
 */
export function createApp(deps: ServiceDeps): express.Express {
  const { config, store, replica, check, metrics, keyId, receiptSigner, limiter, logger } = deps;
  const now = deps.now ?? (() => new Date());
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
  // Relying parties authenticate before anything is parsed; health and metrics stay open.
  app.use("/v1", (req, _res, next) => {
    if (config.apiKeyHashes.length === 0) return next();
    const key = /^Bearer (\S+)$/.exec(req.get("authorization") ?? "")?.[1];
    const presented = key === undefined ? undefined : Buffer.from(createHash("sha256").update(key).digest("hex"));
    const known = presented !== undefined && config.apiKeyHashes.some((hash) => timingSafeEqual(Buffer.from(hash), presented));
    next(known ? undefined : new ServiceError("unauthorized", "a valid API key is required: Authorization: Bearer <key>"));
  });
  app.use(express.json({ limit: config.bodyLimitBytes, strict: true }));

  const siteOf = (id: unknown): SiteConfig => {
    const site = typeof id === "string" ? config.sites.get(id) : undefined;
    if (!site) throw new ServiceError("unknown_site", `no site ${shown(id)} is configured`);
    return site;
  };
  const actionOf = (site: SiteConfig, action: unknown): string | null => {
    if (action === undefined || action === null) return null;
    if (typeof action !== "string" || !site.actions.has(action)) throw new ServiceError("unknown_action", `site ${site.id} has no action ${shown(action)}`);
    return action;
  };
  /** What the site asks, as the request document a prover reads (realdid-request/1). */
  const siteRequest = (site: SiteConfig, action: string | null, day: string, issued?: { challenge: bigint; expiresAt: Date }) =>
    requestDocument(site.policy, { keyId, day, site: site.id, action, scope: scopeFor(site, action), ...issued, ...(issued === undefined && { actions: Object.fromEntries(site.actions) }) });

  /** Refuses with rate_limited (and when to come back) once a limit is used up. */
  const withinLimit = async (consumed: Promise<OverLimit | undefined>) => {
    const over = await consumed;
    if (over) throw new ServiceError("rate_limited", `too many challenge requests (${over.limit}); retry in ${over.retryAfterSeconds} s`, over.retryAfterSeconds);
  };

  app.post("/v1/challenges", async (req, res) => {
    await withinLimit(limiter.client(req.ip ?? "unknown"));
    const asked = body(ChallengeBody, req.body, "challenge request");
    const site = siteOf(asked.site);
    const action = actionOf(site, asked.action);
    await withinLimit(limiter.site(site.id));
    const issuedAt = now();
    const day = issuedAt.toISOString().slice(0, 10);
    const challenge = randomChallenge();
    const expiresAt = new Date(issuedAt.getTime() + config.challengeTtlMs);
    if (!(await store.addChallenge({ challenge: challenge.toString(), site: site.id, action, expiresAt, day }, config.limits.maxUnexpiredChallenges))) {
      // Issued challenges expire and are purged: room comes back within the TTL.
      throw new ServiceError("challenges_exhausted", `${config.limits.maxUnexpiredChallenges} challenges are outstanding, the most this service keeps; retry later`, Math.min(60, Math.ceil(config.challengeTtlMs / 1000)));
    }
    metrics.challengeIssued();
    res.status(201).json(siteRequest(site, action, day, { challenge, expiresAt }));
  });

  app.get("/v1/sites/:site", (req, res) => {
    res.json(siteRequest(siteOf(req.params.site), null, now().toISOString().slice(0, 10)));
  });

  app.post("/v1/verify", async (req, res) => {
    const started = performance.now();
    try {
      res.json(await verifyRequest(req.body));
      metrics.verification((performance.now() - started) / 1000);
    } catch (error) {
      metrics.verification((performance.now() - started) / 1000, refusalFor(error)?.code ?? "internal_error");
      throw error;
    }
  });

  async function verifyRequest(value: unknown) {
    const asked: z.output<typeof ChallengeVerifyBody> | z.output<typeof MessageVerifyBody> = body(verifyBodySchema(value), value, "verification request");
    let site: SiteConfig;
    let action: string | null;
    let challenge: bigint;
    let day: string;
    if ("message" in asked) {
      site = siteOf(asked.site);
      action = actionOf(site, asked.action);
      if (!site.allowMessageProofs) throw new ServiceError("message_proofs_disabled", `site ${site.id} accepts only proofs that answer a challenge it issued`);
      challenge = challengeForMessage(asked.message);
      day = now().toISOString().slice(0, 10);
    } else {
      const claim = await store.claimChallenge(asked.challenge, now());
      if ("refused" in claim) throw new ServiceError(claim.refused, `challenge ${claim.refused.replace("challenge_", "")}`);
      site = siteOf(claim.claimed.site);
      action = claim.claimed.action;
      challenge = BigInt(asked.challenge);
      day = claim.claimed.day; // bounds as of the day the challenge was issued: no midnight race
    }
    const scope = scopeFor(site, action);
    const request = {
      ...policyRequest(site.policy, challenge, day),
      scope,
      keyId,
      rootStatus: (root: bigint) => replica.ledger.rootStatus(root, now().getTime(), site.policy.rootWindowMs),
    };
    let outcome: VerificationResult = await verifyProof(asked.proof, request, check);
    if (!outcome.valid && outcome.code === "unknown_root") {
      // The registrar may have published since the last pull: pull (shared, at most once per interval) and retry.
      await replica.syncForUnknownRoot().catch(() => 0);
      outcome = await verifyProof(asked.proof, request, check);
    }
    if (!outcome.valid) throw new ServiceError(outcome.code, outcome.message);
    if (action !== null && site.actions.get(action)!.onePerPerson) {
      if (!(await store.addNullifier(scope, outcome.didAddress.toString(), now()))) {
        throw new ServiceError("nullifier_used", `this person has already done ${action} at ${site.id}`);
      }
    }
    const { entry } = replica.ledger.lookup(outcome.root)!;
    const predicates = describePredicates(site.policy.predicates);
    const receipt = signReceipt(
      { site: site.id, action, scope, time: now().toISOString(), keyId, didAddress: outcome.didAddress.toString(), root: outcome.root.toString(), ledgerSeq: entry.seq, predicates, proof: asked.proof },
      receiptSigner,
    );
    return {
      valid: true,
      keyId,
      site: site.id,
      action,
      scope,
      didAddress: outcome.didAddress.toString(),
      predicates,
      escrow: escrowJson(outcome.escrow),
      root: outcome.root.toString(),
      ledgerEntry: entry,
      receipt,
    };
  }

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
  /** The refusal an error is answered with; undefined for an internal error (a bug). */
  function refusalFor(error: any): ServiceError | undefined {
    if (error instanceof ServiceError) return error;
    if (error instanceof RealDidError && error.code === "store_unavailable") return storeUnavailable(error.message);
    if (error instanceof RealDidError && error.code === "verifier_busy") return new ServiceError("verifier_busy", error.message, VERIFIER_RETRY_SECONDS);
    if (isStoreUnavailable(error)) return storeUnavailable(`the database is unavailable: ${error.message}`); // a rate limiter's own query
    if (error?.type === "entity.too.large") return new ServiceError("payload_too_large", `the body is larger than ${config.bodyLimitBytes} bytes`);
    if (error?.type === "entity.parse.failed") return malformed("the body is not valid JSON");
    if (bodyParserMistake(error) !== undefined) return malformed(bodyParserMistake(error)!);
    if (error?.status >= 400 && error?.status < 500) return malformed(String(error.message)); // a bad %-escape in the path, or another client mistake express reports
    return undefined;
  }

  app.use((error: any, _req: Request, res: Response, _next: NextFunction) => {
    const log: Logger = res.locals.log ?? logger;
    let refusal = refusalFor(error);
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
