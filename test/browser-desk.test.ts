// The offline front desk end to end in real Chromium: the registrar and the wallet of the
// demo stack, a desk server (`realdid desk`'s startDeskServer), the desk page and the wallet
// in separate browsers. The wallet reads the desk's QR code, proves in its Web Worker and
// shows a realdid-qr/1 code; the desk page reads a screenshot of it with the network cut
// and verifies it in the page against the snapshot it synced earlier.
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import jsQRModule from "jsqr";
import { PNG } from "pngjs";
import QRCode from "qrcode";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { registrarDid } from "../src/did/did-uri.js";
import { parseDeskConfig } from "../src/desk/desk-config.js";
import { startDeskServer, type DeskServer } from "../src/desk/desk-server.js";
import { freePorts, type RunningDemo, startDemo } from "../examples/demo/start-demo.js";
import { expectSuccess, realdid } from "./helpers/cli.js";
import { launchChromium } from "./helpers/chromium.js";
import { NAMED_PEOPLE } from "./helpers/people.js";

const jsQR = jsQRModule as unknown as typeof jsQRModule.default;
const PASSPHRASE = "wallet passphrase (test only)";
const ADULT = NAMED_PEOPLE[0];
const SCOPE = "hotel.example/front-desk";

let work: string;
let demo: RunningDemo;
let desk: DeskServer;
let browser: Browser;

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), "realdid-desk-browser-"));
  demo = await startDemo(join(work, "demo"), { ports: await freePorts() });
  const regulatorKey = JSON.parse(readFileSync(join(work, "demo", "regulator-key.json"), "utf8"));
  // Root window 0: a replaced root stops proving at once (a revocation takes effect at the next sync).
  const config = parseDeskConfig({
    format: "realdid-desk-config/1",
    name: "Hotel Example, front desk",
    scope: SCOPE,
    predicates: { minAge: 18, notExpired: true },
    regulatorKeys: [regulatorKey],
    registrar: { ledger: demo.urls.registrar, key: registrarDid(demo.registrarKey) }, // named by its DID
    rootWindowSeconds: 0,
  });
  desk = await startDeskServer(config, join(work, "desk"));
  browser = await launchChromium();
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await desk?.close();
  await demo?.close();
  rmSync(work, { recursive: true, force: true });
});

const newPage = async (): Promise<{ context: BrowserContext; page: Page }> => {
  const context = await browser.newContext();
  return { context, page: await context.newPage() };
};

/** The bytes of the QR code in a PNG (as the desk page reads them, with jsQR). */
function qrBytes(png: Buffer): Uint8Array {
  const image = PNG.sync.read(png);
  const found = jsQR(new Uint8ClampedArray(image.data), image.width, image.height);
  if (found === null) throw new Error("no QR code in the screenshot");
  return Uint8Array.from(found.binaryData);
}

const qrPng = (bytes: Uint8Array): Promise<Buffer> => QRCode.toBuffer([{ data: bytes, mode: "byte" }] as never, { errorCorrectionLevel: "M", scale: 4 });

/** The desk page, fed an image of a code with the network cut; returns the result as the clerk reads it. */
async function scanOffline(page: Page, context: BrowserContext, png: Buffer, name = "code.png"): Promise<{ title: string; text: string; reason: string }> {
  await context.setOffline(true);
  await page.route("**", (route) => route.abort());
  const shown = Number((await page.getAttribute("#result", "data-count")) ?? 0);
  await page.setInputFiles("#scan-file", { name, mimeType: "image/png", buffer: png });
  await page.waitForSelector(`#result[data-count="${shown + 1}"]:not([hidden])`, { timeout: 60_000 });
  return { title: (await page.textContent("#result-title"))!, text: (await page.textContent("#result"))!, reason: (await page.getAttribute("#result", "data-reason"))! };
}

async function online(page: Page, context: BrowserContext): Promise<void> {
  await page.unrouteAll();
  await context.setOffline(false);
}

