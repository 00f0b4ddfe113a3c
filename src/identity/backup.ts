import { randomBytes } from "node:crypto";
import { sha256 } from "@noble/hashes/sha2.js";
import { bytesToHex } from "@noble/hashes/utils.js";
import { z } from "zod";
import { SUBGROUP_ORDER } from "../crypto/baby-jubjub.js";
import { aesGcmDecrypt, aesGcmEncrypt } from "../crypto/aes-gcm.js";
import { mod } from "../crypto/field.js";
import { RealDidError } from "../errors.js";
import { Decimal, FieldDecimal, Hex, IsoTime } from "../formats/fields.js";
import { parseDocument } from "../formats/schema.js";
import { parseCredentialFile } from "../registry/credential.js";
import { parsePathFile } from "../registry/path-file.js";
import { checkThreshold, evaluate, lagrangeAtZero, randomPolynomial } from "../regulator/shamir.js";
import { Identity } from "./identity.js";
import { seal, unseal } from "./passphrase-seal.js";
import { SealedDataSchema } from "./sealed-data.js";

/**
 * An encrypted backup of a citizen's identity, to restore on a new machine: the secret
 * (so every DID address stays the same) and, optionally, the credential and path files
 * (so proving can go on at once). Two ways to open it:
 * - `realdid-identity-backup/1`: sealed with a passphrase (scrypt + AES-256-GCM);
 * - guardian shares, one file per guardian. The content is encrypted under a random key K
 *   (AES-256-GCM), K is Shamir-split k of n over the Baby Jubjub subgroup order, and each
 *   guardian's file holds one share and the ciphertext. k shares give K; fewer say nothing
 *   about it; an altered share gives a wrong K, which GCM's tag refuses. In
 *   `realdid-identity-share/2` the share is sealed with its guardian's own passphrase, so the
 *   folder the shares are written to is not a plaintext secret; `realdid-identity-share/1`
 *   (the share in plain text) is written only when asked for, and still read.
 */
const BACKUP_FORMAT = "realdid-identity-backup/1";
const PLAIN_SHARE_FORMAT = "realdid-identity-share/1";
const SEALED_SHARE_FORMAT = "realdid-identity-share/2";
/** Labels K's hash and the ciphertext's context in both share formats (/2 changed only how the share is kept). */
const SHARE_DOMAIN = PLAIN_SHARE_FORMAT;
const CONTENT_FORMAT = "realdid-identity-backup-content/1";

export type CarriedFileKind = "credential" | "path";

/** A file carried in a backup, restored under its own name. */
export interface CarriedFile {
  name: string;
  kind: CarriedFileKind;
  text: string;
}

export interface RestoredBackup {
  identity: Identity;
  files: CarriedFile[];
  createdAt: string;
}

/** A bare file name, so a restore writes only inside the folder it is given. */
const FileName = z.string().regex(/^[A-Za-z0-9_-][A-Za-z0-9._-]{0,199}$/, "must be a plain file name (letters, digits, '.', '_', '-')");

const CarriedFileSchema = z.strictObject({ name: FileName, kind: z.enum(["credential", "path"]), text: z.string().max(1_000_000) });

/** What is encrypted, by a passphrase or for the guardians. */
const ContentSchema = z.strictObject({
  format: z.literal(CONTENT_FORMAT),
  secret: FieldDecimal,
  commitment: FieldDecimal,
  createdAt: IsoTime,
  files: z
    .array(CarriedFileSchema)
    .max(64)
    .refine((files) => new Set(files.map((f) => f.name)).size === files.length, "must not name a file twice"),
});

const BackupSchema = z.strictObject({ format: z.literal(BACKUP_FORMAT), sealed: SealedDataSchema });

const Base64 = z.string().regex(/^[A-Za-z0-9+/]*={0,2}$/, "must be base64");
const GuardianCount = z.number().int().min(1).max(255);

const ShareValue = Decimal.refine((value) => BigInt(value) < SUBGROUP_ORDER, "must be below the Baby Jubjub subgroup order");

