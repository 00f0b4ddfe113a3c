import { cpSync, existsSync } from "node:fs";
import type { AddressInfo } from "node:net";
import { basename, join } from "node:path";
import express from "express";
import { BUSINESS_CIRCUIT, type CircuitId, REALDID_CIRCUIT } from "../artifacts/circuit-id.js";
import { keySetFiles, PROJECT_ROOT, publishedKeysDir } from "../artifacts/paths.js";
import { RealDidError } from "../errors.js";
import { ensureFolder, writeAtomically } from "../files.js";
import { WALLET_CONFIG_FORMAT, type WalletConfig } from "./wallet-config.js";

/** What `realdid wallet` is told: the registrar, the regulator keys and verifiers the person trusts, the key set. */
export interface WalletSettings {
  readonly registrarUrl: string;
  readonly registrarKey: string;
  readonly regulatorKeys: WalletConfig["regulatorKeys"];
  readonly trustedVerifiers: readonly string[];
  /** A key set folder (realdid ceremony finalize); the package's published keys by default. */
  readonly keysDir: string;
  /** The business circuit's key set folder (a person acting for an enterprise); the package's published one by default. */
  readonly businessKeysDir?: string;
}

/**
 * The wallet's static files: in a checkout they are bundled from src/wallet/app by esbuild
 * on every start (a second or so, never stale); an installed package ships them built in
 * dist/wallet (npm run build).
 */
export async function walletAssetsDir(): Promise<string> {
  if (existsSync(join(PROJECT_ROOT, "src", "wallet", "app"))) {
    const { buildWallet } = await import(new URL("../../scripts/build-wallet.ts", import.meta.url).href);
    return buildWallet(join(PROJECT_ROOT, ".cache", "wallet"));
  }
  const built = join(PROJECT_ROOT, "dist", "wallet");
  if (!existsSync(join(built, "index.html"))) throw new RealDidError("artifacts_missing", `the wallet's files are missing from ${built}: reinstall the package`);
  return built;
}

const KEY_FILES = ["manifest", "wasm", "zkey", "verificationKey"] as const;

/**
 * The key sets the wallet serves, each file by its path under the wallet's URL: the personal
 * set in keys/ (as before business logins), the business set in keys/business/ (both sets
 * have a manifest.json and a verification_key.json).
 */
function servedKeySets(settings: WalletSettings) {
  const served = (circuit: CircuitId, dir: string, prefix: string) => {
    const files = keySetFiles(dir, circuit);
    for (const kind of KEY_FILES) if (!existsSync(files[kind])) throw new RealDidError("artifacts_missing", `the key set file ${files[kind]} is missing`);
    return KEY_FILES.map((kind) => ({ kind, file: files[kind], path: `${prefix}${basename(files[kind])}` }));
  };
  return {
    keys: served(REALDID_CIRCUIT, settings.keysDir, "keys/"),
    businessKeys: served(BUSINESS_CIRCUIT, settings.businessKeysDir ?? publishedKeysDir(BUSINESS_CIRCUIT), "keys/business/"),
  };
}

type ServedKeySets = ReturnType<typeof servedKeySets>;
const pathsOf = (set: ServedKeySets["keys"]) => Object.fromEntries(set.map(({ kind, path }) => [kind, path])) as WalletConfig["keys"];

function walletConfig(settings: WalletSettings, sets: ServedKeySets): WalletConfig {
  return {
    format: WALLET_CONFIG_FORMAT,
    registrarUrl: settings.registrarUrl,
    registrarKey: settings.registrarKey,
    regulatorKeys: settings.regulatorKeys,
    trustedVerifiers: [...settings.trustedVerifiers],
    keys: pathsOf(sets.keys),
    businessKeys: pathsOf(sets.businessKeys),
  };
}

/**
 * The page's Content-Security-Policy: scripts only from here (WebAssembly allowed for the
 * prover; ffjavascript starts its threads from blob: URLs), data only from here, the
 * registrar and the trusted verifiers (login requests), never framed (a framed consent screen could be clickjacked). No form-action:
 * Chromium applies it to the redirects that follow a form, and the verifier redirects to
 * the website, which the wallet cannot know beforehand; the page posts only to trusted
 * verifiers (consent.ts checks the return URL).
 */
const contentSecurityPolicy = (settings: WalletSettings) =>
  [
    "default-src 'self'",
    "script-src 'self' 'wasm-unsafe-eval' blob:",
    "worker-src 'self' blob:",
    `connect-src 'self' ${new URL(settings.registrarUrl).origin} ${settings.trustedVerifiers.join(" ")}`,
    "frame-ancestors 'none'",
    "base-uri 'none'",
  ].join("; ");

/** Serves the wallet: its page, its configuration and the key sets it proves with. */
export async function startWalletServer(settings: WalletSettings, { host = "127.0.0.1", port = 0 } = {}): Promise<{ url: string; close: () => Promise<void> }> {
  const assets = await walletAssetsDir();
  const sets = servedKeySets(settings);
  const app = express();
  app.disable("x-powered-by");
  app.use((_req, res, next) => {
    res.setHeader("Content-Security-Policy", contentSecurityPolicy(settings));
    res.setHeader("Referrer-Policy", "no-referrer");
    res.setHeader("X-Content-Type-Options", "nosniff");
    next();
  });
  const config = walletConfig(settings, sets);
  app.get("/wallet-config.json", (_req, res) => void res.json(config));
  for (const { file, path } of [...sets.keys, ...sets.businessKeys]) app.get(`/${path}`, (_req, res) => res.sendFile(file));
  app.use(express.static(assets, { index: "index.html" }));
  app.use((_req, res) => void res.status(404).type("text/plain").send("Not found. The wallet is at /"));
  const server = app.listen(port, host);
  await new Promise<void>((resolve, reject) => server.once("listening", resolve).once("error", reject));
  const address = server.address() as AddressInfo;
  return {
    url: `http://${host}:${address.port}/`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** Writes the wallet as static files (with its configuration and key sets) for any web server. */
export async function writeStaticWallet(settings: WalletSettings, outDir: string): Promise<void> {
  ensureFolder(outDir);
  cpSync(await walletAssetsDir(), outDir, { recursive: true });
  const sets = servedKeySets(settings);
  ensureFolder(join(outDir, "keys", "business"));
  for (const { file, path } of [...sets.keys, ...sets.businessKeys]) cpSync(file, join(outDir, path));
  const config = walletConfig(settings, sets);
  writeAtomically(join(outDir, "wallet-config.json"), JSON.stringify(config, null, 2) + "\n");
}
