// In-browser proving in headless Chromium: the wallet's own proving worker (our Groth16
// prover bundled by esbuild) beside snarkjs's browser build (groth16.fullProve), each in a
// fresh page, with the key set served from 127.0.0.1. "First" is a fresh page's first proof
// including fetching and checking the keys; "warm" proofs follow in the same page.
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import express from "express";
import { REALDID_CIRCUIT } from "../../src/artifacts/circuit-id.js";
import { keySetFiles, PROJECT_ROOT, publishedKeysDir } from "../../src/artifacts/paths.js";
import type { CircuitInput } from "../../src/proof/circuit-input.js";
import { evaluationContext, launchChromium } from "../../test/helpers/chromium.js";
import { buildWallet } from "../build-wallet.js";
import { type Timing, timingOf } from "./table.js";

export interface BrowserProofFigures {
  readonly ours: { firstMs: number; warm: Timing };
  readonly snarkjs: { firstMs: number; warm: Timing };
}

export async function measureBrowserProofs(runs: number, input: CircuitInput, workDir: string): Promise<BrowserProofFigures> {
  const walletDir = await buildWallet(join(workDir, "wallet"));
  const files = keySetFiles(publishedKeysDir(REALDID_CIRCUIT), REALDID_CIRCUIT);
  const app = express();
  app.get("/", (_req, res) => void res.type("html").send("<!doctype html><title>bench</title>"));
  app.get("/snarkjs.min.js", (_req, res) => res.sendFile(join(PROJECT_ROOT, "node_modules", "snarkjs", "build", "snarkjs.min.js")));
  for (const kind of ["manifest", "wasm", "zkey", "verificationKey"] as const) app.get(`/keys/${kind}`, (_req, res) => res.sendFile(files[kind]));
  app.use(express.static(walletDir));
  const server = app.listen(0, "127.0.0.1");
  await new Promise((resolve) => server.once("listening", resolve));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const browser = await launchChromium();
  try {
    const context = await evaluationContext(browser);
    const page = await context.newPage();
    await page.goto(`${origin}/`);
    // The wallet's worker, proving every MSM whole each time (as a new page would, and as snarkjs does).
    const ours = await page.evaluate(
      async ({ input, runs }) => {
        const worker = new Worker("/prover-worker.js", { type: "module" });
        const ask = (message: unknown) =>
          new Promise<any>((resolve) => {
            worker.onmessage = (event) => event.data.type !== "progress" && resolve(event.data);
            worker.postMessage(message);
          });
        const keys = { manifest: "/keys/manifest", wasm: "/keys/wasm", zkey: "/keys/zkey", verificationKey: "/keys/verificationKey" };
        const started = performance.now();
        const ready = await ask({ type: "load", keys, wholeProofs: true });
        if (ready.type !== "ready") throw new Error(ready.message);
        const samples: number[] = [];
        for (let i = 0; i <= runs; i++) {
          const t = performance.now();
          const proved = await ask({ type: "prove", input });
          if (proved.type !== "proved") throw new Error(proved.message);
          samples.push(performance.now() - (i === 0 ? started : t));
        }
        return samples;
      },
      { input, runs },
    );
    const snarkPage = await context.newPage();
    await snarkPage.goto(`${origin}/`);
    await snarkPage.addScriptTag({ url: "/snarkjs.min.js" });
    const snark = await snarkPage.evaluate(
      async ({ input, runs }) => {
        const samples: number[] = [];
        for (let i = 0; i <= runs; i++) {
          const t = performance.now();
          await (globalThis as any).snarkjs.groth16.fullProve(input, "/keys/wasm", "/keys/zkey");
          samples.push(performance.now() - t);
        }
        return samples;
      },
      { input, runs },
    );
    return { ours: { firstMs: ours[0], warm: timingOf(ours.slice(1)) }, snarkjs: { firstMs: snark[0], warm: timingOf(snark.slice(1)) } };
  } finally {
    await browser.close();
    server.close();
  }
}
