import type { Command } from "commander";
import { z } from "zod";
import { todayIso } from "../../attributes/calendar.js";
import type { Predicates } from "../../attributes/predicates.js";
import { type EscrowCiphertext, escrowJson } from "../../crypto/escrow.js";
import { pairwiseDid, verifierDid } from "../../did/did-uri.js";
import { RealDidError } from "../../errors.js";
import { Ed25519PublicKey, FieldDecimal } from "../../formats/fields.js";
import { parseDocument } from "../../formats/schema.js";
import { expectOk, requestJson } from "../../http-client.js";
import { describePredicates, parseChallenge, type Policy, parsePolicy, policyRequest } from "../../policy/policy.js";
import type { ProofInputs } from "../../proof/circuit-input.js";
import { releaseCurve } from "../../proof/curve.js";
import { parseProofDocument, type ProofDocument, proofDocument } from "../../proof/proof-document.js";
import type { ProofResult } from "../../proof/prover.js";
import { parsePublicSignals } from "../../proof/public-signals.js";
import { challengeForMessage } from "../../proof/request.js";
import { describeRequest, parseRequestDocument, proofRequestFrom, type RequestDocument, requestDocument } from "../../proof/request-document.js";
import { trustedRegulatorKey } from "../../regulator/key-files.js";
import { parseCredentialFile } from "../../registry/credential.js";
import { parsePathFile } from "../../registry/path-file.js";
import { refreshPath } from "../../registrar/path-client.js";
import { collect, commandBusinessKeys, commandKeys, defineCommand } from "../command-kit.js";
import { businessTerms, describeBusiness } from "../../business/business-policy.js";
import type { BusinessVerificationResult } from "../../business/business-verifier.js";
import { passphraseFromEnv, readJson, readText, writeAtomically } from "../../files.js";
import { loadIdentity } from "./identity.js";
import { loadLedger } from "./ledger.js";
import { closeOnSignals } from "./serve.js";
import type { CommandOutput, CommandResult } from "../output.js";
import type { RootLedger } from "../../ledger/root-ledger.js";

interface KeysOption {
  keys?: string;
  businessKeys?: string;
}

export interface CitizenOptions extends KeysOption {
  regulatorKey: string[];
  identity: string;
  credential: string;
  path?: string;
  registrar?: string;
  passphraseEnv?: string;
  daemon?: string;
}

interface ProveOptions extends CitizenOptions {
  request: string;
  challenge?: string;
  out: string;
}

interface LoginOptions extends CitizenOptions {
  site: string;
  action?: string;
  apiKeyEnv?: string;
}

const isUrl = (text: string) => /^https?:\/\//.test(text);

/** What login reads of a verifier service's answer (the rest it passes on as it is). */
const VerdictSchema = z.looseObject({ valid: z.literal(true), didAddress: FieldDecimal, predicates: z.array(z.string()), receipt: z.looseObject({ verifierKey: Ed25519PublicKey }) });

/** A request document from a file or a URL (a verifier's /v1/sites/:site or /v1/challenges answer). */
export async function readRequest(source: string): Promise<RequestDocument> {
  const value = isUrl(source) ? expectOk(await requestJson(source, { what: "the site's request" }), "the site's request") : readJson(source, "request");
  return parseRequestDocument(value, `request ${source}`);
}

/** The citizen's identity and credential, checked to belong together. */
export function citizenFiles(options: Pick<CitizenOptions, "identity" | "credential" | "passphraseEnv" | "path" | "registrar">, output: CommandOutput) {
  const identity = loadIdentity(options.identity, options.passphraseEnv, output);
  const { credential, commitment, leaf, registrarKey } = parseCredentialFile(readText(options.credential, "credential"));
  if (commitment !== identity.commitment) throw new RealDidError("credential_mismatch", "this identity does not match the credential (the credential was issued to another commitment)");
  if ((options.path === undefined) === (options.registrar === undefined)) throw new RealDidError("invalid_argument", "give exactly one of --path (a path file) or --registrar (the registrar's URL, to refresh the path)");
  return { identity, credential, leaf, registrarKey };
}

