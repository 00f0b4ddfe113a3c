// Bundles the platform-neutral core for browsers and Web Workers (esbuild, platform
// "browser"). `npm run build` runs it into dist/browser; the wallet's build reuses
// BROWSER_BUILD_OPTIONS and buildForBrowser, so every browser bundle is held to the same
// rule: nothing in it may need Node (`fs`, `node:*`, worker_threads, native modules).
// Run: tsx scripts/build-browser.ts [outdir]
import { copyFileSync, mkdirSync } from "node:fs";
import { builtinModules } from "node:module";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { type BuildOptions, build, type Metafile } from "esbuild";
import { PROJECT_ROOT } from "../src/artifacts/paths.js";

/** The esbuild options of every realdid browser bundle. No `external`: it would hide a Node import instead of failing on it. */
export const BROWSER_BUILD_OPTIONS = {
  bundle: true,
  platform: "browser",
  format: "esm",
  minify: true,
  target: "es2022",
  metafile: true,
  logLevel: "silent",
  absWorkingDir: PROJECT_ROOT,
} as const satisfies BuildOptions;

/** The neutral entry: what the browser wallet imports. */
export const BROWSER_CORE_ENTRY = join(PROJECT_ROOT, "src", "browser.ts");

const NODE_BUILTINS = new Set(builtinModules);
const isNodeBuiltin = (path: string) => path.startsWith("node:") || NODE_BUILTINS.has(path.split("/")[0]);

/**
 * The Node imports a bundle's metafile records. esbuild already fails on a builtin it cannot
 * resolve for the browser; this also catches one left external, or a module given as such.
 */
export function nodeImportsIn(metafile: Metafile): string[] {
  return Object.entries(metafile.inputs).flatMap(([input, { imports }]) =>
    imports.filter((imported) => isNodeBuiltin(imported.path) || imported.external === true).map((imported) => `${input} imports ${imported.path}`),
  );
}

/**
 * Bundles `entryPoints` into `outdir` with BROWSER_BUILD_OPTIONS. Fails with one error that
 * lists every module that needs Node (esbuild's own errors name the importing file).
 */
export async function buildForBrowser(entryPoints: Record<string, string>, outdir: string, extra: Omit<BuildOptions, "entryPoints" | "outdir" | "external"> = {}): Promise<Metafile> {
  let metafile: Metafile;
  try {
    metafile = (await build({ ...BROWSER_BUILD_OPTIONS, ...extra, metafile: true, entryPoints, outdir: resolve(outdir) })).metafile;
  } catch (error) {
    const errors = (error as { errors?: { text: string; location: { file: string } | null }[] }).errors;
    if (errors === undefined) throw error;
    throw new Error(`the browser bundle cannot be built:\n${errors.map((e) => `  ${e.location?.file ?? "?"}: ${e.text}`).join("\n")}`);
  }
  const nodeImports = nodeImportsIn(metafile);
  if (nodeImports.length > 0) throw new Error(`the browser bundle needs Node:\n${nodeImports.map((line) => `  ${line}`).join("\n")}`);
  return metafile;
}

/**
 * Builds a browser app (the wallet, the desk page): its entry points bundled beside the
 * static files it ships as they are (HTML, CSS), into `outdir`; returns `outdir`.
 */
export async function buildBrowserApp(appDir: string, entryPoints: Record<string, string>, staticFiles: readonly string[], outdir: string): Promise<string> {
  mkdirSync(outdir, { recursive: true });
  await buildForBrowser(Object.fromEntries(Object.entries(entryPoints).map(([name, file]) => [name, join(appDir, file)])), outdir, { sourcemap: "linked" });
  for (const file of staticFiles) copyFileSync(join(appDir, file), join(outdir, file));
  return outdir;
}

/** Builds the neutral core as `realdid-core.js` in `outdir`; returns esbuild's metafile (its inputs are the core's closure). */
export const buildBrowserCore = (outdir: string): Promise<Metafile> => buildForBrowser({ "realdid-core": BROWSER_CORE_ENTRY }, outdir);

if (import.meta.url === pathToFileURL(process.argv[1]).href) {
  const outdir = process.argv[2] ?? join(PROJECT_ROOT, "dist", "browser");
  try {
    const metafile = await buildBrowserCore(outdir);
    const bytes = Object.values(metafile.outputs).reduce((sum, output) => sum + output.bytes, 0);
    console.log(`[browser] ${join(outdir, "realdid-core.js")}: ${Object.keys(metafile.inputs).length} modules, ${(bytes / 1024).toFixed(0)} KiB`);
  } catch (error) {
    console.error(`[browser] ${(error as Error).message}`);
    process.exit(1);
  }
}
