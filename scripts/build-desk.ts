// Bundles the front desk's page (src/desk/app) for browsers, under the same rules as the
// browser core (build-browser.ts: nothing that needs Node), with its HTML, CSS and service
// worker beside it. `npm run build` writes dist/desk; `realdid desk` in a checkout builds on start.
import { copyFileSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { buildForBrowser } from "./build-browser.js";

const APP = fileURLToPath(new URL("../src/desk/app/", import.meta.url));

export async function buildDesk(outdir: string): Promise<string> {
  mkdirSync(outdir, { recursive: true });
  await buildForBrowser({ desk: join(APP, "desk-page.ts"), "desk-offline": join(APP, "desk-offline.ts") }, outdir, { sourcemap: "linked" });
  for (const file of ["index.html", "desk.css"]) copyFileSync(join(APP, file), join(outdir, file));
  return outdir;
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) {
  const outdir = process.argv[2] ?? "dist/desk";
  await buildDesk(outdir);
  console.log(`[desk] built in ${outdir}`);
}
