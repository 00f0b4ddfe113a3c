import { type RateLimiterAbstract, RateLimiterRes } from "rate-limiter-flexible";
import type { ServiceLimits } from "./config.js";
import type { VerifierStore } from "./store.js";

/** A limit that was used up: which one, and when to ask again. */
export interface OverLimit {
  readonly limit: string;
  readonly retryAfterSeconds: number;
}

/**
 * Rate limits on challenge issuance, per client address and per site (rate-limiter-flexible:
 * counters in PostgreSQL shared by every instance, or in memory with the embedded store).
 * A failing database rejects with the driver's error, which the service answers as
 * store_unavailable.
 */
export class ChallengeLimiter {
  private constructor(
    private readonly perClient: RateLimiterAbstract,
    private readonly perSite: RateLimiterAbstract,
    private readonly limits: ServiceLimits,
  ) {}

  static async create(store: VerifierStore, limits: ServiceLimits): Promise<ChallengeLimiter> {
    return new ChallengeLimiter(await store.rateLimiter("challenge-client", limits.challengesPerClient), await store.rateLimiter("challenge-site", limits.challengesPerSite), limits);
  }

  client(address: string): Promise<OverLimit | undefined> {
    const { points, seconds } = this.limits.challengesPerClient;
    return consume(this.perClient, address, `${points} per ${seconds} s per client`);
  }

  site(site: string): Promise<OverLimit | undefined> {
    const { points, seconds } = this.limits.challengesPerSite;
    return consume(this.perSite, site, `${points} per ${seconds} s for site ${site}`);
  }
}

async function consume(limiter: RateLimiterAbstract, key: string, limit: string): Promise<OverLimit | undefined> {
  try {
    await limiter.consume(key);
    return undefined;
  } catch (rejection) {
    if (!(rejection instanceof RateLimiterRes)) throw rejection; // the store failed, not the limit
    return { limit, retryAfterSeconds: Math.max(1, Math.ceil(rejection.msBeforeNext / 1000)) };
  }
}
