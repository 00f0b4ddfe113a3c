import type { Command } from "commander";
import { writeRegulatorKeyPair } from "../../regulator/key-files.js";
import { defineCommand } from "../command-kit.js";

export function regulatorCommands(program: Command): void {
  const regulator = program.command("regulator").description("the regulator's escrow key");

  defineCommand<{ outDir: string }>(
    regulator,
    {
      name: "keygen",
      summary: "make a single regulator key pair (threshold sharing: see issue 5)",
      example: "realdid regulator keygen --out-dir ./regulator",
    },
    (c) => c.requiredOption("--out-dir <dir>", "folder for regulator-public.json and regulator-secret.json"),
    async (_, options, output) => {
      const files = writeRegulatorKeyPair(options.outDir);
      output.warn(`${files.secretFile} holds the whole regulator secret in one place`);
      return { data: { ...files }, lines: [`regulator public key written to ${files.publicFile} (put it in site policies as regulatorKey)`, `secret key written to ${files.secretFile}`] };
    },
  );
}