/** What every share file shows: which backup, which guardian, k of n, and the encrypted content. */
const shareHeader = {
  /** Ties the shares of one backup together (random; says nothing about the identity). */
  backupId: Hex(16),
  guardian: GuardianCount,
  guardians: GuardianCount,
  threshold: GuardianCount,
  backup: z.strictObject({ cipher: z.literal("aes-256-gcm"), iv: Base64, tag: Base64, ciphertext: Base64 }),
};
const consistent = (s: { guardian: number; guardians: number; threshold: number }) => s.threshold <= s.guardians && s.guardian <= s.guardians;
const CONSISTENT = "needs guardian <= guardians and threshold <= guardians";

const PlainShareSchema = z.strictObject({ format: z.literal(PLAIN_SHARE_FORMAT), ...shareHeader, share: ShareValue }).refine(consistent, CONSISTENT);
const SealedShareSchema = z.strictObject({ format: z.literal(SEALED_SHARE_FORMAT), ...shareHeader, sealed: SealedDataSchema }).refine(consistent, CONSISTENT);
/** Inside `sealed`: the share, bound to its backup and guardian so a sealed box moved to another header is refused. */
const SealedShareContentSchema = z.strictObject({ backupId: Hex(16), guardian: GuardianCount, share: ShareValue });

type PlainShareFile = z.infer<typeof PlainShareSchema>;
type SealedShareFile = z.infer<typeof SealedShareSchema>;

/** Checks what a citizen asks to carry: credentials issued to this identity, well-formed path files. */
function checkCarriedFile(identity: Identity, file: CarriedFile): void {
  if (file.kind === "credential") {
    const { commitment } = parseCredentialFile(file.text);
    if (commitment !== identity.commitment) throw new RealDidError("credential_mismatch", `credential ${file.name} was issued to another identity (its commitment differs)`);
    return;
  }
  let value: unknown;
  try {
    value = JSON.parse(file.text);
  } catch {
    throw new RealDidError("invalid_argument", `path file ${file.name} is not valid JSON`);
  }
  parsePathFile(value);
}

function contentBytes(identity: Identity, files: readonly CarriedFile[], now: Date): Uint8Array {
  for (const file of files) checkCarriedFile(identity, file);
  const content: z.infer<typeof ContentSchema> = {
    format: CONTENT_FORMAT,
    secret: identity.secret.toString(),
    commitment: identity.commitment.toString(),
    createdAt: now.toISOString(),
    files: files.map(({ name, kind, text }) => ({ name, kind, text })),
  };
  parseDocument(ContentSchema, content, "the backup"); // names a bad file name before anything is written
  return new TextEncoder().encode(JSON.stringify(content));
}

function parseContent(bytes: Uint8Array): RestoredBackup {
  let value: unknown;
  try {
    value = JSON.parse(new TextDecoder().decode(bytes));
  } catch {
    throw new RealDidError("backup_tampered", "the backup's content is not valid JSON");
  }
  const content = parseDocument(ContentSchema, value, "the backup's content", "backup_tampered");
  const identity = Identity.fromSecret(BigInt(content.secret));
  if (identity.commitment.toString() !== content.commitment) throw new RealDidError("backup_tampered", "the backup's commitment does not match its secret");
  for (const file of content.files) checkCarriedFile(identity, file);
  return { identity, files: content.files, createdAt: content.createdAt };
}

const json = (document: object) => JSON.stringify(document, null, 2) + "\n";

/** A `realdid-identity-backup/1` document sealed with the passphrase. */
export function sealedBackup(identity: Identity, files: readonly CarriedFile[], passphrase: string, now = new Date()): string {
  return json({ format: BACKUP_FORMAT, sealed: seal(contentBytes(identity, files, now), passphrase) });
}

export function openSealedBackup(value: unknown, passphrase: string): RestoredBackup {
  const backup = parseDocument(BackupSchema, value, "the backup file", "invalid_argument");
  return parseContent(unseal(backup.sealed, passphrase));
}

/** The AES key from the shared scalar K (a hash, so the key is uniform 256 bits). */
const shareKey = (k: bigint) => sha256(new TextEncoder().encode(`${SHARE_DOMAIN} key\n${k.toString(16).padStart(64, "0")}`));

/** The context the ciphertext is bound to: moving it to another backup id or threshold breaks the tag. */
const shareAad = (s: Pick<PlainShareFile, "backupId" | "threshold" | "guardians">) => new TextEncoder().encode(`${SHARE_DOMAIN}\n${s.backupId}\n${s.threshold}\n${s.guardians}`);

