// Sign in with RealDID for an enterprise, end to end in real Chromium: the demo stack (registrar,
// verifier service as OpenID Provider with a business site, wallet, tax portal). An agent imports
// identity, credential and mandates into the wallet; a mandate that does not cover the portal's
// task is refused in words before anything is proven; with a tax-filing mandate the business
// proof is made in the browser (the business circuit's worker), the portal shows the enterprise's
// credit code and the agent's pairwise DID, and the agent files a return. A personal site still works.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { withCreditCodeCheck } from "../src/business/credit-code.js";
import { enterpriseFields } from "../src/business/enterprise.js";
import type { MandateCredential } from "../src/business/mandate-credential.js";
import { rolePseudonym } from "../src/business/mandate.js";
import { pairwiseDid } from "../src/did/did-uri.js";
import { Identity } from "../src/identity/identity.js";
import { scopeToField } from "../src/proof/request.js";
import { Registrar } from "../src/registrar/registrar.js";
import { freePorts, type RunningDemo, startDemo } from "../examples/demo/start-demo.js";
import { launchChromium } from "./helpers/chromium.js";
import { NAMED_PEOPLE } from "./helpers/people.js";
import { consentAndReturn, enrollWithCli, importCredential, importIdentityFile, importMandate, toConsent } from "./helpers/wallet-browser.js";

const [REPRESENTATIVE, AGENT] = [NAMED_PEOPLE[2], NAMED_PEOPLE[3]]; // Wang Fang, Chen Jing: adults
const CODE = withCreditCodeCheck("91440300MA5DC1234");
const ENTERPRISE = "Shenzhen Example Trading Co., Ltd.";
const inAYear = () => new Date(Date.now() + 365 * 24 * 3600_000).toISOString().slice(0, 10);

let work: string;
let demo: RunningDemo;
let browser: Browser;
let context: BrowserContext;
let page: Page;
const agent = Identity.random();
let invoicingMandate: MandateCredential;
let taxMandate: MandateCredential;

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), "realdid-browser-business-"));
  demo = await startDemo(join(work, "demo"), { ports: await freePorts() });
  browser = await launchChromium();
  const registrarFolder = { data: demo.registrarData, keyFile: demo.registrarKeyFile };
  enrollWithCli(work, registrarFolder, REPRESENTATIVE, Identity.random().commitment.toString());
  // The agent's credential goes into the wallet below; the enterprise and the mandates are written at the registrar,
  // as its operator (enrollment) and its grant endpoint would (the representative's grant proof is test/business-cli.test.ts's).
  const registrar = await Registrar.open(demo.registrarData, { unlock: { keyFile: demo.registrarKeyFile } });
  try {
    await registrar.enrollEnterprise({ creditCode: CODE, name: ENTERPRISE, legalRepresentativeNationalId: REPRESENTATIVE.nationalId });
  } finally {
    await registrar.close();
  }
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await demo?.close();
  rmSync(work, { recursive: true, force: true });
});

/** Writes an agent mandate for the agent (enrolled by then) at the registrar. */
async function grant(tasks: ("invoicing" | "tax_filing")[]): Promise<MandateCredential> {
  const registrar = await Registrar.open(demo.registrarData, { unlock: { keyFile: demo.registrarKeyFile } });
  try {
    const today = new Date().toISOString().slice(0, 10);
    return await registrar.grantMandate({ enterpriseCode: CODE, agentNationalId: AGENT.nationalId, role: "agent", tasks, validFrom: today, validUntil: inAYear() }, { note: "the representative's grant proof (verified by the registrar's server)" });
  } finally {
    await registrar.close();
  }
}

