import { join } from "node:path";
import type { Command } from "commander";
import type { DocumentType, PersonAttributes } from "../../attributes/attributes.js";
import { registrarDid } from "../../did/did-uri.js";
import { RealDidError } from "../../errors.js";
import type { RealDidCredential } from "../../credential/realdid-credential.js";
import type { CredentialFile } from "../../registry/credential.js";
import { pathFile } from "../../registry/path-file.js";
import { DEFAULT_LEDGER_PAGE, startRegistrarServer } from "../../registrar/registrar-server.js";
import { AuditLog } from "../../regulator/audit-log.js";
import { type EnrollmentRequest, Registrar, type StoreLocation } from "../../registrar/registrar.js";
import { commandBusinessKeys, defineCommand, integerOption } from "../command-kit.js";
import { ensureFolder, OWNER_ONLY, passphraseFromEnv, readJson, readText, writeAtomically } from "../../files.js";
import type { GrantDesk } from "../../registrar/mandate-endpoints.js";
import { trustedRegulatorKey } from "../../regulator/key-files.js";
import { releaseCurve } from "../../proof/curve.js";
import type { KeyProtection } from "../../registrar/registrar-keys.js";
import type { CommandOutput } from "../output.js";
import { closeOnSignals } from "./serve.js";
import { contractArtifact } from "../../chain/contract-artifacts.js";
import { accountKey, contractAddress, rpcOption, rpcUrl } from "../chain-options.js";

export interface RegistrarOptions extends KeyOptions {
  data: string;
  database?: string;
  regulatorKey?: string;
  businessKeys?: string;
  host?: string;
  port?: number;
  ledgerPage?: number;
  out?: string;
  outDir?: string;
  batch?: string;
  index?: number;
  nationalId?: string;
  name?: string;
  commitment?: string;
  birthDate?: string;
  region?: string;
  expiry?: string;
  documentType?: string;
  rpc?: string;
  registry?: string;
  publisherKeyEnv?: string;
}

export const dataOption = (c: Command) =>
  c
    .requiredOption("--data <dir>", "the registrar's data folder (its sealed keys, and its SQLite store unless --database is given)")
    .option("--database <url>", "the registrar's PostgreSQL database, shared by its front ends (default: $REALDID_REGISTRAR_DATABASE, else SQLite in the data folder)");

const chainOptions = (c: Command) =>
  rpcOption(c).requiredOption("--publisher-key-env <variable>", "an environment variable holding the publisher account's secp256k1 key (0x and 64 hex digits)");

/** Where the registrar's store is: --database, else $REALDID_REGISTRAR_DATABASE, else the data folder's SQLite file. */
export function storeLocation({ database }: { database?: string }): StoreLocation {
  const url = database ?? process.env.REALDID_REGISTRAR_DATABASE;
  return url === undefined || url === "" ? {} : { database: url };
}

export interface KeyOptions {
  passphraseEnv?: string;
  keyFile?: string;
}

/** The options that unlock the registrar's sealed keys (a passphrase, or a key file kept outside the data folder). */
export const keyOptions = (c: Command, prefix = "") =>
  c
    .option(`--${prefix}passphrase-env <variable>`, "environment variable holding the passphrase that seals the registrar's keys")
    .option(`--${prefix}key-file <file>`, "key file (outside the data folder) that seals the registrar's keys");

export function keyProtection({ passphraseEnv, keyFile }: KeyOptions, prefix = ""): KeyProtection {
  if ((passphraseEnv === undefined) === (keyFile === undefined)) {
    throw new RealDidError("keys_locked", `the registrar's keys are sealed: give one of --${prefix}passphrase-env <variable> or --${prefix}key-file <file>`);
  }
  return keyFile !== undefined ? { keyFile } : { passphrase: passphraseFromEnv(passphraseEnv, `--${prefix}passphrase-env`)! };
}

/** Opens the registrar for `use`: unlocked when the command reads or changes records, else without its keys. */
export async function withRegistrar<T>(options: RegistrarOptions, output: CommandOutput, use: (registrar: Registrar) => T | Promise<T>, { locked = false } = {}): Promise<T> {
  output.progress("opening the registrar store");
  const registrar = await Registrar.open(options.data, { ...storeLocation(options), ...(!locked && { unlock: keyProtection(options) }) });
  try {
    return await use(registrar);
  } finally {
    await registrar.close();
  }
}

async function leafIndex(registrar: Registrar, options: RegistrarOptions): Promise<number> {
  if ((options.index === undefined) === (options.nationalId === undefined)) {
    throw new RealDidError("invalid_argument", "give exactly one of --index or --national-id");
  }
  return options.index ?? registrar.indexOfNationalId(options.nationalId!);
}