/** How shares are kept: guardian i's sealed with `passphrases[i - 1]`, or in plain text when asked for by name. */
export type ShareProtection = { passphrases: readonly string[] } | "insecure-plaintext";

/** Checks the guardians' passphrases before anything is computed: one each, and no two the same. */
function checkGuardianPassphrases(passphrases: readonly string[], guardians: number): void {
  if (passphrases.length !== guardians) throw new RealDidError("invalid_argument", `${guardians} guardians need ${guardians} passphrases; received ${passphrases.length}`);
  passphrases.forEach((passphrase, i) => {
    const earlier = passphrases.indexOf(passphrase);
    if (earlier !== i) throw new RealDidError("invalid_argument", `guardians ${earlier + 1} and ${i + 1} have the same passphrase: each guardian needs their own`);
  });
}

/**
 * One share document per guardian; any `threshold` of them restore the identity. Sealed
 * (`realdid-identity-share/2`), guardian i's share opens only with their passphrase; with
 * "insecure-plaintext" the shares are `realdid-identity-share/1` and readable.
 */
export function guardianShares(identity: Identity, files: readonly CarriedFile[], guardians: number, threshold: number, protection: ShareProtection, now = new Date()): string[] {
  checkThreshold(threshold, guardians);
  if (protection !== "insecure-plaintext") checkGuardianPassphrases(protection.passphrases, guardians);
  const polynomial = randomPolynomial(threshold);
  const header = { backupId: bytesToHex(randomBytes(16)), threshold, guardians };
  const backup = { cipher: "aes-256-gcm" as const, ...aesGcmEncrypt(shareKey(polynomial.coefficients[0]), contentBytes(identity, files, now), shareAad(header)) };
  return Array.from({ length: guardians }, (_, i) => {
    const guardian = i + 1;
    const share = evaluate(polynomial, BigInt(guardian)).toString();
    if (protection === "insecure-plaintext") return json({ format: PLAIN_SHARE_FORMAT, backupId: header.backupId, guardian, guardians, threshold, share, backup } satisfies PlainShareFile);
    const content = new TextEncoder().encode(JSON.stringify({ backupId: header.backupId, guardian, share } satisfies z.infer<typeof SealedShareContentSchema>));
    const sealed = seal(content, protection.passphrases[i]);
    return json({ format: SEALED_SHARE_FORMAT, backupId: header.backupId, guardian, guardians, threshold, sealed, backup } satisfies SealedShareFile);
  });
}

/** Guardian `guardian`'s passphrase for the share named `where`. */
export type GuardianPassphrase = (guardian: number, where: string) => string;

type ParsedShare = PlainShareFile | SealedShareFile;

const parseShare = (value: unknown, where: string): ParsedShare =>
  (value as { format?: unknown })?.format === PLAIN_SHARE_FORMAT
    ? parseDocument(PlainShareSchema, value, `share ${where}`, "invalid_argument")
    : parseDocument(SealedShareSchema, value, `share ${where}`, "invalid_argument");

/** The share's point f(i): in the file (/1), or opened with its guardian's passphrase (/2). */
function shareValue(s: ParsedShare, where: string, passphrase: GuardianPassphrase | undefined): string {
  if (s.format === PLAIN_SHARE_FORMAT) return s.share;
  if (passphrase === undefined) throw new RealDidError("invalid_argument", `share ${where} is sealed with guardian ${s.guardian}'s passphrase, and none was given`);
  let bytes: Uint8Array;
  try {
    bytes = unseal(s.sealed, passphrase(s.guardian, where));
  } catch (error) {
    if (error instanceof RealDidError && error.code === "wrong_passphrase") {
      throw new RealDidError("wrong_passphrase", `guardian ${s.guardian}'s passphrase does not open share ${where} (wrong passphrase, or the file was altered)`);
    }
    throw error;
  }
  let content: unknown;
  try {
    content = JSON.parse(new TextDecoder().decode(bytes));
  } catch {
    throw new RealDidError("backup_tampered", `share ${where}: its sealed share is not valid JSON`);
  }
  const inner = parseDocument(SealedShareContentSchema, content, `share ${where}: the sealed share`, "backup_tampered");
  if (inner.backupId !== s.backupId || inner.guardian !== s.guardian) {
    throw new RealDidError("backup_tampered", `share ${where}: its sealed share is guardian ${inner.guardian}'s of backup ${inner.backupId}, not what its header says`);
  }
  return inner.share;
}

