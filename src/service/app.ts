import { createHash, timingSafeEqual } from "node:crypto";
import express, { type NextFunction, type Request, type Response } from "express";
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
import type { ServiceMetrics } from "./metrics.js";
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
  internal_error: 500,
};

/** A refusal with a stable code; the error handler turns it into {error: {code, message}}. */
class ServiceError extends Error {
  constructor(
    readonly code: ServiceErrorCode,
    message: string,
  ) {
    super(message);
  }
  get status(): number {
    return STATUS[this.code] ?? 422; // proof-level refusals: the request was well formed, the proof was not acceptable
  }
}

const malformed = (message: string) => new ServiceError("malformed_request", message);

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
 *   GET  /healthz, GET /metrics
 */
export function createApp(deps: ServiceDeps): express.Express {
  const { config, store, replica, check, metrics, keyId, receiptSigner } = deps;
  const now = deps.now ?? (() => new Date());
  const app = express();
  app.disable("x-powered-by");
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
    if (!site) throw new ServiceError("unknown_site", `no site ${JSON.stringify(id)} is configured`);
    return site;
  };
  const actionOf = (site: SiteConfig, action: unknown): string | null => {
    if (action === undefined || action === null) return null;
    if (typeof action !== "string" || !site.actions.has(action)) throw new ServiceError("unknown_action", `site ${site.id} has no action ${JSON.stringify(action)}`);
    return action;
  };
  /** What the site asks, as the request document a prover reads (realdid-request/1). */
  const siteRequest = (site: SiteConfig, action: string | null, day: string, issued?: { challenge: bigint; expiresAt: Date }) =>
    requestDocument(site.policy, { keyId, day, site: site.id, action, scope: scopeFor(site, action), ...issued, ...(issued === undefined && { actions: Object.fromEntries(site.actions) }) });

  app.post("/v1/challenges", async (req, res) => {
    const asked = body(ChallengeBody, req.body, "challenge request");
    const site = siteOf(asked.site);
    const action = actionOf(site, asked.action);
    const issuedAt = now();
    const day = issuedAt.toISOString().slice(0, 10);
    const challenge = randomChallenge();
    const expiresAt = new Date(issuedAt.getTime() + config.challengeTtlMs);
    await store.addChallenge({ challenge: challenge.toString(), site: site.id, action, expiresAt, day });
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
      metrics.verification((performance.now() - started) / 1000, error instanceof ServiceError ? error.code : "internal_error");
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
      // The registrar may have published since the last pull: pull once and retry.
      await replica.sync().catch(() => 0);
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

  app.get("/healthz", (_req, res) => {
    const head = replica.ledger.head;
    res.json({ status: "ok", ledger: { entries: replica.ledger.length, head: head?.seq ?? null, lastSyncError: replica.lastError ?? null } });
  });

  app.get("/metrics", async (_req, res) => {
    res.type(metrics.contentType).send(await metrics.render());
  });

  app.use((_req, _res, next) => next(new ServiceError("not_found", "no such endpoint")));

  // Every error becomes {error: {code, message}}: body-parser's too, never an HTML page or a stack.
  app.use((error: any, _req: Request, res: Response, _next: NextFunction) => {
    let refusal: ServiceError;
    if (error instanceof ServiceError) refusal = error;
    else if (error?.type === "entity.too.large") refusal = new ServiceError("payload_too_large", `the body is larger than ${config.bodyLimitBytes} bytes`);
    else if (error?.type === "entity.parse.failed") refusal = malformed("the body is not valid JSON");
    else if (error?.status >= 400 && error?.status < 500) refusal = malformed(String(error.message)); // body-parser's, or a bad %-escape in the path
    else {
      process.stderr.write(`realdid verifier: internal error: ${error?.stack ?? error}\n`);
      refusal = new ServiceError("internal_error", "internal error");
    }
    metrics.refused(refusal.code);
    res.status(refusal.status).json({ error: { code: refusal.code, message: refusal.message } });
  });
  return app;
}
