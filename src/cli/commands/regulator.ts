import { type Command, Option } from "commander";
import type { CommandOutput } from "../output.js";
import { type ErrorCode, RealDidError } from "../../errors.js";
import { Registrar } from "../../registrar/registrar.js";
import { keyProtection, storeLocation } from "./registrar.js";
import { AuditFolder, AuditLog } from "../../regulator/audit-log.js";
import { parseDeskReceipt } from "../../desk/desk-receipt.js";
import { caseFromProof, caseJson, checkDeskReceipt, parseCase, parsePartial, partialJson } from "../../regulator/case-file.js";
import { openShareFile, parseRegulatorPublicKey, writeThresholdKey } from "../../regulator/key-files.js";
import { combineSharedKey, partialDecrypt } from "../../regulator/threshold-key.js";
import { handleFromSharedKey, mandateHandleFromSharedKey } from "../../crypto/escrow.js";
import type { Point } from "../../crypto/baby-jubjub.js";
import { assertSameKeys } from "../../artifacts/key-id.js";
import { verifyReceipt } from "../../receipt/receipt.js";
import { commandBusinessKeys, commandKeys, defineCommand, integerOption } from "../command-kit.js";
import type { CircuitArtifacts } from "../../artifacts/artifacts.js";
import { dkgCommands } from "./regulator-dkg.js";
import { passphraseFromEnv, readJson, readText, writeAtomically } from "../../files.js";

interface RegulatorOptions {
  keys?: string;
  receipt?: string;
  deskReceipt?: string;
  verifierKey?: string;
  threshold: number;
  shares: number;
  outDir: string;
  passphrasesEnv: string;
  proof?: string;
  caseId: string;
  legalBasis: string;
  audit: string;
  out: string;
  share: string;
  case: string;
  key: string;
  passphraseEnv: string;
  partials: string[];
  registrar?: string;
  registrarDatabase?: string;
  registrarPassphraseEnv?: string;
  registrarKeyFile?: string;
  dir: string;
  auditKey?: string;
  auditPassphraseEnv?: string;
  insecurePlaintext?: boolean;
}

const auditPassphraseOption = () => new Option("--audit-passphrase-env <variable>", "environment variable holding the passphrase of the audit log's signing key");

/** The audit folder with its signing key unsealed; a key kept in the clear is used, with a warning. */
function openAudit(o: RegulatorOptions, output: CommandOutput): AuditFolder {
  const passphrase = passphraseFromEnv(o.auditPassphraseEnv, "--audit-passphrase-env");
  const folder = AuditFolder.open(o.audit, passphrase, "--audit-passphrase-env");
  if (passphrase === undefined) output.warn(`the audit signing key in ${o.audit} is stored in the clear (it was created with --insecure-plaintext)`);
  return folder;
}

/** Refusals that are recorded in the audit log before the command fails. */
const REFUSALS: readonly ErrorCode[] = ["forged_partial", "not_enough_partials", "wrong_regulator_key"];

/** The key set a receipt's proof names: the personal circuit's or the business circuit's (else key_mismatch). */
function keysNamed(keyId: string, options: { keys?: string; businessKeys?: string }, output: CommandOutput, where: string): CircuitArtifacts {
  const personal = commandKeys(options, output);
  if (personal.keyId === keyId) return personal;
  const business = commandBusinessKeys(options, output);
  if (business.keyId === keyId) return business;
  assertSameKeys(keyId, personal.keyId, where);
  return personal; // not reached: assertSameKeys threw
}

