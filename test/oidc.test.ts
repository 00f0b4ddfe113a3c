// "Sign in with RealDID": the verifier service as an OpenID Provider, driven over real HTTP by
// openid-client (discovery, PKCE, code exchange, ID token signature and claims) while the
// test plays the browser (cookies, redirects) and the wallet (real proofs from the library).
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import * as client from "openid-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { pairwiseDid } from "../src/did/did-uri.js";
import { releaseCurve } from "../src/proof/curve.js";
import { scopeToField } from "../src/proof/request.js";
import { verifyReceipt } from "../src/receipt/receipt.js";
import { parseServiceConfig } from "../src/service/config.js";
import { type RunningService, startVerifierService } from "../src/service/server.js";
import { freePort } from "./helpers/free-port.js";
import { type LoginRequest, parseLoginRequest } from "../src/login/login-documents.js";
import { browse, CookieJar, loginRequestOf, loginRequestUrlOf, startSignIn, walletAnswer } from "./helpers/oidc-browser.js";
import { type ProofFixture, proofFixture } from "./helpers/proof-fixture.js";
import { ownTestDatabase } from "./helpers/postgres.js";
import { writeServiceConfig } from "./helpers/service-fixture.js";
import { startExampleSite } from "../examples/website/site.js";

const WALLET = "http://127.0.0.1:9/wallet/";
const SHOP_CALLBACK = "http://127.0.0.1:9/shop/callback";
const NEWS_CALLBACK = "http://127.0.0.1:9/news/callback";
const NEWS_SECRET = "news client secret (test only, insecure)";

let dir: string;
let fixture: ProofFixture;
let service: RunningService;
let issuer: string;
let sitePort: number;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "realdid-oidc-"));
  fixture = await proofFixture();
  const port = await freePort();
  issuer = `http://127.0.0.1:${port}/oidc`;
  sitePort = await freePort();
  process.env.REALDID_TEST_NEWS_SECRET = NEWS_SECRET;
  const configPath = writeServiceConfig(dir, fixture, "verifier-data", {
    port,
    trustProxy: "loopback",
    oidc: {
      issuer,
      walletUrl: WALLET,
      keysFile: "oidc-keys.json",
      clients: [
        { clientId: "shop-web", name: "Example Shop", site: "shop", redirectUris: [SHOP_CALLBACK] },
        { clientId: "example-shop", name: "Example Shop (examples/website)", site: "shop", redirectUris: [`http://127.0.0.1:${sitePort}/callback`] },
        { clientId: "news-web", clientSecretEnv: "REALDID_TEST_NEWS_SECRET", name: "Example News", site: "news", redirectUris: [NEWS_CALLBACK] },
      ],
    },
  });
  service = await startVerifierService(parseServiceConfig(JSON.parse(readFileSync(configPath, "utf8")), dirname(configPath)), () => {});
});
afterAll(async () => {
  await service?.close();
  await releaseCurve();
  rmSync(dir, { recursive: true, force: true });
});

/** The website's side: openid-client configured from discovery (http only because this is 127.0.0.1 in a test), ID token signatures checked. */
async function relyingParty(clientId: string, secret?: string): Promise<client.Configuration> {
  const config = await client.discovery(new URL(issuer), clientId, undefined, secret === undefined ? client.None() : client.ClientSecretBasic(secret), { execute: [client.allowInsecureRequests] });
  client.enableNonRepudiationChecks(config);
  return config;
}

/** A sign-in started in `jar`'s browser, up to the wallet, which has fetched the login request. */
async function toWallet(jar: CookieJar, config: client.Configuration, redirectUri: string) {
  const { url, checks } = await startSignIn(config, redirectUri);
  const atWallet = await browse(jar, url, (next) => next.href.startsWith(WALLET));
  expect(atWallet.response.status).toBe(303);
  return { checks, walletUrl: atWallet.url, login: await loginRequestOf(atWallet.url) };
}

/** The whole sign-in through the browser and the wallet; returns where the browser lands at the website. */
async function signIn(config: client.Configuration, redirectUri: string, wallet: Parameters<typeof walletAnswer>[2] = {}) {
  const jar = new CookieJar();
  const { checks, login } = await toWallet(jar, config, redirectUri);
  const answer = await walletAnswer(login, fixture, wallet);
  const back = await browse(jar, login.returnUrl, (next) => next.href.startsWith(redirectUri), { answer });
  return { callback: back.url, checks, login };
}