/** The wallet makes a code for a desk request (a picture of its QR code or its text); returns the PNG of the wallet's QR code. */
async function walletCode(page: Page, request: { png?: Buffer; text?: string }): Promise<{ png: Buffer; did: string; learns: string[] }> {
  await page.goto(demo.urls.wallet);
  await page.waitForSelector("#home:not([hidden])");
  if (request.png !== undefined) await page.setInputFiles("#desk-request-file", { name: "desk.png", mimeType: "image/png", buffer: request.png });
  else await page.fill("#desk-request-text", request.text!);
  await page.click("#desk-start");
  await page.fill("#desk-passphrase", PASSPHRASE);
  await page.click("#desk-unlock-button");
  await page.waitForSelector("#desk-consent:not([hidden])");
  const did = (await page.textContent("#desk-consent-did"))!;
  const learns = await page.locator("#desk-consent-learns li").allTextContents();
  await page.click("#desk-approve");
  await page.waitForSelector("#desk-qr-block:not([hidden]), #message:not([hidden])", { timeout: 180_000 });
  if (await page.isVisible("#message")) throw new Error(`the wallet said: ${await page.textContent("#message")}`);
  return { png: await page.locator("#desk-qr").screenshot(), did, learns };
}

describe("the offline front desk in Chromium", () => {
  let deskPage: { context: BrowserContext; page: Page };
  let wallet: { context: BrowserContext; page: Page };
  let goodCode: Buffer;
  let did = "";

  it("the desk syncs; a person's wallet reads the desk's QR code and shows a code; the desk, offline, refuses it while its snapshot predates the person's root, then after a sync verifies it and keeps a receipt", async () => {
    deskPage = await newPage();
    const { page, context } = deskPage;
    await page.goto(desk.url);
    await page.waitForSelector("body[data-ready=true]");
    expect(await page.textContent("#desk-scope")).toBe(SCOPE);
    expect(await page.textContent("#code")).toMatch(/^[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}$/);

    // The person enrolls after the desk synced: their root is not in the desk's snapshot yet.
    wallet = await newPage();
    await wallet.page.goto(demo.urls.wallet);
    await wallet.page.fill("#create-passphrase", PASSPHRASE);
    await wallet.page.fill("#create-passphrase-repeat", PASSPHRASE);
    await wallet.page.click("#create");
    await wallet.page.waitForSelector("#home:not([hidden])");
    const commitment = (await wallet.page.textContent("#commitment"))!;
    const out = join(work, "credential.json");
    const enroll = ["registrar", "enroll", "--data", demo.registrarData, "--key-file", demo.registrarKeyFile, "--name", ADULT.name, "--national-id", ADULT.nationalId, "--birth-date", ADULT.birthDate];
    expectSuccess(realdid(work, [...enroll, "--region", ADULT.region, "--expiry", ADULT.expiry, "--document-type", ADULT.documentType, "--commitment", commitment, "--out", out]));
    await wallet.page.fill("#credential-text", readFileSync(out, "utf8"));
    await wallet.page.click("#import-credential");
    await wallet.page.waitForSelector("#message.ok");

    const made = await walletCode(wallet.page, { png: await page.locator("#request-qr").screenshot() });
    expect(made.learns).toEqual(["you are at least 18 years old", "your identity document has not expired"]);
    goodCode = made.png;
    did = made.did;
    expect(qrBytes(goodCode)).toHaveLength(261);

    const stale = await scanOffline(page, context, goodCode);
    expect(stale.title).toBe("REFUSED");
    expect(stale.reason).toBe("unknown_root");
    expect(stale.text).toMatch(/registry root this desk has not seen: sync the desk/);

    await online(page, context);
    await page.click("#sync");
    await page.waitForSelector("#message.ok");
    const verified = await scanOffline(page, context, goodCode);
    expect(verified.title).toBe("Verified");
    expect(await page.locator("#result-holds li").allTextContents()).toEqual(["a real-name enrolled person", "age >= 18", "credential not expired"]);
    expect(await page.textContent("#result-did")).toBe(did);
    expect(await page.textContent("#receipts-status")).toMatch(/^1 receipt\(s\) kept in this browser/);
    expect(desk.receipts.count()).toBe(0);

    // Back online, the receipt goes to the desk server (which checks its proof again).
    await online(page, context);
    await page.evaluate("dispatchEvent(new Event('online'))");
    await expect.poll(() => desk.receipts.count(), { timeout: 30_000 }).toBe(1);
    await page.waitForSelector("#receipts-status:text('Every receipt is with the desk server.')");
  }, 600_000);

  it("the same code shown again is refused (a desk code is used once); so is a code made for another desk", async () => {
    const { page, context } = deskPage;
    const again = await scanOffline(page, context, goodCode);
    expect(again.title).toBe("REFUSED");
    expect(again.reason).toBe("wrong_code");
    expect(again.text).toMatch(/does not answer any code this desk has outstanding/);
    await online(page, context);

    // Another desk's request, for the code this desk shows now: a proof for another scope.
    const bank = { ...JSON.parse((await page.textContent("#request-text"))!), name: "Bank Example, counter 2", scope: "bank.example/counter-2", predicates: { minAge: 18 } };
    const forBank = await walletCode(wallet.page, { text: JSON.stringify(bank) });
    expect(forBank.did).not.toBe(did);
    const refused = await scanOffline(page, context, forBank.png);
    expect(refused.title).toBe("REFUSED");
    expect(refused.reason).toBe("wrong_code");
    expect(refused.text).toMatch(/made for another desk/);
    await online(page, context);
    expect(desk.receipts.count()).toBe(1);
  }, 600_000);

  it("a code made before the person's credential was revoked is refused once the desk synced (its root expired); the wallet then makes no code", async () => {
    const { page, context } = deskPage;
    const beforeRevocation = await walletCode(wallet.page, { text: (await page.textContent("#request-text"))! });
    expectSuccess(realdid(work, ["registrar", "revoke", "--data", demo.registrarData, "--key-file", demo.registrarKeyFile, "--national-id", ADULT.nationalId]));
    await page.click("#sync");
    await page.waitForSelector("#message.ok");
    const refused = await scanOffline(page, context, beforeRevocation.png);
    expect(refused.title).toBe("REFUSED");
    expect(refused.reason).toBe("root_expired");
    expect(refused.text).toMatch(/replaced longer ago than this desk accepts \(a credential was revoked or people enrolled since\)/);
    await online(page, context);

    await wallet.page.goto(demo.urls.wallet);
    await wallet.page.fill("#desk-code", (await page.textContent("#code"))!);
    await wallet.page.click("#desk-start");
    await wallet.page.fill("#desk-passphrase", PASSPHRASE);
    await wallet.page.click("#desk-unlock-button");
    await wallet.page.click("#desk-approve");
    await wallet.page.waitForSelector("#message:not([hidden])", { timeout: 60_000 });
    expect(await wallet.page.textContent("#message")).toMatch(/^No code could be made: the registrar has revoked leaf \d+/);
  }, 600_000);

  it("a truncated or corrupted code, and a picture without one, are refused in words and nothing is stored", async () => {
    const { page, context } = deskPage;
    const payload = qrBytes(goodCode);
    const pending = await page.textContent("#receipts-status");
    const truncated = await scanOffline(page, context, await qrPng(payload.subarray(0, 200)));
    expect(truncated.reason).toBe("bad_qr");
    expect(truncated.text).toMatch(/not a RealDID presentation code: .*261 bytes/);
    const wrongVersion = Uint8Array.from(payload);
    wrongVersion[0] = 0x02;
    expect((await scanOffline(page, context, await qrPng(wrongVersion))).text).toMatch(/not a RealDID presentation code: .*version/);
    const blank = PNG.sync.write(Object.assign(new PNG({ width: 64, height: 64 }), { data: Buffer.alloc(64 * 64 * 4, 255) }));
    expect((await scanOffline(page, context, blank, "blank.png")).text).toMatch(/no QR code was found in blank\.png/);
    expect(await page.textContent("#receipts-status")).toBe(pending);
    await online(page, context);
    expect(desk.receipts.count()).toBe(1);
  }, 240_000);
});
