import { existsSync, rmSync } from "node:fs";
import { join } from "node:path";
import { z } from "zod";
import { RealDidError } from "../errors.js";
import { ensureFolder, readJson, writeAtomically } from "../files.js";
import { parseDocument } from "../formats/schema.js";
import { seal, unseal } from "../identity/passphrase-seal.js";
import { SealedDataSchema } from "../identity/sealed-data.js";
import {
  buildRoster,
  type ComplaintDocument,
  type DealDocument,
  type DkgResult,
  type HolderDocument,
  type HolderSecrets,
  newHolder,
  parseComplaint,
  parseDeal,
  parseHolderDocument,
  type Roster,
} from "./dkg.js";
import { writePublicKeyFile, writeShareFile } from "./key-files.js";

/**
 * A DKG holder's folder (the Node adapter of dkg.ts): its sealed ceremony secrets, the
 * documents it publishes, and at the end its share and the public key in the formats the
 * dealer keygen writes, so `regulator partial` and `unmask` take them unchanged.
 */
const SECRET_FORMAT = "realdid-dkg-secret/1";
export const SECRET_FILE = "dkg-secret.json";

const SecretFileSchema = z.strictObject({
  format: z.literal(SECRET_FORMAT),
  ceremony: z.string(),
  index: z.number().int().min(1).max(255),
  threshold: z.number().int().min(1).max(255),
  holders: z.number().int().min(1).max(255),
  /** The holder's encryption and signing secrets, sealed with its passphrase (scrypt + AES-256-GCM). */
  sealed: SealedDataSchema,
});
const SealedSecretsSchema = z.strictObject({ encryptionSecret: z.string().regex(/^[0-9]{1,77}$/), signingSecret: z.string().regex(/^[0-9a-f]{64}$/) });

export interface HolderFolder {
  readonly dir: string;
  readonly ceremony: string;
  readonly index: number;
  readonly threshold: number;
  readonly holders: number;
  readonly secrets: HolderSecrets;
}

export const holderFile = (dir: string, index: number) => join(dir, `holder-${index}.json`);
export const dealFile = (dir: string, index: number) => join(dir, `deal-${index}.json`);
export const complaintFile = (dir: string, complainer: number, accused: number) => join(dir, `complaint-${complainer}-against-${accused}.json`);

const writeDocument = (file: string, document: object, mode = 0o644) => writeAtomically(file, JSON.stringify(document, null, 2) + "\n", { overwrite: false, mode });

/** Step 1: the holder's secrets (sealed, mode 600) and its public holder document. */
export function initHolderFolder(dir: string, ceremony: string, index: number, holders: number, threshold: number, passphrase: string): { file: string; document: HolderDocument } {
  const { document, secrets } = newHolder(ceremony, index, holders, threshold);
  ensureFolder(dir);
  const sealed = seal(new TextEncoder().encode(JSON.stringify({ encryptionSecret: secrets.encryptionSecret.toString(), signingSecret: secrets.signingSecret })), passphrase);
  writeDocument(join(dir, SECRET_FILE), { format: SECRET_FORMAT, ceremony: document.ceremony, index, threshold, holders, sealed }, 0o600);
  const file = holderFile(dir, index);
  writeDocument(file, document);
  return { file, document };
}

const PUBLIC_FILE = "regulator-public.json";

export function openHolderFolder(dir: string, passphrase: string): HolderFolder {
  const path = join(dir, SECRET_FILE);
  if (!existsSync(path) && existsSync(join(dir, PUBLIC_FILE))) {
    throw new RealDidError("dkg_invalid", `the ceremony in ${dir} has finished: its secrets were removed; the holder's share is its share-<i>.json`);
  }
  const file = parseDocument(SecretFileSchema, readJson(path, "DKG secret"), path);
  const inner = parseDocument(SealedSecretsSchema, JSON.parse(new TextDecoder().decode(unseal(file.sealed, passphrase))), path);
  return { dir, ceremony: file.ceremony, index: file.index, threshold: file.threshold, holders: file.holders, secrets: { encryptionSecret: BigInt(inner.encryptionSecret), signingSecret: inner.signingSecret } };
}

/** The roster from the holder documents' files, checked to be the ceremony this holder joined. */
export function readRoster(holder: HolderFolder, files: readonly string[]): Roster {
  const roster = buildRoster(
    files.map((f) => parseHolderDocument(readJson(f, "DKG holder"), f)),
    files,
  );
  if (roster.ceremony !== holder.ceremony || roster.threshold !== holder.threshold || roster.holders !== holder.holders) {
    throw new RealDidError("dkg_invalid", `the holder documents are for ceremony ${roster.ceremony} (${roster.threshold} of ${roster.holders}); this holder joined ${holder.ceremony} (${holder.threshold} of ${holder.holders})`);
  }
  return roster;
}

export const readDeals = (roster: Roster, files: readonly string[]): DealDocument[] => files.map((f) => parseDeal(readJson(f, "DKG deal"), f, roster));
export const readComplaints = (roster: Roster, files: readonly string[]): ComplaintDocument[] => files.map((f) => parseComplaint(readJson(f, "DKG complaint"), f, roster));

export function writeDeal(holder: HolderFolder, deal: DealDocument): string {
  const file = dealFile(holder.dir, holder.index);
  writeDocument(file, deal);
  return file;
}

export const writeComplaints = (holder: HolderFolder, complaints: readonly ComplaintDocument[]): string[] =>
  complaints.map((c) => {
    const file = complaintFile(holder.dir, c.complainer, c.accused);
    writeDocument(file, c);
    return file;
  });

/**
 * Step 4's output: share-<i>.json sealed with the holder's passphrase, and regulator-public.json.
 * Then the ceremony secrets go: with the public deals, e_j would recompute the share x_j for
 * as long as it exists, whatever later becomes of the share file (re-sealed, deleted).
 */
export function writeDkgResult(holder: HolderFolder, result: DkgResult, passphrase: string): { shareFile: string; publicFile: string } {
  const shareFile = join(holder.dir, `share-${holder.index}.json`);
  const publicFile = join(holder.dir, PUBLIC_FILE);
  writeShareFile(shareFile, result.key, holder.index, result.share, passphrase);
  writePublicKeyFile(publicFile, result.key);
  rmSync(join(holder.dir, SECRET_FILE));
  return { shareFile, publicFile };
}
