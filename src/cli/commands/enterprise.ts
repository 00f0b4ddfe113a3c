import type { Command } from "commander";
import { z } from "zod";
import type { BusinessProofResult } from "../../business/business-prover.js";
import { mandateTermsOf, parseMandateCredential } from "../../business/mandate-credential.js";
import { pairwiseDid, verifierDid } from "../../did/did-uri.js";
import { RealDidError } from "../../errors.js";
import { Ed25519PublicKey } from "../../formats/fields.js";
import { parseDocument } from "../../formats/schema.js";
import { OWNER_ONLY, readJson, writeAtomically } from "../../files.js";
import { parseChallenge } from "../../policy/policy.js";
import { proofDocument } from "../../proof/proof-document.js";
import { businessProofRequestFrom, type RequestDocument } from "../../proof/request-document.js";
import { parsePathFile } from "../../registry/path-file.js";
import { refreshPaths } from "../../registrar/path-client.js";
import { trustedRegulatorKey } from "../../regulator/key-files.js";
import { GRANT_FORMAT, parseMandateGrant, parseMandateRevocation, REVOCATION_FORMAT, type RepresentativeAct, representativeRequest } from "../../business/mandate-grant.js";
import { parseTask, type Task, TASK_NAMES } from "../../business/mandate.js";
import { expectOk, requestJson } from "../../http-client.js";
import type { EnterpriseStatus } from "../../registrar/enterprise-status.js";
import { collect, commandBusinessKeys, defineCommand, integerOption } from "../command-kit.js";
import { dataOption, keyOptions, type RegistrarOptions, withRegistrar } from "./registrar.js";
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
  const mandate = parseMandateCredential(readJson(options.mandate, "mandate"), `mandate ${options.mandate}`, identity.commitment);
  if (mandate.registrarKey !== registrarKey) throw new RealDidError("mandate_mismatch", "the mandate and your credential come from different registrars");
  let paths;
  if (options.registrar !== undefined) {
    // Two buckets fetched together: the registrar, which knows who holds which mandate, can narrow the pair down (see docs/business-identity.md).
    output.progress(`refreshing both Merkle paths from ${options.registrar} (by bucket: the registrar learns the two buckets, not the leaves)`);
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

/** A legal representative's act at the registrar: proven with their own mandate, posted, answered. */
async function actAsRepresentative(kind: "grant" | "revocation", act: RepresentativeAct, options: AgentOptions, output: CommandOutput): Promise<unknown> {
  const [regulatorKey] = options.regulatorKey.map((file) => trustedRegulatorKey(readJson(file, "regulator key"), `regulator key ${file}`));
  const { enterprise, ...material } = await agentMaterial(options, output);
  if (material.mandate.terms.role !== "legal_representative") throw new RealDidError("role_not_accepted", `your mandate for ${enterprise.name} is as ${material.mandate.terms.role.replace("_", " ")}: only the legal representative grants and revokes mandates`);
  const artifacts = commandBusinessKeys(options, output);
  const request = representativeRequest(act, regulatorKey, artifacts.keyId);
  output.progress(`proving that you are the legal representative of ${enterprise.name} (${enterprise.creditCode}) for this ${kind}`);
  const [{ Prover }, { proveBusiness }] = await Promise.all([import("../../proof/prover.js"), import("../../business/business-prover.js")]);
  const proof = proofDocument(await proveBusiness(await Prover.create(artifacts), { ...material, request }), request.scope);
  const path = kind === "grant" ? "/v1/mandates" : "/v1/mandates/revocations";
  return expectOk(await requestJson(`${options.registrar!.replace(/\/$/, "")}${path}`, { method: "POST", body: { [kind]: act, proof }, what: "the registrar" }), `the registrar's answer to the ${kind}`);
}

/** The representative's own mandate credential, as the registrar named it (its key, its enterprise). */
const representativeMandate = (options: AgentOptions) => parseMandateCredential(readJson(options.mandate, "mandate"), `mandate ${options.mandate}`);

const taskList = (text: string): Task[] => text.split(",").map((task) => parseTask(task.trim()));

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

  defineCommand<RegistrarOptions & { creditCode: string; name: string; representativeId: string; out: string }>(
    enterprise,
    {
      name: "enroll",
      summary: "registrar: enroll an enterprise (credit code checked) and its legal representative's mandate",
      example: "realdid enterprise enroll --data ./registrar --passphrase-env REGISTRAR_PASSPHRASE --credit-code 91440300MA5DC1234X --name 'Acme Trading Co., Ltd.' --representative-id 110105199003140011 --out rep.mandate.json",
    },
    (c) =>
      keyOptions(dataOption(c))
        .requiredOption("--credit-code <code>", "the enterprise's 18-character unified social credit code (GB 32100)")
        .requiredOption("--name <name>", "its registered name")
        .requiredOption("--representative-id <national-id>", "its legal representative's national ID number (enrolled as a person)")
        .requiredOption("--out <file>", "where to write the legal representative's mandate credential"),
    async (_, options, output) =>
      withRegistrar(options, output, async (registrar) => {
        const { enterprise: record, representativeMandate: mandate } = await registrar.enrollEnterprise({ creditCode: options.creditCode, name: options.name, legalRepresentativeNationalId: options.representativeId });
        writeAtomically(options.out, JSON.stringify(mandate, null, 2) + "\n", { mode: OWNER_ONLY });
        return {
          data: { creditCode: record.creditCode, leafIndex: record.leafIndex, representativeMandate: { index: mandate.index, file: options.out } },
          lines: [`enrolled ${record.name} (${record.creditCode}) at leaf ${record.leafIndex}`, `the legal representative's mandate (leaf ${mandate.index}) written to ${options.out}: hand it to them with their credential`],
        };
      }),
  );

  defineCommand<RegistrarOptions & { creditCode: string; status: string; out?: string }>(
    enterprise,
    {
      name: "status",
      summary: "registrar: suspend, strike off or reinstate an enterprise (leaving active revokes all its mandates at once)",
      example: "realdid enterprise status --data ./registrar --passphrase-env REGISTRAR_PASSPHRASE --credit-code 91440300MA5DC1234X --status suspended",
    },
    (c) =>
      keyOptions(dataOption(c))
        .requiredOption("--credit-code <code>", "the enterprise's credit code")
        .requiredOption("--status <status>", "active, suspended or struck_off")
        .option("--out <file>", "on reinstatement: where to write the legal representative's new mandate"),
    async (_, options, output) =>
      withRegistrar(options, output, async (registrar) => {
        const { entry, representativeMandate: mandate } = await registrar.setEnterpriseStatus(options.creditCode, options.status as EnterpriseStatus);
        if (mandate && options.out !== undefined) writeAtomically(options.out, JSON.stringify(mandate, null, 2) + "\n", { mode: OWNER_ONLY });
        return {
          data: { creditCode: options.creditCode, status: options.status, ledgerSeq: entry.seq, ...(mandate && { representativeMandate: { index: mandate.index, file: options.out ?? null } }) },
          lines: [`${options.creditCode} is now ${options.status} (ledger entry ${entry.seq})`, ...(mandate ? [options.out ? `the legal representative's new mandate written to ${options.out}` : "the legal representative has a new mandate: give --out to write it"] : [])],
        };
      }),
  );

  defineCommand<RegistrarOptions & { creditCode: string; representativeId: string; out: string }>(
    enterprise,
    {
      name: "representative",
      summary: "registrar: record a new legal representative (the old one's mandate is revoked at once; other mandates stay)",
      example: "realdid enterprise representative --data ./registrar --passphrase-env REGISTRAR_PASSPHRASE --credit-code 91440300MA5DC1234X --representative-id 44030519851130004X --out new-rep.mandate.json",
    },
    (c) =>
      keyOptions(dataOption(c))
        .requiredOption("--credit-code <code>", "the enterprise's credit code")
        .requiredOption("--representative-id <national-id>", "the new legal representative's national ID number (enrolled as a person)")
        .requiredOption("--out <file>", "where to write the new legal representative's mandate credential"),
    async (_, options, output) =>
      withRegistrar(options, output, async (registrar) => {
        const mandate = await registrar.changeRepresentative(options.creditCode, options.representativeId);
        writeAtomically(options.out, JSON.stringify(mandate, null, 2) + "\n", { mode: OWNER_ONLY });
        return {
          data: { creditCode: options.creditCode, representativeMandate: { index: mandate.index, file: options.out }, ledgerSeq: registrar.ledger.head!.seq },
          lines: [`${mandate.enterprise.name} (${options.creditCode}) has a new legal representative: their mandate (leaf ${mandate.index}) written to ${options.out}; the previous one's is revoked`],
        };
      }),
  );

  const mandate = enterprise.command("mandate").description("mandates: who may act for an enterprise, in which role, for which tasks, until when");

  defineCommand<AgentOptions & { agentId: string; role: string; tasks: string; from?: string; until: string; out: string }>(
    mandate,
    {
      name: "grant",
      summary: "legal representative: grant a person a mandate, proving at the registrar that you represent the enterprise",
      example: "realdid enterprise mandate grant --registrar https://registrar.example --identity rep.identity.json --credential rep.credential.json --mandate rep.mandate.json --regulator-key regulator-public.json --agent-id 110105199512010023 --role agent --tasks tax_filing,invoicing --until 2027-06-30 --out agent.mandate.json",
    },
    (c) =>
      agentOptions(c)
        .requiredOption("--agent-id <national-id>", "the national ID number of the person you authorise (enrolled at the registrar)")
        .requiredOption("--role <role>", "agent or license_manager")
        .requiredOption("--tasks <list>", `comma-separated tasks: ${TASK_NAMES.join(", ")}`)
        .option("--from <date>", "first valid day (YYYY-MM-DD, default today)")
        .requiredOption("--until <date>", "last valid day (YYYY-MM-DD)")
        .requiredOption("--out <file>", "where to write the new mandate credential (hand it to the person)"),
    async (_, options, output) => {
      if (options.registrar === undefined) throw new RealDidError("invalid_argument", "a grant is made at the registrar's server: give --registrar <url>");
      const own = representativeMandate(options);
      const now = new Date();
      const grant = parseMandateGrant(
        { format: GRANT_FORMAT, registrarKey: own.registrarKey, enterpriseCode: own.enterprise.creditCode, agentNationalId: options.agentId, role: options.role, tasks: taskList(options.tasks), validFrom: options.from ?? now.toISOString().slice(0, 10), validUntil: options.until, requestedAt: now.toISOString() },
        "the grant",
      );
      const credential = parseMandateCredential(await actAsRepresentative("grant", grant, options, output), "the registrar's mandate credential");
      const asked = { registrarKey: own.registrarKey, creditCode: grant.enterpriseCode, role: grant.role, tasks: grant.tasks, validFrom: grant.validFrom, validUntil: grant.validUntil };
      const given = { registrarKey: credential.registrarKey, creditCode: credential.enterprise.creditCode, role: credential.role, tasks: credential.tasks, validFrom: credential.validFrom, validUntil: credential.validUntil };
      if (JSON.stringify(asked) !== JSON.stringify(given)) throw new RealDidError("remote_refused", "the registrar answered with a mandate other than the one granted: not written");
      writeAtomically(options.out, JSON.stringify(credential, null, 2) + "\n", { mode: OWNER_ONLY });
      return {
        data: { index: credential.index, role: credential.role, tasks: credential.tasks, validFrom: credential.validFrom, validUntil: credential.validUntil, file: options.out },
        lines: [`mandate granted for ${own.enterprise.name}: ${credential.role.replace("_", " ")} for ${[credential.tasks].flat().join(", ")} from ${credential.validFrom} to ${credential.validUntil} (leaf ${credential.index})`, `written to ${options.out}: hand it to the person`],
      };
    },
  );

  defineCommand<AgentOptions & RegistrarOptions & { index: number }>(
    mandate,
    {
      name: "revoke",
      summary: "revoke a mandate at once: the legal representative at the registrar's server (proving it), or the registrar's operator on its store",
      example: "realdid enterprise mandate revoke --index 42 --registrar https://registrar.example --identity rep.identity.json --credential rep.credential.json --mandate rep.mandate.json --regulator-key regulator-public.json",
    },
    (c) =>
      keyOptions(
        c
          .requiredOption("--index <n>", "the mandate's leaf index (in its credential)", integerOption("--index"))
          .option("--data <dir>", "operator: the registrar's data folder (instead of --registrar)")
          .option("--database <url>", "operator: the registrar's PostgreSQL database (default: $REALDID_REGISTRAR_DATABASE, else SQLite in the data folder)")
          .option("--registrar <url>", "legal representative: the registrar's server")
          .option("--identity <file>", "legal representative: your identity file")
          .option("--credential <file>", "legal representative: your credential")
          .option("--mandate <file>", "legal representative: your own mandate")
          .option("--regulator-key <file>", "legal representative: the regulator's published key", collect)
          .option("--path <file>", "legal representative: your Merkle path file (with --mandate-path)")
          .option("--mandate-path <file>", "legal representative: your mandate's Merkle path file"),
      ),
    async (_, options, output) => {
      if ((options.data === undefined) === (options.registrar === undefined)) throw new RealDidError("invalid_argument", "give --data (the registrar's operator) or --registrar (the legal representative), not both");
      if (options.data !== undefined) {
        return withRegistrar(options, output, async (registrar) => {
          const entry = await registrar.revokeMandate(options.index);
          return { data: { revoked: options.index, ledgerSeq: entry.seq }, lines: [`mandate ${options.index} revoked (ledger entry ${entry.seq})`] };
        });
      }
      for (const required of ["identity", "credential", "mandate", "regulatorKey"] as const) {
        if (options[required] === undefined) throw new RealDidError("invalid_argument", `the legal representative revokes with --${required.replace("regulatorKey", "regulator-key")} too`);
      }
      const own = representativeMandate(options);
      const revocation = parseMandateRevocation({ format: REVOCATION_FORMAT, registrarKey: own.registrarKey, enterpriseCode: own.enterprise.creditCode, mandateIndex: options.index, requestedAt: new Date().toISOString() }, "the revocation");
      const answer = (await actAsRepresentative("revocation", revocation, options, output)) as { ledgerEntry?: { seq?: number } };
      return { data: { revoked: options.index, ledgerSeq: answer.ledgerEntry?.seq ?? null }, lines: [`mandate ${options.index} of ${own.enterprise.name} revoked at the registrar (ledger entry ${answer.ledgerEntry?.seq})`] };
    },
  );
}