describe("Sign in with RealDID (OpenID Provider)", () => {
  let shop: client.Configuration;
  let firstDid: string;

  it("publishes a discovery document openid-client accepts: code flow, PKCE S256, ES256 ID tokens, the predicate claims", async () => {
    shop = await relyingParty("shop-web");
    const metadata = shop.serverMetadata();
    expect(metadata.issuer).toBe(issuer);
    expect(metadata.response_types_supported).toEqual(["code"]);
    expect(metadata.code_challenge_methods_supported).toEqual(["S256"]);
    expect(metadata.id_token_signing_alg_values_supported).toEqual(["ES256"]);
    expect(metadata.scopes_supported).toEqual(expect.arrayContaining(["openid", "realdid"]));
    expect(metadata.claims_supported).toEqual(expect.arrayContaining(["sub", "age_over_18", "region_prefix", "document_valid"]));
    const jwks = await (await fetch(metadata.jwks_uri!)).json();
    expect(jwks.keys).toHaveLength(1);
    expect(jwks.keys[0]).toMatchObject({ kty: "EC", crv: "P-256", alg: "ES256", use: "sig" });
    expect(jwks.keys[0].d).toBeUndefined();
    expect(statSync(join(dir, "oidc-keys.json")).mode & 0o777).toBe(0o600);
  });

  it("signs a citizen in: sub is the pairwise DID of the proof, the claims are the site's predicates and nothing else; the code works once", async () => {
    const { callback, checks, login } = await signIn(shop, SHOP_CALLBACK);
    expect(login.client).toEqual({ name: "Example Shop", uri: "http://127.0.0.1:9" });
    expect(login.request).toMatchObject({ site: "shop", scope: "shop.example" });
    const tokens = await client.authorizationCodeGrant(shop, callback, checks);
    const claims = tokens.claims()!;
    firstDid = pairwiseDid(fixture.citizens[1].identity.didAddress(scopeToField("shop.example")));
    expect(claims.sub).toBe(firstDid);
    expect(claims.sub).toMatch(/^did:realdid:pairwise:[0-9a-f]{64}$/);
    expect(claims).toMatchObject({ iss: issuer, aud: "shop-web", age_over_18: true, region_prefix: "11", document_valid: true });
    const personal = Object.keys(claims).filter((name) => !["iss", "aud", "sub", "exp", "iat", "nonce", "auth_time", "at_hash", "sid", "age_over_18", "region_prefix", "document_valid"].includes(name));
    expect(personal).toEqual([]);
    const userinfo = await client.fetchUserInfo(shop, tokens.access_token, firstDid);
    expect(userinfo).toEqual({ sub: firstDid, age_over_18: true, region_prefix: "11", document_valid: true });

    // The receipt stays with the service, for the site's regulator requests.
    const kept = await (await fetch(`${service.url}/v1/receipts?site=shop&did=${encodeURIComponent(firstDid)}`)).json();
    expect(kept.receipts).toHaveLength(1);
    expect(verifyReceipt(kept.receipts[0], "receipt", service.receiptKey)).toMatchObject({ site: "shop", scope: "shop.example", didAddress: BigInt(`0x${firstDid.slice(-64)}`).toString() });

    const replay = await client.authorizationCodeGrant(shop, callback, checks).then(
      () => undefined,
      (error) => error,
    );
    expect(replay).toBeInstanceOf(client.ResponseBodyError);
    expect(replay.error).toBe("invalid_grant");
  });

  it("gives the same person the same DID at the same site, and a different DID at another site (a confidential client: a wrong secret is refused)", async () => {
    const again = await signIn(shop, SHOP_CALLBACK);
    expect((await client.authorizationCodeGrant(shop, again.callback, again.checks)).claims()!.sub).toBe(firstDid);
    const news = await relyingParty("news-web", NEWS_SECRET);
    const there = await signIn(news, NEWS_CALLBACK);
    const wrongSecret = await relyingParty("news-web", "not the secret");
    await expect(client.authorizationCodeGrant(wrongSecret, there.callback, there.checks)).rejects.toMatchObject({ name: "WWWAuthenticateChallengeError", status: 401, cause: [expect.objectContaining({ parameters: expect.objectContaining({ error: "invalid_client" }) })] });
    const claims = (await client.authorizationCodeGrant(news, there.callback, there.checks)).claims()!;
    expect(claims.sub).toBe(pairwiseDid(fixture.citizens[1].identity.didAddress(scopeToField("news.example"))));
    expect(claims.sub).not.toBe(firstDid);
    expect(claims).toMatchObject({ aud: "news-web", age_over_18: true });
    expect(claims.region_prefix).toBeUndefined();
    const declined = await signIn(news, NEWS_CALLBACK, { decline: "user_declined" });
    expect(declined.callback.searchParams.get("error_description")).toBe("the person declined to sign in");
  });

  it("ends a sign-in with a tampered proof in access_denied at the website, with the reason in words", async () => {
    const { callback, checks } = await signIn(shop, SHOP_CALLBACK, { tamper: true });
    expect(callback.searchParams.get("error")).toBe("access_denied");
    expect(callback.searchParams.get("error_description")).toBe("the proof was refused: invalid_proof");
    expect(callback.searchParams.get("state")).toBe(checks.expectedState);
    await expect(client.authorizationCodeGrant(shop, callback, checks)).rejects.toMatchObject({ error: "access_denied", error_description: "the proof was refused: invalid_proof" });
  });

  it("ends a sign-in the wallet declined (predicate not met) in access_denied naming the site's policy", async () => {
    const { callback } = await signIn(shop, SHOP_CALLBACK, { decline: "predicate_unsatisfied" });
    expect(callback.searchParams.get("error")).toBe("access_denied");
    expect(callback.searchParams.get("error_description")).toBe("the person does not meet this site's policy: age >= 18, region starts with 11, credential not expired");
  });

  describe("the login step: only the browser that started a sign-in finishes it", () => {
    const finishUrl = (login: LoginRequest) => login.returnUrl.replace(/\/answer$/, "/finish");
    const resumeUrl = (login: LoginRequest) => `${issuer}/auth/${new URL(login.returnUrl).pathname.split("/").at(-2)}`;

    it("serves the wallet the login request itself: to the wallet's origin only, never cached, gone once answered", async () => {
      const jar = new CookieJar();
      const { walletUrl, login } = await toWallet(jar, shop, SHOP_CALLBACK);
      const requestUrl = loginRequestUrlOf(walletUrl);
      expect(requestUrl.href).toMatch(new RegExp(`^${issuer}/interaction/[A-Za-z0-9_-]+/request$`));
      expect(walletUrl.href).toBe(`${WALLET}#login=${encodeURIComponent(requestUrl.href)}`);
      expect(login.returnUrl).toBe(requestUrl.href.replace(/request$/, "answer"));
      const served = await fetch(requestUrl, { headers: { origin: new URL(WALLET).origin } });
      expect(served.headers.get("access-control-allow-origin")).toBe(new URL(WALLET).origin);
      expect(served.headers.get("cache-control")).toBe("no-store");
      expect(parseLoginRequest(await served.json())).toEqual(login);
      await browse(jar, login.returnUrl, (next) => next.href.startsWith(SHOP_CALLBACK), { answer: await walletAnswer(login, fixture, { decline: "user_declined" }) });
      for (const url of [requestUrl.href, `${issuer}/interaction/no-such-login/request`]) {
        const gone = await fetch(url);
        expect(gone.status).toBe(404);
        expect(gone.headers.get("access-control-allow-origin")).toBe(new URL(WALLET).origin);
        expect(await gone.json()).toEqual({ error: { code: "not_found", message: expect.stringMatching(/no open sign-in/) } });
      }
    });

    it("gives no code for a proof made in another browser (a wallet link sent to someone else): neither there nor where it started", async () => {
      const attacker = new CookieJar();
      const { login } = await toWallet(attacker, shop, SHOP_CALLBACK);
      const victim = new CookieJar();
      const answered = await browse(victim, login.returnUrl, (next) => next.href.startsWith(SHOP_CALLBACK), { answer: await walletAnswer(login, fixture, { who: 2 }) });
      expect(answered.url.pathname).toMatch(/\/finish$/);
      expect(answered.url.searchParams.get("t")).toMatch(/^[A-Za-z0-9_-]{43}$/);
      expect(answered.response.status).toBe(400);
      expect(await answered.response.text()).toMatch(/started in another browser, or has expired/);
      // The browser that started it has the cookies but not the token: resuming, finishing without it or with a made-up one leads nowhere.
      for (const url of [resumeUrl(login), finishUrl(login), `${finishUrl(login)}?t=${"A".repeat(43)}`]) {
        const stop = await browse(attacker, url, (next) => next.href.startsWith(SHOP_CALLBACK) || next.href.startsWith(WALLET));
        expect(stop.url.searchParams.get("code")).toBeNull();
      }
      const withoutToken = await browse(attacker, finishUrl(login), () => false);
      expect(withoutToken.response.status).toBe(400);
      expect(await withoutToken.response.text()).toMatch(/started in another browser, or has expired/);
    });

    it("takes one answer per sign-in: of two racing answers one goes on, the other is told the sign-in was already answered", async () => {
      const jar = new CookieJar();
      const { login, checks } = await toWallet(jar, shop, SHOP_CALLBACK);
      const answer = await walletAnswer(login, fixture);
      const post = () => fetch(login.returnUrl, { method: "POST", body: new URLSearchParams({ answer }), redirect: "manual" });
      const answers = await Promise.all([post(), post()]);
      expect(answers.map((a) => a.status).sort()).toEqual([303, 409]);
      expect(await answers.find((a) => a.status === 409)!.text()).toMatch(/This sign-in was already answered/);
      const back = await browse(jar, answers.find((a) => a.status === 303)!.headers.get("location")!, (next) => next.href.startsWith(SHOP_CALLBACK));
      expect((await client.authorizationCodeGrant(shop, back.url, checks)).claims()!.sub).toBe(firstDid);
    });

    it("refuses a proof made for another sign-in's challenge with access_denied, in words", async () => {
      const [jarA, jarB] = [new CookieJar(), new CookieJar()];
      const a = await toWallet(jarA, shop, SHOP_CALLBACK);
      const b = await toWallet(jarB, shop, SHOP_CALLBACK);
      const back = await browse(jarA, a.login.returnUrl, (next) => next.href.startsWith(SHOP_CALLBACK), { answer: await walletAnswer(b.login, fixture) });
      expect(back.url.searchParams.get("code")).toBeNull();
      expect(back.url.searchParams.get("error")).toBe("access_denied");
      expect(back.url.searchParams.get("error_description")).toBe("the proof was refused: challenge_mismatch");
    });

    it("tells a browser resuming a sign-in it did not start (no cookies) so, in words", async () => {
      const { login } = await toWallet(new CookieJar(), shop, SHOP_CALLBACK);
      const elsewhere = await fetch(resumeUrl(login), { redirect: "manual" });
      expect(elsewhere.status).toBe(400);
      const words = await elsewhere.text();
      expect(words).toMatch(/started in another browser, or has expired/);
      expect(words).not.toMatch(/malformed/);
    });
  });

  it("builds its endpoints from X-Forwarded-Proto/-Host of a proxy trustProxy names (here loopback)", async () => {
    const metadata = await (await fetch(`${issuer}/.well-known/openid-configuration`, { headers: { "x-forwarded-proto": "https", "x-forwarded-host": "idp.example" } })).json();
    expect(metadata.issuer).toBe(issuer);
    expect(metadata.token_endpoint).toBe("https://idp.example/oidc/token");
  });

  it("answers a receipts query for a malformed DID or an unknown site with its code", async () => {
    const ask = async (query: string) => {
      const response = await fetch(`${service.url}/v1/receipts?${query}`);
      return { status: response.status, json: await response.json() };
    };
    expect(await ask("site=shop&did=did:example:1")).toMatchObject({ status: 400, json: { error: { code: "malformed_request", message: expect.stringMatching(/field 'did' must be a pairwise DID/) } } });
    expect(await ask(`site=nope&did=${encodeURIComponent(firstDid)}`)).toMatchObject({ status: 404, json: { error: { code: "unknown_site" } } });
    expect(await ask(`site=news&did=${encodeURIComponent(firstDid)}`)).toMatchObject({ status: 200, json: { receipts: [] } });
  });

  describe("answers mistakes with a page in words, never a stack", () => {
    const page = async (url: string, init?: RequestInit) => {
      const response = await fetch(url, { redirect: "manual", headers: { accept: "text/html" }, ...init });
      return { status: response.status, type: response.headers.get("content-type") ?? "", text: await response.text() };
    };
    const authorize = async (params: Record<string, string>) => page(`${issuer}/auth?${new URLSearchParams(params)}`);
    const valid = { response_type: "code", scope: "openid", code_challenge: "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM", code_challenge_method: "S256" };

    it.each([
      ["an unknown client", { ...valid, client_id: "nobody", redirect_uri: SHOP_CALLBACK }, /not registered/],
      ["a redirect URI the client did not register", { ...valid, client_id: "shop-web", redirect_uri: "http://127.0.0.1:9/elsewhere" }, /not one the website registered/],
      ["a request without a client", { ...valid }, /malformed/],
    ])("%s", async (_, params, words) => {
      const answer = await authorize(params);
      expect(answer.status).toBe(400);
      expect(answer.type).toMatch(/text\/html/);
      expect(answer.text).toMatch(words);
      expect(answer.text).not.toMatch(/\bat .*\.js:\d+/);
    });

    it("a request without PKCE goes back to the website as invalid_request", async () => {
      const { code_challenge: _, code_challenge_method: __, ...withoutPkce } = valid;
      const answer = await fetch(`${issuer}/auth?${new URLSearchParams({ ...withoutPkce, client_id: "shop-web", redirect_uri: SHOP_CALLBACK, state: "s" })}`, { redirect: "manual" });
      const back = new URL(answer.headers.get("location")!);
      expect(back.origin + back.pathname).toBe(SHOP_CALLBACK);
      expect(back.searchParams.get("error")).toBe("invalid_request");
      expect(back.searchParams.get("error_description")).toMatch(/PKCE/);
    });

    it("an answer for a sign-in that is not open, and a wallet link opened without the sign-in's cookies", async () => {
      const unknown = await page(`${issuer}/interaction/no-such-login/answer`, { method: "POST", body: new URLSearchParams({ answer: "{}" }) });
      expect(unknown.status).toBe(400);
      expect(unknown.text).toMatch(/no longer open/);
      const { url } = await startSignIn(shop, SHOP_CALLBACK);
      const atInteraction = await browse(new CookieJar(), url, (next) => next.pathname.includes("/interaction/"));
      const withoutCookies = await page(atInteraction.url.href);
      expect(withoutCookies.status).toBe(400);
      expect(withoutCookies.text).toMatch(/no longer open/);
    });

    it("a wallet answer that is not a login answer ends the sign-in with access_denied", async () => {
      const jar = new CookieJar();
      const { url } = await startSignIn(shop, SHOP_CALLBACK);
      const login = await loginRequestOf((await browse(jar, url, (next) => next.href.startsWith(WALLET))).url);
      const back = await browse(jar, login.returnUrl, (next) => next.href.startsWith(SHOP_CALLBACK), { answer: "{not json" });
      expect(back.url.searchParams.get("error")).toBe("access_denied");
      expect(back.url.searchParams.get("error_description")).toMatch(/could not be read: the login answer is not valid JSON/);
    });
  });
});

