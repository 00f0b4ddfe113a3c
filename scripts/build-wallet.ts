// Bundles the citizen wallet (src/wallet/app) for browsers with esbuild: the page and its
// proving worker as ES modules, with the HTML and CSS beside them. `npm run build` writes
// dist/wallet (shipped in the package); `realdid wallet` in a checkout builds on start.
import { copyFileSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const APP = fileURLToPath(new URL("../src/wallet/app/", import.meta.url));

export async function buildWallet(outdir: string): Promise<string> {
  mkdirSync(outdir, { recursive: true });
  await build({
    entryPoints: { wallet: join(APP, "wallet-page.ts"), "prover-worker": join(APP, "prover-worker.ts") },
    outdir,
    bundle: true,
    format: "esm",
    platform: "browser",
    target: "es2022",
    minify: true,
    sourcemap: "linked",
    logLevel: "silent",
  });
  for (const file of ["index.html", "wallet.css"]) copyFileSync(join(APP, file), join(outdir, file));
  return outdir;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const outdir = process.argv[2] ?? "dist/wallet";
  await buildWallet(outdir);
  console.log(`wallet built in ${outdir}`);
}
