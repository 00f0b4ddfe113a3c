import type { AddressInfo } from "node:net";
import express, { type NextFunction, type Request, type Response } from "express";
import { pino, type Logger } from "pino";
import { RealDidError } from "../errors.js";
import { LEDGER_KIND } from "../ledger/ledger-entry.js";
import { bucketDocument, treeInfoDocument } from "./bucket-document.js";
import { enterpriseStatusDocument } from "./enterprise-status.js";
import { type GrantDesk, mountMandateEndpoints } from "./mandate-endpoints.js";
import { Registrar, type StoreLocation } from "./registrar.js";
import type { RegistrarUnlock } from "./registrar-keys.js";

export interface RegistrarServer {
  readonly url: string;
  /** The Ed25519 key its ledger is signed with. */
  readonly publicKey: string;
  close(): Promise<void>;
}

const STATUS: Record<string, number> = {
  malformed_request: 400,
  invalid_record: 400,
  invalid_mandate: 400,
  bucket_out_of_range: 404,
  not_enrolled: 404,
  already_enrolled: 409,
  enterprise_inactive: 409,
  representative_refused: 403,
  store_unavailable: 503,
  internal_error: 500,
};

/** Ledger entries in one answer when the client names no `limit` (about 3.5 MB). */
export const DEFAULT_LEDGER_PAGE = 10_000;
/** The response header with the ledger's whole length: a client keeps paging until it has read that far. */
export const LEDGER_LENGTH_HEADER = "X-Ledger-Length";

/** The request log: one JSON line per request on stderr (method, path, status, time). */
export const requestLogToStderr = (): Logger => pino({ base: undefined }, pino.destination({ dest: 2, sync: true }));

/**
 * The registrar's public server, read-only over its store (other processes enroll and
 * revoke; every answer reflects what they committed before it):
 *   GET /v1/ledger?from=N&limit=L    the signed root ledger as JSON lines (header, then at most L
 *                                    entries from N; L defaults to and may not exceed maxLedgerPage;
 *                                    X-Ledger-Length says how many entries there are in all)
 *   GET /v1/tree                     the tree's shape, province shards, current root and its ledger entry
 *   GET /v1/tree/buckets/:bucket     a whole 4,096-leaf bucket and the path above it, so a
 *                                    citizen refreshes their path without naming their leaf
 *                                    (?root=R is answered for the current root, flagged if R is stale)
 *   GET /v1/enterprises/:code        an enterprise's public status by its credit code: status, and its
 *                                    leaf and leaf index (nothing about any person; 404 if not enrolled)
 *   POST /v1/mandates[/revocations]  only when started with its keys: a legal representative's proven
 *                                    grants and revocations (see mandate-endpoints.ts)
 * Every answer allows any origin (CORS): the data is public and a browser wallet reads it.
 * What the registrar still learns from a refresh: the bucket (one of every 4,096 people),
 * the time and the network address; the request log shows exactly that.
 */
export async function startRegistrarServer(
  dataDir: string,
  {
    host,
    port,
    log = requestLogToStderr(),
    maxLedgerPage = DEFAULT_LEDGER_PAGE,
    grants,
    database,
  }: {
    host: string;
    port: number;
    log?: Logger;
    maxLedgerPage?: number;
    /** With the registrar's keys: legal representatives' grants and revocations (mandate-endpoints.ts). */
    grants?: { unlock: RegistrarUnlock; desk: GrantDesk };
  } & StoreLocation,
): Promise<RegistrarServer> {
  if (!Number.isSafeInteger(maxLedgerPage) || maxLedgerPage < 1) throw new RealDidError("invalid_argument", `the ledger page size must be at least 1 entry (got ${maxLedgerPage})`);
  const registrar = await Registrar.open(dataDir, { unlock: grants?.unlock, database });
  const app = express();
  app.disable("x-powered-by");
  app.disable("etag");
  app.use((req, res, next) => {
    const started = performance.now();
    res.on("finish", () => log.info({ method: req.method, path: req.originalUrl, status: res.statusCode, ms: Math.round(performance.now() - started) }, "request"));
    // Everything served here is public and read-only: a citizen's browser wallet on another
    // origin may read it (no credentials are sent or accepted).
    res.setHeader("Access-Control-Allow-Origin", "*");
    res.setHeader("Access-Control-Expose-Headers", LEDGER_LENGTH_HEADER);
    next();
  });
  const integerParam = (value: unknown, name: string): number => {
    if (typeof value !== "string" || !/^(0|[1-9][0-9]{0,15})$/.test(value)) throw new RealDidError("invalid_argument", `${name} must be a non-negative integer`);
    return Number(value);
  };

  app.get("/v1/ledger", async (req, res) => {
    await registrar.sync(); // the tree and bucket answers catch up in their own snapshot
    const from = req.query.from === undefined ? 0 : integerParam(req.query.from, "from");
    const limit = req.query.limit === undefined ? maxLedgerPage : integerParam(req.query.limit, "limit");
    if (limit < 1 || limit > maxLedgerPage) throw new RealDidError("invalid_argument", `limit must be from 1 to ${maxLedgerPage}`);
    const lines = [{ format: LEDGER_KIND.format, publicKey: registrar.publicKey }, ...registrar.ledger.entriesFrom(from).slice(0, limit)];
    res.setHeader(LEDGER_LENGTH_HEADER, String(registrar.ledger.length));
    res.type("application/x-ndjson").send(lines.map((line) => JSON.stringify(line)).join("\n") + "\n");
  });
  app.get("/v1/tree", async (_req, res) => {
    res.json(treeInfoDocument(await registrar.treeInfo(), registrar.publicKey));
  });
  app.get("/v1/tree/buckets/:bucket", async (req, res) => {
    const requestedRoot = typeof req.query.root === "string" ? req.query.root : undefined;
    res.json(bucketDocument(await registrar.bucket(integerParam(req.params.bucket, "bucket")), registrar.publicKey, requestedRoot));
  });
  app.get("/v1/enterprises/:code", async (req, res) => {
    res.json(enterpriseStatusDocument(await registrar.enterpriseStatus(req.params.code), registrar.publicKey));
  });
  if (grants) mountMandateEndpoints(app, registrar, grants.desk);
  app.use((_req, res) => void res.status(404).json({ error: { code: "not_found", message: "no such endpoint" } }));
  app.use((error: unknown, _req: Request, res: Response, _next: NextFunction) => {
    const known = error instanceof RealDidError;
    // Express's own 4xx (a bad %-escape in the path, a body that is not JSON or too large) is the client's mistake too.
    const clientMistake = !known && (error as { status?: number })?.status !== undefined && (error as { status: number }).status < 500;
    const code = known ? (error.code === "invalid_argument" ? "malformed_request" : error.code) : clientMistake ? "malformed_request" : "internal_error";
    if (code === "internal_error") log.error({ err: error }, "internal error");
    res.status(STATUS[code] ?? 422).json({ error: { code, message: known ? error.message : clientMistake ? `the request is not well formed (${(error as { type?: string }).type === "entity.too.large" ? "its body is too large" : (error as { type?: string }).type === "entity.parse.failed" ? "its body is not JSON" : "its path"})` : "internal error" } });
  });

  const server = app.listen(port, host);
  try {
    await new Promise<void>((resolve, reject) => server.once("listening", resolve).once("error", reject));
  } catch (error) {
    await registrar.close();
    throw error;
  }
  return {
    url: `http://${host}:${(server.address() as AddressInfo).port}`,
    publicKey: registrar.publicKey,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => void registrar.close().then(resolve, resolve));
      }),
  };
}
