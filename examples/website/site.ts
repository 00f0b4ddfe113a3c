// An example website with "Sign in with RealDID": express + openid-client (authorization code
// flow with PKCE S256, state and nonce; ID token signature checked). It learns a pairwise DID
// (did:realdid:pairwise:…, the same each time this person signs in here, unlinkable to other
// sites) and the claims the person proved (e.g. age_over_18), nothing else about them.
//
//   browser ──/login──▶ site ──303──▶ OpenID Provider (verifier service) ──303──▶ wallet (proves)
//   wallet ──form POST──▶ OpenID Provider (verifies) ──303──▶ site /callback?code ──token──▶ ID token
import { randomBytes } from "node:crypto";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import express, { type Request, type Response } from "express";
import * as client from "openid-client";

export interface ExampleSiteOptions {
  /** The OpenID Provider's issuer URL, e.g. http://127.0.0.1:8080/oidc. */
  readonly issuer: string;
  /** The client id the provider's config registers for this site. */
  readonly clientId: string;
  /** Absent for a public client (PKCE only). */
  readonly clientSecret?: string;
  readonly host?: string;
  /** 0 picks a free port; then the provider must accept the redirect URI that results. */
  readonly port?: number;
  /** What this site requires, in words (shown on the home page and when someone is refused). */
  readonly policyWords?: string;
  /** The site's name on its pages. */
  readonly name?: string;
  /** The signed-in page's own part, in HTML (by default, the claims the person proved). */
  readonly signedInHtml?: (user: SignedInUser) => string;
  /** More routes of the site (e.g. a form the signed-in person posts); `userOf` is the request's signed-in person. */
  readonly routes?: (app: express.Express, userOf: (req: Request, res: Response) => SignedInUser | undefined) => void;
}

/** Who is signed in: the pairwise DID (the ID token's sub) and the claims the person proved. */
export interface SignedInUser {
  readonly did: string;
  readonly claims: Record<string, unknown>;
}

export interface RunningExampleSite {
  readonly url: string;
  readonly redirectUri: string;
  close(): Promise<void>;
}

/** A sign-in in progress (what the callback checks the answer against) or a signed-in person. */
interface Session {
  pending?: { codeVerifier: string; state: string; nonce: string };
  user?: SignedInUser;
}

