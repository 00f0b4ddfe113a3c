import { createHash, timingSafeEqual } from "node:crypto";
import express, { type NextFunction, type Request, type Response } from "express";
import type { ErrorCode } from "../errors.js";
import { describePredicates, policyRequest } from "../policy/policy.js";
import { challengeForMessage, randomChallenge } from "../proof/request.js";
import { type ProofCheck, type VerificationResult, verifyProof } from "../proof/verifier.js";
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

function field(body: Record<string, unknown>, name: string, kind: "string" | "object", optional = false): any {
  const value = body[name];
  if (value === undefined && optional) return undefined;
  if (kind === "object" ? typeof value !== "object" || value === null || Array.isArray(value) : typeof value !== "string") {
    throw malformed(`field '${name}' must be ${kind === "object" ? "an object" : "a string"}${value === undefined ? " (missing)" : `, received ${Array.isArray(value) ? "array" : typeof value}`}`);
  }
  if (kind === "string" && (value as string).length > 1024) throw malformed(`field '${name}' is longer than 1024 characters`);
  return value;
}

function checkProofShape(proof: any): void {
  const isDecimals = (v: unknown, n: number) => Array.isArray(v) && v.length === n && v.every((x) => typeof x === "string" && /^[0-9]{1,78}$/.test(x));
  const inner = proof.proof;
  if (typeof inner !== "object" || inner === null) throw malformed("field 'proof.proof' must be a Groth16 proof object");
  if (!isDecimals(inner.pi_a, 3) || !isDecimals(inner.pi_c, 3) || !Array.isArray(inner.pi_b) || inner.pi_b.length !== 3 || !inner.pi_b.every((row: unknown) => isDecimals(row, 2))) {
    throw malformed("field 'proof.proof' must have pi_a and pi_c (3 decimal strings) and pi_b (3 pairs)");
  }
  if (!Array.isArray(proof.publicSignals) || !proof.publicSignals.every((x: unknown) => typeof x === "string" && /^[0-9]{1,78}$/.test(x))) {
    throw malformed("field 'proof.publicSignals' must be an array of decimal strings");
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
  const { config, store, replica, check, metrics } = deps;
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
  const publicPolicy = (site: SiteConfig, action: string | null, day: string) => {
    const request = policyRequest(site.policy, 0n, day);
    return {
      site: site.id,
      action,
      scope: scopeFor(site, action),
      predicates: describePredicates(site.policy.predicates),
      bounds: { lo: request.bounds.lo.map(String), hi: request.bounds.hi.map(String) },
      regulatorKey: { x: site.policy.regulatorKey.x.toString(), y: site.policy.regulatorKey.y.toString() },
      rootWindowSeconds: site.policy.rootWindowMs / 1000,
    };
  };

  app.post("/v1/challenges", async (req, res) => {
    const body = req.body ?? {};
    const site = siteOf(field(body, "site", "string"));
    const action = actionOf(site, field(body, "action", "string", true));
    const issuedAt = now();
    const day = issuedAt.toISOString().slice(0, 10);
    const challenge = randomChallenge().toString();
    const expiresAt = new Date(issuedAt.getTime() + config.challengeTtlMs);
    await store.addChallenge({ challenge, site: site.id, action, expiresAt, day });
    metrics.challengeIssued();
    res.status(201).json({ challenge, expiresAt: expiresAt.toISOString(), ...publicPolicy(site, action, day) });
  });

  app.get("/v1/sites/:site", (req, res) => {
    const site = siteOf(req.params.site);
    res.json({ ...publicPolicy(site, null, now().toISOString().slice(0, 10)), actions: Object.fromEntries(site.actions) });
  });

  app.post("/v1/verify", async (req, res) => {
    const started = performance.now();
    try {
      res.json(await verifyRequest(req.body ?? {}));
      metrics.verification((performance.now() - started) / 1000);
    } catch (error) {
      metrics.verification((performance.now() - started) / 1000, error instanceof ServiceError ? error.code : "internal_error");
      throw error;
    }
  });

  async function verifyRequest(body: Record<string, unknown>) {
    const proof = field(body, "proof", "object");
    checkProofShape(proof);
    let site: SiteConfig;
    let action: string | null;
    let challenge: bigint;
    let day: string;
    if (body.message !== undefined) {
      site = siteOf(field(body, "site", "string"));
      action = actionOf(site, field(body, "action", "string", true));
      if (!site.allowMessageProofs) throw new ServiceError("message_proofs_disabled", `site ${site.id} accepts only proofs that answer a challenge it issued`);
      challenge = challengeForMessage(field(body, "message", "string"));
      day = now().toISOString().slice(0, 10);
    } else {
      const text = field(body, "challenge", "string");
      if (!/^[0-9]{1,78}$/.test(text)) throw malformed("field 'challenge' must be a decimal string");
      const claim = await store.claimChallenge(text, now());
      if ("refused" in claim) throw new ServiceError(claim.refused, `challenge ${claim.refused.replace("challenge_", "")}`);
      site = siteOf(claim.claimed.site);
      action = claim.claimed.action;
      challenge = BigInt(text);
      day = claim.claimed.day; // bounds as of the day the challenge was issued: no midnight race
    }
    const scope = scopeFor(site, action);
    const request = {
      ...policyRequest(site.policy, challenge, day),
      scope,
      rootStatus: (root: bigint) => replica.ledger.rootStatus(root, now().getTime(), site.policy.rootWindowMs),
    };
    let outcome: VerificationResult = await verifyProof(proof, request, check);
    if (!outcome.valid && outcome.code === "unknown_root") {
      // The registrar may have published since the last pull: pull once and retry.
      await replica.sync().catch(() => 0);
      outcome = await verifyProof(proof, request, check);
    }
    if (!outcome.valid) throw new ServiceError(outcome.code, outcome.message);
    if (action !== null && site.actions.get(action)!.onePerPerson) {
      if (!(await store.addNullifier(scope, outcome.didAddress.toString(), now()))) {
        throw new ServiceError("nullifier_used", `this person has already done ${action} at ${site.id}`);
      }
    }
    const { entry } = replica.ledger.lookup(outcome.root)!;
    return {
      valid: true,
      site: site.id,
      action,
      scope,
      didAddress: outcome.didAddress.toString(),
      predicates: describePredicates(site.policy.predicates),
      escrow: { ephemeral: { x: outcome.escrow.ephemeral.x.toString(), y: outcome.escrow.ephemeral.y.toString() }, cipher: outcome.escrow.cipher.toString() },
      root: outcome.root.toString(),
      ledgerEntry: entry,
    };
  }

  app.get("/healthz", (_req, res) => {
    const head = replica.ledger.head;
    res.json({ status: "ok", ledger: { entries: replica.ledger.length, head: head?.seq ?? null, lastSyncError: replica.lastError ?? null } });
  });

  app.get("/metrics", (_req, res) => {
    res.type("text/plain; version=0.0.4").send(metrics.render({ realdid_ledger_entries: replica.ledger.length }));
  });

  app.use((_req, _res, next) => next(new ServiceError("not_found", "no such endpoint")));

  // Every error becomes {error: {code, message}}: body-parser's too, never an HTML page or a stack.
  app.use((error: any, _req: Request, res: Response, _next: NextFunction) => {
    let refusal: ServiceError;
    if (error instanceof ServiceError) refusal = error;
    else if (error?.type === "entity.too.large") refusal = new ServiceError("payload_too_large", `the body is larger than ${config.bodyLimitBytes} bytes`);
    else if (error?.type === "entity.parse.failed") refusal = malformed("the body is not valid JSON");
    else if (error?.type !== undefined && error?.status >= 400 && error?.status < 500) refusal = malformed(String(error.message));
    else {
      process.stderr.write(`realdid verifier: internal error: ${error?.stack ?? error}\n`);
      refusal = new ServiceError("internal_error", "internal error");
    }
    res.status(refusal.status).json({ error: { code: refusal.code, message: refusal.message } });
  });
  return app;
}
