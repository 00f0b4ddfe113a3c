import { Command } from "commander";
import { ceremonyCommands } from "./commands/ceremony.js";
import { chainCommands } from "./commands/chain.js";
import { credentialCommands } from "./commands/credential.js";
import { deskCommands } from "./commands/desk.js";
import { enterpriseCommands } from "./commands/enterprise.js";
import { didCommands } from "./commands/did.js";
import { identityCommands } from "./commands/identity.js";
import { ledgerCommands } from "./commands/ledger.js";
import { pathCommands } from "./commands/path.js";
import { presentationCommands } from "./commands/presentation.js";
import { proofCommands } from "./commands/proof.js";
import { registrarCommands } from "./commands/registrar.js";
import { regulatorCommands } from "./commands/regulator.js";
import { serveCommand } from "./commands/serve.js";
import { walletCommand } from "./commands/wallet.js";

// snarkjs leaves zkey file handles for the garbage collector to close (ceremony commands);
// Node's warning about each is noise to a user, so only that one is kept off stderr.
process.removeAllListeners("warning");
process.on("warning", (warning) => {
  if (/^Closing (file descriptor \d+|a FileHandle object) on garbage collection/.test(warning.message)) return;
  process.stderr.write(`${warning.name}: ${warning.message}\n`);
});

const program = new Command("realdid")
  .description("zero-knowledge real-name identity: anonymous at the front desk, real name at the backend")
  .option("--json", "machine-readable output (one JSON object on stdout)")
  .option("--keys <dir>", "a key set made by `realdid ceremony finalize` (default: $REALDID_KEYS, else the keys published with this package)")
  .option("--business-keys <dir>", "the business circuit's key set (default: $REALDID_BUSINESS_KEYS, else the one published with this package)")
  .showHelpAfterError("(add --help for usage)");

identityCommands(program);
registrarCommands(program);
chainCommands(program);
ledgerCommands(program);
pathCommands(program);
credentialCommands(program);
didCommands(program);
proofCommands(program);
enterpriseCommands(program);
presentationCommands(program);
regulatorCommands(program);
serveCommand(program);
walletCommand(program);
deskCommands(program);
ceremonyCommands(program);

await program.parseAsync(process.argv);