const SESSION_COOKIE = "example_site_session";
const ESCAPES: Record<string, string> = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" };
export const escape = (value: unknown) => String(value).replace(/[&<>"']/g, (c) => ESCAPES[c]);
export const page = (title: string, body: string) =>
  `<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><title>${escape(title)}</title></head><body><h1>${escape(title)}</h1>\n${body}\n</body></html>\n`;
const isLoopback = (url: URL) => url.hostname === "127.0.0.1" || url.hostname === "localhost" || url.hostname === "[::1]";

export async function startExampleSite(options: ExampleSiteOptions): Promise<RunningExampleSite> {
  const host = options.host ?? "127.0.0.1";
  const policyWords = options.policyWords ?? "what the site's policy asks";
  const name = options.name ?? "Example Shop";
  // Sessions in memory, by an unguessable cookie: it is an example (a real site keeps them in its own store).
  const sessions = new Map<string, Session>();
  let configuration: Promise<client.Configuration> | undefined;
  let redirectUri = "";

  const provider = () =>
    (configuration ??= (async () => {
      const issuer = new URL(options.issuer);
      const auth = options.clientSecret === undefined ? client.None() : client.ClientSecretBasic(options.clientSecret);
      // Plain http only to a provider on this machine (development); anything else must be https.
      const config = await client.discovery(issuer, options.clientId, undefined, auth, isLoopback(issuer) ? { execute: [client.allowInsecureRequests] } : undefined);
      client.enableNonRepudiationChecks(config); // check the ID token's signature against the provider's JWKS
      return config;
    })().catch((error) => {
      configuration = undefined; // try discovery again on the next sign-in
      throw error;
    }));

  const sessionOf = (req: Request, res: Response): Session => {
    const id = /(?:^|;\s*)example_site_session=([A-Za-z0-9_-]{43})/.exec(req.get("cookie") ?? "")?.[1];
    if (id !== undefined && sessions.has(id)) return sessions.get(id)!;
    const fresh = randomBytes(32).toString("base64url");
    const session: Session = {};
    sessions.set(fresh, session);
    res.cookie(SESSION_COOKIE, fresh, { httpOnly: true, sameSite: "lax", path: "/" });
    return session;
  };

  const app = express();
  app.disable("x-powered-by");

  app.get("/", (req, res) => {
    const { user } = sessionOf(req, res);
    if (user === undefined) {
      return void res.type("html").send(
        page(name, `<p id="policy">This site requires: ${escape(policyWords)}.</p>\n<p><a id="signin" href="/login">Sign in with RealDID</a></p>`),
      );
    }
    const claims = Object.entries(user.claims).map(([name, value]) => `<li data-claim="${escape(name)}">${escape(name)}: ${escape(JSON.stringify(value))}</li>`);
    const own = options.signedInHtml?.(user) ?? `<p>What you proved:</p>\n<ul id="claims">${claims.join("")}</ul>`;
    res.type("html").send(
      page(`${name}: signed in`, `<p>You are signed in as <code id="did">${escape(user.did)}</code>.</p>\n${own}\n<form method="post" action="/logout"><button id="signout">Sign out</button></form>`),
    );
  });

  app.get("/login", async (req, res) => {
    const session = sessionOf(req, res);
    const config = await provider();
    const pending = { codeVerifier: client.randomPKCECodeVerifier(), state: client.randomState(), nonce: client.randomNonce() };
    session.pending = pending;
    const url = client.buildAuthorizationUrl(config, {
      redirect_uri: redirectUri,
      scope: "openid realdid",
      code_challenge: await client.calculatePKCECodeChallenge(pending.codeVerifier),
      code_challenge_method: "S256",
      state: pending.state,
      nonce: pending.nonce,
    });
    res.redirect(303, url.href);
  });

  app.get("/callback", async (req, res) => {
    const session = sessionOf(req, res);
    const pending = session.pending;
    session.pending = undefined; // one answer per sign-in
    if (pending === undefined) return void res.status(400).type("html").send(page("Sign-in expired", `<p>This sign-in was not started here, or was already finished. <a href="/">Start again</a>.</p>`));
    try {
      const tokens = await client.authorizationCodeGrant(await provider(), new URL(req.originalUrl, redirectUri), { pkceCodeVerifier: pending.codeVerifier, expectedState: pending.state, expectedNonce: pending.nonce });
      const { sub, iss: _iss, aud: _aud, exp: _exp, iat: _iat, nonce: _nonce, auth_time: _authTime, at_hash: _atHash, sid: _sid, ...proved } = tokens.claims()!;
      session.user = { did: sub, claims: proved };
      res.redirect(303, "/");
    } catch (error) {
      // The provider refused the person (access_denied with its reason in words), or the answer did not check out.
      const reason =
        error instanceof client.AuthorizationResponseError
          ? (error.error_description ?? error.error)
          : error instanceof client.ResponseBodyError // the token endpoint's refusal, e.g. a code used before
            ? `the identity provider refused the sign-in (${error.error}${error.error_description ? `: ${error.error_description}` : ""})`
            : "the sign-in answer could not be checked";
      res
        .status(403)
        .type("html")
        .send(page("Sign-in refused", `<p id="refused">${escape(reason)}.</p>\n<p>This site requires: ${escape(policyWords)}.</p>\n<p><a href="/">Back to the home page</a></p>`));
    }
  });

  app.post("/logout", (req, res) => {
    sessionOf(req, res).user = undefined;
    res.redirect(303, "/");
  });

  options.routes?.(app, (req, res) => sessionOf(req, res).user);

  app.use((error: unknown, _req: Request, res: Response, _next: express.NextFunction) => {
    console.error("example site:", error);
    res.status(502).type("html").send(page("Sign-in unavailable", `<p>The RealDID sign-in service could not be reached. Please try again later.</p>`));
  });

  const server: Server = await new Promise((resolve, reject) => {
    const listening = app.listen(options.port ?? 0, host, () => resolve(listening)).once("error", reject);
  });
  const url = `http://${host}:${(server.address() as AddressInfo).port}`;
  redirectUri = `${url}/callback`;
  return {
    url,
    redirectUri,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
