import { join } from "node:path";
import type { Command } from "commander";
import { generateRegulatorKeyPair } from "../../crypto/escrow.js";
import { defineCommand } from "../command-kit.js";
import { ensureFolder, writeAtomically } from "../files.js";

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
      ensureFolder(options.outDir);
      const { secretKey, publicKey } = generateRegulatorKeyPair();
      const publicFile = join(options.outDir, "regulator-public.json");
      const secretFile = join(options.outDir, "regulator-secret.json");
      const publicJson = { x: publicKey.x.toString(), y: publicKey.y.toString() };
      writeAtomically(secretFile, JSON.stringify({ format: "realdid-regulator-secret/1", secretKey: secretKey.toString(), publicKey: publicJson }, null, 2) + "\n", { overwrite: false, mode: 0o600 });
      writeAtomically(publicFile, JSON.stringify(publicJson, null, 2) + "\n", { overwrite: false });
      output.warn(`${secretFile} holds the whole regulator secret in one place`);
      return { data: { publicKey: publicJson, publicFile, secretFile }, lines: [`regulator public key written to ${publicFile} (put it in site policies as regulatorKey)`, `secret key written to ${secretFile}`] };
    },
  );
}
