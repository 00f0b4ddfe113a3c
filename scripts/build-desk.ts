// Bundles the front desk's page (src/desk/app) for browsers, under the same rules as the
// browser core (build-browser.ts: nothing that needs Node), with its HTML, CSS and service
// worker beside it. `npm run build` writes dist/desk; `realdid desk` in a checkout builds on start.
import { fileURLToPath, pathToFileURL } from "node:url";
import { buildBrowserApp } from "./build-browser.js";

const APP = fileURLToPath(new URL("../src/desk/app/", import.meta.url));

export const buildDesk = (outdir: string): Promise<string> =>
  buildBrowserApp(APP, { desk: "desk-page.ts", "desk-offline": "desk-offline.ts" }, ["index.html", "desk.css"], outdir);

if (import.meta.url === pathToFileURL(process.argv[1]).href) {
  const outdir = process.argv[2] ?? "dist/desk";
  await buildDesk(outdir);
  console.log(`[desk] built in ${outdir}`);
}
