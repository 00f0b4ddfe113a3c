import type { RateLimiterAbstract } from "rate-limiter-flexible";
import type { LedgerEntry } from "../ledger/ledger-entry.js";

/** A challenge the service issued: single use, bound to a site (and action), expiring. */
export interface ChallengeRecord {
  readonly challenge: string;
  readonly site: string;
  /** The one-per-person action it is for, or null for a login. */
  readonly action: string | null;
  readonly expiresAt: Date;
  /** The UTC day it was issued (YYYY-MM-DD): the proof's bounds are checked as of that day. */
  readonly day: string;
}

/**
 * One of oidc-provider's records (a session, an interaction, an authorization code, a
 * grant…) as its adapter stores it: the library's payload, with the fields it looks
 * records up by lifted out.
 */
export interface OidcRecord {
  /** The library's model name ("Session", "AuthorizationCode", …). */
  readonly model: string;
  readonly id: string;
  readonly payload: Record<string, unknown>;
  readonly grantId?: string;
  readonly userCode?: string;
  readonly uid?: string;
  /** When it stops being found; undefined for records that do not expire. */
  readonly expiresAt?: Date;
}

/** A receipt the service keeps for a site's regulator requests (logins through the OpenID Provider, where the site never sees the proof). */
export interface StoredReceipt {
  readonly site: string;
  /** The pairwise DID (did:realdid:pairwise:…) the person logged in as. */
  readonly did: string;
  readonly time: Date;
  /** The signed receipt (realdid-receipt/2; /1 before business logins). */
  readonly receipt: unknown;
}

export type ChallengeClaim = { readonly claimed: ChallengeRecord } | { readonly refused: "challenge_unknown" | "challenge_used" | "challenge_expired" };

/** A fixed-window limit: `points` requests per `seconds`, counted per key. */
export interface RateLimit {
  readonly points: number;
  readonly seconds: number;
}

/**
 * What verifier instances share: issued challenges, used nullifiers, the ledger replica
 * and rate-limit counters. Single use is enforced by the database itself (an atomic
 * conditional update and a primary key), so instances sharing one database cannot both
 * win a race. A database that is down or cut off fails with `store_unavailable`; the store
 * reconnects by itself when it is back.
 */
export interface VerifierStore {
  /**
   * Stores a new challenge unless `maxUnexpired` challenges (used or not) have not expired
   * yet; false when that cap is reached. The cap and the check are one atomic step.
   */
  addChallenge(record: ChallengeRecord, maxUnexpired?: number): Promise<boolean>;
  /** Marks the challenge used, atomically; says why when it cannot. */
  claimChallenge(challenge: string, now: Date): Promise<ChallengeClaim>;
  /** Deletes challenges that expired before `before`; returns how many. */
  pruneChallenges(before: Date): Promise<number>;
  /** Records a nullifier in a scope; false if it was already there. */
  addNullifier(scope: string, nullifier: string, now: Date): Promise<boolean>;
  ledgerEntries(): Promise<LedgerEntry[]>;
  /** Appends verified entries; entries another instance already stored are skipped. */
  addLedgerEntries(entries: readonly LedgerEntry[]): Promise<void>;
  /** Stores (or replaces) an OpenID Provider record. */
  saveOidcRecord(record: OidcRecord): Promise<void>;
  /** The payload of an unexpired record (`consumed` set once consumed), by id or by the uid/user code it carries. */
  findOidcRecord(model: string, by: "id" | "uid" | "userCode", value: string, now: Date): Promise<Record<string, unknown> | undefined>;
  /** Marks a record consumed, atomically: false if it already was (an authorization code is single use across instances). */
  consumeOidcRecord(model: string, id: string, now: Date): Promise<boolean>;
  destroyOidcRecord(model: string, id: string): Promise<void>;
  /** Deletes every record of a grant (its codes, tokens and the grant itself). */
  revokeOidcGrant(grantId: string): Promise<void>;
  /** Deletes records that expired before `before`; returns how many. */
  pruneOidcRecords(before: Date): Promise<number>;
  addReceipt(receipt: StoredReceipt): Promise<void>;
  /** A site's receipts for one DID, oldest first. */
  receipts(site: string, did: string): Promise<StoredReceipt[]>;
  /** Throws store_unavailable unless the database answers a trivial query now. */
  ping(): Promise<void>;
  /** A rate limiter whose counters live where instances share them (PostgreSQL), or in this process (SQLite). */
  rateLimiter(name: string, limit: RateLimit): Promise<RateLimiterAbstract>;
  close(): Promise<void>;
}

/** Turns the row an atomic claim returned (or did not) into a claim. */
export function claimFrom(claimed: ChallengeRecord | undefined, existing: { expiresAt: Date } | undefined, now: Date): ChallengeClaim {
  if (claimed) return claimed.expiresAt.getTime() <= now.getTime() ? { refused: "challenge_expired" } : { claimed };
  return { refused: existing ? "challenge_used" : "challenge_unknown" };
}

/** A stored oidc-provider payload as the library expects it back: `consumed` (epoch seconds) once consumed. */
export function oidcPayload(json: string, consumedAt: Date | undefined): Record<string, unknown> {
  const payload = JSON.parse(json) as Record<string, unknown>;
  return consumedAt === undefined ? payload : { ...payload, consumed: Math.floor(consumedAt.getTime() / 1000) };
}

/** The columns oidc-provider's adapter looks records up by (fixed names: never a caller's text in SQL). */
export const OIDC_LOOKUP_COLUMNS = { id: "id", uid: "uid", userCode: "user_code" } as const;
