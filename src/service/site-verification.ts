import { escrowJson } from "../crypto/escrow.js";
import { pairwiseDid } from "../did/did-uri.js";
import { describePredicates, policyRequest } from "../policy/policy.js";
import type { ProofDocument } from "../proof/proof-document.js";
import { challengeForMessage, randomChallenge } from "../proof/request.js";
import { type RequestDocument, requestDocument } from "../proof/request-document.js";
import { type ProofCheck, type VerificationResult, verifyProof } from "../proof/verifier.js";
import { type Receipt, signReceipt } from "../receipt/receipt.js";
import type { LogSigner } from "../signed-log/signed-log.js";
import type { ChallengeLimiter, OverLimit } from "./challenge-limiter.js";
import { type ServiceConfig, type SiteConfig, scopeFor } from "./config.js";
import type { LedgerReplica } from "./ledger-replica.js";
import type { ServiceMetrics } from "./metrics.js";
import { refusalFor, ServiceError, shown } from "./service-error.js";
import type { VerifierStore } from "./store.js";

export interface VerificationDeps {
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
  readonly now?: () => Date;
}

/** A proof and what it answers: a challenge the service issued, or (where the site allows it) a message. */
export type ProofAnswer = { readonly challenge: string; readonly proof: ProofDocument } | { readonly site: string; readonly action?: string; readonly message: string; readonly proof: ProofDocument };

/** What a verified proof establishes, with the signed receipt the site keeps. */
export interface VerifiedProof {
  readonly valid: true;
  readonly keyId: string;
  readonly site: string;
  readonly action: string | null;
  readonly scope: string;
  readonly didAddress: string;
  /** The pairwise DID: `didAddress` as a did:realdid URI. */
  readonly did: string;
  readonly predicates: string[];
  readonly escrow: ReturnType<typeof escrowJson>;
  readonly root: string;
  readonly ledgerEntry: NonNullable<ReturnType<LedgerReplica["ledger"]["lookup"]>>["entry"];
  readonly receipt: Receipt;
}

/**
 * The verifier's two steps, shared by the HTTP API (POST /v1/challenges, POST /v1/verify)
 * and the OpenID Provider's login: issuing a single-use challenge for a site (within the
 * rate limits and the cap on outstanding challenges), and verifying a proof against the
 * site's policy (challenge claimed once, proof, root window, key id, nullifier for
 * one-per-person actions) into a signed receipt. Refusals are ServiceErrors.
 */
export class SiteVerification {
  private readonly now: () => Date;

  constructor(private readonly deps: VerificationDeps) {
    this.now = deps.now ?? (() => new Date());
  }

  site(id: unknown): SiteConfig {
    const site = typeof id === "string" ? this.deps.config.sites.get(id) : undefined;
    if (!site) throw new ServiceError("unknown_site", `no site ${shown(id)} is configured`);
    return site;
  }

  action(site: SiteConfig, action: unknown): string | null {
    if (action === undefined || action === null) return null;
    if (typeof action !== "string" || !site.actions.has(action)) throw new ServiceError("unknown_action", `site ${site.id} has no action ${shown(action)}`);
    return action;
  }

  /** What the site asks, as the request document a prover reads (realdid-request/1); without `issued`, the site's standing policy. */
  siteRequest(site: SiteConfig, action: string | null, day = this.today(), issued?: { challenge: bigint; expiresAt: Date }): RequestDocument {
    const { keyId } = this.deps;
    return requestDocument(site.policy, { keyId, day, site: site.id, action, scope: scopeFor(site, action), ...issued, ...(issued === undefined && { actions: Object.fromEntries(site.actions) }) });
  }

  /** A new single-use challenge for `site` (and `action`), asked by the client at `clientAddress`: the request document to prove for. */
  async issueChallenge(clientAddress: string, site: SiteConfig, action: string | null): Promise<RequestDocument> {
    const { config, store, limiter, metrics } = this.deps;
    await withinLimit(limiter.client(clientAddress));
    await withinLimit(limiter.site(site.id));
    const issuedAt = this.now();
    const day = issuedAt.toISOString().slice(0, 10);
    const challenge = randomChallenge();
    const expiresAt = new Date(issuedAt.getTime() + config.challengeTtlMs);
    if (!(await store.addChallenge({ challenge: challenge.toString(), site: site.id, action, expiresAt, day }, config.limits.maxUnexpiredChallenges))) {
      // Issued challenges expire and are purged: room comes back within the TTL.
      throw new ServiceError("challenges_exhausted", `${config.limits.maxUnexpiredChallenges} challenges are outstanding, the most this service keeps; retry later`, Math.min(60, Math.ceil(config.challengeTtlMs / 1000)));
    }
    metrics.challengeIssued();
    return this.siteRequest(site, action, day, { challenge, expiresAt });
  }

