import type { Command } from "commander";
import { todayIso } from "../../attributes/calendar.js";
import type { Predicates } from "../../attributes/predicates.js";
import { RealDidError } from "../../errors.js";
import { base64UrlToBytes } from "../../formats/base64.js";
import { readBytes, readJson, writeAtomically } from "../../files.js";
import { parsePolicy } from "../../policy/policy.js";
import { presentationChallenge } from "../../proof/request.js";
import { type RequestDocument, requestDocument } from "../../proof/request-document.js";
import { encodeCompactPresentation } from "../../presentation/compact-presentation.js";
import { type PresentationVerification, presentationFromProof, verifyCompactPresentation, verifyPresentation } from "../../presentation/presentation.js";
import { qrPng, qrTerminal, qrVersion, readQrPng } from "../../presentation/qr-code.js";
import { commandKeys, defineCommand } from "../command-kit.js";
import { loadLedger } from "./ledger.js";
import { type CitizenOptions, citizenOptions, invalidVerdict, proveForRequest, readRequest, validVerdict } from "./proof.js";

interface PresentOptions extends CitizenOptions {
  request?: string;
  policy?: string;
  domain?: string;
  challenge?: string;
  out?: string;
  qrPng?: string;
  qrTerminal?: boolean;
}

interface VerifyPresentationOptions {
  keys?: string;
  policy: string;
  ledger: string;
  challenge: string;
  domain?: string;
  day?: string;
  qrPng?: string;
  compact?: string;
}

const oneOf = (given: Record<string, unknown>, what: string): void => {
  const named = Object.entries(given).filter(([, value]) => value !== undefined && value !== false);
  if (named.length !== 1) throw new RealDidError("invalid_argument", `give exactly one of ${Object.keys(given).join(", ")} (${what})`);
};

/** The request answered: a verifier's request document, or one made here from its policy for today. */
async function presentationRequest(options: PresentOptions, keyId: () => string): Promise<RequestDocument> {
  oneOf({ "--request": options.request, "--policy": options.policy }, "what the verifier asks");
  if (options.request !== undefined) return readRequest(options.request);
  return requestDocument(parsePolicy(readJson(options.policy!, "policy")), { keyId: keyId(), day: todayIso() });
}

