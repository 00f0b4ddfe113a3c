import type { Command } from "commander";
import { todayIso } from "../../attributes/calendar.js";
import { loadArtifacts } from "../../artifacts/load.js";
import { RealDidError } from "../../errors.js";
import { describePredicates, parseChallenge, parsePoint, parsePolicy, policyRequest } from "../../policy/policy.js";
import type { ProofInputs } from "../../proof/circuit-input.js";
import { releaseCurve } from "../../proof/curve.js";
import type { ProofResult, RealDidProof } from "../../proof/prover.js";
import { parsePublicSignals } from "../../proof/public-signals.js";
import { parseCredentialFile } from "../../registry/credential.js";
import { parsePathFile } from "../../registry/path-file.js";
import { defineCommand } from "../command-kit.js";
import { readJson, readText, writeAtomically } from "../../files.js";
import { loadIdentity } from "./identity.js";
import { loadLedger } from "./ledger.js";
import { closeOnSignals } from "./serve.js";
import type { CommandOutput } from "../output.js";

const PROOF_FORMAT = "realdid-proof/1";

interface ProveOptions {
  identity: string;
  credential: string;
  path: string;
  policy: string;
  challenge: string;
  regulatorKey?: string;
  passphraseEnv?: string;
  daemon?: string;
  out: string;
}

interface VerifyOptions {
  policy: string;
  ledger: string;
  challenge: string;
}

function parseProofFile(value: unknown): RealDidProof & { scope: string } {
  const file = value as { format?: unknown; scope?: unknown; proof?: unknown; publicSignals?: unknown };
  if (file?.format !== PROOF_FORMAT || typeof file.scope !== "string" || typeof file.proof !== "object") {
    throw new RealDidError("invalid_argument", `the proof file is not a ${PROOF_FORMAT} file`);
  }
  return file as RealDidProof & { scope: string };
}

async function proveHere(inputs: ProofInputs, output: CommandOutput): Promise<ProofResult> {
  const artifacts = await loadArtifacts({ warn: output.warn });
  output.progress("proving (a few seconds)");
  const { Prover } = await import("../../proof/prover.js"); // snarkjs loads in ~0.4 s: only for commands that prove
  return (await Prover.create(artifacts)).prove(inputs);
}

async function proveThroughDaemon(socket: string, inputs: ProofInputs, output: CommandOutput): Promise<ProofResult> {
  output.progress(`proving through the daemon at ${socket}`);
  const { circuitInput } = await import("../../proof/circuit-input.js");
  const { proveWithDaemon } = await import("../../proof/prover-daemon.js");
  const { proof, publicSignals } = await proveWithDaemon(socket, circuitInput(inputs));
  return { proof, publicSignals, signals: parsePublicSignals(publicSignals) };
}