/** Identity, credential and a Merkle path (from a file, or refreshed from the registrar without naming the leaf). */
async function citizenMaterial(options: CitizenOptions, output: CommandOutput) {
  const { identity, credential, leaf, registrarKey } = citizenFiles(options, output);
  let merkleProof;
  if (options.registrar !== undefined) {
    output.progress(`refreshing the Merkle path from ${options.registrar} (by bucket: the registrar does not learn your leaf)`);
    merkleProof = (await refreshPath(options.registrar, { index: credential.index, leaf, registrarKey })).path;
  } else merkleProof = parsePathFile(readJson(options.path!, "path"));
  return { identity, credential, merkleProof };
}

async function proveHere(inputs: ProofInputs, options: KeysOption, output: CommandOutput): Promise<ProofResult> {
  const artifacts = commandKeys(options, output);
  output.progress("proving (about a second)");
  const { Prover } = await import("../../proof/prover.js"); // snarkjs loads in ~0.4 s: only for commands that prove
  return (await Prover.create(artifacts)).prove(inputs);
}

async function proveThroughDaemon(socket: string, inputs: ProofInputs, output: CommandOutput): Promise<ProofResult> {
  output.progress(`proving through the daemon at ${socket}`);
  const { circuitInput } = await import("../../proof/circuit-input.js");
  const { proveWithDaemon } = await import("../../proof/prover-daemon.js");
  const made = await proveWithDaemon(socket, circuitInput(inputs), inputs.request.keyId);
  return { ...made, signals: parsePublicSignals(made.publicSignals) };
}

/** Proves for a request document with the citizen's material (the prover refuses a request for other keys). */
export async function proveForRequest(document: RequestDocument, options: CitizenOptions, output: CommandOutput, challenge?: bigint): Promise<ProofResult> {
  const regulatorKeys = options.regulatorKey.map((file) => trustedRegulatorKey(readJson(file, "regulator key"), `regulator key ${file}`));
  const request = proofRequestFrom(document, { regulatorKeys, challenge });
  const material = await citizenMaterial(options, output);
  const inputs = { ...material, request };
  return options.daemon === undefined ? proveHere(inputs, options, output) : proveThroughDaemon(options.daemon, inputs, output);
}

export const citizenOptions = (c: Command) =>
  c
    .requiredOption("--regulator-key <file>", "the regulator's published key (regulator-public.json) you let your real name be escrowed to; repeat for several", collect)
    .requiredOption("--identity <file>", "your identity file")
    .requiredOption("--credential <file>", "your credential from the registrar")
    .option("--path <file>", "your Merkle path file (realdid registrar path / path refresh)")
    .option("--registrar <url>", "refresh the Merkle path from the registrar's server instead (it learns only a bucket of 4,096 leaves)")
    .option("--passphrase-env <variable>", "passphrase variable for an encrypted identity file")
    .option("--daemon <socket>", "prove through a running `realdid prover-daemon` (no key loading here)");

/** What verify and verify-presentation answer for a refused proof: one line, exit status 1. */
export const invalidVerdict = (outcome: { code: string; message: string }): CommandResult => ({
  data: { valid: false, error: { code: outcome.code, message: outcome.message } },
  lines: [`INVALID (${outcome.code}): ${outcome.message}`],
  exitCode: 1,
});