describe("Sign in with RealDID for an enterprise, in Chromium", () => {
  it("an agent imports identity, credential and an invoicing mandate; the tax portal's sign-in is refused in words before anything is proven", async () => {
    context = await browser.newContext();
    page = await context.newPage();
    expect(await importIdentityFile(page, demo.urls.wallet, agent)).toBe(agent.commitment.toString());
    expect(await importCredential(page, enrollWithCli(work, { data: demo.registrarData, keyFile: demo.registrarKeyFile }, AGENT, agent.commitment.toString()))).toMatch(/^Credential imported/);
    invoicingMandate = await grant(["invoicing"]);
    // Another person's mandate is refused at import.
    const stranger = { ...invoicingMandate, agentCommitment: Identity.random().commitment.toString() };
    expect(await importMandate(page, JSON.stringify(stranger))).toMatch(/granted to another person/);
    expect(await importMandate(page, JSON.stringify(invoicingMandate))).toMatch(new RegExp(`^Mandate imported: ${ENTERPRISE.replace(/\./g, "\\.")} \\(${CODE}\\): agent for invoicing, until`));
    expect(await page.locator("#mandates li").allTextContents()).toHaveLength(1);

    const proving: string[] = [];
    page.on("request", (request) => void (request.url().includes("/keys/business/") && proving.push(request.url())));
    await toConsent(page, demo.urls.wallet, demo.urls.portal);
    const refusal = (await page.textContent("#refusal-text"))!;
    expect(refusal).toContain("Tax Portal asks you to act for an enterprise (acting for an enterprise as legal representative or agent; with a mandate for tax filing; the enterprise's credit code is shown to the site");
    expect(refusal).toContain(`none of your mandates answers it: ${ENTERPRISE} (${CODE}): agent for invoicing`);
    expect(refusal).toContain("the mandate covers invoicing, not the requested task tax_filing");
    await page.click("#return-refused");
    await page.waitForURL((url) => url.href.startsWith(demo.urls.portal));
    expect(await page.textContent("#refused")).toMatch(/does not meet this site's policy: age >= 18, acting for an enterprise as legal representative or agent, with a mandate for tax filing/);
    expect(proving.filter((url) => url.endsWith(".zkey"))).toHaveLength(1); // the keys were fetched while the person unlocked: nothing was proven
  }, 240_000);

  it("with a tax-filing mandate the proof is made in the browser; the portal shows the enterprise's credit code and the agent's DID, and the agent files a return", async () => {
    taxMandate = await grant(["tax_filing", "invoicing"]);
    await page.goto(demo.urls.wallet);
    expect(await importMandate(page, JSON.stringify(taxMandate))).toMatch(/^Mandate imported: .*agent for tax filing, invoicing/);
    const consent = await toConsent(page, demo.urls.wallet, demo.urls.portal);
    expect(consent.site).toBe("Tax Portal");
    expect(consent.learns).toEqual([
      "acting for an enterprise as legal representative or agent",
      "with a mandate for tax filing",
      "the enterprise's credit code is shown to the site",
      "enterprise registered by authority 9",
      "you are at least 18 years old",
    ]);
    // Only the mandate that answers is offered; the DID is the agent's for this enterprise and role at this scope.
    expect(await page.locator("#consent-mandate-choices label").allTextContents()).toEqual([` ${ENTERPRISE} (${CODE}): agent for tax filing, invoicing, until ${taxMandate.validUntil}`]);
    const did = pairwiseDid(rolePseudonym(scopeToField("tax.example.gov"), agent.secret, enterpriseFields(CODE).code, "agent"));
    expect(consent.did).toBe(did);
    const signedIn = await consentAndReturn(page, demo.urls.portal);
    expect(signedIn.did).toBe(did);
    expect(await page.textContent("#credit-code")).toBe(CODE);
    expect(await page.textContent("#task")).toBe("tax filing");
    expect(await page.textContent("body")).not.toContain(AGENT.name);

    await page.fill("#period", "2026-Q1");
    await page.fill("#amount", "1250.00");
    await page.click("#file");
    await page.waitForSelector("#returns");
    expect(await page.locator("#returns li").allTextContents()).toEqual([expect.stringMatching(new RegExp(`^2026-Q1: 1250\\.00 CNY, filed by ${did} at \\d{4}-`))]);
    await page.fill("#period", "last year");
    await page.fill("#amount", "1");
    await page.click("#file");
    expect(await page.textContent("#refused")).toBe('The return was not filed: period "last year" is not YYYY-MM or YYYY-Q1…Q4.');
  }, 240_000);

  it("the same wallet still signs in at a personal site with the personal circuit", async () => {
    const consent = await toConsent(page, demo.urls.wallet, demo.urls.shop);
    expect(await page.isVisible("#consent-mandates")).toBe(false);
    expect(consent.did).toBe(pairwiseDid(agent.didAddress(scopeToField("shop.example"))));
    const signedIn = await consentAndReturn(page, demo.urls.shop);
    expect(signedIn.did).toBe(consent.did);
    expect(signedIn.claims.join("\n")).toMatch(/age_over_18/);
    await context.close();
  }, 240_000);
});
