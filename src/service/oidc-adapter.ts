import { type Adapter, errors } from "oidc-provider";
import type { VerifierStore } from "./store.js";

/**
 * oidc-provider's storage adapter over the verifier store (SQLite embedded, PostgreSQL
 * shared): sessions, interactions, codes, grants and tokens live where every instance
 * behind the issuer sees them. Consuming is one conditional update, so an authorization
 * code is redeemed once even when two instances race on it.
 */
export function storeAdapter(store: VerifierStore, now: () => Date = () => new Date()): new (model: string) => Adapter {
  return class StoreAdapter implements Adapter {
    constructor(private readonly model: string) {}

    async upsert(id: string, payload: Record<string, unknown>, expiresIn?: number): Promise<void> {
      const text = (key: string) => (typeof payload[key] === "string" ? (payload[key] as string) : undefined);
      await store.saveOidcRecord({
        model: this.model,
        id,
        payload,
        grantId: text("grantId"),
        userCode: text("userCode"),
        uid: text("uid"),
        expiresAt: expiresIn === undefined ? undefined : new Date(now().getTime() + expiresIn * 1000),
      });
    }

    find(id: string) {
      return store.findOidcRecord(this.model, "id", id, now());
    }

    findByUid(uid: string) {
      return store.findOidcRecord(this.model, "uid", uid, now());
    }

    findByUserCode(userCode: string) {
      return store.findOidcRecord(this.model, "userCode", userCode, now());
    }

    async consume(id: string): Promise<void> {
      if (await store.consumeOidcRecord(this.model, id, now())) return;
      // Another instance consumed it between the library's check and now: a replay, answered as the library answers one.
      const grantId = (await this.find(id))?.grantId;
      if (typeof grantId === "string") await store.revokeOidcGrant(grantId);
      throw new errors.InvalidGrant(`${this.model} already consumed`);
    }

    destroy(id: string): Promise<void> {
      return store.destroyOidcRecord(this.model, id);
    }

    revokeByGrantId(grantId: string): Promise<void> {
      return store.revokeOidcGrant(grantId);
    }
  };
}