/** Subsets of `size` of 0..n-1 in lexicographic order. */
function* subsets(n: number, size: number, start = 0, chosen: number[] = []): Generator<number[]> {
  if (chosen.length === size) {
    yield chosen;
    return;
  }
  for (let i = start; i <= n - (size - chosen.length); i++) yield* subsets(n, size, i + 1, [...chosen, i]);
}

/** How many k-subsets a restore tries when more than k shares are given and one is bad. */
const MAX_SUBSETS = 1000;

/** A share with its point f(i) opened. */
type OpenedShare = Omit<PlainShareFile, "format">;

/** K from k shares: f(0) = Σ λ_i·f(i) over the subgroup order. */
function sharedKey(chosen: readonly OpenedShare[]): bigint {
  const lambdas = lagrangeAtZero(chosen.map((s) => s.guardian));
  return chosen.reduce((acc, s, j) => mod(acc + lambdas[j] * BigInt(s.share), SUBGROUP_ORDER), 0n);
}

/**
 * Restores from guardian share documents (`where[i]` names document i in errors); a sealed
 * share is opened with `passphrase(guardian, where)`. With more than k shares it looks for
 * k that open the backup, so one bad share among spares does not block a restore, and
 * names the shares that disagree (`suspect`) and those that were not sealed (`plaintext`);
 * the tag of AES-GCM is what tells a right K from a wrong one.
 */
export function combineGuardianShares(values: readonly unknown[], where: readonly string[], passphrase?: GuardianPassphrase): RestoredBackup & { suspect: string[]; plaintext: string[] } {
  const parsed = values.map((value, i) => parseShare(value, where[i]));
  if (parsed.length === 0) throw new RealDidError("not_enough_shares", "no guardian shares given");
  const [first] = parsed;
  parsed.forEach((s, i) => {
    if (s.backupId !== first.backupId || s.threshold !== first.threshold || s.guardians !== first.guardians) {
      throw new RealDidError("invalid_argument", `share ${where[i]} belongs to another backup than ${where[0]} (backup ${s.backupId}, ${s.threshold} of ${s.guardians})`);
    }
    const earlier = parsed.findIndex((t) => t.guardian === s.guardian);
    if (earlier !== i) throw new RealDidError("invalid_argument", `shares ${where[earlier]} and ${where[i]} are both guardian ${s.guardian}'s`);
  });
  if (parsed.length < first.threshold) {
    throw new RealDidError("not_enough_shares", `this backup needs ${first.threshold} of its ${first.guardians} guardian shares; received ${parsed.length}`);
  }
  // Only now the passphrases (scrypt each): a mismatched or short set fails at once.
  const shares: OpenedShare[] = parsed.map((s, i) => ({ backupId: s.backupId, guardian: s.guardian, guardians: s.guardians, threshold: s.threshold, backup: s.backup, share: shareValue(s, where[i], passphrase) }));
  const plaintext = where.filter((_, i) => parsed[i].format === PLAIN_SHARE_FORMAT);
  const boxes = [...new Map(shares.map((s) => [JSON.stringify(s.backup), s.backup])).values()];
  let tried = 0;
  for (const subset of subsets(shares.length, first.threshold)) {
    if (tried++ === MAX_SUBSETS) break;
    const k = sharedKey(subset.map((i) => shares[i]));
    for (const box of boxes) {
      const content = aesGcmDecrypt(shareKey(k), box, shareAad(first));
      if (content === undefined) continue;
      // A share outside the subset agrees if it gives the same K in place of one inside it.
      const others = subset.slice(1).map((i) => shares[i]);
      const suspect = shares.flatMap((s, i) => {
        const sameBox = JSON.stringify(s.backup) === JSON.stringify(box);
        const sameKey = subset.includes(i) || sharedKey([...others, s]) === k;
        return sameBox && sameKey ? [] : [where[i]];
      });
      return { ...parseContent(content), suspect, plaintext };
    }
  }
  throw new RealDidError("backup_tampered", `the guardian shares do not open the backup: a share was altered, or ${first.threshold} good shares were not among those given`);
}