/** What verify and verify-presentation answer for an accepted one (a presentation adds its holder DID). */
export function validVerdict(
  what: "proof" | "presentation",
  outcome: { didAddress: bigint; root: bigint; escrow: EscrowCiphertext; holder?: string },
  verifier: { keyId: string; scope: string; predicates: Predicates; ledger: RootLedger },
): CommandResult {
  const predicates = describePredicates(verifier.predicates);
  const { entry } = verifier.ledger.lookup(outcome.root)!;
  const escrow = escrowJson(outcome.escrow);
  return {
    data: { valid: true, keyId: verifier.keyId, scope: verifier.scope, ...(outcome.holder !== undefined && { holder: outcome.holder }), didAddress: outcome.didAddress.toString(), did: pairwiseDid(outcome.didAddress), predicates, root: outcome.root.toString(), ledgerEntry: entry, escrow },
    lines: [
      `VALID ${what} for ${verifier.scope}`,
      `DID: ${pairwiseDid(outcome.didAddress)}`,
      `predicates held: ${predicates.length ? predicates.join(", ") : "none asked"}`,
      `root: ledger entry ${entry.seq} (${entry.time})`,
      `escrow ciphertext: R = (${escrow.ephemeral.x}, ${escrow.ephemeral.y}), c = ${escrow.cipher}`,
    ],
  };
}

/** What verify answers for an accepted business proof: the person-in-role's DID, the enterprise if revealed, the terms held. */
function businessVerdict(outcome: Extract<BusinessVerificationResult, { valid: true }>, verifier: { keyId: string; policy: Policy; ledger: RootLedger }): CommandResult {
  const { entry } = verifier.ledger.lookup(outcome.root)!;
  const held = [...describePredicates(verifier.policy.predicates), ...describeBusiness(verifier.policy.business!)];
  const did = pairwiseDid(outcome.pseudonym);
  return {
    data: { valid: true, keyId: verifier.keyId, scope: verifier.policy.scope, pseudonym: outcome.pseudonym.toString(), did, creditCode: outcome.creditCode, held, root: outcome.root.toString(), ledgerEntry: entry, escrow: escrowJson(outcome.escrow), mandateEscrow: outcome.mandateCipher.toString() },
    lines: [`VALID business proof for ${verifier.policy.scope}`, `DID of the person in this role: ${did}`, outcome.creditCode === null ? "the enterprise stays hidden" : `enterprise: ${outcome.creditCode}`, `held: ${held.join(", ")}`, `root: ledger entry ${entry.seq} (${entry.time})`],
  };
}

/**
 * A login through a verifier service: fetch a challenge for the site (and action), prove
 * for it with `prove`, submit. Returns the service's verdict, or a refusal as a command result.
 */
export async function loginThroughService(
  service: string,
  options: { site: string; action?: string; apiKeyEnv?: string },
  output: CommandOutput,
  prove: (document: RequestDocument) => Promise<ProofDocument>,
): Promise<{ verdict: unknown } | CommandResult> {
  const base = service.replace(/\/$/, "");
  const apiKey = options.apiKeyEnv === undefined ? undefined : passphraseFromEnv(options.apiKeyEnv);
  const headers: Record<string, string> = apiKey === undefined ? {} : { authorization: `Bearer ${apiKey}` };
  const issued = expectOk(await requestJson(`${base}/v1/challenges`, { method: "POST", body: { site: options.site, ...(options.action !== undefined && { action: options.action }) }, headers, what: "the verifier service" }), "the challenge request");
  const document = parseRequestDocument(issued, `the challenge from ${base}`);
  if (document.site !== options.site || (document.action ?? undefined) !== options.action) {
    throw new RealDidError("invalid_argument", `the service answered a request for site ${JSON.stringify(document.site)}${document.action ? ` (${document.action})` : ""}, not for ${options.site}${options.action ? ` (${options.action})` : ""}`);
  }
  output.progress(`${options.site} (scope ${document.scope}) asks: ${describeRequest(document).join(", ") || "nothing but enrolment"}; your real-name handle is escrowed to the regulator`);
  const proof = await prove(document);
  const answer = await requestJson(`${base}/v1/verify`, { method: "POST", body: { challenge: document.challenge, proof }, headers, what: "the verifier service" });
  if (answer.status !== 200) {
    const error = answer.json?.error ?? { code: "remote_refused", message: `HTTP ${answer.status}` };
    return { data: { valid: false, error }, lines: [`REFUSED (${error.code}): ${error.message}`], exitCode: 1 };
  }
  return { verdict: answer.json };
}

