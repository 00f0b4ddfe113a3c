import { existsSync } from "node:fs";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import express from "express";
import { RateLimiterMemory, type RateLimiterRes } from "rate-limiter-flexible";
import { loadArtifacts } from "../artifacts/load.js";
import { PROJECT_ROOT } from "../artifacts/paths.js";
import { RealDidError } from "../errors.js";
import { groth16Check } from "../proof/groth16-check.js";
import { refusalFor, ServiceError } from "../service/service-error.js";
import type { DeskConfig } from "./desk-config.js";
import { verifyDeskReceipt } from "./desk-check.js";
import { DeskLedger } from "./desk-ledger.js";
import { parseDeskReceipt } from "./desk-receipt.js";
import { deskSnapshot, type OpenedSnapshot, openSnapshot } from "./desk-snapshot.js";
import { DeskReceiptStore } from "./receipt-store.js";

/**
 * The desk page's files: bundled from src/desk/app on start in a checkout (never stale),
 * shipped built in dist/desk by an installed package (npm run build).
 */
async function deskAssetsDir(): Promise<string> {
  if (existsSync(join(PROJECT_ROOT, "src", "desk", "app"))) {
    const { buildDesk } = await import(new URL("../../scripts/build-desk.ts", import.meta.url).href);
    return buildDesk(join(PROJECT_ROOT, ".cache", "desk"));
  }
  const built = join(PROJECT_ROOT, "dist", "desk");
  if (!existsSync(join(built, "index.html"))) throw new RealDidError("artifacts_missing", `the desk page's files are missing from ${built}: reinstall the package`);
  return built;
}

/**
 * The page talks to this server only (snapshot, sync, receipts); it runs the Groth16 check
 * in WebAssembly (ffjavascript starts its threads from blob: URLs), shows QR codes drawn on
 * canvases (data: images) and may use the camera; it is never framed.
 */
const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self' 'wasm-unsafe-eval' blob:",
  "worker-src 'self' blob:",
  "connect-src 'self'",
  "img-src 'self' data: blob:",
  "frame-ancestors 'none'",
  "base-uri 'none'",
  "form-action 'none'",
].join("; ");

const RECEIPT_BODY_LIMIT = 64 * 1024;
const RECEIPTS_PER_MINUTE = 60;

export interface DeskServer {
  readonly url: string;
  readonly ledger: DeskLedger;
  readonly receipts: DeskReceiptStore;
  close(): Promise<void>;
}

/**
 * Serves a front desk: its page, the snapshot the page verifies with offline (GET /snapshot),
 * a pull from the registrar (POST /sync; also at start and every syncSeconds: a desk that cannot
 * reach the registrar serves its last copy and says so) and the receipts the page uploads
 * (POST /receipts, each checked again: verifyDeskReceipt).
 */