export function regulatorCommands(program: Command): void {
  const regulator = program.command("regulator").description("the regulator: threshold escrow key, unmasking cases, audit log");

  defineCommand<RegulatorOptions>(
    regulator,
    {
      name: "keygen",
      summary: "DEALER-TRUSTED, for development and tests: make a k-of-n regulator key on this one machine (it sees the whole key); use `regulator dkg` for a real key",
      example: "REG_PASS_1=… REG_PASS_2=… REG_PASS_3=… realdid regulator keygen --threshold 2 --shares 3 --passphrases-env REG_PASS_ --out-dir ./regulator",
    },
    (c) =>
      c
        .option("--threshold <k>", "holders needed to unmask", integerOption("--threshold"), 1)
        .option("--shares <n>", "number of share holders", integerOption("--shares"), 1)
        .requiredOption("--passphrases-env <prefix>", "holder i's passphrase is in the environment variable <prefix><i>")
        .requiredOption("--out-dir <dir>", "folder for regulator-public.json and share-<i>.json"),
    async (_, o, output) => {
      const passphrases = Array.from({ length: o.shares }, (_, i) => passphraseFromEnv(`${o.passphrasesEnv}${i + 1}`)!);
      const { key, publicFile, shareFiles } = writeThresholdKey(o.outDir, o.threshold, o.shares, passphrases);
      output.warn("dealer-trusted key, for development and tests: this command saw the whole secret key in memory (and kept it nowhere); make a real regulator key with `regulator dkg`");
      return {
        data: { keyId: key.keyId, publicKey: { x: key.publicKey.x.toString(), y: key.publicKey.y.toString() }, threshold: key.threshold, shares: key.shares, publicFile, shareFiles },
        lines: [`regulator key ${key.keyId} (dealer-trusted, development): ${key.threshold} of ${key.shares} holders unmask`, `public key: ${publicFile} (its x and y go in site policies as regulatorKey)`, ...shareFiles.map((f, i) => `share for holder ${i + 1}: ${f}`)],
      };
    },
  );

  defineCommand<RegulatorOptions>(
    regulator,
    {
      name: "open-case",
      summary: "open an unmasking case for the escrow ciphertext in a site's receipt, a front desk's receipt or a proof file, recording the legal basis in the audit log",
      example: "realdid regulator open-case --receipt account-42.receipt.json --verifier-key 5c1e… --case-id 2026-0042 --legal-basis 'Court order 17/2026, Beijing Internet Court' --audit ./audit --out case.json",
    },
    (c) =>
      c
        .option("--receipt <file>", "the receipt the site kept (signed by its verifier service)")
        .option("--verifier-key <hex>", "with --receipt: the verifier service's receipt key you trust")
        .option("--desk-receipt <file>", "or a front desk's receipt (realdid-desk-receipt/1, from `realdid desk receipts`)")
        .option("--proof <file>", "or a proof file")
        .requiredOption("--case-id <id>")
        .requiredOption("--legal-basis <text>", "why this person may be unmasked")
        .requiredOption("--audit <dir>", "the audit log folder")
        .requiredOption("--out <file>", "where to write the case file")
        .addOption(auditPassphraseOption()),
    async (_, o, output) => {
      if ([o.receipt, o.deskReceipt, o.proof].filter((file) => file !== undefined).length !== 1) throw new RealDidError("invalid_argument", "give exactly one of --receipt, --desk-receipt or --proof");
      let publicSignals: unknown;
      let source: Record<string, unknown>;
      if (o.deskReceipt !== undefined) {
        const where = `desk receipt ${o.deskReceipt}`;
        const receipt = parseDeskReceipt(readJson(o.deskReceipt, "desk receipt"));
        const artifacts = keysNamed(receipt.keyId, o, output, where);
        const { groth16Check } = await import("../../proof/groth16-check.js");
        source = await checkDeskReceipt(receipt, artifacts.keyId, groth16Check(artifacts.verificationKey), where);
        publicSignals = receipt.proof.publicSignals;
      } else if (o.receipt !== undefined) {
        if (o.verifierKey === undefined) throw new RealDidError("invalid_argument", "--receipt needs --verifier-key: the verifier service's key you trust");
        const receipt = verifyReceipt(readJson(o.receipt, "receipt"), `receipt ${o.receipt}`, o.verifierKey);
        // The signature says the service accepted it; the proof itself says the escrow is the real name's.
        const artifacts = keysNamed(receipt.keyId, o, output, `receipt ${o.receipt}`);
        const { groth16Check } = await import("../../proof/groth16-check.js");
        if (!(await groth16Check(artifacts.verificationKey)(receipt.proof.proof, receipt.proof.publicSignals))) throw new RealDidError("receipt_invalid", `receipt ${o.receipt}: its proof does not verify`);
        publicSignals = receipt.proof.publicSignals;
        source = { receipt: { site: receipt.site, action: receipt.action, scope: receipt.scope, time: receipt.time, didAddress: receipt.didAddress, verifierKey: receipt.verifierKey } };
      } else {
        publicSignals = (readJson(o.proof!, "proof") as { publicSignals?: unknown })?.publicSignals;
        source = { proofFile: o.proof };
      }
      const unmasking = caseFromProof(publicSignals, o.caseId, o.legalBasis);
      const audit = openAudit(o, output);
      if (audit.read().caseEvents(o.caseId).length > 0) throw new RealDidError("invalid_argument", `case ${o.caseId} already exists in the audit log`);
      const { ciphertext, mandateCipher } = caseJson(unmasking);
      const entry = audit.append(o.caseId, "request", { legalBasis: o.legalBasis, keyId: unmasking.keyId, ciphertext, ...(mandateCipher !== undefined && { mandateCipher }), ...source });
      writeAtomically(o.out, JSON.stringify(caseJson(unmasking), null, 2) + "\n");
      return { data: { caseId: o.caseId, keyId: unmasking.keyId, auditEntry: entry.seq, case: o.out }, lines: [`case ${o.caseId} opened (audit entry ${entry.seq}); send ${o.out} to the share holders`] };
    },
  );

  defineCommand<RegulatorOptions>(
    regulator,
    { name: "partial", summary: "a share holder's partial decryption of a case, with a proof that it used the share", example: "SHARE_PASS=… realdid regulator partial --share share-3.json --passphrase-env SHARE_PASS --key regulator-public.json --case case.json --out partial-3.json" },
    (c) =>
      c
        .requiredOption("--share <file>", "your share file")
        .requiredOption("--passphrase-env <variable>", "the variable holding your share's passphrase")
        .requiredOption("--key <file>", "the regulator public key file")
        .requiredOption("--case <file>")
        .requiredOption("--out <file>"),
    async (_, o) => {
      const key = parseRegulatorPublicKey(readJson(o.key, "regulator key"));
      const unmasking = parseCase(readJson(o.case, "case"));
      if (unmasking.keyId !== key.keyId) throw new RealDidError("wrong_regulator_key", `case ${unmasking.caseId} is encrypted to key ${unmasking.keyId}, not ${key.keyId}`);
      const { index, secret } = openShareFile(readJson(o.share, "share"), passphraseFromEnv(o.passphraseEnv)!, key);
      const partial = partialDecrypt(key, index, secret, unmasking.ciphertext);
      writeAtomically(o.out, JSON.stringify(partialJson(unmasking.caseId, partial), null, 2) + "\n");
      return { data: { caseId: unmasking.caseId, index, partial: o.out }, lines: [`partial decryption of holder ${index} for case ${unmasking.caseId} written to ${o.out}`] };
    },
  );

  defineCommand<RegulatorOptions>(
    regulator,
    { name: "unmask", summary: "check the partials, combine k of them into the handle, and resolve it with the registrar", example: "realdid regulator unmask --case case.json --key regulator-public.json --partials partial-1.json partial-3.json partial-5.json --audit ./audit --registrar ./registrar" },
    (c) =>
      c
        .requiredOption("--case <file>")
        .requiredOption("--key <file>", "the regulator public key file")
        .requiredOption("--partials <files...>", "partial decryption files from the holders")
        .requiredOption("--audit <dir>", "the audit log folder")
        .addOption(auditPassphraseOption())
        .option("--registrar <dir>", "resolve the handle at this registrar (on this machine; unlocked with --registrar-passphrase-env or --registrar-key-file)")
        .option("--registrar-database <url>", "with --registrar: its PostgreSQL database (default: $REALDID_REGISTRAR_DATABASE, else SQLite in its folder)")
        .option("--registrar-passphrase-env <variable>", "environment variable holding the registrar's passphrase")
        .option("--registrar-key-file <file>", "the registrar's key file"),
    async (_, o, output) => {
      const key = parseRegulatorPublicKey(readJson(o.key, "regulator key"));
      const unmasking = parseCase(readJson(o.case, "case"));
      const audit = openAudit(o, output);
      const request = audit.read().caseEvents(unmasking.caseId).find((e) => e.event === "request");
      if (!request) throw new RealDidError("case_not_in_audit_log", `case ${unmasking.caseId} was never opened in the audit log`);
      // Only what was opened is unmasked: a case file edited after opening (another ciphertext, a mandate cipher added) is refused.
      const opened = caseJson(unmasking);
      if (JSON.stringify(request.details.ciphertext) !== JSON.stringify(opened.ciphertext) || request.details.mandateCipher !== opened.mandateCipher) {
        throw new RealDidError("case_not_in_audit_log", `case file ${o.case} is not the case ${unmasking.caseId} the audit log opened: its ciphertexts differ`);
      }
      if (unmasking.keyId !== key.keyId) throw new RealDidError("wrong_regulator_key", `case ${unmasking.caseId} is encrypted to key ${unmasking.keyId}, not ${key.keyId}`);
      let partials;
      let sharedKey: Point;
      try {
        partials = o.partials.map((file) => {
          const { caseId, partial } = parsePartial(readJson(file, "partial"), file);
          if (caseId !== unmasking.caseId) throw new RealDidError("forged_partial", `${file} is for case ${caseId}, not ${unmasking.caseId}`);
          return partial;
        });
        sharedKey = combineSharedKey(key, unmasking.ciphertext, partials);
      } catch (error) {
        // A refusal is part of the case's record too.
        if (error instanceof RealDidError && REFUSALS.includes(error.code)) audit.append(unmasking.caseId, "refused", { code: error.code, reason: error.message });
        throw error;
      }
      for (const p of partials) audit.append(unmasking.caseId, "partial", { index: p.index, accepted: true });
      const handle = handleFromSharedKey(unmasking.ciphertext, sharedKey);
      // A business proof's case: the mandate's handle too (the enterprise and the mandate the person acted under).
      const mandateHandle = unmasking.mandateCipher === undefined ? undefined : mandateHandleFromSharedKey(unmasking.mandateCipher, sharedKey);
      const result = audit.append(unmasking.caseId, "result", { handle: handle.toString(), ...(mandateHandle !== undefined && { mandateHandle: mandateHandle.toString() }), holders: partials.map((p) => p.index) });
      const lines = [`case ${unmasking.caseId}: handle ${handle}${mandateHandle === undefined ? "" : `, mandate handle ${mandateHandle}`} (audit entry ${result.seq})`];
      let person;
      if (o.registrar !== undefined) {
        const unlock = keyProtection({ passphraseEnv: o.registrarPassphraseEnv, keyFile: o.registrarKeyFile }, "registrar-");
        const registrar = await Registrar.open(o.registrar, { unlock, ...storeLocation({ database: o.registrarDatabase }) });
        try {
          person = await registrar.resolveCase(unmasking.caseId, audit.read(), audit.publicKey);
        } finally {
          await registrar.close();
        }
        lines.push(`real name: ${person.name}, ID ${person.nationalId} (leaf ${person.leafIndex})`);
        if (person.mandate) {
          const { mandate, enterprise } = person.mandate;
          lines.push(`acting for: ${enterprise.name} (${enterprise.creditCode}) as ${mandate.role.replace("_", " ")}, mandate leaf ${mandate.leafIndex} (${mandate.revoked ? "revoked since" : "in force"})`);
        }
      }
      return { data: { caseId: unmasking.caseId, handle: handle.toString(), ...(mandateHandle !== undefined && { mandateHandle: mandateHandle.toString() }), auditEntry: result.seq, ...(person && { person }) }, lines };
    },
  );

  dkgCommands(regulator);

  const audit = regulator.command("audit").description("the regulator's signed, hash-chained audit log of unmaskings");
  defineCommand<RegulatorOptions>(
    audit,
    { name: "init", summary: "create an audit log and its Ed25519 signing key, sealed with a passphrase", example: "AUDIT_PASS=… realdid regulator audit init --dir ./audit --passphrase-env AUDIT_PASS" },
    (c) =>
      c
        .requiredOption("--dir <dir>")
        .option("--passphrase-env <variable>", "seal the signing key with the passphrase in this environment variable")
        .option("--insecure-plaintext", "write the signing key unencrypted (anyone who reads the file can sign audit entries)"),
    async (_, o, output) => {
      if ((o.passphraseEnv === undefined) === (o.insecurePlaintext === undefined)) throw new RealDidError("invalid_argument", "give --passphrase-env <variable> to seal the audit signing key (or, knowingly, --insecure-plaintext)");
      const folder = AuditFolder.init(o.dir, passphraseFromEnv(o.passphraseEnv));
      if (o.insecurePlaintext) output.warn(`the audit signing key in ${o.dir} is stored in the clear`);
      return { data: { dir: o.dir, publicKey: folder.publicKey, sealed: !o.insecurePlaintext }, lines: [`audit log created in ${o.dir}`, `audit signing key (public): ${folder.publicKey}`] };
    },
  );
  defineCommand<RegulatorOptions>(
    audit,
    { name: "verify", summary: "replay an audit log: hash chain, order and every signature", example: "realdid regulator audit verify ./audit/audit.jsonl --key 9f2c…" },
    (c) => c.argument("<file>", "audit.jsonl").option("--key <hex>", "require this audit signing key"),
    async ([file], o) => {
      let log: AuditLog;
      try {
        log = AuditLog.fromJsonLines(readText(file, "audit log"), o.key);
      } catch (error) {
        if (error instanceof RealDidError) throw new RealDidError(error.code, `audit log ${file}: ${error.message}`);
        throw error;
      }
      const cases = new Set(log.entriesFrom(0).map((e) => e.caseId));
      return { data: { valid: true, entries: log.length, cases: cases.size, publicKey: log.publicKey }, lines: [`audit log valid: ${log.length} entries, ${cases.size} cases, signed by ${log.publicKey}`] };
    },
  );
}
