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
import { SealedDataSchema, seal, unseal } from "./passphrase-seal.js";

/**
 * An encrypted backup of a citizen's identity, to restore on a new machine: the secret
 * (so every DID address stays the same) and, optionally, the credential and path files
 * (so proving can go on at once). Two ways to open it:
 * - `realdid-identity-backup/1`: sealed with a passphrase (scrypt + AES-256-GCM);
 * - `realdid-identity-share/1`: one file per guardian. The content is encrypted under a
 *   random key K (AES-256-GCM), K is Shamir-split k of n over the Baby Jubjub subgroup
 *   order, and each guardian's file holds one share and the ciphertext. k shares give K;
 *   fewer say nothing about it; an altered share gives a wrong K, which GCM's tag refuses.
 */
const BACKUP_FORMAT = "realdid-identity-backup/1";
const SHARE_FORMAT = "realdid-identity-share/1";
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

const ShareSchema = z
  .strictObject({
    format: z.literal(SHARE_FORMAT),
    /** Ties the shares of one backup together (random; says nothing about the identity). */
    backupId: Hex(16),
    guardian: GuardianCount,
    guardians: GuardianCount,
    threshold: GuardianCount,
    share: Decimal.refine((value) => BigInt(value) < SUBGROUP_ORDER, "must be below the Baby Jubjub subgroup order"),
    backup: z.strictObject({ cipher: z.literal("aes-256-gcm"), iv: Base64, tag: Base64, ciphertext: Base64 }),
  })
  .refine((s) => s.threshold <= s.guardians && s.guardian <= s.guardians, "needs guardian <= guardians and threshold <= guardians");

type ShareFile = z.infer<typeof ShareSchema>;

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
const shareKey = (k: bigint) => sha256(new TextEncoder().encode(`${SHARE_FORMAT} key\n${k.toString(16).padStart(64, "0")}`));

/** The context the ciphertext is bound to: moving it to another backup id or threshold breaks the tag. */
const shareAad = (s: Pick<ShareFile, "backupId" | "threshold" | "guardians">) => new TextEncoder().encode(`${SHARE_FORMAT}\n${s.backupId}\n${s.threshold}\n${s.guardians}`);

/** One `realdid-identity-share/1` document per guardian; any `threshold` of them restore the identity. */
export function guardianShares(identity: Identity, files: readonly CarriedFile[], guardians: number, threshold: number, now = new Date()): string[] {
  checkThreshold(threshold, guardians);
  const polynomial = randomPolynomial(threshold);
  const header = { backupId: bytesToHex(randomBytes(16)), threshold, guardians };
  const backup = { cipher: "aes-256-gcm" as const, ...aesGcmEncrypt(shareKey(polynomial.coefficients[0]), contentBytes(identity, files, now), shareAad(header)) };
  return Array.from({ length: guardians }, (_, i) => {
    const share: ShareFile = { format: SHARE_FORMAT, backupId: header.backupId, guardian: i + 1, guardians, threshold, share: evaluate(polynomial, BigInt(i + 1)).toString(), backup };
    return json(share);
  });
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

/** K from k shares: f(0) = Σ λ_i·f(i) over the subgroup order. */
function sharedKey(chosen: readonly ShareFile[]): bigint {
  const lambdas = lagrangeAtZero(chosen.map((s) => s.guardian));
  return chosen.reduce((acc, s, j) => mod(acc + lambdas[j] * BigInt(s.share), SUBGROUP_ORDER), 0n);
}

/**
 * Restores from guardian share documents (`where[i]` names document i in errors). With
 * more than k shares it looks for k that open the backup, so one bad share among spares
 * does not block a restore, and names the shares that disagree (`suspect`); the tag of
 * AES-GCM is what tells a right K from a wrong one.
 */
export function combineGuardianShares(values: readonly unknown[], where: readonly string[]): RestoredBackup & { suspect: string[] } {
  const shares = values.map((value, i) => parseDocument(ShareSchema, value, `share ${where[i]}`, "invalid_argument"));
  if (shares.length === 0) throw new RealDidError("not_enough_shares", "no guardian shares given");
  const [first] = shares;
  shares.forEach((s, i) => {
    if (s.backupId !== first.backupId || s.threshold !== first.threshold || s.guardians !== first.guardians) {
      throw new RealDidError("invalid_argument", `share ${where[i]} belongs to another backup than ${where[0]} (backup ${s.backupId}, ${s.threshold} of ${s.guardians})`);
    }
    const earlier = shares.findIndex((t) => t.guardian === s.guardian);
    if (earlier !== i) throw new RealDidError("invalid_argument", `shares ${where[earlier]} and ${where[i]} are both guardian ${s.guardian}'s`);
  });
  if (shares.length < first.threshold) {
    throw new RealDidError("not_enough_shares", `this backup needs ${first.threshold} of its ${first.guardians} guardian shares; received ${shares.length}`);
  }
  const boxes = [...new Map(shares.map((s) => [JSON.stringify(s.backup), s.backup])).values()];
  let tried = 0;
  for (const subset of subsets(shares.length, first.threshold)) {
    if (tried++ === MAX_SUBSETS) break;
    const k = sharedKey(subset.map((i) => shares[i]));
    for (const box of boxes) {
      const plaintext = aesGcmDecrypt(shareKey(k), box, shareAad(first));
      if (plaintext === undefined) continue;
      // A share outside the subset agrees if it gives the same K in place of one inside it.
      const others = subset.slice(1).map((i) => shares[i]);
      const suspect = shares.flatMap((s, i) => {
        const sameBox = JSON.stringify(s.backup) === JSON.stringify(box);
        const sameKey = subset.includes(i) || sharedKey([...others, s]) === k;
        return sameBox && sameKey ? [] : [where[i]];
      });
      return { ...parseContent(plaintext), suspect };
    }
  }
  throw new RealDidError("backup_tampered", `the guardian shares do not open the backup: a share was altered, or ${first.threshold} good shares were not among those given`);
}
