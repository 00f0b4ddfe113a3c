import type { Command } from "commander";
import { z } from "zod";
import type { BusinessProofResult } from "../../business/business-prover.js";
import { mandateTermsOf, parseMandateCredential } from "../../business/mandate-credential.js";
import { pairwiseDid, verifierDid } from "../../did/did-uri.js";
import { RealDidError } from "../../errors.js";
import { Ed25519PublicKey } from "../../formats/fields.js";
import { parseDocument } from "../../formats/schema.js";
import { readJson, writeAtomically } from "../../files.js";
import { parseChallenge } from "../../policy/policy.js";
import { proofDocument } from "../../proof/proof-document.js";
import { businessProofRequestFrom, type RequestDocument } from "../../proof/request-document.js";
import { parsePathFile } from "../../registry/path-file.js";
import { refreshPaths } from "../../registrar/path-client.js";
import { trustedRegulatorKey } from "../../regulator/key-files.js";
import { commandBusinessKeys, defineCommand } from "../command-kit.js";
import type { CommandOutput } from "../output.js";
import { type CitizenOptions, citizenFiles, citizenOptions, loginThroughService, readRequest } from "./proof.js";

interface AgentOptions extends CitizenOptions {
  mandate: string;
  mandatePath?: string;
  businessKeys?: string;
}

const agentOptions = (c: Command) =>
  citizenOptions(c)
    .requiredOption("--mandate <file>", "your mandate from the registrar (realdid-mandate/1)")
    .option("--mandate-path <file>", "the mandate's Merkle path file, with --path (same root as --path)");

/** Identity, credential, mandate and both Merkle paths under one root (refreshed by bucket, or from two path files). */
async function agentMaterial(options: AgentOptions, output: CommandOutput) {
  const { identity, credential, leaf, registrarKey } = citizenFiles(options, output);
  const mandate = parseMandateCredential(readJson(options.mandate, "mandate"), `mandate ${options.mandate}`);
  if (BigInt(mandate.agentCommitment) !== identity.commitment) throw new RealDidError("mandate_mismatch", "this mandate was granted to another person (its agent commitment is not your identity's)");
  if (mandate.registrarKey !== registrarKey) throw new RealDidError("mandate_mismatch", "the mandate and your credential come from different registrars");
  let paths;
  if (options.registrar !== undefined) {
    output.progress(`refreshing both Merkle paths from ${options.registrar} (by bucket: the registrar does not learn your leaves)`);
    ({ paths } = await refreshPaths(options.registrar, [
      { index: credential.index, leaf, registrarKey },
      { index: mandate.index, leaf: BigInt(mandate.leaf), registrarKey },
    ]));
  } else {
    if (options.mandatePath === undefined) throw new RealDidError("invalid_argument", "with --path, give the mandate's path file too (--mandate-path)");
    paths = [parsePathFile(readJson(options.path!, "path")), parsePathFile(readJson(options.mandatePath, "mandate path"))];
  }
  return { identity, credential, merkleProof: paths[0], mandate: { terms: mandateTermsOf(mandate), merkleProof: paths[1] }, enterprise: mandate.enterprise };
}

/** Proves, as a person acting for an enterprise, for a business request document. */
async function proveAsAgent(document: RequestDocument, options: AgentOptions, output: CommandOutput, challenge?: bigint): Promise<BusinessProofResult> {
  const regulatorKeys = options.regulatorKey.map((file) => trustedRegulatorKey(readJson(file, "regulator key"), `regulator key ${file}`));
  const request = businessProofRequestFrom(document, { regulatorKeys, challenge });
  const { enterprise, ...material } = await agentMaterial(options, output);
  const artifacts = commandBusinessKeys(options, output);
  output.progress(`proving that you act for ${enterprise.name} (${request.revealEnterprise ? `credit code ${enterprise.creditCode} shown` : "the enterprise stays hidden"}; about 2 s)`);
  const [{ Prover }, { proveBusiness }] = await Promise.all([import("../../proof/prover.js"), import("../../business/business-prover.js")]);
  return proveBusiness(await Prover.create(artifacts), { ...material, request });
}

/** What a business login's verdict must hold (the rest is passed on as it is). */
const BusinessVerdictSchema = z.looseObject({ valid: z.literal(true), did: z.string(), creditCode: z.string().nullable(), receipt: z.looseObject({ verifierKey: Ed25519PublicKey }) });

export function enterpriseCommands(program: Command): void {
  const enterprise = program.command("enterprise").description("business identity: enterprises, and the people who act for them under a mandate");

  defineCommand<AgentOptions & { request: string; challenge?: string; out: string }>(
    enterprise,
    {
      name: "prove",
      summary: "prove to a site that you act for an enterprise (role, task, mandate in force), keeping yourself anonymous",
      example: "realdid enterprise prove --identity me.identity.json --credential me.credential.json --mandate acme.mandate.json --registrar https://registrar.example --regulator-key regulator-public.json --request https://verifier.example/v1/sites/tax --challenge 8731… --out proof.json",
    },
    (c) =>
      agentOptions(c)
        .requiredOption("--request <file-or-url>", "the site's business request document")
        .option("--challenge <value>", "the site's challenge, when the request carries none")
        .requiredOption("--out <file>", "where to write the proof"),
    async (_, options, output) => {
      const document = await readRequest(options.request);
      const result = await proveAsAgent(document, options, output, options.challenge === undefined ? undefined : parseChallenge(options.challenge));
      writeAtomically(options.out, JSON.stringify(proofDocument(result, document.scope), null, 2) + "\n");
      const did = pairwiseDid(result.signals.pseudonym);
      return {
        data: { proof: options.out, keyId: result.keyId, scope: document.scope, pseudonym: result.signals.pseudonym.toString(), did, root: result.signals.root.toString() },
        lines: [`business proof written to ${options.out}`, `your DID at ${document.scope} in this role for this enterprise: ${did}`],
      };
    },
  );

  defineCommand<AgentOptions & { site: string; action?: string; apiKeyEnv?: string }>(
    enterprise,
    {
      name: "login",
      summary: "log in to a site for an enterprise through its verifier service: fetch a challenge, refresh both paths, prove, submit",
      example: "realdid enterprise login https://verifier.example --site tax --identity me.identity.json --credential me.credential.json --mandate acme.mandate.json --registrar https://registrar.example --regulator-key regulator-public.json",
    },
    (c) =>
      agentOptions(c.argument("<service>", "the verifier service's URL"))
        .requiredOption("--site <name>", "the site's name at the service")
        .option("--action <name>", "a one-per-person action of the site")
        .option("--api-key-env <variable>", "an API key for the service, from this environment variable"),
    async ([service], options, output) => {
      const answer = await loginThroughService(service, options, output, async (document) => proofDocument(await proveAsAgent(document, options, output), document.scope));
      if (!("verdict" in answer)) return answer;
      const verdict = parseDocument(BusinessVerdictSchema, answer.verdict, `the answer of ${service}/v1/verify`, "io_error");
      return {
        data: verdict,
        lines: [
          `logged in to ${options.site}${options.action ? ` (${options.action})` : ""} as ${verdict.did}`,
          verdict.creditCode === null ? "the enterprise stayed hidden from the site" : `acting for the enterprise ${verdict.creditCode}`,
          `the site keeps a receipt signed by the verifier service (${verifierDid(verdict.receipt.verifierKey)})`,
        ],
      };
    },
  );
}
