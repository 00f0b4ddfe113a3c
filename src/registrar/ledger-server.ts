import { existsSync } from "node:fs";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import express from "express";
import { RealDidError } from "../errors.js";
import { registrarFolderSource } from "../service/ledger-source.js";

/**
 * The registrar's public ledger endpoint: GET /v1/ledger?from=N answers JSON lines (a
 * header with the registrar key, then entries N onwards), read from the store on each
 * request so entries published by other registrar processes are served at once.
 */
export async function startLedgerServer(dataDir: string, host: string, port: number): Promise<{ url: string; close(): Promise<void> }> {
  if (!existsSync(join(dataDir, "registrar.sqlite"))) throw new RealDidError("registrar_missing", `no registrar in ${dataDir}`);
  const source = registrarFolderSource(dataDir);
  const app = express();
  app.disable("x-powered-by");
  app.get("/v1/ledger", async (req, res) => {
    const from = Number(req.query.from ?? 0);
    if (!Number.isSafeInteger(from) || from < 0) {
      res.status(400).json({ error: { code: "malformed_request", message: "from must be a non-negative integer" } });
      return;
    }
    const lines = [{ format: "realdid-ledger/1", publicKey: source.localKey }, ...(await source.entriesFrom(from))];
    res.type("application/x-ndjson").send(lines.map((line) => JSON.stringify(line)).join("\n") + "\n");
  });
  const server = app.listen(port, host);
  await new Promise<void>((resolve, reject) => server.once("listening", resolve).once("error", reject));
  return {
    url: `http://${host}:${(server.address() as AddressInfo).port}`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
