import type { Predicates } from "../attributes/predicates.js";
import type { Point } from "../crypto/baby-jubjub.js";
import { type DeskRequest, deskProofRequest } from "../desk/desk-request.js";
import { pairwiseDid } from "../did/did-uri.js";
import { RealDidError } from "../errors.js";
import type { Identity } from "../identity/identity.js";
import type { LoginRequest } from "../login/login-documents.js";
import { circuitInput } from "../proof/circuit-input.js";
import type { ProofRequest } from "../proof/request.js";
import { scopeToField } from "../proof/request.js";
import { proofRequestFrom } from "../proof/request-document.js";
import type { Credential } from "../registry/credential.js";
import type { MerkleProof } from "../registry/registry-tree.js";

/** What the consent screen shows before anything is proven. */
export interface Consent {
  readonly siteName: string;
  readonly siteUri: string;
  /** The verifier service the answer goes to. */
  readonly verifierOrigin: string;
  readonly scope: string;
  /** What the site will learn, in words, one line per predicate. */
  readonly learns: string[];
  /** The DID this site will see (the same at every login there, different at every other site). */
  readonly did: string;
  readonly request: ProofRequest;
}

/**
 * The site's predicates as the person reads them: what the site will learn about them
 * ("you are at least 18 years old"). Operators and sites see policy.ts's describePredicates
 * ("age >= 18") instead.
 */
export function predicatesInWords(predicates: Predicates): string[] {
  const lines: string[] = [];
  if (predicates.minAge !== undefined) lines.push(`you are at least ${predicates.minAge} years old`);
  if (predicates.maxAge !== undefined) lines.push(`you are at most ${predicates.maxAge} years old`);
  if (predicates.regionPrefix !== undefined) lines.push(`your registered region code starts with ${predicates.regionPrefix}`);
  if (predicates.notExpired === true) lines.push("your identity document has not expired");
  if (predicates.documentType !== undefined) lines.push(`your identity document is a ${predicates.documentType.replace(/_/g, " ")}`);
  if (lines.length === 0) lines.push("only that you are a real-name verified person");
  return lines;
}

export interface ConsentContext {
  readonly identity: Identity;
  readonly credential: Credential;
  readonly regulatorKeys: readonly Point[];
  readonly trustedVerifiers: readonly string[];
  readonly now?: Date;
}

/**
 * The consent screen for a login request, after the checks that protect the person: the
 * answer must go to a verifier service the wallet trusts (else a look-alike page could
 * collect a proof for another site's scope and replay it there), the regulator key must be
 * one they trust, the bounds must be what the predicates say; and the credential must meet
 * the site's policy (predicate_unsatisfied, said in words, so the person can decline).
 */
export function loginConsent(login: LoginRequest, context: ConsentContext): Consent {
  const verifierOrigin = trustedVerifierOf(login, context.trustedVerifiers);
  const request = proofRequestFrom(login.request, { regulatorKeys: context.regulatorKeys, now: context.now });
  const consent: Consent = {
    siteName: login.client.name,
    siteUri: login.client.uri,
    verifierOrigin,
    scope: login.request.scope,
    learns: predicatesInWords(login.request.predicates as Predicates),
    did: pairwiseDid(context.identity.didAddress(scopeToField(login.request.scope))),
    request,
  };
  assertMeets(request, context.credential, consent.siteName, consent.learns);
  return consent;
}

/** The verifier service a login's answer goes to, if the person trusts it (else a look-alike page could collect a proof for another site). */
export function trustedVerifierOf(login: LoginRequest, trustedVerifiers: readonly string[]): string {
  const verifierOrigin = new URL(login.returnUrl).origin;
  if (!trustedVerifiers.includes(verifierOrigin)) {
    throw new RealDidError("invalid_argument", `this login request would send your proof to ${verifierOrigin}, which is not a verifier service your wallet trusts: refused`);
  }
  return verifierOrigin;
}

/** Refuses, in words, before anything is proven, a request whose bounds the credential does not meet. */
export function assertMeets(request: ProofRequest, credential: Credential, asker: string, learns: readonly string[]): void {
  const unmet = request.bounds.lo.findIndex((lo, i) => credential.attributes[i] < lo || credential.attributes[i] > request.bounds.hi[i]);
  if (unmet >= 0) throw new RealDidError("predicate_unsatisfied", `you do not meet what ${asker} requires: ${learns.join("; ")}`);
}

/** What the front-desk consent screen shows: the desk, what it learns, the DID it will see. */
export interface DeskConsent {
  readonly deskName: string;
  readonly scope: string;
  readonly code: string;
  readonly learns: string[];
  readonly did: string;
  readonly request: ProofRequest;
}

/**
 * The consent screen for a front desk's request: proved for the desk's scope and code,
 * escrowed to the first regulator key the person trusts (the desk's request names none), and
 * refused in words if the credential does not meet the desk's predicates.
 */
export function deskConsent(desk: DeskRequest, context: Omit<ConsentContext, "trustedVerifiers">): DeskConsent {
  const [regulatorKey] = context.regulatorKeys;
  const request = deskProofRequest(desk, regulatorKey, context.now);
  const learns = predicatesInWords(desk.predicates as Predicates);
  assertMeets(request, context.credential, desk.name, learns);
  return { deskName: desk.name, scope: desk.scope, code: desk.code, learns, did: pairwiseDid(context.identity.didAddress(scopeToField(desk.scope))), request };
}

/** The circuit input for a consented login (checks the path against identity and credential). */
export const loginCircuitInput = (consent: Consent, identity: Identity, credential: Credential, merkleProof: MerkleProof) =>
  circuitInput({ identity, credential, merkleProof, request: consent.request });
