import { existsSync } from "node:fs";
import { type Browser, type BrowserContext, chromium } from "playwright-core";

/** Debian's Chromium (apt-get install chromium; .ci/run installs it). */
export const CHROMIUM = process.env.REALDID_CHROMIUM ?? "/usr/bin/chromium";

/**
 * Headless Chromium driven by playwright-core. --no-sandbox because tests run as root in a
 * container; no background networking, so the only requests are the pages' own.
 */
export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) throw new Error(`Chromium is not installed at ${CHROMIUM}: apt-get install -y chromium (or set REALDID_CHROMIUM)`);
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking", "--disable-component-update", "--no-first-run"],
  });
}

/**
 * A browser context whose pages accept functions from this process's TypeScript in
 * page.evaluate: tsx compiles with esbuild's keepNames, which wraps functions in __name().
 */
export async function evaluationContext(browser: Browser): Promise<BrowserContext> {
  const context = await browser.newContext();
  await context.addInitScript("globalThis.__name = (fn) => fn;");
  return context;
}
