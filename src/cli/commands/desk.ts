import type { Command } from "commander";
import { dirname, resolve } from "node:path";
import { RealDidError } from "../../errors.js";
import { readJson } from "../../files.js";
import { type DeskConfig, parseDeskConfig } from "../../desk/desk-config.js";
import { DeskLedger } from "../../desk/desk-ledger.js";
import { startDeskServer } from "../../desk/desk-server.js";
import { defineCommand, integerOption } from "../command-kit.js";
import { closeOnSignals } from "./serve.js";

interface DeskOptions {
  config?: string;
  data: string;
  port: number;
  host: string;
  keys?: string;
}

/** The desk's configuration; its key set folder is relative to the file, and --keys (or $REALDID_KEYS) overrides it. */
function readDeskConfig(options: DeskOptions): DeskConfig {
  // Checked here, not by commander: `desk` and `desk sync` both take it, and commander would ask the parent for it on `desk sync`.
  if (options.config === undefined) throw new RealDidError("invalid_argument", "give the desk's configuration with --config <file> (realdid-desk-config/1)");
  const config = parseDeskConfig(readJson(options.config, "desk configuration"), `the desk configuration ${options.config}`);
  const keys = options.keys ?? process.env.REALDID_KEYS ?? (config.keys === undefined ? undefined : resolve(dirname(options.config), config.keys));
  return { ...config, keys };
}

const configOptions = (c: Command) =>
  c.option("--config <file>", "the desk's configuration (realdid-desk-config/1; required)").option("--data <dir>", "the desk's data folder: its copy of the registrar's ledger and its receipts", "desk-data");

export function deskCommands(program: Command): void {
  const desk = defineCommand<DeskOptions>(
    program,
    {
      name: "desk",
      summary: "serve a front desk: a page that verifies people's QR codes offline against a ledger snapshot, and keeps receipts",
      example: "realdid desk --config desk.json --data ./desk-data --port 8500",
    },
    (c) => configOptions(c).option("--port <port>", "port to listen on", integerOption("--port"), 8500).option("--host <host>", "address to listen on", "127.0.0.1"),
    async (_, options, output) => {
      const config = readDeskConfig(options);
      const server = await startDeskServer(config, options.data, { host: options.host, port: options.port, warn: (line) => process.stderr.write(`warning: ${line}\n`) });
      closeOnSignals(server.close);
      output.progress(`trusting registrar ${config.registrar.key} at ${config.registrar.ledger}`);
      return {
        data: { url: server.url, scope: config.scope, ledgerEntries: server.ledger.ledger.length },
        lines: [`front desk "${config.name}" (${config.scope}) at ${server.url}`, `ledger: ${server.ledger.ledger.length} entries, pulled ${server.ledger.syncedAt?.toISOString() ?? "never"}`],
        keepsCurve: true,
      };
    },
  );
  defineCommand<DeskOptions>(
    desk,
    {
      name: "sync",
      summary: "pull the registrar's ledger into the desk's data folder (the page takes it at its next sync)",
      example: "realdid desk sync --config desk.json --data ./desk-data",
    },
    configOptions,
    async (_, options) => {
      const config = readDeskConfig(options);
      const ledger = DeskLedger.open(options.data, config.registrar);
      const added = await ledger.sync();
      const head = ledger.ledger.head!;
      return { data: { added, entries: ledger.ledger.length, root: head.root }, lines: [`${added} new ledger entries from ${config.registrar.ledger}; ${ledger.ledger.length} in all, current root #${head.seq}`] };
    },
  );
}
