import type { Command } from "commander";
import { OWNER_ONLY, readText, writeAtomically } from "../../files.js";
import { parseCredentialFile } from "../../registry/credential.js";
import { pathFile } from "../../registry/path-file.js";
import { refreshPath } from "../../registrar/path-client.js";
import { defineCommand } from "../command-kit.js";

export function pathCommands(program: Command): void {
  const path = program.command("path").description("the citizen's Merkle path");

  defineCommand<{ registrar: string; credential: string; out: string }>(
    path,
    {
      name: "refresh",
      summary: "fetch your bucket of 4,096 leaves from the registrar and compute your path under its current root (the registrar does not learn your leaf); fails if the credential was revoked or re-issued",
      example: "realdid path refresh --registrar https://registrar.example --credential me.credential.json --out me.path.json",
    },
    (c) => c.requiredOption("--registrar <url>", "the registrar's server").requiredOption("--credential <file>", "your credential").requiredOption("--out <file>", "where to write the path"),
    async (_, options, output) => {
      const { credential, leaf, registrarKey } = parseCredentialFile(readText(options.credential, "credential"));
      output.progress(`fetching the bucket of leaf ${credential.index} from ${options.registrar}`);
      const { path: proof, entry } = await refreshPath(options.registrar, { index: credential.index, leaf, registrarKey });
      writeAtomically(options.out, JSON.stringify(pathFile(proof), null, 2) + "\n", { mode: OWNER_ONLY });
      return {
        data: { path: options.out, status: "valid", root: proof.root.toString(), ledgerEntry: entry },
        lines: [`credential valid; path under root ${proof.root} (ledger entry ${entry.seq}, ${entry.time}) written to ${options.out}`],
      };
    },
  );
}
