import express, { type Request, type Response } from "express";
import Provider, { type Interaction, interactionPolicy, type KoaContextWithOIDC } from "oidc-provider";
import type { Logger } from "pino";
import { pairwiseDid } from "../did/did-uri.js";
import { RealDidError } from "../errors.js";
import { encodeLoginRequest, LOGIN_REQUEST_FORMAT, type LoginAnswer, type LoginRequest, parseLoginAnswer } from "../login/login-documents.js";
import { describePredicates } from "../policy/policy.js";
import { predicateClaims } from "../policy/predicate-claims.js";
import type { OidcClientConfig, OidcConfig, ServiceConfig, SiteConfig } from "./config.js";
import { storeAdapter } from "./oidc-adapter.js";
import type { OidcSecrets } from "./oidc-keys.js";
import { errorPage, htmlPage } from "./oidc-pages.js";
import { refusalFor } from "./service-error.js";
import type { SiteVerification } from "./site-verification.js";
import type { VerifierStore } from "./store.js";

/** The scope whose claims are the predicates that held (age_over_18, …); "openid" alone gives `sub`. */
export const REALDID_SCOPE = "realdid";
/** The store's model for the challenge issued to an interaction: the proof must answer exactly it. */
const LOGIN_CHALLENGE_MODEL = "RealDidLoginChallenge";
/** Every login is a fresh proof, so nothing lives long: a session, grant and tokens outlast the code exchange and a userinfo call. */
const SHORT_TTL_SECONDS = 10 * 60;

export interface OidcDeps {
  readonly config: ServiceConfig;
  readonly oidc: OidcConfig;
  readonly secrets: OidcSecrets;
  /** Client secrets by client id, read from the environment at start (public clients have none). */
  readonly clientSecrets: ReadonlyMap<string, string>;
  readonly store: VerifierStore;
  readonly verification: SiteVerification;
  readonly logger: Logger;
  readonly now?: () => Date;
}

/** Claim names each configured site's predicates can produce: what the realdid scope may carry. */
const claimNames = (sites: Iterable<SiteConfig>) => [...new Set([...sites].flatMap((site) => Object.keys(predicateClaims(site.policy.predicates))))];

/**
 * "Sign in with RealDID": an OpenID Provider (oidc-provider, authorization code flow with
 * PKCE S256 only, registered clients from the config) mounted on the service's express
 * app at the issuer's path. Its login step is a proof: the interaction issues a challenge
 * for the client's site, hands the site's request to the citizen's wallet
 * (realdid-login-request/1 in the URL fragment), and verifies the proof the wallet posts
 * back (realdid-login-answer/1) exactly as POST /v1/verify does. `sub` is the pairwise DID
 * for that site; the claims are the predicates that held, and nothing else; the signed
 * receipt stays with the service (GET /v1/receipts) for the site's regulator requests.
 */
