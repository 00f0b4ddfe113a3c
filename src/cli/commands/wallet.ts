import type { Command } from "commander";
import { REALDID_CIRCUIT } from "../../artifacts/circuit-id.js";
import { publishedKeysDir } from "../../artifacts/paths.js";
import { RealDidError } from "../../errors.js";
import { readJson } from "../../files.js";
import { trustedRegulatorKey } from "../../regulator/key-files.js";
import { startWalletServer, type WalletSettings, writeStaticWallet } from "../../wallet/wallet-server.js";
import { collect, defineCommand, integerOption } from "../command-kit.js";
import { closeOnSignals } from "./serve.js";

interface WalletOptions {
  registrar: string;
  registrarKey: string;
  regulatorKey: string[];
  verifier: string[];
  port: number;
  host: string;
  staticOut?: string;
  keys?: string;
}

function walletSettings(options: WalletOptions): WalletSettings {
  if (!/^[0-9a-f]{64}$/.test(options.registrarKey)) throw new RealDidError("invalid_argument", "--registrar-key must be the registrar's Ed25519 public key (64 lowercase hex characters)");
  const origin = (value: string, option: string) => {
    try {
      const url = new URL(value);
      if (url.protocol === "http:" || url.protocol === "https:") return option === "--registrar" ? value : url.origin;
    } catch {
      // named below
    }
    throw new RealDidError("invalid_argument", `${option} must be an http(s) URL, received ${JSON.stringify(value)}`);
  };
  if (options.regulatorKey.length === 0) throw new RealDidError("invalid_argument", "give the regulator's published key with --regulator-key (the key your real name may be escrowed to)");
  if (options.verifier.length === 0) throw new RealDidError("invalid_argument", "give the verifier service(s) the wallet may send proofs to with --verifier <url>");
  return {
    registrarUrl: origin(options.registrar, "--registrar"),
    registrarKey: options.registrarKey,
    regulatorKeys: options.regulatorKey.map((file) => {
      const key = trustedRegulatorKey(readJson(file, "regulator key"), `regulator key ${file}`);
      return { x: key.x.toString(), y: key.y.toString() };
    }),
    trustedVerifiers: options.verifier.map((url) => origin(url, "--verifier")),
    keysDir: options.keys ?? process.env.REALDID_KEYS ?? publishedKeysDir(REALDID_CIRCUIT),
  };
}

export function walletCommand(program: Command): void {
  defineCommand<WalletOptions>(
    program,
    {
      name: "wallet",
      summary: "serve the citizen's browser wallet (or write it as static files with --static-out)",
      example: "realdid wallet --registrar http://127.0.0.1:8090 --registrar-key <hex> --regulator-key regulator-public.json --verifier http://127.0.0.1:8080 --port 8300",
    },
    (c) =>
      c
        .requiredOption("--registrar <url>", "the registrar's server (credential checks and path refresh by bucket)")
        .requiredOption("--registrar-key <hex>", "the registrar's ledger key (realdid registrar init prints it)")
        .option("--regulator-key <file>", "a regulator public key the person lets their real name be escrowed to (repeatable)", collect, [])
        .option("--verifier <url>", "a verifier service (OpenID Provider) the wallet may send proofs to (repeatable)", collect, [])
        .option("--port <port>", "port to listen on", integerOption("--port"), 8300)
        .option("--host <host>", "address to listen on", "127.0.0.1")
        .option("--static-out <dir>", "write the wallet as static files to this folder instead of serving it"),
    async (_, options, output) => {
      const settings = walletSettings(options);
      if (options.staticOut !== undefined) {
        await writeStaticWallet(settings, options.staticOut);
        return { data: { staticOut: options.staticOut }, lines: [`wallet written to ${options.staticOut} (serve the folder over HTTPS; wallet-config.json holds its settings)`] };
      }
      const server = await startWalletServer(settings, { host: options.host, port: options.port });
      closeOnSignals(server.close);
      output.progress(`trusting registrar ${settings.registrarKey} at ${settings.registrarUrl}; verifiers ${settings.trustedVerifiers.join(", ")}`);
      return { data: { url: server.url }, lines: [`wallet at ${server.url}`] };
    },
  );
}
