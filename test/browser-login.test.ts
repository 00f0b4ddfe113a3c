// "Sign in with RealDID" end to end in real Chromium: the registrar, the verifier service as
// OpenID Provider, the citizen's wallet and two example websites (the demo stack), driven as
// people would drive them. Proofs are made in the browser, in the wallet's Web Worker.
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Browser, BrowserContext, Page, Request } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Identity } from "../src/identity/identity.js";
import { pairwiseDid } from "../src/did/did-uri.js";
import { scopeToField } from "../src/proof/request.js";
import { freePorts, type RunningDemo, startDemo } from "../examples/demo/start-demo.js";
import { expectSuccess, realdid } from "./helpers/cli.js";
import { consentAndReturn, enrollWithCli, importCredential, importIdentityFile, PASSPHRASE, toConsent as walletConsent } from "./helpers/wallet-browser.js";
import { launchChromium } from "./helpers/chromium.js";
import { NAMED_PEOPLE } from "./helpers/people.js";

const [ADULT, MINOR] = [NAMED_PEOPLE[0], NAMED_PEOPLE[1]]; // Li Wei (1990), Zhang Min (2012)
const SCREENSHOTS = process.env.REALDID_SCREENSHOTS; // set to a folder to keep the README's screenshots

let work: string;
let demo: RunningDemo;
let browser: Browser;

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), "realdid-browser-"));
  demo = await startDemo(join(work, "demo"), { ports: await freePorts() });
  browser = await launchChromium();
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await demo?.close();
  rmSync(work, { recursive: true, force: true });
});

/** A person's browser: their own IndexedDB, and every request any of its pages or workers makes. */
async function personBrowser(): Promise<{ context: BrowserContext; page: Page; requests: Request[] }> {
  const context = await browser.newContext();
  const requests: Request[] = [];
  context.on("request", (request) => void requests.push(request));
  return { context, page: await context.newPage(), requests };
}

/** Enrolls a commitment with the registrar's CLI (the demo's registrar unless told); returns the credential file's text. */
const enroll = (person: (typeof NAMED_PEOPLE)[number], commitment: string, data = demo.registrarData, keyFile = demo.registrarKeyFile) => enrollWithCli(work, { data, keyFile }, person, commitment);

/** Creates an identity in the wallet, as a new person does; returns the commitment it shows. */
async function createIdentity(page: Page): Promise<string> {
  await page.goto(demo.urls.wallet);
  await page.fill("#create-passphrase", PASSPHRASE);
  await page.fill("#create-passphrase-repeat", PASSPHRASE);
  await page.click("#create");
  await page.waitForSelector("#home:not([hidden])");
  return (await page.textContent("#commitment"))!;
}

const toConsent = (page: Page, siteUrl: string) => walletConsent(page, demo.urls.wallet, siteUrl);