export function mountOidcProvider(app: express.Express, deps: OidcDeps): void {
  const { config, oidc, secrets, clientSecrets, store, verification, logger } = deps;
  const now = deps.now ?? (() => new Date());
  const basePath = new URL(oidc.issuer).pathname.replace(/\/$/, "");
  const clients = new Map(oidc.clients.map((client) => [client.clientId, client]));
  const clientSite = (client: OidcClientConfig) => verification.site(client.site);

  // Every authorization asks for a proof: a session from an earlier login (maybe at another site, under another DID) never stands in for one.
  const policy = interactionPolicy.base();
  policy.remove("login");
  policy.add(
    new interactionPolicy.Prompt(
      { name: "login", requestable: true },
      new interactionPolicy.Check("realdid_proof", "a RealDID proof is required for every sign-in", (ctx) => (ctx.oidc.result?.login ? interactionPolicy.Check.NO_NEED_TO_PROMPT : interactionPolicy.Check.REQUEST_PROMPT)),
    ),
    0,
  );

  const provider = new Provider(oidc.issuer, {
    adapter: storeAdapter(store, now),
    clients: oidc.clients.map((client) => {
      const secret = clientSecrets.get(client.clientId);
      return {
        client_id: client.clientId,
        client_name: client.name,
        redirect_uris: client.redirectUris,
        response_types: ["code"],
        grant_types: ["authorization_code"],
        ...(secret === undefined ? { token_endpoint_auth_method: "none" } : { client_secret: secret, token_endpoint_auth_method: "client_secret_basic" }),
      };
    }),
    clientDefaults: { id_token_signed_response_alg: "ES256" },
    enabledJWA: { idTokenSigningAlgValues: ["ES256"], userinfoSigningAlgValues: ["ES256"] },
    jwks: { keys: secrets.signingKeys },
    cookies: { keys: secrets.cookieKeys },
    pkce: { required: () => true },
    responseTypes: ["code"],
    scopes: ["openid", REALDID_SCOPE],
    claims: { openid: ["sub"], [REALDID_SCOPE]: claimNames(config.sites.values()) },
    // The predicate claims go in the ID token itself, not only behind userinfo.
    conformIdTokenClaims: false,
    features: { devInteractions: { enabled: false }, rpInitiatedLogout: { enabled: false }, userinfo: { enabled: true } },
    interactions: { policy, url: (_ctx: KoaContextWithOIDC, interaction: Interaction) => `${basePath}/interaction/${interaction.uid}` },
    ttl: { AccessToken: SHORT_TTL_SECONDS, IdToken: SHORT_TTL_SECONDS, Grant: SHORT_TTL_SECONDS, Session: SHORT_TTL_SECONDS, Interaction: Math.ceil(config.challengeTtlMs / 1000) + 60 },
    async findAccount(ctx: KoaContextWithOIDC, sub: string) {
      const client = clients.get(ctx.oidc.client?.clientId ?? "");
      if (client === undefined) return undefined;
      // The account is the pairwise DID; its claims are the predicates the site's policy proves, nothing about the person.
      return { accountId: sub, claims: () => ({ sub, ...predicateClaims(clientSite(client).policy.predicates) }) };
    },
    async renderError(ctx: KoaContextWithOIDC, out: { error?: string; error_description?: string }) {
      ctx.type = "html";
      ctx.body = errorPage(out);
    },
  });
  provider.proxy = config.trustProxy !== false;
  provider.on("server_error", (_ctx, error) => logger.error({ err: error }, "OpenID Provider internal error"));

  const page = (res: Response, status: number, title: string, paragraphs: string[]) => void res.status(status).type("html").send(htmlPage(title, paragraphs));
  const unknownLogin = (res: Response) =>
    page(res, 400, "This sign-in is no longer open", ["It expired, was already finished, or was started in another browser.", "Go back to the website and sign in again."]);
  /** Ends the interaction: the browser goes back to the provider, which sends it on to the website with a code or the error. */
  const finish = async (res: Response, interaction: Interaction, result: Record<string, unknown>) => {
    interaction.result = result;
    await interaction.save(Math.max(1, interaction.exp - Math.floor(now().getTime() / 1000)));
    res.redirect(303, interaction.returnTo);
  };

  // The login step, first half: a challenge for this interaction and the hand-off to the wallet.
  app.get(`${basePath}/interaction/:uid`, async (req, res) => {
    let interaction: Interaction;
    try {
      interaction = await provider.interactionDetails(req, res);
    } catch (error) {
      if (refusalFor(error, config.bodyLimitBytes)?.code === "store_unavailable") throw error; // an outage, not a stale link
      return unknownLogin(res);
    }
    const client = clients.get(interaction.params.client_id);
    if (interaction.uid !== req.params.uid || client === undefined) return unknownLogin(res);
    const site = clientSite(client);
    let request: LoginRequest["request"];
    try {
      request = await verification.issueChallenge(req.ip ?? "unknown", site, client.action);
    } catch (error) {
      const refusal = refusalFor(error, config.bodyLimitBytes);
      if (refusal === undefined) throw error;
      if (refusal.retryAfterSeconds !== undefined) res.setHeader("Retry-After", String(refusal.retryAfterSeconds));
      return page(res, refusal.status, "Sign-in with RealDID is busy", ["The service cannot start a sign-in right now.", `Please try again in ${refusal.retryAfterSeconds ?? 60} seconds.`]);
    }
    await store.saveOidcRecord({ model: LOGIN_CHALLENGE_MODEL, id: interaction.uid, payload: { challenge: request.challenge }, expiresAt: new Date(request.expiresAt!) });
    const login: LoginRequest = {
      format: LOGIN_REQUEST_FORMAT,
      request,
      client: { name: client.name, uri: new URL(interaction.params.redirect_uri).origin },
      returnUrl: `${oidc.issuer}/interaction/${interaction.uid}/answer`,
    };
    const walletLink = `${oidc.walletUrl}#login=${encodeLoginRequest(login)}`;
    res
      .status(303)
      .location(walletLink)
      .type("html")
      .send(htmlPage(`Sign in to ${client.name} with RealDID`, [`${client.name} asks you to prove: ${describePredicates(site.policy.predicates).join(", ") || "that you are enrolled"}.`], { href: walletLink, text: "Continue in your RealDID wallet", id: "continue" }));
  });

  // The login step, second half: the wallet's answer (a form POST, maybe from another site, so without our cookies: the interaction is found by its id).
  app.post(`${basePath}/interaction/:uid/answer`, express.urlencoded({ extended: false, limit: config.bodyLimitBytes }), async (req, res) => {
    const interaction = await provider.Interaction.find(req.params.uid);
    const issued = interaction && (await store.findOidcRecord(LOGIN_CHALLENGE_MODEL, "id", interaction.uid, now()));
    const client = interaction && clients.get(interaction.params.client_id);
    if (interaction === undefined || issued === undefined || interaction.result !== undefined || client === undefined) return unknownLogin(res);
    const site = clientSite(client);
    let answer: LoginAnswer;
    try {
      answer = parseLoginAnswer(typeof req.body?.answer === "string" ? req.body.answer : "");
    } catch (error) {
      return finish(res, interaction, { error: "access_denied", error_description: `the wallet's answer could not be read: ${(error as RealDidError).message}` });
    }
    if (answer.declined !== undefined) return finish(res, interaction, { error: "access_denied", error_description: declinedWords(answer.declined.code, site) });
    let verified;
    try {
      verified = await verification.verify({ challenge: String(issued.challenge), proof: answer.proof! });
    } catch (error) {
      const refusal = refusalFor(error, config.bodyLimitBytes);
      if (refusal === undefined) throw error;
      if (refusal.status >= 500) return finish(res, interaction, { error: "temporarily_unavailable", error_description: "the sign-in service is busy; please try again" });
      return finish(res, interaction, { error: "access_denied", error_description: `the proof was refused: ${refusal.code}` });
    }
    const did = pairwiseDid(BigInt(verified.didAddress));
    await store.addReceipt({ site: site.id, did, time: new Date(verified.receipt.time), receipt: verified.receipt });
    const grant = new provider.Grant({ accountId: did, clientId: client.clientId });
    const asked = new Set(String(interaction.params.scope ?? "").split(" "));
    grant.addOIDCScope(["openid", REALDID_SCOPE].filter((scope) => asked.has(scope)).join(" "));
    return finish(res, interaction, { login: { accountId: did }, consent: { grantId: await grant.save() } });
  });

  // Unknown interaction paths and the provider's own routes.
  app.use(basePath, provider.callback());
  // Our interaction routes' failures are pages in words too (the provider renders its own).
  app.use(`${basePath}/interaction`, (error: unknown, _req: Request, res: Response, _next: express.NextFunction) => {
    const refusal = refusalFor(error, config.bodyLimitBytes);
    if (refusal === undefined) logger.error({ err: error }, "OpenID Provider interaction error");
    page(res, refusal?.status ?? 500, "Sign-in with RealDID could not continue", [
      refusal?.code === "payload_too_large" ? "The wallet's answer is too large." : refusal?.code === "malformed_request" ? "The wallet's answer could not be read." : "Something went wrong on our side. Please try again in a moment.",
      "Go back to the website and sign in again.",
    ]);
  });
}

/** Why a person did not sign in, in words the website shows (error_description). */
function declinedWords(code: "user_declined" | "predicate_unsatisfied" | "credential_problem", site: SiteConfig): string {
  switch (code) {
    case "user_declined":
      return "the person declined to sign in";
    case "predicate_unsatisfied":
      return `the person does not meet this site's policy: ${describePredicates(site.policy.predicates).join(", ")}`;
    case "credential_problem":
      return "the person's credential cannot prove right now (expired, revoked or out of date)";
    default:
      return code satisfies never;
  }
}
