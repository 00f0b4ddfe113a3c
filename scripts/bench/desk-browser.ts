// The front desk's check in the browser: a realdid-qr/1 payload decoded and verified in
// headless Chromium by the desk page's own code (checkAtDesk against an opened snapshot, the
// Groth16 check with the G2 subgroup check), as the page runs it when a QR code is read.
// "First" is a fresh page's first check (the curve's WebAssembly and its threads start);
// "warm" checks follow in the same page.
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import express from "express";
import type { DeskSnapshot } from "../../src/desk/desk-snapshot.js";
import { evaluationContext, launchChromium } from "../../test/helpers/chromium.js";
import { buildForBrowser } from "../build-browser.js";
import { type Timing, timingOf } from "./table.js";

export interface DeskInBrowserFigures {
  readonly firstMs: number;
  readonly warm: Timing;
}

/** `runs` warm checks (after the first) of `payload` for the desk code `code` on `day`, against `snapshot`. */
export async function measureDeskInBrowser(runs: number, payload: Uint8Array, snapshot: DeskSnapshot, code: string, day: string, workDir: string): Promise<DeskInBrowserFigures> {
  const bundleDir = join(workDir, "desk-check");
  await buildForBrowser({ "desk-check": fileURLToPath(new URL("desk-check-entry.ts", import.meta.url)) }, bundleDir);
  const app = express();
  app.get("/", (_req, res) => void res.type("html").send("<!doctype html><title>desk bench</title>"));
  app.use(express.static(bundleDir));
  const server = app.listen(0, "127.0.0.1");
  await new Promise((resolve) => server.once("listening", resolve));
  const browser = await launchChromium();
  try {
    const page = await (await evaluationContext(browser)).newPage();
    await page.goto(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`);
    const samples = await page.evaluate(
      async ({ payload, snapshot, code, day, runs }) => {
        const desk = await import("/desk-check.js" as string);
        // The page opens its snapshot once, when it syncs; each QR code read is then one checkAtDesk.
        const opened = desk.openSnapshot(snapshot);
        const bytes = Uint8Array.from(payload);
        const codes = [{ code, day, issuedAt: new Date().toISOString() }];
        const samples: number[] = [];
        for (let i = 0; i <= runs; i++) {
          const t = performance.now();
          const outcome = await desk.checkAtDesk(bytes, opened, codes, desk.groth16Check(snapshot.verificationKey));
          if (!outcome.verified) throw new Error(`the bench's QR payload was refused in the browser: ${outcome.why}`);
          samples.push(performance.now() - t);
        }
        return samples;
      },
      { payload: [...payload], snapshot, code, day, runs },
    );
    return { firstMs: samples[0], warm: timingOf(samples.slice(1)) };
  } finally {
    await browser.close();
    server.close();
  }
}
