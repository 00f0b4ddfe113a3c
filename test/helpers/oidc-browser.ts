import * as client from "openid-client";
import { LOGIN_ANSWER_FORMAT, type LoginRequest, parseLoginRequest } from "../../src/login/login-documents.js";
import { proofDocument } from "../../src/proof/proof-document.js";
import { proofRequestFrom } from "../../src/proof/request-document.js";
import type { ProofFixture } from "./proof-fixture.js";

/** The cookies a browser would keep (by name, whatever their path: each jar is one browser running one sign-in at a time). */
export class CookieJar {
  private readonly cookies = new Map<string, string>();

  header(): string {
    return [...this.cookies].map(([name, value]) => `${name}=${value}`).join("; ");
  }

  keep(response: Response): void {
    for (const line of response.headers.getSetCookie()) {
      const [pair, ...attributes] = line.split(";");
      const [name, value] = [pair.slice(0, pair.indexOf("=")).trim(), pair.slice(pair.indexOf("=") + 1)];
      const expired = attributes.some((a) => /^\s*expires=Thu, 01 Jan 1970/i.test(a)) || attributes.some((a) => /^\s*max-age=0\s*$/i.test(a));
      if (expired) this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
  }
}

export interface Stop {
  /** Where the browser was sent when `until` said stop, or the page it stopped on. */
  readonly url: URL;
  /** The last answer (a page, or the redirect that was not followed). */
  readonly response: Response;
}

/**
 * A browser without a window: requests `url` (a form POST when `form` is given), then
 * follows redirects by hand with the cookie jar, until a redirect goes where `until`
 * says to stop or an answer is not a redirect.
 */
export async function browse(jar: CookieJar, url: URL | string, until: (next: URL) => boolean, form?: Record<string, string>): Promise<Stop> {
  let current = new URL(url);
  let init: RequestInit = form ? { method: "POST", body: new URLSearchParams(form) } : {};
  for (let hops = 0; hops < 20; hops++) {
    const response = await fetch(current, { ...init, redirect: "manual", headers: { cookie: jar.header() } });
    jar.keep(response);
    const location = response.headers.get("location");
    if (response.status < 300 || response.status >= 400 || location === null) return { url: current, response };
    await response.body?.cancel();
    const next = new URL(location, current);
    if (until(next)) return { url: next, response };
    current = next;
    init = {};
  }
  throw new Error(`more than 20 redirects from ${url}`);
}

/** Where the wallet link's fragment says the login request is: `<wallet>#login=<encoded <issuer>/interaction/:uid/request>`. */
export const loginRequestUrlOf = (walletUrl: URL): URL => new URL(decodeURIComponent(walletUrl.hash.replace(/^#login=/, "")));

/** The login request as the wallet page gets it: fetched from the provider, from the wallet's origin. */
export async function loginRequestOf(walletUrl: URL): Promise<LoginRequest> {
  const response = await fetch(loginRequestUrlOf(walletUrl), { headers: { origin: walletUrl.origin } });
  if (!response.ok) throw new Error(`the login request answered ${response.status}: ${await response.text()}`);
  return parseLoginRequest(await response.json());
}

/**
 * What the citizen's wallet posts back: a real proof by citizen `who` of the fixture for
 * the login request (tampered if asked), or a refusal.
 */
export async function walletAnswer(login: LoginRequest, fixture: ProofFixture, { who = 1, tamper = false, decline }: { who?: number; tamper?: boolean; decline?: "predicate_unsatisfied" | "user_declined" } = {}): Promise<string> {
  if (decline) return JSON.stringify({ format: LOGIN_ANSWER_FORMAT, declined: { code: decline, message: "the wallet says no" } });
  const request = proofRequestFrom(login.request, { regulatorKeys: [fixture.regulator.publicKey] });
  const proof = proofDocument(await fixture.prove(who, request), request.scope);
  const answered = tamper ? { ...proof, proof: { ...proof.proof, pi_c: proof.proof.pi_a } } : proof;
  return JSON.stringify({ format: LOGIN_ANSWER_FORMAT, proof: answered });
}

/** Starts a sign-in as the website would: PKCE S256, state and nonce. */
export async function startSignIn(config: client.Configuration, redirectUri: string) {
  const codeVerifier = client.randomPKCECodeVerifier();
  const checks = { pkceCodeVerifier: codeVerifier, expectedState: client.randomState(), expectedNonce: client.randomNonce() };
  const url = client.buildAuthorizationUrl(config, {
    redirect_uri: redirectUri,
    scope: "openid realdid",
    code_challenge: await client.calculatePKCECodeChallenge(codeVerifier),
    code_challenge_method: "S256",
    state: checks.expectedState,
    nonce: checks.expectedNonce,
  });
  return { url, checks };
}