describe("Sign in with RealDID in Chromium", () => {
  const adult = Identity.random();
  let adultBrowser: Awaited<ReturnType<typeof personBrowser>>;
  let shopDid = "";

  it("a person imports their identity and credential into the wallet, signs in at a site with a proof made in the browser, and the site shows their DID", async () => {
    adultBrowser = await personBrowser();
    const { page } = adultBrowser;
    expect(await importIdentityFile(page, demo.urls.wallet, adult)).toBe(adult.commitment.toString());
    expect(await importCredential(page, enroll(ADULT, adult.commitment.toString()))).toMatch(/^Credential imported: registry leaf \d+/);

    const consent = await toConsent(page, demo.urls.shop);
    expect(consent.site).toBe("Example Shop");
    expect(consent.learns).toEqual(["you are at least 18 years old", "your identity document has not expired"]);
    expect(consent.did).toBe(pairwiseDid(adult.didAddress(scopeToField("shop.example"))));
    if (SCREENSHOTS) await page.screenshot({ path: join(SCREENSHOTS, "wallet-consent.png"), fullPage: true });
    const signedIn = await consentAndReturn(page, demo.urls.shop);
    expect(signedIn.did).toBe(consent.did);
    expect(signedIn.claims.join("\n")).toMatch(/age_over_18/);
    expect(signedIn.claims.join("\n")).toMatch(/document_valid/);
    if (SCREENSHOTS) await page.screenshot({ path: join(SCREENSHOTS, "site-signed-in.png"), fullPage: true });
    shopDid = signedIn.did;
  }, 240_000);

  it("a second sign-in at the same site shows the same DID; another site sees a different one; the wallet lists both", async () => {
    const { page } = adultBrowser;
    await toConsent(page, demo.urls.shop);
    expect((await consentAndReturn(page, demo.urls.shop)).did).toBe(shopDid);
    const forumConsent = await toConsent(page, demo.urls.forum);
    expect(forumConsent.learns).toEqual(["your identity document has not expired"]);
    const forum = await consentAndReturn(page, demo.urls.forum);
    expect(forum.did).toMatch(/^did:realdid:pairwise:[0-9a-f]{64}$/);
    expect(forum.did).not.toBe(shopDid);
    await page.goto(demo.urls.wallet);
    // The list is sealed with the identity: it shows after the passphrase.
    expect(await page.isVisible("#logins")).toBe(false);
    await page.fill("#logins-passphrase", PASSPHRASE);
    await page.click("#show-logins");
    await page.waitForSelector("#logins:not([hidden])");
    const rows = await page.locator("#logins tbody tr").allTextContents();
    expect(rows.some((row) => row.includes("Example Shop") && row.includes(shopDid))).toBe(true);
    expect(rows.some((row) => row.includes("Example Forum") && row.includes(forum.did))).toBe(true);
    if (SCREENSHOTS) await page.screenshot({ path: join(SCREENSHOTS, "wallet-home.png"), fullPage: true });
  }, 240_000);

  it("a tampered proof is refused, and the site says so in words", async () => {
    const { page } = adultBrowser;
    // The wallet's answer is altered on its way to the provider: one public signal changes.
    await page.route(`${demo.urls.issuer}/interaction/*/answer`, async (route) => {
      const request = route.request();
      const answer = JSON.parse(new URLSearchParams(request.postData()!).get("answer")!);
      answer.proof.publicSignals[answer.proof.publicSignals.length - 1] = "1";
      await route.continue({ postData: new URLSearchParams({ answer: JSON.stringify(answer) }).toString() });
    });
    await toConsent(page, demo.urls.forum);
    const refused = await consentAndReturn(page, demo.urls.forum);
    expect(refused.did).toBe("");
    expect(await page.textContent("#refused")).toMatch(/proof was refused/i);
    await page.unrouteAll();
  }, 240_000);

  it("a replayed authorization code is refused by the provider", async () => {
    const { page, requests } = adultBrowser;
    const used = requests.map((r) => new URL(r.url())).find((url) => url.href.startsWith(`${demo.urls.shop}/callback`) && url.searchParams.has("code"))!;
    expect(used).toBeDefined();
    // A new sign-in is pending at the site (its state is in the authorization request); the old code is presented for it.
    await page.goto(demo.urls.shop);
    if (await page.locator("#signout").count()) await page.click("#signout");
    const authorization = page.waitForRequest((r) => r.url().startsWith(`${demo.urls.issuer}/auth`));
    await page.click("#signin");
    const state = new URL((await authorization).url()).searchParams.get("state")!;
    await page.goto(`${demo.urls.shop}/callback?code=${encodeURIComponent(used.searchParams.get("code")!)}&state=${encodeURIComponent(state)}&iss=${encodeURIComponent(demo.urls.issuer)}`);
    expect(await page.textContent("#refused")).toMatch(/identity provider refused the sign-in \(invalid_grant/);
  }, 120_000);

  it("the wallet never sent the identity secret: not in any URL or body of any request", () => {
    const secretForms = [adult.secret.toString(), adult.secret.toString(16)];
    const sent = adultBrowser.requests.map((r) => `${r.url()}\n${r.postData() ?? ""}`);
    expect(sent.length).toBeGreaterThan(10);
    for (const text of sent) for (const secret of secretForms) expect(text).not.toContain(secret);
  });

  it("an under-age person is refused with the site's policy in words, before anything is proven", async () => {
    const { page, context } = await personBrowser();
    const commitment = await createIdentity(page);
    await importCredential(page, enroll(MINOR, commitment));
    await toConsent(page, demo.urls.shop);
    expect(await page.textContent("#refusal-text")).toBe("you do not meet what Example Shop requires: you are at least 18 years old; your identity document has not expired");
    await page.click("#return-refused");
    await page.waitForURL((url) => url.href.startsWith(demo.urls.shop));
    expect(await page.textContent("#refused")).toMatch(/does not meet this site's policy/);
    expect(await page.textContent("body")).toMatch(/This site requires: age >= 18/);
    await context.close();
  }, 120_000);

  it("bad input in the wallet gets a message in words and loses nothing: wrong passphrase, another registrar's credential, a credential revoked meanwhile, an untrusted verifier, a damaged stored identity", async () => {
    const { page, context, requests } = await personBrowser();
    const commitment = await createIdentity(page);

    // A credential from another registrar (its own folder and key).
    const other = join(work, "other-registrar");
    expectSuccess(realdid(work, ["registrar", "init", "--data", other, "--passphrase-env", "REGISTRAR_PASS"]));
    const args = ["registrar", "enroll", "--data", other, "--passphrase-env", "REGISTRAR_PASS", "--name", ADULT.name, "--national-id", ADULT.nationalId, "--birth-date", ADULT.birthDate, "--region", ADULT.region];
    const out = join(work, "other-credential.json");
    expectSuccess(realdid(work, [...args, "--expiry", ADULT.expiry, "--document-type", ADULT.documentType, "--commitment", commitment, "--out", out]));
    expect(await importCredential(page, readFileSync(out, "utf8"))).toMatch(/this credential was issued by registrar .* but this wallet works with registrar/);
    expect(await page.textContent("#credential-status")).toBe("No credential yet.");

    // A wrong passphrase at sign-in.
    const credential = enroll(NAMED_PEOPLE[3], commitment);
    // The registrar's verifiable credential with its signature altered: the wallet checks the proof offline and says so.
    const forged = JSON.parse(credential);
    forged.proof.proofValue = forged.proof.proofValue.slice(0, -1) + (forged.proof.proofValue.endsWith("2") ? "3" : "2");
    expect(await importCredential(page, JSON.stringify(forged))).toMatch(/the credential's proof does not verify/);
    expect(await page.textContent("#credential-status")).toBe("No credential yet.");
    await importCredential(page, credential);
    await page.goto(demo.urls.forum);
    await page.click("#signin");
    await page.waitForURL((url) => url.href.startsWith(demo.urls.wallet));
    await page.fill("#unlock-passphrase", "not my passphrase");
    await page.click("#unlock-button");
    await page.waitForSelector("#message:not([hidden])");
    expect(await page.textContent("#message")).toMatch(/wrong passphrase/);
    expect(await page.isVisible("#unlock")).toBe(true);

    // The registrar revokes the credential meanwhile: the path refresh says so before any proof, and the person may go back.
    expectSuccess(realdid(work, ["registrar", "revoke", "--data", demo.registrarData, "--key-file", demo.registrarKeyFile, "--index", String(JSON.parse(credential).credentialSubject.leafIndex)]));
    await page.fill("#unlock-passphrase", PASSPHRASE);
    await page.click("#unlock-button");
    await page.click("#approve");
    await page.waitForSelector("#refusal:not([hidden])");
    expect(await page.textContent("#refusal-text")).toMatch(/^No proof could be made: the registrar has revoked leaf \d+/);
    await page.click("#return-refused");
    await page.waitForURL((url) => url.href.startsWith(demo.urls.forum));
    expect(await page.textContent("#refused")).toMatch(/credential/i);

    // A sign-in link that points at a verifier the wallet does not trust: refused, and nothing is asked of it.
    const untrusted = "http://127.0.0.1:9/oidc/interaction/x/request";
    await page.goto(`${demo.urls.wallet}#login=${encodeURIComponent(untrusted)}`);
    await page.waitForSelector("#message:not([hidden])");
    expect(await page.textContent("#message")).toMatch(/comes from http:\/\/127\.0\.0\.1:9, which is not a verifier service this wallet trusts/);
    expect(requests.some((request) => request.url().startsWith("http://127.0.0.1:9/"))).toBe(false);

    // A stored identity damaged on disk: named, left as it is, and still there after a reload.
    await page.goto(demo.urls.wallet);
    const damage = `new Promise((resolve, reject) => { const open = indexedDB.open("realdid-wallet"); open.onsuccess = () => { const tx = open.result.transaction("wallet", "readwrite"); const store = tx.objectStore("wallet"); const get = store.get("identity"); get.onsuccess = () => { const record = get.result; delete record.iv; store.put(record, "identity"); }; tx.oncomplete = () => resolve(true); tx.onerror = () => reject(tx.error); }; })`;
    await page.evaluate(damage);
    await page.reload();
    await page.waitForSelector("#message:not([hidden])");
    expect(await page.textContent("#message")).toMatch(/identity stored in this browser.*'iv'.*left as it is/);
    const stillStored = await page.evaluate(`new Promise((resolve) => { const open = indexedDB.open("realdid-wallet"); open.onsuccess = () => { const get = open.result.transaction("wallet").objectStore("wallet").get("identity"); get.onsuccess = () => resolve(get.result?.commitment); }; })`);
    expect(stillStored).toBe(commitment);
    await context.close();
  }, 120_000);

  it("the provider answers a malformed authorization request and an unknown client with a page in words", async () => {
    const { page, context } = await personBrowser();
    const unknown = await page.goto(`${demo.urls.issuer}/auth?client_id=nobody&response_type=code&scope=openid&redirect_uri=${encodeURIComponent(`${demo.urls.shop}/callback`)}`);
    expect(unknown?.status()).toBe(400);
    expect(await page.textContent("body")).toMatch(/client/i);
    const malformed = await page.goto(`${demo.urls.issuer}/auth?client_id=shop`);
    expect(malformed?.status()).toBe(400);
    expect(await page.textContent("body")).not.toMatch(/at .*\.js:\d+/); // no stack trace
    await context.close();
  }, 60_000);
});
