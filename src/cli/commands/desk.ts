import type { Command } from "commander";
import { existsSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { z } from "zod";
import { RealDidError } from "../../errors.js";
import { IsoTime } from "../../formats/fields.js";
import { ensureFolder, OWNER_ONLY, readJson, writeAtomically } from "../../files.js";
import { type DeskConfig, parseDeskConfig } from "../../desk/desk-config.js";
import { DeskLedger } from "../../desk/desk-ledger.js";
import { parseDeskReceipt } from "../../desk/desk-receipt.js";
import { startDeskServer } from "../../desk/desk-server.js";
import { DeskReceiptStore } from "../../desk/receipt-store.js";
import { defineCommand, integerOption } from "../command-kit.js";
import { closeOnSignals } from "./serve.js";

interface DeskOptions {
  config?: string;
  data: string;
  port: number;
  host: string;
  keys?: string;
  out: string;
  since?: string;
}

const SinceTime = z.union([IsoTime, z.iso.date()]);

/** --since as the store's received_at spelling (ISO, UTC, milliseconds), so the two compare as text. */
function sinceOption(since: string | undefined): string | undefined {
  if (since === undefined) return undefined;
  if (!SinceTime.safeParse(since).success) throw new RealDidError("invalid_argument", `--since must be an ISO 8601 time such as 2026-05-01T08:00:00Z (or a date), received ${JSON.stringify(since.slice(0, 40))}`);
  return new Date(since).toISOString();
}

type ExportOutcome = "written" | "unchanged" | "replaced" | "refused";

/**
 * Writes each receipt the desk server stored (from --since on) as <id>.json in `outDir`,
 * readable by its owner only (a receipt links a person's pairwise DID to a place and time).
 * A file already there with the same bytes is left alone, so exports can repeat; a stored
 * receipt that no longer parses (the SQLite file edited) is reported and not written.
 */
function exportReceipts(store: DeskReceiptStore, outDir: string, since: string | undefined) {
  ensureFolder(outDir);
  return store.receivedSince(since).map(({ id, receivedAt, stored }) => {
    let receipt;
    try {
      receipt = parseDeskReceipt(JSON.parse(stored));
    } catch (error) {
      return { outcome: "refused" as ExportOutcome, id, receivedAt, line: `refused stored receipt ${id}: ${(error as Error).message}` };
    }
    const file = join(outDir, `${receipt.id}.json`);
    const text = JSON.stringify(receipt, null, 2) + "\n";
    const existed = existsSync(file);
    if (existed && readFileSync(file, "utf8") === text) return { outcome: "unchanged" as ExportOutcome, id, receivedAt, file, line: `unchanged ${file}` };
    writeAtomically(file, text, { mode: OWNER_ONLY });
    const outcome: ExportOutcome = existed ? "replaced" : "written";
    return { outcome, id, receivedAt, file, line: `${outcome} ${file}: ${receipt.did} at ${receipt.desk.scope}, ${receipt.time}${existed ? " (the file there differed from the desk's copy)" : ""}` };
  });
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
  defineCommand<DeskOptions>(
    desk,
    {
      name: "receipts",
      summary: "export the receipts the desk's page uploaded, one realdid-desk-receipt/1 file per person verified, for the regulator",
      example: "realdid desk receipts --config desk.json --data ./desk-data --out ./receipts --since 2026-05-01T00:00:00Z",
    },
    (c) =>
      configOptions(c)
        .requiredOption("--out <dir>", "folder for the receipt files (<id>.json, readable by their owner only)")
        .option("--since <time>", "only receipts the desk server received at or after this ISO 8601 time (the last export's `latestReceivedAt`)"),
    async (_, options) => {
      const config = readDeskConfig(options);
      const since = sinceOption(options.since);
      const store = DeskReceiptStore.open(options.data, { mustExist: true });
      let exported;
      try {
        exported = exportReceipts(store, options.out, since);
      } finally {
        store.close();
      }
      const count = (outcome: ExportOutcome) => exported.filter((e) => e.outcome === outcome).length;
      const summary = `${exported.length} receipts of "${config.name}" (${config.scope})${since === undefined ? "" : ` received since ${since}`}: ${count("written")} written, ${count("unchanged")} unchanged, ${count("replaced")} replaced, ${count("refused")} refused`;
      return {
        data: { receipts: exported.map(({ line: _, ...rest }) => rest), latestReceivedAt: exported.at(-1)?.receivedAt ?? null, out: options.out },
        lines: [...exported.map((e) => e.line), summary],
        exitCode: count("refused") > 0 ? 1 : 0,
      };
    },
  );
}
