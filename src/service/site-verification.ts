import { businessTerms, describeBusiness } from "../business/business-policy.js";
import { verifyBusinessProof } from "../business/business-verifier.js";
import { type EscrowCiphertext, escrowJson } from "../crypto/escrow.js";
import { pairwiseDid } from "../did/did-uri.js";
import { describePredicates, type Policy, policyRequest } from "../policy/policy.js";
import type { ProofDocument } from "../proof/proof-document.js";
import { challengeForMessage, randomChallenge } from "../proof/request.js";
import { type RequestDocument, requestDocument } from "../proof/request-document.js";
import { type ProofCheck, type VerificationFailure, verifyProof } from "../proof/verifier.js";
import { type BusinessClaims, type Receipt, signReceipt } from "../receipt/receipt.js";
import type { LogSigner } from "../signed-log/signed-log.js";
import type { ChallengeLimiter, OverLimit } from "./challenge-limiter.js";
import { type ServiceConfig, type SiteConfig, scopeFor } from "./config.js";
import type { LedgerReplica } from "./ledger-replica.js";
import type { ServiceMetrics } from "./metrics.js";
import { refusalFor, ServiceError, shown } from "./service-error.js";
import type { VerifierStore } from "./store.js";

/** One circuit's keys as the service verifies with them. */
export interface CircuitVerifier {
  /** The key id of the keys `check` verifies with: proofs, requests and receipts carry it. */
  readonly keyId: string;
  readonly check: ProofCheck;
}

export interface VerificationDeps {
  readonly config: ServiceConfig;
  readonly store: VerifierStore;
  readonly replica: LedgerReplica;
  readonly metrics: ServiceMetrics;
  /** The personal circuit's keys (RealDid), for sites without a `business` policy. */
  readonly personal: CircuitVerifier;
  /** The business circuit's keys (RealDidBusiness), present when some site has a `business` policy. */
  readonly business?: CircuitVerifier;
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
  /** The person's address at this site: a personal proof's DID address, a business proof's role pseudonym. */
  readonly didAddress: string;
  /** The pairwise DID: `didAddress` as a did:realdid URI. */
  readonly did: string;
  readonly predicates: string[];
  readonly escrow: ReturnType<typeof escrowJson>;
  /** A business site's login only (absent for a personal site's): what the business proof established. */
  readonly pseudonym?: string;
  /** The site's business terms the proof answered, in words. */
  readonly business?: string[];
  /** The enterprise's unified social credit code when the site asked for it, else null. */
  readonly creditCode?: string | null;
  /** The mandate's handle encrypted under the escrow's shared key (the regulator opens it with the person's). */
  readonly mandateEscrow?: string;
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

  /** The keys a site's proofs are made with: the business circuit's for a business site. */
  private circuitOf(site: SiteConfig): CircuitVerifier {
    if (site.policy.business === undefined) return this.deps.personal;
    // The server loads the business keys whenever a site has a business policy.
    if (this.deps.business === undefined) throw new Error(`site ${site.id} asks for business logins, but the business circuit's keys are not loaded`);
    return this.deps.business;
  }

  /** What the site asks, as the request document a prover reads (realdid-request/1); without `issued`, the site's standing policy. */
  siteRequest(site: SiteConfig, action: string | null, day = this.today(), issued?: { challenge: bigint; expiresAt: Date }): RequestDocument {
    const { keyId } = this.circuitOf(site);
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
    const { store, replica, receiptSigner } = this.deps;
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
    const { keyId, check } = this.circuitOf(site);
    const request = {
      ...policyRequest(site.policy, challenge, day),
      scope,
      keyId,
      rootStatus: (root: bigint) => replica.ledger.rootStatus(root, this.now().getTime(), site.policy.rootWindowMs),
    };
    const business = site.policy.business;
    const verifyOnce = async (): Promise<Proven | VerificationFailure> => {
      if (business === undefined) {
        const outcome = await verifyProof(asked.proof, request, check);
        return outcome.valid ? { valid: true, address: outcome.didAddress, root: outcome.root, escrow: outcome.escrow } : outcome;
      }
      const outcome = await verifyBusinessProof(asked.proof, { ...request, ...businessTerms(business, day) }, check);
      if (!outcome.valid) return outcome;
      const claims: BusinessClaims = { roles: business.roles, task: business.task, creditCode: outcome.creditCode, enterprise: business.enterprise };
      return { valid: true, address: outcome.pseudonym, root: outcome.root, escrow: outcome.escrow, business: { claims, terms: describeBusiness(business), mandateCipher: outcome.mandateCipher } };
    };
    let outcome = await verifyOnce();
    if (!outcome.valid && outcome.code === "unknown_root") {
      // The registrar may have published since the last pull: pull (shared, at most once per interval) and retry.
      await replica.syncForUnknownRoot().catch(() => 0);
      outcome = await verifyOnce();
    }
    if (!outcome.valid) throw new ServiceError(outcome.code, outcome.message);
    const proven = outcome;
    // A business action's nullifier is the role pseudonym: once per person, enterprise and role.
    if (action !== null && site.actions.get(action)!.onePerPerson) {
      if (!(await store.addNullifier(scope, proven.address.toString(), this.now()))) {
        throw new ServiceError("nullifier_used", `this person has already done ${action} at ${site.id}`);
      }
    }
    const { entry } = replica.ledger.lookup(proven.root)!;
    const predicates = describePredicates(site.policy.predicates);
    const receipt = signReceipt(
      {
        site: site.id,
        action,
        scope,
        time: this.now().toISOString(),
        keyId,
        didAddress: proven.address.toString(),
        root: proven.root.toString(),
        ledgerSeq: entry.seq,
        predicates,
        business: proven.business?.claims ?? null,
        proof: asked.proof,
      },
      receiptSigner,
    );
    return {
      valid: true,
      keyId,
      site: site.id,
      action,
      scope,
      didAddress: proven.address.toString(),
      did: pairwiseDid(proven.address),
      predicates,
      escrow: escrowJson(proven.escrow),
      ...(proven.business !== undefined && {
        pseudonym: proven.address.toString(),
        business: proven.business.terms,
        creditCode: proven.business.claims.creditCode,
        mandateEscrow: proven.business.mandateCipher.toString(),
      }),
      root: proven.root.toString(),
      ledgerEntry: entry,
      receipt,
    };
  }

  private today(): string {
    return this.now().toISOString().slice(0, 10);
  }
}

/** What a valid proof established: the person's address at the site, and for a business proof its claims and mandate cipher. */
interface Proven {
  readonly valid: true;
  readonly address: bigint;
  readonly root: bigint;
  readonly escrow: EscrowCiphertext;
  readonly business?: { readonly claims: BusinessClaims; readonly terms: string[]; readonly mandateCipher: bigint };
}

/** What a site's policy asks, in words: its predicates, and for a business site its business terms. */
export const policyInWords = (policy: Policy): string[] => [...describePredicates(policy.predicates), ...(policy.business === undefined ? [] : describeBusiness(policy.business))];

/** Refuses with rate_limited (and when to come back) once a limit is used up. */
async function withinLimit(consumed: Promise<OverLimit | undefined>): Promise<void> {
  const over = await consumed;
  if (over) throw new ServiceError("rate_limited", `too many challenge requests (${over.limit}); retry in ${over.retryAfterSeconds} s`, over.retryAfterSeconds);
}