export function proofCommands(program: Command): void {
  defineCommand<ProveOptions>(
    program,
    {
      name: "prove",
      summary: "prove to a site: enrolled, predicates hold, DID address, challenge, escrowed handle",
      example: "realdid prove --identity me.identity.json --credential me.credential.json --path me.path.json --policy shop.policy.json --challenge 8731… --out proof.json",
    },
    (c) =>
      c
        .requiredOption("--identity <file>", "your identity file")
        .requiredOption("--credential <file>", "your credential from the registrar")
        .requiredOption("--path <file>", "your Merkle path (realdid registrar path)")
        .requiredOption("--policy <file>", "the site's policy")
        .requiredOption("--challenge <value>", "the site's challenge (a field element)")
        .option("--regulator-key <file>", "regulator public key file; default: the policy's regulatorKey")
        .option("--passphrase-env <variable>", "passphrase variable for an encrypted identity file")
        .option("--daemon <socket>", "prove through a running `realdid prover-daemon` (no key loading here)")
        .requiredOption("--out <file>", "where to write the proof"),
    async (_, options, output) => {
      const policy = parsePolicy(readJson(options.policy, "policy"));
      const regulatorKey = options.regulatorKey === undefined ? policy.regulatorKey : parsePoint("regulator key", readJson(options.regulatorKey, "regulator key"));
      const identity = loadIdentity(options.identity, options.passphraseEnv);
      const { credential, commitment } = parseCredentialFile(readText(options.credential, "credential"));
      if (commitment !== identity.commitment) throw new RealDidError("credential_mismatch", "this identity does not match the credential (the credential was issued to another commitment)");
      const merkleProof = parsePathFile(readJson(options.path, "path"));
      const request = { ...policyRequest(policy, parseChallenge(options.challenge), todayIso()), regulatorKey };
      const inputs = { identity, credential, merkleProof, request };
      const result = options.daemon === undefined ? await proveHere(inputs, output) : await proveThroughDaemon(options.daemon, inputs, output);
      writeAtomically(options.out, JSON.stringify({ format: PROOF_FORMAT, scope: policy.scope, proof: result.proof, publicSignals: result.publicSignals }, null, 2) + "\n");
      return {
        data: { proof: options.out, scope: policy.scope, didAddress: result.signals.didAddress.toString(), root: result.signals.root.toString() },
        lines: [`proof written to ${options.out}`, `DID address at ${policy.scope}: ${result.signals.didAddress}`],
      };
    },
  );

  defineCommand<{ socket: string }>(
    program,
    { name: "prover-daemon", summary: "keep a prover running, so `realdid prove --daemon` is fast", example: "realdid prover-daemon --socket ~/.realdid/prover.sock" },
    (c) => c.requiredOption("--socket <path>", "Unix socket to listen on (made owner-only)"),
    async (_, options, output) => {
      const artifacts = await loadArtifacts({ warn: output.warn });
      const { Prover } = await import("../../proof/prover.js");
      const { startProverDaemon } = await import("../../proof/prover-daemon.js");
      const daemon = await startProverDaemon(options.socket, await Prover.create(artifacts));
      closeOnSignals(async () => {
        await daemon.close();
        await releaseCurve();
      });
      return { data: { socket: options.socket }, lines: [`prover daemon listening on ${options.socket}`], keepsCurve: true };
    },
  );

  defineCommand<VerifyOptions>(
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
      const candidate = parseProofFile(readJson(proofPath, "proof"));
      const ledger = loadLedger(options.ledger, policy.registrarKey);
      const request = { ...policyRequest(policy, parseChallenge(options.challenge), todayIso()), rootStatus: (root: bigint) => ledger.rootStatus(root, Date.now(), policy.rootWindowMs) };
      const artifacts = await loadArtifacts({ warn: output.warn });
      const { groth16Check, verifyProof } = await import("../../proof/verifier.js");
      const outcome = await verifyProof(candidate, request, groth16Check(artifacts.verificationKey));
      if (!outcome.valid) {
        return { data: { valid: false, error: { code: outcome.code, message: outcome.message } }, lines: [`INVALID (${outcome.code}): ${outcome.message}`], exitCode: 1 };
      }
      const predicates = describePredicates(policy.predicates);
      const { entry } = ledger.lookup(outcome.root)!;
      const escrow = { ephemeral: { x: outcome.escrow.ephemeral.x.toString(), y: outcome.escrow.ephemeral.y.toString() }, cipher: outcome.escrow.cipher.toString() };
      return {
        data: { valid: true, scope: policy.scope, didAddress: outcome.didAddress.toString(), predicates, root: outcome.root.toString(), ledgerEntry: entry, escrow },
        lines: [
          `VALID proof for ${policy.scope}`,
          `DID address: ${outcome.didAddress}`,
          `predicates held: ${predicates.length ? predicates.join(", ") : "none asked"}`,
          `root: ledger entry ${entry.seq} (${entry.time})`,
          `escrow ciphertext: R = (${escrow.ephemeral.x}, ${escrow.ephemeral.y}), c = ${escrow.cipher}`,
        ],
      };
    },
  );
}
