import express, { type Request, type Response } from "express";
import Provider, { errors, type Interaction, interactionPolicy, type KoaContextWithOIDC } from "oidc-provider";
import type { Logger } from "pino";
import { pairwiseDid } from "../did/did-uri.js";
import { RealDidError } from "../errors.js";
import { type BusinessClaims, businessClaimsOf, type Receipt } from "../receipt/receipt.js";
import { LOGIN_REQUEST_FORMAT, type LoginAnswer, type LoginRequest, parseLoginAnswer } from "../login/login-documents.js";
import { describeEnterprise } from "../business/business-policy.js";
import { predicateClaims } from "../policy/predicate-claims.js";
import type { OidcClientConfig, OidcConfig, ServiceConfig, SiteConfig } from "./config.js";
import { storeAdapter } from "./oidc-adapter.js";
import type { OidcSecrets } from "./oidc-keys.js";
import { type LoginOutcome, LoginRecords } from "./oidc-login-record.js";
import { anotherBrowserPage, errorPage, htmlPage } from "./oidc-pages.js";
import { refusalFor } from "./service-error.js";
import { policyInWords, type SiteVerification } from "./site-verification.js";
import type { VerifierStore } from "./store.js";

/** The scope whose claims are the predicates that held (age_over_18, …); "openid" alone gives `sub`. */
export const REALDID_SCOPE = "realdid";
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

/** The claim of a business login: what the business proof established about the enterprise the person acts for. */
export const BUSINESS_CLAIM = "realdid_business";

/** Claim names each configured site's policy can produce: what the realdid scope may carry. */
const claimNames = (sites: Iterable<SiteConfig>) => [
  ...new Set([...sites].flatMap((site) => [...Object.keys(predicateClaims(site.policy.predicates)), ...(site.policy.business === undefined ? [] : [BUSINESS_CLAIM])])),
];

/**
 * The realdid_business claim from a business receipt's claims: the roles the site accepts
 * (the proof shows the person holds one of them, not which), the task the mandate covers,
 * the enterprise's predicates in words, and its credit code only when it was revealed.
 */
