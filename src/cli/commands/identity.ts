import { existsSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import type { Command } from "commander";
import { RealDidError } from "../../errors.js";
import { type CarriedFile, combineGuardianShares, guardianShares, openSealedBackup, type RestoredBackup, sealedBackup, type ShareProtection } from "../../identity/backup.js";
import { Identity } from "../../identity/identity.js";
import { exportIdentity, exportIdentityInsecurePlaintext, parseIdentityFile } from "../../identity/identity-file.js";
import { scopeToField } from "../../proof/request.js";
import { collect, defineCommand, integerOption } from "../command-kit.js";
import type { CommandOutput } from "../output.js";
import { ensureFolder, OWNER_ONLY, passphraseFromEnv, readJson, readText, writeAtomically } from "../../files.js";

interface IdentityOptions {
  out: string;
  passphraseEnv?: string;
  insecurePlaintext?: boolean;
  scope?: string;
}

interface BackupOptions {
  identity: string;
  passphraseEnv?: string;
  backupPassphraseEnv?: string;
  credential: string[];
  path: string[];
  out?: string;
  guardians?: number;
  threshold?: number;
  outDir?: string;
  guardianPassphrasesEnv?: string;
  insecurePlaintextShares?: boolean;
}

interface RestoreOptions extends IdentityOptions {
  backup?: string;
  backupPassphraseEnv?: string;
  share: string[];
  sharePassphrasesEnv?: string;
  outDir?: string;
}

const INSECURE_PLAINTEXT_HELP = "write the secret unencrypted: anyone who can read the file can prove as you (tests and throwaway identities only)";

const plaintextWarning = (file: string) => `${file} holds the identity secret in plaintext: anyone who can read it can prove as you (seal it: identity backup, then identity restore with --passphrase-env)`;

/** Loads an identity file, with the passphrase variable when it is sealed; a plaintext file is used with a warning. */
export function loadIdentity(path: string, passphraseEnv: string | undefined, output: CommandOutput): Identity {
  const { identity, plaintext } = parseIdentityFile(readText(path, "identity"), passphraseFromEnv(passphraseEnv));
  if (plaintext) output.warn(plaintextWarning(path));
  return identity;
}

/** The identity file's text: sealed with --passphrase-env, or plaintext only when --insecure-plaintext says so. */
function identityFileText(identity: Identity, options: IdentityOptions, output: CommandOutput): string {
  if (options.passphraseEnv !== undefined && options.insecurePlaintext === true) throw new RealDidError("invalid_argument", "give --passphrase-env or --insecure-plaintext, not both");
  if (options.insecurePlaintext === true) {
    output.warn(plaintextWarning(options.out));
    return exportIdentityInsecurePlaintext(identity);
  }
  if (options.passphraseEnv === undefined) {
    throw new RealDidError("invalid_argument", "identity files are sealed: give --passphrase-env <variable> with your passphrase (or --insecure-plaintext for a throwaway identity)");
  }
  return exportIdentity(identity, passphraseFromEnv(options.passphraseEnv)!);
}

const protectionOptions = (c: Command) =>
  c.option("--passphrase-env <variable>", "seal the secret with the passphrase in this environment variable (scrypt + AES-256-GCM)").option("--insecure-plaintext", INSECURE_PLAINTEXT_HELP);

const carriedFiles = (options: BackupOptions): CarriedFile[] => [
  ...options.credential.map((file) => ({ name: basename(file), kind: "credential" as const, text: readText(file, "credential") })),
  ...options.path.map((file) => ({ name: basename(file), kind: "path" as const, text: readText(file, "path") })),
];

/** The backup's passphrase: its own variable, else the identity file's. */
function backupPassphrase(options: { backupPassphraseEnv?: string; passphraseEnv?: string }): string {
  if (options.backupPassphraseEnv !== undefined) return passphraseFromEnv(options.backupPassphraseEnv, "--backup-passphrase-env")!;
  if (options.passphraseEnv === undefined) throw new RealDidError("invalid_argument", "the backup needs a passphrase: give --backup-passphrase-env <variable> (or --passphrase-env)");
  return passphraseFromEnv(options.passphraseEnv)!;
}

const plaintextSharesWarning = (where: string) =>
  `${where}: anyone who collects enough of these files can restore your identity (seal each guardian's share with --guardian-passphrases-env instead)`;

/** How guardian shares are kept: sealed with $PREFIX<i> for guardian i, or plaintext only when --insecure-plaintext-shares says so. */
function shareProtection(options: BackupOptions, output: CommandOutput): ShareProtection {
  const prefix = options.guardianPassphrasesEnv;
  if (prefix !== undefined && options.insecurePlaintextShares === true) throw new RealDidError("invalid_argument", "give --guardian-passphrases-env or --insecure-plaintext-shares, not both");
  if (options.insecurePlaintextShares === true) {
    output.warn(plaintextSharesWarning(`the guardian shares in ${options.outDir} are not passphrase-sealed`));
    return "insecure-plaintext";
  }
  if (prefix === undefined) {
    throw new RealDidError("invalid_argument", "guardian shares are sealed: give --guardian-passphrases-env <prefix> (guardian i's passphrase in <prefix><i>), or --insecure-plaintext-shares");
  }
  return { passphrases: Array.from({ length: options.guardians! }, (_, i) => passphraseFromEnv(`${prefix}${i + 1}`, `--guardian-passphrases-env, guardian ${i + 1}'s passphrase`)!) };
}

/** Guardian i's passphrase for their sealed share, from $PREFIX<i>. */
const sharePassphrase =
  (prefix: string | undefined) =>
  (guardian: number, file: string): string => {
    if (prefix === undefined) throw new RealDidError("invalid_argument", `share ${file} is sealed with guardian ${guardian}'s passphrase: give --share-passphrases-env <prefix> (guardian i's passphrase in <prefix><i>)`);
    return passphraseFromEnv(`${prefix}${guardian}`, `--share-passphrases-env, guardian ${guardian}'s passphrase`)!;
  };

function openBackup(options: RestoreOptions, output: CommandOutput): RestoredBackup {
  if ((options.backup === undefined) === (options.share.length === 0)) throw new RealDidError("invalid_argument", "give --backup <file> or guardian shares (--share <file>, repeated), not both");
  if (options.backup !== undefined) return openSealedBackup(readJson(options.backup, "backup"), backupPassphrase(options));
  const restored = combineGuardianShares(
    options.share.map((file) => readJson(file, "share")),
    options.share,
    sharePassphrase(options.sharePassphrasesEnv),
  );
  if (restored.plaintext.length > 0) output.warn(plaintextSharesWarning(`${restored.plaintext.join(", ")} ${restored.plaintext.length === 1 ? "is" : "are"} not passphrase-sealed`));
  for (const file of restored.suspect) output.warn(`share ${file} does not agree with the others (altered, or a damaged copy): it was not used`);
  return restored;
}

export function identityCommands(program: Command): void {
  const identity = program.command("identity").description("the citizen's identity secret (kept on their machine)");

  defineCommand<IdentityOptions>(
    identity,
    { name: "new", summary: "create an identity secret, sealed with a passphrase, and its commitment", example: "REALDID_PASSPHRASE=… realdid identity new --out me.identity.json --passphrase-env REALDID_PASSPHRASE" },
    (c) => protectionOptions(c.requiredOption("--out <file>", "where to write the identity file (never overwritten; mode 0600)")),
    async (_, options, output) => {
      const identity = Identity.random();
      writeAtomically(options.out, identityFileText(identity, options, output), { overwrite: false, mode: OWNER_ONLY });
      return {
        data: { file: options.out, commitment: identity.commitment.toString(), encrypted: options.insecurePlaintext !== true },
        lines: [`identity written to ${options.out}`, `commitment: ${identity.commitment}`, "give the commitment (not the file) to the registrar to enroll"],
      };
    },
  );

  defineCommand<IdentityOptions>(
    identity,
    { name: "show", summary: "show an identity's commitment, and its DID address at a scope", example: "realdid identity show me.identity.json --passphrase-env REALDID_PASSPHRASE --scope shop.example" },
    (c) => c.argument("<file>", "identity file").option("--passphrase-env <variable>", "passphrase variable for a sealed file").option("--scope <scope>", "also show the DID address at this scope"),
    async ([file], options, output) => {
      const identity = loadIdentity(file, options.passphraseEnv, output);
      const didAddress = options.scope === undefined ? undefined : identity.didAddress(scopeToField(options.scope)).toString();
      return {
        data: { commitment: identity.commitment.toString(), ...(didAddress ? { scope: options.scope, didAddress } : {}) },
        lines: [`commitment: ${identity.commitment}`, ...(didAddress ? [`DID address at ${options.scope}: ${didAddress}`] : [])],
      };
    },
  );

  defineCommand<BackupOptions>(
    identity,
    {
      name: "backup",
      summary: "an encrypted backup of your identity (and credential and path files) to restore on a new machine: sealed with a passphrase, or split among k-of-n guardians",
      example: "realdid identity backup --identity me.identity.json --passphrase-env REALDID_PASSPHRASE --credential me.credential.json --out me.backup.json",
    },
    (c) =>
      c
        .requiredOption("--identity <file>", "your identity file")
        .option("--passphrase-env <variable>", "passphrase variable of the identity file")
        .option("--credential <file>", "carry this credential file too (repeatable)", collect, [])
        .option("--path <file>", "carry this path file too (repeatable)", collect, [])
        .option("--out <file>", "write one backup sealed with a passphrase (realdid-identity-backup/1)")
        .option("--backup-passphrase-env <variable>", "the backup's passphrase (default: the identity's, --passphrase-env)")
        .option("--guardians <n>", "instead, split the backup into n guardian share files (realdid-identity-share/2)", integerOption("--guardians"))
        .option("--threshold <k>", "with --guardians: how many shares restore it", integerOption("--threshold"))
        .option("--out-dir <dir>", "with --guardians: folder for guardian-<i>.share.json")
        .option("--guardian-passphrases-env <prefix>", "with --guardians: seal guardian i's share with the passphrase in the environment variable <prefix><i>")
        .option("--insecure-plaintext-shares", "with --guardians: write the shares unsealed (realdid-identity-share/1): whoever collects k of the files restores you (tests only)"),
    async (_, options, output) => {
      const guardians = options.guardians !== undefined;
      if (guardians === (options.out !== undefined)) throw new RealDidError("invalid_argument", "give --out <file> (a passphrase-sealed backup) or --guardians <n> --threshold <k> --out-dir <dir> (guardian shares)");
      if (guardians && (options.threshold === undefined || options.outDir === undefined)) throw new RealDidError("invalid_argument", "--guardians needs --threshold <k> and --out-dir <dir>");
      const protection = guardians ? shareProtection(options, output) : undefined;
      const me = loadIdentity(options.identity, options.passphraseEnv, output);
      const files = carriedFiles(options);
      const carried = files.map((f) => f.name);
      if (!guardians) {
        writeAtomically(options.out!, sealedBackup(me, files, backupPassphrase(options)), { overwrite: false, mode: OWNER_ONLY });
        return {
          data: { backup: options.out, commitment: me.commitment.toString(), files: carried },
          lines: [`backup written to ${options.out} (sealed with the backup passphrase${carried.length ? `; carries ${carried.join(", ")}` : ""})`, "keep it off this machine; restore with: realdid identity restore --backup …"],
        };
      }
      const shares = guardianShares(me, files, options.guardians!, options.threshold!, protection!);
      const paths = shares.map((_, i) => join(options.outDir!, `guardian-${i + 1}.share.json`));
      for (const path of paths) if (existsSync(path)) throw new RealDidError("file_exists", `${path} already exists; refusing to overwrite it`);
      ensureFolder(options.outDir!);
      shares.forEach((text, i) => writeAtomically(paths[i], text, { overwrite: false, mode: OWNER_ONLY }));
      return {
        data: { shares: paths, sealed: protection !== "insecure-plaintext", guardians: options.guardians, threshold: options.threshold, commitment: me.commitment.toString(), files: carried },
        lines: [
          `${shares.length} guardian shares written to ${options.outDir}: any ${options.threshold} of them restore this identity${protection === "insecure-plaintext" ? "" : ", each opened with its guardian's passphrase"}`,
          "give each guardian one file, and keep none of them on this machine",
        ],
      };
    },
  );

  defineCommand<RestoreOptions>(
    identity,
    {
      name: "restore",
      summary: "restore an identity from a backup, or from k guardian shares, into a new sealed identity file (and the carried credential and path files)",
      example: "realdid identity restore --backup me.backup.json --passphrase-env REALDID_PASSPHRASE --out me.identity.json",
    },
    (c) =>
      protectionOptions(
        c
          .option("--backup <file>", "a passphrase-sealed backup (realdid-identity-backup/1)")
          .option("--backup-passphrase-env <variable>", "the backup's passphrase (default: --passphrase-env)")
          .option("--share <file>", "a guardian's share file (repeat for k of them)", collect, [])
          .option("--share-passphrases-env <prefix>", "guardian i's passphrase, for the share whose header says guardian i, is in the environment variable <prefix><i>")
          .requiredOption("--out <file>", "where to write the restored identity file (never overwritten; mode 0600)")
          .option("--out-dir <dir>", "where to write the carried credential and path files (default: the folder of --out)"),
      ),
    async (_, options, output) => {
      const restored = openBackup(options, output);
      const text = identityFileText(restored.identity, options, output);
      const dir = options.outDir ?? dirname(options.out);
      const targets = [options.out, ...restored.files.map((f) => join(dir, f.name))];
      // Check every target first, so a restore writes all of its files or none.
      for (const path of targets) if (existsSync(path)) throw new RealDidError("file_exists", `${path} already exists; refusing to overwrite it`);
      ensureFolder(dir);
      writeAtomically(options.out, text, { overwrite: false, mode: OWNER_ONLY });
      restored.files.forEach((file, i) => writeAtomically(targets[i + 1], file.text, { overwrite: false, mode: OWNER_ONLY }));
      const { commitment } = restored.identity;
      return {
        data: { file: options.out, commitment: commitment.toString(), backupCreatedAt: restored.createdAt, files: targets.slice(1), encrypted: options.insecurePlaintext !== true },
        lines: [`identity restored to ${options.out} (backup of ${restored.createdAt})`, `commitment: ${commitment}`, ...targets.slice(1).map((path) => `restored ${path}`)],
      };
    },
  );
}
