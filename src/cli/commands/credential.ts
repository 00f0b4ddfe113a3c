import type { Command } from "commander";
import { verifyRealDidCredential } from "../../credential/verify-credential.js";
import { readJson } from "../../files.js";
import { defineCommand } from "../command-kit.js";

export function credentialCommands(program: Command): void {
  const credential = program.command("credential").description("the registrar's verifiable credential");

  defineCommand<{ registrar?: string; registrarKey?: string }>(
    credential,
    {
      name: "verify",
      summary: "verify a registrar's credential: shape, issuer, leaf, Data Integrity proof, and with --registrar its status (not revoked; the registrar learns only a bucket)",
      example: "realdid credential verify li-wei.credential.json --registrar https://registrar.example --registrar-key did:realdid:registrar:z6Mk…",
    },
    (c) =>
      c
        .argument("<file>", "the credential (a VC from `realdid registrar enroll`)")
        .option("--registrar <url>", "the registrar's server: check the credential is not revoked or re-issued")
        .option("--registrar-key <key-or-did>", "the registrar it must be from: its ledger key (hex) or its DID"),
    async ([file], options, output) => {
      output.progress(options.registrar === undefined ? "verifying the credential" : `verifying the credential and its status at ${options.registrar}`);
      const verified = await verifyRealDidCredential(readJson(file, "credential"), { registrar: options.registrarKey, statusFrom: options.registrar });
      return {
        data: { valid: true, issuer: verified.issuer, index: verified.credential.index, leaf: verified.leaf.toString(), checked: verified.checked, statusEntry: verified.statusEntry ?? null },
        lines: [`VALID credential for registry leaf ${verified.credential.index}`, ...verified.checked.map((line) => `  ${line}`)],
      };
    },
  );
}
