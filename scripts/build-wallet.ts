// Bundles the citizen wallet (src/wallet/app) for browsers: the page and its proving worker
// as ES modules, with the HTML and CSS beside them, under the same rules as the browser core
// (build-browser.ts: nothing that needs Node). `npm run build` writes dist/wallet (shipped
// in the package); `realdid wallet` in a checkout builds on start.
import { fileURLToPath, pathToFileURL } from "node:url";
import { buildBrowserApp } from "./build-browser.js";

const APP = fileURLToPath(new URL("../src/wallet/app/", import.meta.url));

export const buildWallet = (outdir: string): Promise<string> =>
  buildBrowserApp(APP, { wallet: "wallet-page.ts", "prover-worker": "prover-worker.ts" }, ["index.html", "wallet.css"], outdir);

if (import.meta.url === pathToFileURL(process.argv[1]).href) {
  const outdir = process.argv[2] ?? "dist/wallet";
  await buildWallet(outdir);
  console.log(`[wallet] built in ${outdir}`);
}
