import type { Command } from "commander";
import { Resolver } from "did-resolver";
import { getResolver } from "../../did/resolver.js";
import { RealDidError } from "../../errors.js";
import { defineCommand } from "../command-kit.js";

export function didCommands(program: Command): void {
  const did = program.command("did").description("did:realdid identifiers");

  defineCommand(
    did,
    { name: "resolve", summary: "resolve a did:realdid (pairwise, registrar or verifier) to its DID document, offline", example: "realdid did resolve did:realdid:registrar:z6Mk…" },
    (c) => c.argument("<did>", "the DID"),
    async ([uri]) => {
      const { didDocument, didResolutionMetadata } = await new Resolver(getResolver()).resolve(uri);
      if (didDocument === null) throw new RealDidError("invalid_did", `${JSON.stringify(uri.slice(0, 100))} does not resolve (${didResolutionMetadata.error}${didResolutionMetadata.message ? `: ${didResolutionMetadata.message}` : ""})`);
      return { data: didDocument, lines: [JSON.stringify(didDocument, null, 2)] };
    },
  );
}