export function presentationCommands(program: Command): void {
  defineCommand<PresentOptions>(
    program,
    {
      name: "present",
      summary: "make a zero-knowledge Verifiable Presentation for a verifier, and its QR code for a front desk",
      example: "realdid present --identity me.identity.json --credential me.credential.json --registrar https://registrar.example --regulator-key regulator-public.json --policy desk.policy.json --challenge K7Q42XRT --out presentation.json --qr-png presentation.png",
    },
    (c) =>
      citizenOptions(c)
        .option("--request <file-or-url>", "the verifier's request document (a file, or a verifier's /v1/sites/:site URL)")
        .option("--policy <file>", "or the verifier's policy (the request is made from it for today)")
        .option("--domain <scope>", "the verifier's scope the presentation is for (default: the request's scope)")
        .option("--challenge <text>", "the verifier's challenge (a nonce, or the short code a front desk shows); default: the request's challenge")
        .option("--out <file>", "where to write the presentation (JSON)")
        .option("--qr-png <file>", "also write the compact presentation (realdid-qr/1) as a QR code PNG")
        .option("--qr-terminal", "also print the compact presentation as a QR code in the terminal"),
    async (_, options, output) => {
      if (options.out === undefined && options.qrPng === undefined && options.qrTerminal !== true) throw new RealDidError("invalid_argument", "give --out, --qr-png or --qr-terminal: where the presentation goes");
      const asked = await presentationRequest(options, () => commandKeys(options, output).keyId);
      const challenge = options.challenge ?? asked.challenge;
      if (challenge === undefined) throw new RealDidError("invalid_argument", "the request carries no challenge: give the verifier's challenge (--challenge)");
      const domain = options.domain ?? asked.scope;
      // The presentation's challenge is text: the circuit answers its hash, not the request's field element.
      const { challenge: _fieldChallenge, ...document } = { ...asked, scope: domain };
      const result = await proveForRequest(document, options, output, presentationChallenge(challenge));
      const presentation = presentationFromProof(result, { domain, challenge, predicates: document.predicates as Predicates });
      const compact = encodeCompactPresentation(result);
      if (options.out !== undefined) writeAtomically(options.out, JSON.stringify(presentation, null, 2) + "\n");
      if (options.qrPng !== undefined) writeAtomically(options.qrPng, await qrPng(compact));
      const terminal = options.qrTerminal === true ? [await qrTerminal(compact)] : [];
      return {
        data: { presentation: options.out ?? null, qrPng: options.qrPng ?? null, holder: presentation.holder, domain, challenge, keyId: result.keyId, compactBytes: compact.length, qrVersion: qrVersion(compact) },
        lines: [
          ...terminal,
          ...(options.out !== undefined ? [`presentation written to ${options.out}`] : []),
          ...(options.qrPng !== undefined ? [`QR code (${compact.length} bytes, version ${qrVersion(compact)} at level M) written to ${options.qrPng}`] : []),
          `holder at ${domain}: ${presentation.holder}`,
        ],
      };
    },
  );

  defineCommand<VerifyPresentationOptions>(
    program,
    {
      name: "verify-presentation",
      summary: "verify a zero-knowledge presentation (JSON, a QR code PNG, or the compact bytes) against a verifier's policy, challenge and the registrar's ledger",
      example: "realdid verify-presentation --qr-png presentation.png --policy desk.policy.json --ledger ledger.jsonl --challenge K7Q42XRT",
    },
    (c) =>
      c
        .argument("[presentation]", "presentation file (JSON)")
        .option("--qr-png <file>", "or a QR code image of the compact presentation (realdid-qr/1)")
        .option("--compact <base64url>", "or the compact presentation's bytes in base64url")
        .requiredOption("--policy <file>", "the verifier's policy")
        .requiredOption("--ledger <file>", "the registrar's exported ledger (verified before use)")
        .requiredOption("--challenge <text>", "the challenge this verifier issued")
        .option("--domain <scope>", "the verifier's scope (default: the policy's)")
        .option("--day <YYYY-MM-DD>", "the day the policy's bounds are for (default: today, UTC; a front desk's code's day)"),
    async ([file], options, output) => {
      oneOf({ "a presentation file": file, "--qr-png": options.qrPng, "--compact": options.compact }, "the presentation to verify");
      const policy = parsePolicy(readJson(options.policy, "policy"));
      const ledger = loadLedger(options.ledger, policy.registrarKey);
      const artifacts = commandKeys(options, output);
      const context: PresentationVerification = {
        keyId: artifacts.keyId,
        scope: options.domain ?? policy.scope,
        challenge: options.challenge,
        predicates: policy.predicates,
        day: options.day ?? todayIso(),
        regulatorKey: policy.regulatorKey,
        acceptedRegulatorKeys: policy.acceptedRegulatorKeys,
        rootStatus: (root) => ledger.rootStatus(root, Date.now(), policy.rootWindowMs),
      };
      const { groth16Check } = await import("../../proof/groth16-check.js");
      const check = groth16Check(artifacts.verificationKey);
      let outcome;
      if (file !== undefined) outcome = await verifyPresentation(readJson(file, "presentation"), context, check);
      else {
        const bytes = options.qrPng !== undefined ? readQrPng(readBytes(options.qrPng, "QR code"), `QR code ${options.qrPng}`) : base64UrlToBytes(options.compact!);
        if (bytes === undefined) throw new RealDidError("invalid_argument", "--compact must be base64url");
        outcome = await verifyCompactPresentation(bytes, context, check);
      }
      if (!outcome.valid) return invalidVerdict(outcome);
      return validVerdict("presentation", outcome, { keyId: artifacts.keyId, scope: context.scope, predicates: policy.predicates, ledger });
    },
  );
}
