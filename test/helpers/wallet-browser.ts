// Driving the demo's wallet in Chromium as a person would (test/browser-login.test.ts,
// test/browser-business-login.test.ts): enroll with the registrar's CLI, import into the
// wallet, go from a site to the wallet's consent screen and back.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { Page } from "playwright-core";
import { exportIdentity } from "../../src/identity/identity-file.js";
import type { Identity } from "../../src/identity/identity.js";
import { expectSuccess, realdid } from "./cli.js";
import type { NAMED_PEOPLE } from "./people.js";

export const PASSPHRASE = "wallet passphrase (test only)";
export const FILE_PASSPHRASE = "identity file passphrase (test only)";

/** Enrolls a commitment with the registrar's CLI, as the registrar's operator would; returns the credential file's text. */
export function enrollWithCli(work: string, registrar: { data: string; keyFile: string }, person: (typeof NAMED_PEOPLE)[number], commitment: string): string {
  const out = join(work, `credential-${commitment.slice(0, 12)}.json`);
  const args = ["registrar", "enroll", "--data", registrar.data, "--key-file", registrar.keyFile, "--name", person.name, "--national-id", person.nationalId, "--birth-date", person.birthDate];
  expectSuccess(realdid(work, [...args, "--region", person.region, "--expiry", person.expiry, "--document-type", person.documentType, "--commitment", commitment, "--out", out]));
  return readFileSync(out, "utf8");
}

/** Imports the identity file a person made with `realdid identity new` (sealed with scrypt + AES-GCM) into the wallet at `walletUrl`. */
export async function importIdentityFile(page: Page, walletUrl: string, identity: Identity): Promise<string> {
  await page.goto(walletUrl);
  await page.locator("details summary").click();
  await page.setInputFiles("#import-identity-file", { name: "identity.json", mimeType: "application/json", buffer: Buffer.from(exportIdentity(identity, FILE_PASSPHRASE)) });
  await page.fill("#import-identity-file-passphrase", FILE_PASSPHRASE);
  await page.fill("#import-identity-passphrase", PASSPHRASE);
  await page.click("#import-identity");
  await page.waitForSelector("#home:not([hidden])");
  return (await page.textContent("#commitment"))!;
}

/** Pastes a document into one of the home page's import forms; returns the message the wallet shows. */
async function importText(page: Page, textId: string, buttonId: string, text: string): Promise<string> {
  await page.fill(textId, text);
  await page.click(buttonId);
  await page.waitForSelector("#message:not([hidden])");
  return page.textContent("#message") as Promise<string>;
}

export const importCredential = (page: Page, text: string) => importText(page, "#credential-text", "#import-credential", text);
export const importMandate = (page: Page, text: string) => importText(page, "#mandate-text", "#import-mandate", text);

/** From the site's home page through the wallet's consent screen (or its refusal): returns what the consent screen showed. */
export async function toConsent(page: Page, walletUrl: string, siteUrl: string): Promise<{ did: string; learns: string[]; site: string }> {
  await page.goto(siteUrl);
  if (await page.locator("#signout").count()) await page.click("#signout");
  await page.click("#signin");
  await page.waitForURL((url) => url.href.startsWith(walletUrl));
  await page.fill("#unlock-passphrase", PASSPHRASE);
  await page.click("#unlock-button");
  await page.waitForSelector("#consent:not([hidden]), #refusal:not([hidden])");
  return {
    did: (await page.textContent("#consent-did")) ?? "",
    learns: await page.locator("#consent-learns li").allTextContents(),
    site: (await page.textContent("#consent-site-name")) ?? "",
  };
}

/** Consents and waits for the site's answer page; returns the DID and claims the site shows. */
export async function consentAndReturn(page: Page, siteUrl: string): Promise<{ did: string; claims: string[] }> {
  await page.click("#approve");
  await page.waitForSelector("#progress:not([hidden])");
  await page.waitForURL((url) => url.href.startsWith(siteUrl), { timeout: 120_000 });
  await page.waitForSelector("#did, #refused");
  const did = (await page.locator("#did").count()) === 0 ? "" : ((await page.textContent("#did")) ?? "");
  return { did, claims: await page.locator("#claims li").allTextContents() };
}