export function proofCommands(program: Command): void {
  defineCommand<KeysOption & { policy: string; challenge?: string; message?: string; out: string }>(
    program,
    { name: "request", summary: "write a site's request document (what a citizen proves) from its policy", example: "realdid request --policy shop.policy.json --challenge 8731… --out shop.request.json" },
    (c) =>
      c
        .requiredOption("--policy <file>", "the site's policy")
        .option("--challenge <value>", "the challenge this site issues (a field element); without it, the prover gives one")
        .option("--message <text>", "bind a message instead: the challenge is its hash")
        .requiredOption("--out <file>", "where to write the request"),
    async (_, options, output) => {
      const policy = parsePolicy(readJson(options.policy, "policy"));
      if (options.challenge !== undefined && options.message !== undefined) throw new RealDidError("invalid_argument", "give --challenge or --message, not both");
      const challenge = options.challenge !== undefined ? parseChallenge(options.challenge) : options.message !== undefined ? challengeForMessage(options.message) : undefined;
      const keys = policy.business === undefined ? commandKeys(options, output) : commandBusinessKeys(options, output);
      const document = requestDocument(policy, { keyId: keys.keyId, day: todayIso(), challenge });
      writeAtomically(options.out, JSON.stringify(document, null, 2) + "\n");
      return {
        data: { request: options.out, keyId: document.keyId, challenge: document.challenge ?? null },
        lines: [`request for ${policy.scope} written to ${options.out}${document.challenge === undefined ? " (no challenge: the prover gives the one you issue)" : ` (challenge ${document.challenge})`}`],
      };
    },
  );

  defineCommand<ProveOptions>(
    program,
    {
      name: "prove",
      summary: "prove to a site: enrolled, predicates hold, DID address, challenge, escrowed handle",
      example: "realdid prove --identity me.identity.json --credential me.credential.json --registrar https://registrar.example --request https://verifier.example/v1/sites/shop --challenge 8731… --out proof.json",
    },
    (c) =>
      citizenOptions(c)
        .requiredOption("--request <file-or-url>", "the site's request document (a file, or a verifier's /v1/sites/:site URL)")
        .option("--challenge <value>", "the site's challenge, when the request carries none")
        .requiredOption("--out <file>", "where to write the proof"),
    async (_, options, output) => {
      const document = await readRequest(options.request);
      const result = await proveForRequest(document, options, output, options.challenge === undefined ? undefined : parseChallenge(options.challenge));
      writeAtomically(options.out, JSON.stringify(proofDocument(result, document.scope), null, 2) + "\n");
      return {
        data: { proof: options.out, keyId: result.keyId, scope: document.scope, didAddress: result.signals.didAddress.toString(), did: pairwiseDid(result.signals.didAddress), root: result.signals.root.toString() },
        lines: [`proof written to ${options.out}`, `DID at ${document.scope}: ${pairwiseDid(result.signals.didAddress)}`],
      };
    },
  );

  defineCommand<LoginOptions>(
    program,
    {
      name: "login",
      summary: "log in to a site through its verifier service: fetch a challenge, refresh the path, prove, submit",
      example: "realdid login https://verifier.example --site shop --identity me.identity.json --credential me.credential.json --registrar https://registrar.example",
    },
    (c) =>
      citizenOptions(c.argument("<service>", "the verifier service's URL"))
        .requiredOption("--site <name>", "the site's name at the service")
        .option("--action <name>", "a one-per-person action of the site")
        .option("--api-key-env <variable>", "an API key for the service, from this environment variable"),
    async ([service], options, output) => {
      const answer = await loginThroughService(service, options, output, async (document) => proofDocument(await proveForRequest(document, options, output), document.scope));
      if (!("verdict" in answer)) return answer;
      const verdict = parseDocument(VerdictSchema, answer.verdict, `the answer of ${service}/v1/verify`, "io_error");
      return {
        data: verdict,
        lines: [`logged in to ${options.site}${options.action ? ` (${options.action})` : ""} as ${pairwiseDid(BigInt(verdict.didAddress))}`, `predicates held: ${verdict.predicates.length ? verdict.predicates.join(", ") : "none asked"}`, `the site keeps a receipt signed by the verifier service (${verifierDid(verdict.receipt.verifierKey)})`],
      };
    },
  );

  defineCommand<{ socket: string } & KeysOption>(
    program,
    { name: "prover-daemon", summary: "keep a prover running, so `realdid prove --daemon` is fast", example: "realdid prover-daemon --socket ~/.realdid/prover.sock" },
    (c) => c.requiredOption("--socket <path>", "Unix socket to listen on (made owner-only)"),
    async (_, options, output) => {
      const artifacts = commandKeys(options, output);
      const { Prover } = await import("../../proof/prover.js");
      const { startProverDaemon } = await import("../../proof/prover-daemon.js");
      // A daemon proves many times: it fills its tables of multiples before it listens, so that
      // its first proof is as fast as its later ones.
      const prover = await Prover.create(artifacts, { tables: true });
      const filling = performance.now();
      await prover.tablesFilled();
      const tablesSeconds = ((performance.now() - filling) / 1000).toFixed(1);
      const daemon = await startProverDaemon(options.socket, prover);
      closeOnSignals(async () => {
        await daemon.close();
        await prover.close();
        await releaseCurve();
      });
      return {
        data: { socket: options.socket, keyId: artifacts.keyId, tablesSeconds: Number(tablesSeconds) },
        lines: [`prover daemon listening on ${options.socket} (keys ${artifacts.keyId}; tables of multiples filled in ${tablesSeconds} s)`],
        keepsCurve: true,
      };
    },
  );

  defineCommand<KeysOption & { policy: string; ledger: string; challenge: string }>(
    program,
    { name: "verify", summary: "verify a proof against a site's policy, challenge and the registrar's ledger", example: "realdid verify proof.json --policy shop.policy.json --ledger ledger.jsonl --challenge 8731…" },
    (c) =>
      c
        .argument("<proof>", "proof file")
        .requiredOption("--policy <file>", "the site's policy")
        .requiredOption("--ledger <file>", "the registrar's exported ledger (verified before use)")
        .requiredOption("--challenge <value>", "the challenge this site issued"),
    async ([proofPath], options, output) => {
      const policy = parsePolicy(readJson(options.policy, "policy"));
      const candidate = parseProofDocument(readJson(proofPath, "proof"), `proof file ${proofPath}`);
      const ledger = loadLedger(options.ledger, policy.registrarKey);
      const artifacts = policy.business === undefined ? commandKeys(options, output) : commandBusinessKeys(options, output);
      const today = todayIso();
      const request = { ...policyRequest(policy, parseChallenge(options.challenge), today), keyId: artifacts.keyId, rootStatus: (root: bigint) => ledger.rootStatus(root, Date.now(), policy.rootWindowMs) };
      const { groth16Check } = await import("../../proof/groth16-check.js");
      const check = groth16Check(artifacts.verificationKey);
      if (policy.business !== undefined) {
        const { verifyBusinessProof } = await import("../../business/business-verifier.js");
        const outcome = await verifyBusinessProof(candidate, { ...request, ...businessTerms(policy.business, today) }, check);
        if (!outcome.valid) return invalidVerdict(outcome);
        return businessVerdict(outcome, { keyId: artifacts.keyId, policy, ledger });
      }
      const { verifyProof } = await import("../../proof/verifier.js");
      const outcome = await verifyProof(candidate, request, check);
      if (!outcome.valid) return invalidVerdict(outcome);
      return validVerdict("proof", outcome, { keyId: artifacts.keyId, scope: policy.scope, predicates: policy.predicates, ledger });
    },
  );
}
