import { join } from "node:path";
import { z } from "zod";
import { ensureFolder, writeAtomically } from "../files.js";
import { type Point, pointsEqual } from "../crypto/baby-jubjub.js";
import { toFieldElement } from "../crypto/field.js";
import { seal, unseal } from "../identity/passphrase-seal.js";
import { SealedDataSchema, type SealedData } from "../identity/sealed-data.js";
import { RealDidError } from "../errors.js";
import { FieldDecimal, Hex, PointJson } from "../formats/fields.js";
import { parseDocument } from "../formats/schema.js";
import { parsePoint } from "../policy/policy.js";
import { dealThresholdKey, publicKeyFromCommitments, type RegulatorPublicKey, shareIsValid } from "./threshold-key.js";

const PUBLIC_FORMAT = "realdid-regulator-key/1";
const SHARE_FORMAT = "realdid-regulator-share/1";

const pointJson = (p: Point) => ({ x: p.x.toString(), y: p.y.toString() });

/** The public key file: x and y at the top (so it can be pasted as a policy's regulatorKey), then the sharing. */
export const publicKeyJson = (key: RegulatorPublicKey) => ({
  format: PUBLIC_FORMAT,
  keyId: key.keyId,
  ...pointJson(key.publicKey),
  threshold: key.threshold,
  shares: key.shares,
  shareKeys: key.shareKeys.map(pointJson),
  commitments: key.commitments.map(pointJson),
});

const RegulatorKeyFileSchema = z.strictObject({
  format: z.literal(PUBLIC_FORMAT),
  keyId: Hex(8, "a regulator key id (16 lowercase hex characters)"),
  x: FieldDecimal,
  y: FieldDecimal,
  threshold: z.number().int().min(1).max(255),
  shares: z.number().int().min(1).max(255),
  shareKeys: z.array(PointJson).max(255),
  commitments: z.array(PointJson).max(255),
});

/**
 * Reads a realdid-regulator-key/1 file. Only the commitments are taken from it: the key, its
 * id and every holder's share key are rebuilt from them, and a file that states other values
 * (an altered keyId or shareKeys, which `unmask` would check partials against) is refused.
 */
export function parseRegulatorPublicKey(value: unknown): RegulatorPublicKey {
  const v = parseDocument(RegulatorKeyFileSchema, value, "the regulator key file");
  const forged = (what: string) => new RealDidError("invalid_regulator_key", `the regulator key file's ${what} is not the one its commitments give: the file was altered`);
  if (v.commitments.length !== v.threshold) throw forged(`threshold ${v.threshold} (it has ${v.commitments.length} commitments)`);
  if (v.shareKeys.length !== v.shares) throw forged(`number of shares ${v.shares} (it has ${v.shareKeys.length} share keys)`);
  const key = publicKeyFromCommitments(
    v.threshold,
    v.shares,
    v.commitments.map((p, i) => parsePoint(`commitments[${i}]`, p)),
  );
  if (!pointsEqual(parsePoint("regulator key", v), key.publicKey)) throw forged("key (x, y)");
  if (v.keyId !== key.keyId) throw forged(`keyId ${v.keyId}`);
  v.shareKeys.forEach((p, i) => {
    if (!pointsEqual(parsePoint(`shareKeys[${i}]`, p), key.shareKeys[i])) throw forged(`share key of holder ${i + 1}`);
  });
  return key;
}

/**
 * The regulator key a citizen trusts, from the regulator's published file (realdid-regulator-key/1)
 * or a bare {x, y}; the point must be a prime-order subgroup point.
 */
export function trustedRegulatorKey(value: unknown, where: string): Point {
  return (value as { format?: unknown })?.format === PUBLIC_FORMAT ? parseRegulatorPublicKey(value).publicKey : parsePoint(where, value);
}

/** Writes holder `index`'s share file (never overwriting one), its share sealed with the holder's passphrase. */
export function writeShareFile(file: string, key: RegulatorPublicKey, index: number, secret: bigint, passphrase: string): void {
  const content = { format: SHARE_FORMAT, keyId: key.keyId, index, threshold: key.threshold, shares: key.shares, shareKey: pointJson(key.shareKeys[index - 1]), sealed: seal(new TextEncoder().encode(secret.toString()), passphrase) };
  writeAtomically(file, JSON.stringify(content, null, 2) + "\n", { overwrite: false, mode: 0o600 });
}

/** Writes the public key file (never overwriting one). */
export function writePublicKeyFile(file: string, key: RegulatorPublicKey): void {
  writeAtomically(file, JSON.stringify(publicKeyJson(key), null, 2) + "\n", { overwrite: false });
}

/**
 * The dealer-trusted key ceremony (development and tests; `regulator dkg` is the dealer-free
 * one): deals a k-of-n key and writes regulator-public.json and one share-<i>.json per
 * holder, each sealed with that holder's passphrase (scrypt + AES-256-GCM). The whole
 * secret key exists in memory during the call.
 */
export function writeThresholdKey(dir: string, threshold: number, shares: number, passphrases: readonly string[]): { key: RegulatorPublicKey; publicFile: string; shareFiles: string[] } {
  if (passphrases.length !== shares) throw new RealDidError("invalid_argument", `${shares} share holders need ${shares} passphrases, received ${passphrases.length}`);
  const { key, shareSecrets } = dealThresholdKey(threshold, shares);
  ensureFolder(dir);
  const publicFile = join(dir, "regulator-public.json");
  const shareFiles = shareSecrets.map((secret, i) => {
    const file = join(dir, `share-${i + 1}.json`);
    writeShareFile(file, key, i + 1, secret, passphrases[i]);
    return file;
  });
  writePublicKeyFile(publicFile, key);
  return { key, publicFile, shareFiles };
}

/** Opens a holder's share file with its passphrase and checks the share against the public key. */
export function openShareFile(value: unknown, passphrase: string, key: RegulatorPublicKey): { index: number; secret: bigint } {
  const v = value as { format?: string; keyId?: string; index?: number; sealed?: SealedData };
  if (v?.format !== SHARE_FORMAT || !Number.isInteger(v.index) || v.sealed === undefined) throw new RealDidError("invalid_argument", `the share file is not a ${SHARE_FORMAT} file`);
  if (v.keyId !== key.keyId) throw new RealDidError("wrong_regulator_key", `the share is for regulator key ${v.keyId}, the case for ${key.keyId}`);
  const sealed = parseDocument(SealedDataSchema, v.sealed, "the share file's sealed share"); // bounds scrypt's cost before it runs
  const secret = toFieldElement("share", new TextDecoder().decode(unseal(sealed, passphrase)));
  if (!shareIsValid(key, v.index!, secret)) throw new RealDidError("forged_partial", `share ${v.index} does not match the regulator key's commitments`);
  return { index: v.index!, secret };
}