export async function startDeskServer(config: DeskConfig, dataDir: string, { host = "127.0.0.1", port = 0, warn = (_: string) => {} } = {}): Promise<DeskServer> {
  const assets = await deskAssetsDir();
  const artifacts = loadArtifacts({ dir: config.keys, warn });
  const keys = { keyId: artifacts.keyId, verificationKey: artifacts.verificationKey };
  const check = groth16Check(artifacts.verificationKey);
  const ledger = DeskLedger.open(dataDir, config.registrar);
  const receipts = DeskReceiptStore.open(dataDir);
  // One pull at a time; a desk that cannot reach the registrar serves its last copy (the page refuses once it is older than maxOfflineHours).
  let pulling: Promise<number> | undefined;
  const pull = () => (pulling ??= ledger.sync().finally(() => (pulling = undefined)));
  const pullOrWarn = () => pull().catch((error) => warn(`the registrar's ledger could not be pulled (${(error as Error).message}); serving the copy of ${ledger.syncedAt?.toISOString() ?? "never"}`));
  await pullOrWarn();
  const timer = setInterval(pullOrWarn, config.syncSeconds * 1000).unref();
  // Uploads are re-verified (a Groth16 check each): a burst from one address is refused, not queued.
  const uploads = new RateLimiterMemory({ points: RECEIPTS_PER_MINUTE, duration: 60 });
  const snapshot = () => {
    if (ledger.syncedAt === undefined) throw new ServiceError("not_found", "this desk has never pulled the registrar's ledger: POST /sync when the registrar can be reached");
    return deskSnapshot(config, keys, ledger.ledger, ledger.syncedAt);
  };
  // Receipts are checked against the snapshot as the page gets it, replayed once per pull, not once per upload.
  let opened: { syncedAt: Date | undefined; desk: OpenedSnapshot } | undefined;
  const openedSnapshot = (): OpenedSnapshot => {
    if (opened === undefined || opened.syncedAt !== ledger.syncedAt) opened = { syncedAt: ledger.syncedAt, desk: openSnapshot(snapshot()) };
    return opened.desk;
  };

  const app = express();
  app.disable("x-powered-by");
  app.use((_req, res, next) => {
    res.setHeader("Content-Security-Policy", CONTENT_SECURITY_POLICY);
    res.setHeader("Permissions-Policy", "camera=(self)");
    res.setHeader("Referrer-Policy", "no-referrer");
    res.setHeader("X-Content-Type-Options", "nosniff");
    next();
  });
  app.get("/snapshot", (_req, res) => void res.setHeader("Cache-Control", "no-store").json(snapshot()));
  app.post("/sync", async (_req, res) => {
    let added: number;
    try {
      added = await pull();
    } catch (error) {
      return void res.status(502).json({ error: { code: (error as RealDidError).code ?? "remote_refused", message: (error as Error).message } });
    }
    res.json({ added, entries: ledger.ledger.length, syncedAt: ledger.syncedAt!.toISOString() });
  });
  app.post("/receipts", express.json({ limit: RECEIPT_BODY_LIMIT }), async (req, res) => {
    const over = await uploads.consume(req.ip ?? "unknown").then(() => undefined, (refused: RateLimiterRes) => refused);
    if (over !== undefined) throw new ServiceError("rate_limited", `more than ${RECEIPTS_PER_MINUTE} receipts a minute from this address; retry later`, Math.ceil(over.msBeforeNext / 1000));
    let receipt;
    try {
      receipt = parseDeskReceipt(req.body);
    } catch (error) {
      throw new ServiceError("malformed_request", (error as Error).message);
    }
    const result = await verifyDeskReceipt(receipt, openedSnapshot(), check);
    if (!result.valid) throw new ServiceError("receipt_invalid", `the receipt's proof is refused: ${result.message}`);
    const stored = receipts.add(receipt);
    res.status(stored ? 201 : 200).json({ id: receipt.id, stored });
  });
  app.use(express.static(assets, { index: "index.html" }));
  app.use((_req, res) => void res.status(404).json({ error: { code: "not_found", message: "not found: the desk page is at /" } }));
  app.use((error: unknown, _req: express.Request, res: express.Response, _next: express.NextFunction) => {
    const refusal = refusalFor(error, RECEIPT_BODY_LIMIT);
    if (refusal === undefined) {
      warn(`internal error: ${(error as Error)?.stack ?? String(error)}`);
      return void res.status(500).json({ error: { code: "internal_error", message: "the desk server failed; see its log" } });
    }
    res.status(refusal.status).json({ error: { code: refusal.code, message: refusal.message } });
  });

  const server = app.listen(port, host);
  await new Promise<void>((resolve, reject) => server.once("listening", resolve).once("error", reject));
  const address = server.address() as AddressInfo;
  return {
    url: `http://${host}:${address.port}/`,
    ledger,
    receipts,
    close: () =>
      new Promise<void>((resolve) =>
        server.close(() => {
          clearInterval(timer);
          receipts.close();
          resolve();
        }),
      ),
  };
}