/** One line of a batch file: {name, nationalId, birthDate, region, expiry, documentType, commitment}. */
function parseBatch(text: string, file: string): EnrollmentRequest[] {
  return text
    .split("\n")
    .map((line, i) => ({ line: line.trim(), number: i + 1 }))
    .filter(({ line }) => line !== "")
    .map(({ line, number }) => {
      let row: Record<string, unknown>;
      try {
        row = JSON.parse(line);
      } catch {
        throw new RealDidError("invalid_argument", `${file} line ${number} is not valid JSON`);
      }
      const { name, nationalId, commitment, ...attributes } = row;
      // Shapes are checked by Registrar.enroll, which names the record that is wrong.
      return { record: { name, nationalId, attributes }, commitment } as unknown as EnrollmentRequest;
    });
}

/** Enrolls, then signs the Verifiable Credentials of the new leaves (after the enrollment committed). */
async function enrollAndSign(registrar: Registrar, requests: EnrollmentRequest[], output: CommandOutput) {
  const enrolled = await registrar.enroll(requests);
  output.progress(`signing ${enrolled.length} verifiable credential${enrolled.length === 1 ? "" : "s"}`);
  return { enrolled, credentials: await registrar.signCredentials(enrolled) };
}

const credentialJson = (credential: RealDidCredential) => JSON.stringify(credential, null, 2) + "\n";

/** Leaf indexes as runs ("0..2, 1073741824"): a batch fills one run of slots in each province's shard. */
const indexRuns = (indexes: readonly number[]): string => {
  const runs: [number, number][] = [];
  for (const index of [...indexes].sort((a, b) => a - b)) {
    const last = runs.at(-1);
    if (last && index === last[1] + 1) last[1] = index;
    else runs.push([index, index]);
  }
  return runs.map(([first, last]) => (first === last ? `${first}` : `${first}..${last}`)).join(", ");
};

const credentialLines = (credentials: CredentialFile[], where: string) => [
  `enrolled ${credentials.length} ${credentials.length === 1 ? "person" : "people"} (${credentials.length === 1 ? "leaf" : "leaves"} ${indexRuns(credentials.map((c) => c.index))})`,
  `verifiable credential${credentials.length > 1 ? "s" : ""} (signed by the registrar) written to ${where}`,
];

/** The registrar's keys and what it checks representatives' proofs with (the business circuit's keys, the regulator's key). */
async function grantDesk(options: RegistrarOptions, output: CommandOutput): Promise<{ unlock: KeyProtection; desk: GrantDesk }> {
  const unlock = keyProtection(options);
  const regulatorKey = trustedRegulatorKey(readJson(options.regulatorKey!, "regulator key"), `regulator key ${options.regulatorKey}`);
  const artifacts = commandBusinessKeys(options, output);
  const { groth16Check } = await import("../../proof/groth16-check.js"); // snarkjs: only for a server that takes grants
  return { unlock, desk: { regulatorKey, artifacts, check: groth16Check(artifacts.verificationKey) } };
}