  /** Verifies `answer` (parsed by `read`, inside the measurement) and counts it in the metrics, refused or not. */
  async verify<T>(value: T, read: (value: T) => ProofAnswer = (v) => v as ProofAnswer): Promise<VerifiedProof> {
    const started = performance.now();
    try {
      const verified = await this.verifyAnswer(read(value));
      this.deps.metrics.verification((performance.now() - started) / 1000);
      return verified;
    } catch (error) {
      this.deps.metrics.verification((performance.now() - started) / 1000, refusalFor(error, this.deps.config.bodyLimitBytes)?.code ?? "internal_error");
      throw error;
    }
  }

  private async verifyAnswer(asked: ProofAnswer): Promise<VerifiedProof> {
    const { store, replica, check, keyId, receiptSigner } = this.deps;
    let site: SiteConfig;
    let action: string | null;
    let challenge: bigint;
    let day: string;
    if ("message" in asked) {
      site = this.site(asked.site);
      action = this.action(site, asked.action);
      if (!site.allowMessageProofs) throw new ServiceError("message_proofs_disabled", `site ${site.id} accepts only proofs that answer a challenge it issued`);
      challenge = challengeForMessage(asked.message);
      day = this.today();
    } else {
      const claim = await store.claimChallenge(asked.challenge, this.now());
      if ("refused" in claim) throw new ServiceError(claim.refused, `challenge ${claim.refused.replace("challenge_", "")}`);
      site = this.site(claim.claimed.site);
      action = claim.claimed.action;
      challenge = BigInt(asked.challenge);
      day = claim.claimed.day; // bounds as of the day the challenge was issued: no midnight race
    }
    const scope = scopeFor(site, action);
    const request = {
      ...policyRequest(site.policy, challenge, day),
      scope,
      keyId,
      rootStatus: (root: bigint) => replica.ledger.rootStatus(root, this.now().getTime(), site.policy.rootWindowMs),
    };
    let outcome: VerificationResult = await verifyProof(asked.proof, request, check);
    if (!outcome.valid && outcome.code === "unknown_root") {
      // The registrar may have published since the last pull: pull (shared, at most once per interval) and retry.
      await replica.syncForUnknownRoot().catch(() => 0);
      outcome = await verifyProof(asked.proof, request, check);
    }
    if (!outcome.valid) throw new ServiceError(outcome.code, outcome.message);
    if (action !== null && site.actions.get(action)!.onePerPerson) {
      if (!(await store.addNullifier(scope, outcome.didAddress.toString(), this.now()))) {
        throw new ServiceError("nullifier_used", `this person has already done ${action} at ${site.id}`);
      }
    }
    const { entry } = replica.ledger.lookup(outcome.root)!;
    const predicates = describePredicates(site.policy.predicates);
    const receipt = signReceipt(
      { site: site.id, action, scope, time: this.now().toISOString(), keyId, didAddress: outcome.didAddress.toString(), root: outcome.root.toString(), ledgerSeq: entry.seq, predicates, proof: asked.proof },
      receiptSigner,
    );
    return {
      valid: true,
      keyId,
      site: site.id,
      action,
      scope,
      didAddress: outcome.didAddress.toString(),
      did: pairwiseDid(outcome.didAddress),
      predicates,
      escrow: escrowJson(outcome.escrow),
      root: outcome.root.toString(),
      ledgerEntry: entry,
      receipt,
    };
  }

  private today(): string {
    return this.now().toISOString().slice(0, 10);
  }
}

/** Refuses with rate_limited (and when to come back) once a limit is used up. */
async function withinLimit(consumed: Promise<OverLimit | undefined>): Promise<void> {
  const over = await consumed;
  if (over) throw new ServiceError("rate_limited", `too many challenge requests (${over.limit}); retry in ${over.retryAfterSeconds} s`, over.retryAfterSeconds);
}
