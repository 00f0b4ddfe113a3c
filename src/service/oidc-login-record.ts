import { createHash, randomBytes, timingSafeEqual } from "node:crypto";
import type { LoginRequest } from "../login/login-documents.js";
import type { VerifierStore } from "./store.js";

/** The store's model for one sign-in's login step, kept beside oidc-provider's interaction under the same uid. */
const LOGIN_MODEL = "RealDidLogin";

/** What the wallet's answer came to: the person's pairwise DID, or the OpenID error the website gets. */
export type LoginOutcome = { readonly login: { readonly accountId: string } } | { readonly error: string; readonly error_description: string };

export interface OpenLogin {
  /** The realdid-login-request/1 the wallet fetches, with the challenge issued for this sign-in. */
  readonly login: LoginRequest;
  /** An answer has been taken (the proof may still be under verification). */
  readonly answered: boolean;
}

const sha256 = (text: string) => createHash("sha256").update(text).digest();

/**
 * The login step of each sign-in, in the verifier store (so any instance behind the issuer
 * takes the wallet's answer). Opened with the login request; answered at most once (one
 * conditional update in the store decides between racing answers); the outcome is kept with
 * the SHA-256 of a one-time token that the answering browser carries to the finish step,
 * which also needs the interaction cookie of the browser that started the sign-in.
 */
export class LoginRecords {
  constructor(
    private readonly store: VerifierStore,
    private readonly now: () => Date,
  ) {}

  open(uid: string, login: LoginRequest, expiresAt: Date): Promise<void> {
    return this.store.saveOidcRecord({ model: LOGIN_MODEL, id: uid, payload: { login }, expiresAt });
  }

  async find(uid: string): Promise<OpenLogin | undefined> {
    const record = await this.store.findOidcRecord(LOGIN_MODEL, "id", uid, this.now());
    return record && { login: record.login as LoginRequest, answered: record.consumed !== undefined };
  }

  /** Takes the one answer this sign-in gets: true for exactly one caller, across instances. */
  claimAnswer(uid: string): Promise<boolean> {
    return this.store.consumeOidcRecord(LOGIN_MODEL, uid, this.now());
  }

  /** Keeps the claimed answer's outcome until the interaction expires; returns the one-time token for the finish step. */
  async keepOutcome(uid: string, login: LoginRequest, outcome: LoginOutcome, expiresAt: Date): Promise<string> {
    const token = randomBytes(32).toString("base64url");
    // Saving keeps the record consumed: a later answer still finds it taken.
    await this.store.saveOidcRecord({ model: LOGIN_MODEL, id: uid, payload: { login, outcome, tokenHash: sha256(token).toString("hex") }, expiresAt });
    return token;
  }

  /** The outcome for the holder of the token, once (the record is gone after); undefined for a wrong token or none yet. */
  async redeem(uid: string, token: string): Promise<LoginOutcome | undefined> {
    const record = await this.store.findOidcRecord(LOGIN_MODEL, "id", uid, this.now());
    if (typeof record?.tokenHash !== "string" || record.outcome === undefined) return undefined;
    if (!timingSafeEqual(sha256(token), Buffer.from(record.tokenHash, "hex"))) return undefined;
    await this.store.destroyOidcRecord(LOGIN_MODEL, uid);
    return record.outcome as LoginOutcome;
  }
}
