import type { Command } from "commander";
import { RealDidError } from "../../errors.js";
import { RootLedger } from "../../ledger/root-ledger.js";
import { defineCommand } from "../command-kit.js";
import { readText } from "../../files.js";

/** Reads and verifies an exported ledger file (chain and every signature). */
export function loadLedger(file: string, registrarKey?: string): RootLedger {
  const text = readText(file, "ledger");
  try {
    return RootLedger.fromJsonLines(text, registrarKey);
  } catch (error) {
    if (error instanceof RealDidError) throw new RealDidError(error.code, `ledger ${file}: ${error.message}`);
    throw error;
  }
}

export function ledgerCommands(program: Command): void {
  const ledger = program.command("ledger").description("the registrar's signed, hash-chained root ledger");

  defineCommand<{ registrarKey?: string }>(
    ledger,
    { name: "verify", summary: "replay an exported ledger: hash chain, order and every signature", example: "realdid ledger verify ledger.jsonl --registrar-key 3b6a…" },
    (c) => c.argument("<file>", "ledger file (JSON lines)").option("--registrar-key <hex>", "require this registrar's Ed25519 public key"),
    async ([file], options) => {
      const verified = loadLedger(file, options.registrarKey);
      const head = verified.head!;
      return {
        data: { valid: true, entries: verified.length, publicKey: verified.publicKey, head },
        lines: [`ledger valid: ${verified.length} entries signed by ${verified.publicKey}`, `current root ${head.root} (entry ${head.seq}, ${head.time}, ${head.treeSize} leaves)`],
      };
    },
  );
}
