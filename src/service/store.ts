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
