import { Command } from "commander";
import { identityCommands } from "./commands/identity.js";
import { ledgerCommands } from "./commands/ledger.js";
import { proofCommands } from "./commands/proof.js";
import { registrarCommands } from "./commands/registrar.js";
import { regulatorCommands } from "./commands/regulator.js";
import { serveCommand } from "./commands/serve.js";

const program = new Command("realdid")
  .description("zero-knowledge real-name identity: anonymous at the front desk, real name at the backend")
  .option("--json", "machine-readable output (one JSON object on stdout)")
  .showHelpAfterError("(add --help for usage)");

identityCommands(program);
registrarCommands(program);
ledgerCommands(program);
proofCommands(program);
regulatorCommands(program);
serveCommand(program);

await program.parseAsync(process.argv);