describe("the example website (examples/website) signing people in through the provider", () => {
  const textOf = (html: string, id: string) => new RegExp(`id="${id}"[^>]*>([^<]*)<`).exec(html)?.[1];

  it("shows the signed-in DID and the proved claims; refuses a person who does not meet its policy with a page in words", async () => {
    const site = await startExampleSite({ issuer, clientId: "example-shop", port: sitePort, policyWords: "age >= 18, region 11, a valid document" });
    try {
      const jar = new CookieJar();
      const home = await (await fetch(site.url, { headers: { cookie: jar.header() } })).text();
      expect(home).toMatch(/<a id="signin" href="\/login">Sign in with RealDID<\/a>/);

      const atWallet = await browse(jar, `${site.url}/login`, (next) => next.href.startsWith(WALLET));
      const login = await loginRequestOf(atWallet.url);
      expect(login.client.uri).toBe(site.url);
      const signedIn = await browse(jar, login.returnUrl, () => false, { answer: await walletAnswer(login, fixture, { who: 2 }) });
      expect(signedIn.url.href).toBe(`${site.url}/`);
      const html = await signedIn.response.text();
      expect(textOf(html, "did")).toBe(pairwiseDid(fixture.citizens[2].identity.didAddress(scopeToField("shop.example"))));
      expect([...html.matchAll(/data-claim="([^"]+)"/g)].map((m) => m[1]).sort()).toEqual(["age_over_18", "document_valid", "region_prefix"]);

      const refusedJar = new CookieJar();
      const again = await loginRequestOf((await browse(refusedJar, `${site.url}/login`, (next) => next.href.startsWith(WALLET))).url);
      const refused = await browse(refusedJar, again.returnUrl, () => false, { answer: await walletAnswer(again, fixture, { decline: "predicate_unsatisfied" }) });
      expect(refused.response.status).toBe(403);
      const refusal = await refused.response.text();
      expect(refusal).toContain("<h1>Sign-in refused</h1>");
      expect(textOf(refusal, "refused")).toBe("the person does not meet this site&#39;s policy: age &gt;= 18, region starts with 11, credential not expired.");
    } finally {
      await site.close();
    }
  });
});

describe("two provider instances behind one issuer, sharing one PostgreSQL", () => {
  let instances: RunningService[] = [];
  let postgres: Awaited<ReturnType<typeof ownTestDatabase>>;
  let sharedIssuer: string;
  const linesOfB: string[] = [];
  beforeAll(async () => {
    postgres = await ownTestDatabase("realdid_oidc_flow");
    const port = await freePort();
    sharedIssuer = `http://127.0.0.1:${port}/oidc`;
    const shared = join(dir, "two-instances");
    mkdirSync(shared);
    const configPath = writeServiceConfig(shared, fixture, postgres.url, {
      port,
      trustProxy: "10.0.0.0/8", // not the test's own address: its X-Forwarded-* are not to be believed
      oidc: { issuer: sharedIssuer, walletUrl: WALLET, clients: [{ clientId: "shop-web", name: "Example Shop", site: "shop", redirectUris: [SHOP_CALLBACK] }] },
    });
    const config = parseServiceConfig(JSON.parse(readFileSync(configPath, "utf8")), dirname(configPath));
    instances = [await startVerifierService({ ...config, workers: 1 }, () => {}), await startVerifierService({ ...config, port: 0, workers: 1 }, (line) => linesOfB.push(line))];
  });
  afterAll(async () => {
    await Promise.all(instances.map((instance) => instance.close()));
    await postgres?.drop();
  });

  it("starts a sign-in at one instance, takes the wallet's answer and redeems the code at the other; the code is refused at the first after that", async () => {
    const [a, b] = instances;
    const toB = (url: string | URL) => new URL(String(url).replace(a.url, b.url));
    const atA = await client.discovery(new URL(sharedIssuer), "shop-web", undefined, client.None(), { execute: [client.allowInsecureRequests] });
    const atB = await client.discovery(new URL(sharedIssuer), "shop-web", undefined, client.None(), { execute: [client.allowInsecureRequests] });
    atB[client.customFetch] = (url, options) => fetch(toB(url), options as RequestInit); // the load balancer sends this client's token request to B
    for (const config of [atA, atB]) client.enableNonRepudiationChecks(config);

    const jar = new CookieJar();
    const codeVerifier = client.randomPKCECodeVerifier();
    const checks = { pkceCodeVerifier: codeVerifier, expectedState: client.randomState(), expectedNonce: client.randomNonce() };
    const url = client.buildAuthorizationUrl(atA, { redirect_uri: SHOP_CALLBACK, scope: "openid realdid", code_challenge: await client.calculatePKCECodeChallenge(codeVerifier), code_challenge_method: "S256", state: checks.expectedState, nonce: checks.expectedNonce });
    const login = await loginRequestOf((await browse(jar, url, (next) => next.href.startsWith(WALLET))).url);
    const back = await browse(jar, toB(login.returnUrl), (next) => next.href.startsWith(SHOP_CALLBACK), { answer: await walletAnswer(login, fixture, { who: 3 }) });
    const tokens = await client.authorizationCodeGrant(atB, back.url, checks);
    expect(tokens.claims()!.sub).toBe(pairwiseDid(fixture.citizens[3].identity.didAddress(scopeToField("shop.example"))));
    await expect(client.authorizationCodeGrant(atA, back.url, checks)).rejects.toMatchObject({ error: "invalid_grant" });
    const servedByB = linesOfB.map((line) => JSON.parse(line)).filter((entry) => entry.msg === "request").map((entry) => `${entry.method} ${entry.path.replace(/interaction\/[^/]+/, "interaction/…")} ${entry.status}`);
    expect(servedByB).toEqual(["POST /oidc/interaction/…/answer 303", "POST /oidc/token 200", "GET /oidc/jwks 200"]); // the JWKS too: both instances sign with the one shared key
  });

  it("ignores X-Forwarded-Proto/-Host from a peer trustProxy does not name", async () => {
    const metadata = await (await fetch(`${instances[0].url}/oidc/.well-known/openid-configuration`, { headers: { "x-forwarded-proto": "https", "x-forwarded-host": "evil.example" } })).json();
    expect(metadata.token_endpoint).toBe(`${sharedIssuer}/token`);
    expect(metadata.authorization_endpoint).toBe(`${sharedIssuer}/auth`);
  });
});

describe("the oidc section of the verifier config", () => {
  const configWith = (oidc: unknown) => {
    const folder = join(dir, "config-checks");
    mkdirSync(folder, { recursive: true }); // not the running service's folder: its ledger file stays as it is
    const path = writeServiceConfig(folder, fixture, "unused", { oidc });
    return () => parseServiceConfig(JSON.parse(readFileSync(path, "utf8")), dirname(path));
  };
  const client = { clientId: "shop-web", name: "Shop", site: "shop", redirectUris: [SHOP_CALLBACK] };
  const oidc = { issuer: "http://127.0.0.1:8080/oidc", walletUrl: WALLET, clients: [client] };

  it.each<[string, unknown, RegExp]>([
    ["a site that is not configured", { ...oidc, clients: [{ ...client, site: "nope" }] }, /oidc.clients\[0\].site: no site "nope" is configured/],
    ["an action the site does not have", { ...oidc, clients: [{ ...client, action: "nope" }] }, /oidc.clients\[0\].action: site shop has no action "nope"/],
    ["an issuer with a trailing slash", { ...oidc, issuer: "http://127.0.0.1:8080/oidc/" }, /field 'oidc.issuer' must be an http\(s\) URL without a query, fragment or trailing slash/],
    ["a redirect URI that is not a URL", { ...oidc, clients: [{ ...client, redirectUris: ["callback"] }] }, /field 'oidc.clients\[0\].redirectUris\[0\]' must be an http\(s\) URL/],
    ["two clients with one id", { ...oidc, clients: [client, client] }, /field 'oidc.clients' client ids must be unique/],
    ["an unknown field", { ...oidc, secret: "x" }, /field 'oidc'.*secret/],
    ...["http://127.0.0.1:8080", "http://127.0.0.1:8080/v1", "http://127.0.0.1:8080/V1/oidc", "http://127.0.0.1:8080/metrics", "http://127.0.0.1:8080/healthz/oidc", "http://127.0.0.1:8080/livez", "http://127.0.0.1:8080/readyz"].map(
      (issuer): [string, unknown, RegExp] => [`an issuer whose path the service's own routes take: ${issuer}`, { ...oidc, issuer }, /field 'oidc.issuer' must have a path of its own/],
    ),
  ])("names the bad field: %s", (_, section, message) => {
    expect(configWith(section)).toThrow(message);
  });

  it("takes the keys file from the config's folder, and the action as null when left out", () => {
    const parsed = configWith(oidc)();
    expect(parsed.oidc).toMatchObject({ keysFile: join(dir, "config-checks", "oidc-keys.json"), clients: [{ ...client, action: null }] });
  });
});