export function registrarCommands(program: Command): void {
  const registrar = program.command("registrar").description("the registrar: real-name records, the registry tree and its signed root ledger");

  defineCommand<RegistrarOptions>(
    registrar,
    {
      name: "init",
      summary: "create a registrar: sealed keys (ledger, master, blind index), encrypted store, genesis root",
      example: "REGISTRAR_PASSPHRASE=… realdid registrar init --data ./registrar --passphrase-env REGISTRAR_PASSPHRASE",
    },
    (c) => keyOptions(dataOption(c)),
    async (_, options, output) => {
      output.progress("creating the registrar store and sealing its keys");
      const created = await Registrar.init(options.data, keyProtection(options), storeLocation(options));
      const result = { data: options.data, publicKey: created.publicKey, did: registrarDid(created.publicKey), root: (await created.treeInfo()).root.toString() };
      await created.close();
      return {
        data: result,
        lines: [`registrar created in ${options.data} (records encrypted; keys sealed)`, `ledger signing key (public): ${result.publicKey}`, `registrar DID: ${result.did}`, `empty root: ${result.root}`],
      };
    },
  );

  defineCommand<RegistrarOptions>(
    registrar,
    {
      name: "enroll",
      summary: "enroll one person, or a batch from a JSON-lines file, publish the new root, and write each person's verifiable credential (VC 2.0, signed with the ledger key)",
      example: "realdid registrar enroll --data ./registrar --name 'Li Wei' --national-id 11010519900314002X --birth-date 1990-03-14 --region 110105 --expiry 2031-05-01 --document-type national_id_card --commitment 1234… --out li-wei.credential.json",
    },
    (c) =>
      keyOptions(dataOption(c))
        .option("--batch <file>", "JSON lines: {name, nationalId, birthDate, region, expiry, documentType, commitment}")
        .option("--out-dir <dir>", "with --batch: folder for the credential-<index>.json verifiable credentials")
        .option("--name <name>")
        .option("--national-id <id>", "18-character resident ID number")
        .option("--birth-date <YYYY-MM-DD>")
        .option("--region <code>", "6-digit administrative code")
        .option("--expiry <YYYY-MM-DD>", "document expiry")
        .option("--document-type <type>", "national_id_card, passport or residence_permit")
        .option("--commitment <value>", "the citizen's identity commitment")
        .option("--out <file>", "where to write the verifiable credential"),
    async (_, options, output) => {
      if (options.batch !== undefined) {
        if (options.outDir === undefined) throw new RealDidError("invalid_argument", "--batch needs --out-dir for the credential files");
        const requests = parseBatch(readText(options.batch, "batch"), options.batch);
        const { enrolled, credentials } = await withRegistrar(options, output, (r) => enrollAndSign(r, requests, output));
        ensureFolder(options.outDir);
        credentials.forEach((credential, i) => writeAtomically(join(options.outDir!, `credential-${enrolled[i].index}.json`), credentialJson(credential), { mode: OWNER_ONLY }));
        return { data: { enrolled: enrolled.length, indexes: enrolled.map((c) => c.index), outDir: options.outDir, issuer: credentials[0].issuer }, lines: credentialLines(enrolled, options.outDir) };
      }
      const missing = (["name", "nationalId", "birthDate", "region", "expiry", "documentType", "commitment", "out"] as const).filter((key) => options[key] === undefined);
      if (missing.length > 0) throw new RealDidError("invalid_argument", `missing ${missing.map((key) => "--" + key.replace(/[A-Z]/g, (c) => "-" + c.toLowerCase())).join(", ")} (or use --batch)`);
      const attributes = { birthDate: options.birthDate, region: options.region, expiry: options.expiry, documentType: options.documentType as DocumentType } as PersonAttributes;
      const { enrolled, credentials } = await withRegistrar(options, output, (r) => enrollAndSign(r, [{ record: { name: options.name!, nationalId: options.nationalId!, attributes }, commitment: options.commitment! }], output));
      writeAtomically(options.out!, credentialJson(credentials[0]), { mode: OWNER_ONLY });
      return { data: { index: enrolled[0].index, credential: options.out, issuer: credentials[0].issuer }, lines: credentialLines(enrolled, options.out!) };
    },
  );

  defineCommand<RegistrarOptions>(
    registrar,
    { name: "revoke", summary: "revoke a credential (its leaf is emptied) and publish the new root", example: "realdid registrar revoke --data ./registrar --national-id 11010519900314002X" },
    (c) => keyOptions(dataOption(c)).option("--index <n>", "leaf index", integerOption("--index")).option("--national-id <id>"),
    async (_, options, output) => {
      const entry = await withRegistrar(options, output, async (r) => r.revoke(await leafIndex(r, options)));
      return { data: { revoked: true, ledgerEntry: entry }, lines: [`revoked; new root ${entry.root} published as ledger entry ${entry.seq}`] };
    },
  );

  defineCommand<RegistrarOptions>(
    registrar,
    { name: "reissue", summary: "re-issue a credential with new attributes (e.g. a renewed expiry)", example: "realdid registrar reissue --data ./registrar --index 0 --expiry 2036-05-01 --out li-wei.credential.json" },
    (c) =>
      keyOptions(dataOption(c))
        .option("--index <n>", "leaf index", integerOption("--index"))
        .option("--national-id <id>")
        .option("--region <code>")
        .option("--expiry <YYYY-MM-DD>")
        .option("--document-type <type>")
        .requiredOption("--out <file>", "where to write the new credential"),
    async (_, options, output) => {
      const credential = await withRegistrar(options, output, async (r) => {
        const index = await leafIndex(r, options);
        const current = (await r.record(index)).attributes;
        const attributes = {
          ...current,
          ...(options.region !== undefined && { region: options.region }),
          ...(options.expiry !== undefined && { expiry: options.expiry }),
          ...(options.documentType !== undefined && { documentType: options.documentType as DocumentType }),
        };
        const [signed] = await r.signCredentials([await r.reissue(index, attributes)]);
        return signed;
      });
      writeAtomically(options.out!, credentialJson(credential), { mode: OWNER_ONLY });
      const index = credential.credentialSubject.leafIndex;
      return { data: { index, credential: options.out, issuer: credential.issuer }, lines: [`re-issued leaf ${index}; verifiable credential written to ${options.out}`] };
    },
  );

  defineCommand<RegistrarOptions>(
    registrar,
    { name: "path", summary: "write the Merkle path of a leaf under the current root", example: "realdid registrar path --data ./registrar --index 0 --out li-wei.path.json" },
    (c) => dataOption(c).requiredOption("--index <n>", "leaf index", integerOption("--index")).requiredOption("--out <file>"),
    async (_, options, output) => {
      const proof = await withRegistrar(options, output, (r) => r.path(options.index!), { locked: true });
      writeAtomically(options.out!, JSON.stringify(pathFile(proof), null, 2) + "\n", { mode: OWNER_ONLY });
      return { data: { index: proof.index, root: proof.root.toString(), path: options.out }, lines: [`path of leaf ${proof.index} under root ${proof.root} written to ${options.out}`] };
    },
  );

  defineCommand<RegistrarOptions>(
    registrar,
    { name: "check-tree", summary: "recompute the registry tree from the records and compare it with the stored tree and the ledger head", example: "realdid registrar check-tree --data ./registrar" },
    (c) => dataOption(c),
    async (_, options, output) => {
      output.progress("recomputing the tree from the records (every leaf hashed again)");
      const { recomputedRoot, storedRoot, ledgerRoot, size } = await Registrar.checkTree(options.data!, storeLocation(options));
      if (recomputedRoot !== storedRoot || ledgerRoot !== storedRoot) {
        throw new RealDidError("store_tampered", `the registry tree does not agree with the records: recomputed root ${recomputedRoot}, stored root ${storedRoot}, ledger head root ${ledgerRoot}`);
      }
      return { data: { size, root: storedRoot.toString() }, lines: [`the stored tree of ${size} leaves equals the tree of the records and the ledger head (root ${storedRoot})`] };
    },
  );

  defineCommand<RegistrarOptions>(
    registrar,
    { name: "export-ledger", summary: "export the signed root ledger as JSON lines", example: "realdid registrar export-ledger --data ./registrar --out ledger.jsonl" },
    (c) => dataOption(c).requiredOption("--out <file>"),
    async (_, options, output) => {
      const { text, length, publicKey } = await withRegistrar(options, output, (r) => ({ text: r.ledger.toJsonLines(), length: r.ledger.length, publicKey: r.publicKey }), { locked: true });
      writeAtomically(options.out!, text);
      return { data: { entries: length, publicKey, did: registrarDid(publicKey), file: options.out }, lines: [`${length} ledger entries written to ${options.out}`, `registrar key: ${publicKey} (${registrarDid(publicKey)})`] };
    },
  );

  defineCommand<RegistrarOptions>(
    registrar,
    {
      name: "deploy-registry",
      summary: "deploy the root registry contract that mirrors this registrar's ledger on an EVM chain (docs/chain.md)",
      example: "realdid registrar deploy-registry --data ./registrar --rpc http://127.0.0.1:8545 --publisher-key-env PUBLISHER_KEY",
    },
    (c) => chainOptions(dataOption(c)),
    async (_, options, output) => {
      const [rpc, key] = [rpcUrl(options.rpc!), await accountKey(options.publisherKeyEnv!, "--publisher-key-env")];
      const registrarKey = await withRegistrar(options, output, (r) => r.publicKey, { locked: true });
      const { deployRootRegistry } = await import("../../chain/anchor.js"); // viem, loaded only for chain commands
      const { registry, publisher } = await deployRootRegistry(rpc, contractArtifact("RealDidRootRegistry"), key, registrarKey);
      return { data: { registry, publisher, registrarKey }, lines: [`root registry deployed at ${registry}`, `publisher: ${publisher}; registrar key: ${registrarKey}`] };
    },
  );

  defineCommand<RegistrarOptions>(
    registrar,
    {
      name: "anchor",
      summary: "publish the ledger entries the root registry on chain does not hold yet (run it again after a failure: it goes on where the chain is)",
      example: "realdid registrar anchor --data ./registrar --rpc http://127.0.0.1:8545 --registry 0x… --publisher-key-env PUBLISHER_KEY",
    },
    (c) => chainOptions(dataOption(c)).requiredOption("--registry <address>", "the root registry's address (from deploy-registry)"),
    async (_, options, output) => {
      const registry = await contractAddress(options.registry!, "--registry");
      const [target, key] = [{ rpcUrl: rpcUrl(options.rpc!), registry, registryArtifact: contractArtifact("RealDidRootRegistry") }, await accountKey(options.publisherKeyEnv!, "--publisher-key-env")];
      const entries = await withRegistrar(options, output, (r) => r.ledger.entriesFrom(0), { locked: true });
      output.progress(`publishing to ${target.rpcUrl}`);
      const { anchorLedger } = await import("../../chain/anchor.js");
      const { before, published } = await anchorLedger(target, entries, key);
      return { data: { registry: options.registry, before, published, length: before + published }, lines: [`${published} ledger entries published (the registry held ${before}; now ${before + published})`] };
    },
  );

  defineCommand<RegistrarOptions>(
    registrar,
    { name: "serve", summary: "serve the signed root ledger (for verifiers) and path refresh by bucket (for citizens) over HTTP", example: "realdid registrar serve --data ./registrar --port 8090" },
    (c) =>
      keyOptions(
        dataOption(c)
          .option("--host <host>", "address to listen on", "127.0.0.1")
          .option("--port <port>", "port (0: any free port)", integerOption("--port"), 8090)
          .option("--ledger-page <n>", "most ledger entries in one /v1/ledger answer (verifiers page through the rest)", integerOption("--ledger-page"), DEFAULT_LEDGER_PAGE)
          .option("--regulator-key <file>", "take legal representatives' mandate grants and revocations (POST /v1/mandates), proven with escrow to this regulator key; needs the registrar's keys"),
      ),
    async (_, options, output) => {
      const grants = options.regulatorKey === undefined ? undefined : await grantDesk(options, output);
      const server = await startRegistrarServer(options.data, { host: options.host!, port: options.port!, maxLedgerPage: options.ledgerPage, grants, ...storeLocation(options) });
      closeOnSignals(async () => {
        await server.close();
        if (grants) await releaseCurve();
      });
      const endpoints = ["/v1/ledger", "/v1/tree", "/v1/tree/buckets/:bucket", "/v1/enterprises/:code", ...(grants ? ["POST /v1/mandates", "POST /v1/mandates/revocations"] : [])];
      return { data: { url: server.url, did: registrarDid(server.publicKey), grants: grants !== undefined }, lines: [`registrar ${registrarDid(server.publicKey)} served at ${server.url}: ${endpoints.join(", ")} (request log on stderr)`], keepsCurve: grants !== undefined };
    },
  );

  defineCommand<RegistrarOptions & { newPassphraseEnv?: string; newKeyFile?: string }>(
    registrar,
    {
      name: "rotate-master-key",
      summary: "rotate the master key: every data key is re-wrapped under a new one (records untouched); optionally re-seal the keys under a new passphrase or key file",
      example: "realdid registrar rotate-master-key --data ./registrar --passphrase-env REGISTRAR_PASSPHRASE --new-passphrase-env NEW_PASSPHRASE",
    },
    (c) => keyOptions(keyOptions(dataOption(c)), "new-"),
    async (_, options, output) => {
      const protection = keyProtection(options);
      const reseal = options.newPassphraseEnv === undefined && options.newKeyFile === undefined ? protection : keyProtection({ passphraseEnv: options.newPassphraseEnv, keyFile: options.newKeyFile }, "new-");
      output.progress("re-wrapping the data keys");
      const rotated = await Registrar.rotateMasterKey(options.data, protection, reseal, storeLocation(options));
      return { data: rotated, lines: [`master key rotated to ${rotated.masterKeyId}: ${rotated.rewrapped} data keys re-wrapped; retired ${rotated.retired.join(", ") || "none"}`] };
    },
  );

  defineCommand<RegistrarOptions & { caseId: string; audit: string; auditKey: string }>(
    registrar,
    { name: "resolve", summary: "resolve an unmasked handle to the real-name record: only for a case in a verified audit log", example: "realdid registrar resolve --data ./registrar --case-id 2026-0042 --audit audit.jsonl --audit-key 9f2c…" },
    (c) => keyOptions(dataOption(c)).requiredOption("--case-id <id>").requiredOption("--audit <file>", "the regulator's audit log (audit.jsonl)").requiredOption("--audit-key <hex>", "the regulator's audit signing key this registrar trusts"),
    async (_, options, output) => {
      const log = AuditLog.fromJsonLines(readText(options.audit, "audit log"));
      const person = await withRegistrar(options, output, (r) => r.resolveCase(options.caseId, log, options.auditKey));
      return { data: { caseId: options.caseId, person }, lines: [`case ${options.caseId}: ${person.name}, ID ${person.nationalId}, leaf ${person.leafIndex}${person.revoked ? " (revoked since)" : ""}`] };
    },
  );
}
