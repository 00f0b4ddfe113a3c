import type { Command } from "commander";
import { Identity } from "../../identity/identity.js";
import { scopeToField } from "../../proof/request.js";
import { defineCommand } from "../command-kit.js";
import { passphraseFromEnv, readText, writeAtomically } from "../../files.js";

interface IdentityOptions {
  out: string;
  passphraseEnv?: string;
  scope?: string;
}

/** Loads an identity file, asking for the passphrase variable when it is sealed. */
export const loadIdentity = (path: string, passphraseEnv: string | undefined): Identity =>
  Identity.import(readText(path, "identity"), passphraseFromEnv(passphraseEnv));

export function identityCommands(program: Command): void {
  const identity = program.command("identity").description("the citizen's identity secret (kept on their machine)");

  defineCommand<IdentityOptions>(
    identity,
    { name: "new", summary: "create an identity secret and its commitment", example: "REALDID_PASSPHRASE=… realdid identity new --out me.identity.json --passphrase-env REALDID_PASSPHRASE" },
    (c) => c.requiredOption("--out <file>", "where to write the identity file (never overwritten)").option("--passphrase-env <variable>", "encrypt the secret with the passphrase in this environment variable"),
    async (_, options, output) => {
      const passphrase = passphraseFromEnv(options.passphraseEnv);
      const identity = Identity.random();
      writeAtomically(options.out, identity.export(passphrase), { overwrite: false, mode: 0o600 });
      if (passphrase === undefined) output.warn(`${options.out} holds the secret unencrypted; use --passphrase-env to encrypt it`);
      return {
        data: { file: options.out, commitment: identity.commitment.toString(), encrypted: passphrase !== undefined },
        lines: [`identity written to ${options.out}`, `commitment: ${identity.commitment}`, "give the commitment (not the file) to the registrar to enroll"],
      };
    },
  );

  defineCommand<IdentityOptions>(
    identity,
    { name: "show", summary: "show an identity's commitment, and its DID address at a scope", example: "realdid identity show me.identity.json --scope shop.example" },
    (c) => c.argument("<file>", "identity file").option("--passphrase-env <variable>", "passphrase variable for an encrypted file").option("--scope <scope>", "also show the DID address at this scope"),
    async ([file], options) => {
      const identity = loadIdentity(file, options.passphraseEnv);
      const didAddress = options.scope === undefined ? undefined : identity.didAddress(scopeToField(options.scope)).toString();
      return {
        data: { commitment: identity.commitment.toString(), ...(didAddress ? { scope: options.scope, didAddress } : {}) },
        lines: [`commitment: ${identity.commitment}`, ...(didAddress ? [`DID address at ${options.scope}: ${didAddress}`] : [])],
      };
    },
  );
}
