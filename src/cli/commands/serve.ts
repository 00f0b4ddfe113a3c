import { dirname } from "node:path";
import type { Command } from "commander";
import { parseServiceConfig } from "../../service/config.js";
import { serviceLogToStderr, startVerifierService } from "../../service/server.js";
import { defineCommand, integerOption } from "../command-kit.js";
import { readJson } from "../../files.js";
import { verifierDid } from "../../did/did-uri.js";

/**
 * Stops a long-running server cleanly on SIGINT/SIGTERM (exit 0), or says in one line why it
 * could not (exit 1). A repeated signal during the shutdown is noted and otherwise ignored:
 * with no listener left, Node's default action would kill the requests still finishing.
 */
export function closeOnSignals(close: () => Promise<void>): void {
  let stopping = false;
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) return void process.stderr.write(`realdid: ${signal} received, already shutting down\n`);
    stopping = true;
    void close().then(
      () => process.exit(0),
      (error) => {
        process.stderr.write(`realdid: shutting down failed: ${(error as Error)?.message ?? error}\n`);
        process.exit(1);
      },
    );
  };
  process.on("SIGINT", stop);
  process.on("SIGTERM", stop);
}

interface ServeOptions {
  config: string;
  keys?: string;
  port?: number;
  host?: string;
  database?: string;
  workers?: number;
}

export function serveCommand(program: Command): void {
  defineCommand<ServeOptions>(
    program,
    { name: "serve", summary: "run the verifier service (HTTP) for relying parties", example: "realdid serve --config verifier.json --port 8080 --database postgres://verifier@db/realdid" },
    (c) =>
      c
        .requiredOption("--config <file>", "service configuration (sites, ledger source); see config/verifier.example.json")
        .option("--port <port>", "override the config's port", integerOption("--port"))
        .option("--host <host>", "override the config's host")
        .option("--database <url-or-folder>", "postgres://… or a folder for the embedded SQLite store")
        .option("--workers <n>", "verification worker threads", integerOption("--workers")),
    async (_, options) => {
      const parsed = parseServiceConfig(readJson(options.config, "config"), dirname(options.config));
      const config = {
        ...parsed,
        ...(options.port !== undefined && { port: options.port }),
        ...(options.host !== undefined && { host: options.host }),
        ...(options.database !== undefined && { database: options.database }),
        ...(options.workers !== undefined && { workers: options.workers }),
        keys: options.keys ?? process.env.REALDID_KEYS ?? parsed.keys,
      };
      // The service's log is JSON lines on stderr in both output modes; stdout carries only the result.
      const service = await startVerifierService(config, serviceLogToStderr(config.logLevel));
      closeOnSignals(service.close);
      return {
        data: { url: service.url, sites: [...config.sites.keys()], ledgerEntries: service.replica.ledger.length, keyId: service.keyId, businessKeyId: service.businessKeyId ?? null, receiptKey: service.receiptKey, did: verifierDid(service.receiptKey) },
        lines: [
          `verifier service listening on ${service.url} (sites: ${[...config.sites.keys()].join(", ")}; ledger: ${service.replica.ledger.length} entries)`,
          `circuit keys ${service.keyId}${service.businessKeyId ? `, business circuit keys ${service.businessKeyId}` : ""}; receipts signed by ${service.receiptKey} (${verifierDid(service.receiptKey)}, its document at /v1/did)`,
        ],
      };
    },
  );
}