export const businessClaim = (claims: BusinessClaims) => ({
  roles_accepted: claims.roles,
  task: claims.task,
  ...(claims.creditCode !== null && { enterprise_credit_code: claims.creditCode }),
  enterprise_predicates: describeEnterprise(claims.enterprise),
});

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
      const site = clientSite(client);
      // A business login's claims are the ones its receipt holds (the credit code is the proof's, not the policy's);
      // a business pairwise DID is one person in one role for one enterprise, so each of its receipts says the same.
      const receipt = site.policy.business === undefined ? undefined : ((await store.receipts(site.id, sub)).at(-1)?.receipt as Receipt | undefined); // signed here, kept in our own store
      const business = receipt && businessClaimsOf(receipt);
      return { accountId: sub, claims: () => ({ sub, ...predicateClaims(site.policy.predicates), ...(business && { [BUSINESS_CLAIM]: businessClaim(business) }) }) };
    },
    async renderError(ctx: KoaContextWithOIDC, out: { error?: string; error_description?: string }, error: Error) {
      ctx.type = "html";
      // Resuming without the interaction's cookies: not the website's mistake, but a browser that did not start this sign-in.
      ctx.body = error instanceof errors.SessionNotFound ? anotherBrowserPage() : errorPage(out);
    },
  });
  // oidc-provider builds its URLs and cookie flags from X-Forwarded-Proto/-Host when `proxy` is on, from any peer;
  // express honours them only from the proxies trustProxy names. So the provider trusts them, and they are rewritten
  // first to what express concluded (an untrusted peer's own headers never reach it).
  provider.proxy = true;
  app.use(basePath, (req, _res, next) => {
    req.headers["x-forwarded-proto"] = req.protocol;
    req.headers["x-forwarded-host"] = req.host;
    req.headers["x-forwarded-for"] = req.ip;
    next();
  });
  provider.on("server_error", (_ctx, error) => logger.error({ err: error }, "OpenID Provider internal error"));

  const logins = new LoginRecords(store, now);
  const walletOrigin = new URL(oidc.walletUrl).origin;
  const interactionUrl = (uid: string, step: "request" | "answer" | "finish") => `${oidc.issuer}/interaction/${encodeURIComponent(uid)}/${step}`;
  const page = (res: Response, status: number, title: string, paragraphs: string[]) => void res.status(status).type("html").send(htmlPage(title, paragraphs));
  const unknownLogin = (res: Response) =>
    page(res, 400, "This sign-in is no longer open", ["It expired, was already finished, or was started in another browser.", "Go back to the website and sign in again."]);
  const alreadyAnswered = (res: Response) => page(res, 409, "This sign-in was already answered", ["The wallet's answer for this sign-in has already been taken.", "Go back to the website and sign in again."]);
  const anotherBrowser = (res: Response) => void res.status(400).type("html").send(anotherBrowserPage());
  /** The interaction of the browser that started it (by its cookie); undefined for another browser or an expired one. */
  const startedHere = async (req: Request, res: Response): Promise<Interaction | undefined> => {
    try {
      const interaction = await provider.interactionDetails(req, res);
      return interaction.uid === req.params.uid ? interaction : undefined;
    } catch (error) {
      if (refusalFor(error, config.bodyLimitBytes)?.code === "store_unavailable") throw error; // an outage, not a stale link
      return undefined;
    }
  };

  // The login step, first part: a challenge for this interaction and the hand-off to the wallet, which fetches the request from us.
  app.get(`${basePath}/interaction/:uid`, async (req, res) => {
    const interaction = await startedHere(req, res);
    const client = interaction && clients.get(interaction.params.client_id);
    if (interaction === undefined || client === undefined) return unknownLogin(res);
    const site = clientSite(client);
    const opened = await logins.find(interaction.uid);
    if (opened?.answered) return alreadyAnswered(res);
    if (opened === undefined) {
      let request: LoginRequest["request"];
      try {
        request = await verification.issueChallenge(req.ip ?? "unknown", site, client.action);
      } catch (error) {
        const refusal = refusalFor(error, config.bodyLimitBytes);
        if (refusal === undefined) throw error;
        if (refusal.retryAfterSeconds !== undefined) res.setHeader("Retry-After", String(refusal.retryAfterSeconds));
        return page(res, refusal.status, "Sign-in with RealDID is busy", ["The service cannot start a sign-in right now.", `Please try again in ${refusal.retryAfterSeconds ?? 60} seconds.`]);
      }
      const login: LoginRequest = {
        format: LOGIN_REQUEST_FORMAT,
        request,
        client: { name: client.name, uri: new URL(interaction.params.redirect_uri as string).origin },
        returnUrl: interactionUrl(interaction.uid, "answer"),
      };
      await logins.open(interaction.uid, login, new Date(request.expiresAt!));
    } // else a reload: the same request, its challenge still open
    const walletLink = `${oidc.walletUrl}#login=${encodeURIComponent(interactionUrl(interaction.uid, "request"))}`;
    res
      .status(303)
      .location(walletLink)
      .type("html")
      .send(htmlPage(`Sign in to ${client.name} with RealDID`, [`${client.name} asks you to prove: ${policyInWords(site.policy).join(", ") || "that you are enrolled"}.`], { href: walletLink, text: "Continue in your RealDID wallet", id: "continue" }));
  });

  // The login request, for the wallet page (a cross-origin fetch from the wallet's origin only): what it shows comes from us, not from the link.
  app.get(
    `${basePath}/interaction/:uid/request`,
    async (req: Request<{ uid: string }>, res: Response) => {
      res.setHeader("Access-Control-Allow-Origin", walletOrigin).setHeader("Cache-Control", "no-store");
      const opened = await logins.find(req.params.uid);
      if (opened === undefined || opened.answered) return void res.status(404).json({ error: { code: "not_found", message: "no open sign-in has this id: it expired, was answered, or never existed" } });
      res.json(opened.login);
    },
    (error: unknown, _req: Request, res: Response, _next: express.NextFunction) => {
      const refusal = refusalFor(error, config.bodyLimitBytes);
      if (refusal === undefined) logger.error({ err: error }, "OpenID Provider login request error");
      res.status(refusal?.status ?? 500).json({ error: { code: refusal?.code ?? "internal_error", message: refusal?.message ?? "internal error" } });
    },
  );

  // The login step, second part: the wallet's answer (a form POST, maybe from another site, so without our cookies: the
  // interaction is found by its id). It only verifies and keeps the outcome; the browser that started the sign-in finishes it.
  app.post(`${basePath}/interaction/:uid/answer`, express.urlencoded({ extended: false, limit: config.bodyLimitBytes }), async (req, res) => {
    const interaction = await provider.Interaction.find(req.params.uid);
    const client = interaction && clients.get(interaction.params.client_id);
    const opened = interaction && (await logins.find(interaction.uid));
    if (interaction === undefined || client === undefined || opened === undefined) return unknownLogin(res);
    if (opened.answered || !(await logins.claimAnswer(interaction.uid))) return alreadyAnswered(res);
    const outcome = await outcomeOf(req.body?.answer, opened.login, clientSite(client));
    const token = await logins.keepOutcome(interaction.uid, opened.login, outcome, new Date(interaction.exp * 1000));
    res.redirect(303, `${interactionUrl(interaction.uid, "finish")}?t=${token}`);
  });

  /** The wallet's answer verified as POST /v1/verify does, to the DID it proves (its receipt kept) or the error the website gets. */
  const outcomeOf = async (field: unknown, login: LoginRequest, site: SiteConfig): Promise<LoginOutcome> => {
    let answer: LoginAnswer;
    try {
      answer = parseLoginAnswer(typeof field === "string" ? field : "");
    } catch (error) {
      return { error: "access_denied", error_description: `the wallet's answer could not be read: ${(error as RealDidError).message}` };
    }
    if (answer.declined !== undefined) return { error: "access_denied", error_description: declinedWords(answer.declined.code, site) };
    let verified;
    try {
      verified = await verification.verify({ challenge: login.request.challenge!, proof: answer.proof! });
    } catch (error) {
      const refusal = refusalFor(error, config.bodyLimitBytes);
      if (refusal === undefined) throw error;
      if (refusal.status >= 500) return { error: "temporarily_unavailable", error_description: "the sign-in service is busy; please try again" };
      return { error: "access_denied", error_description: `the proof was refused: ${refusal.code}` };
    }
    const did = pairwiseDid(BigInt(verified.didAddress));
    await store.addReceipt({ site: site.id, did, time: new Date(verified.receipt.time), receipt: verified.receipt });
    return { login: { accountId: did } };
  };

  // The login step, last part: only the browser that started the sign-in (its interaction cookie) holding the token of the
  // wallet's answer (from the answer's redirect) ends the interaction; the provider then sends it to the website.
  app.get(`${basePath}/interaction/:uid/finish`, async (req, res) => {
    const interaction = await startedHere(req, res);
    const outcome = interaction && (await logins.redeem(interaction.uid, typeof req.query.t === "string" ? req.query.t : ""));
    const client = interaction && clients.get(interaction.params.client_id);
    if (interaction === undefined || outcome === undefined || client === undefined) return anotherBrowser(res);
    if ("error" in outcome) return provider.interactionFinished(req, res, outcome, { mergeWithLastSubmission: false });
    const grant = new provider.Grant({ accountId: outcome.login.accountId, clientId: client.clientId });
    const asked = new Set(String(interaction.params.scope ?? "").split(" "));
    grant.addOIDCScope(["openid", REALDID_SCOPE].filter((scope) => asked.has(scope)).join(" "));
    await provider.interactionFinished(req, res, { login: outcome.login, consent: { grantId: await grant.save() } }, { mergeWithLastSubmission: false });
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
      return `the person does not meet this site's policy: ${policyInWords(site.policy).join(", ")}`;
    case "credential_problem":
      return "the person's credential cannot prove right now (expired, revoked or out of date)";
    default:
      return code satisfies never;
  }
}
