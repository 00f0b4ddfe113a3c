// Bundles the citizen wallet (src/wallet/app) for browsers: the page and its proving worker
// as ES modules, with the HTML and CSS beside them, under the same rules as the browser core
// (build-browser.ts: nothing that needs Node). `npm run build` writes dist/wallet (shipped
// in the package); `realdid wallet` in a checkout builds on start.
import { copyFileSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { buildForBrowser } from "./build-browser.js";

const APP = fileURLToPath(new URL("../src/wallet/app/", import.meta.url));

export async function buildWallet(outdir: string): Promise<string> {
  mkdirSync(outdir, { recursive: true });
  await buildForBrowser({ wallet: join(APP, "wallet-page.ts"), "prover-worker": join(APP, "prover-worker.ts") }, outdir, { sourcemap: "linked" });
  for (const file of ["index.html", "wallet.css"]) copyFileSync(join(APP, file), join(outdir, file));
  return outdir;
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) {
  const outdir = process.argv[2] ?? "dist/wallet";
  await buildWallet(outdir);
  console.log(`[wallet] built in ${outdir}`);
}
