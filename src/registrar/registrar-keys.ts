import { createHmac, randomBytes } from "node:crypto";
import { existsSync, readFileSync, realpathSync, writeFileSync } from "node:fs";
import { basename, dirname, isAbsolute, join, relative, resolve, sep } from "node:path";
import { z } from "zod";
import { aesGcmOpenPacked, aesGcmSealPacked } from "../crypto/aes-gcm.js";
import { RealDidError } from "../errors.js";
import { writeAtomically } from "../files.js";
import { parseDocument } from "../formats/schema.js";
import { seal, unseal } from "../identity/passphrase-seal.js";
import { SealedDataSchema } from "../identity/sealed-data.js";
import { ed25519Signer, newSigningKeyHex } from "../signed-log/ed25519-signer.js";
import type { LogSigner } from "../signed-log/signed-log.js";

/**
 * What the registrar needs from whoever keeps its keys. Records are sealed under data keys
 * the provider wraps, uniqueness is checked on blind indexes the provider computes, and
 * ledger entries are signed by the provider's signer, so a hardware module or a cloud KMS
 * can implement this without ever handing a key out. Synchronous, as PKCS#11 sessions are:
 * the root is signed inside the SQLite transaction that publishes it.
 */
export interface RegistrarKeyProvider {
  readonly ledgerSigner: LogSigner;
  /** The master key that wraps new data keys. */
  readonly masterKeyId: string;
  wrapDataKey(dataKey: Uint8Array): Buffer;
  unwrapDataKey(wrapped: Uint8Array, masterKeyId: string): Buffer;
  /** A keyed digest (HMAC-SHA-256) of a value, to find and deduplicate records without storing the value. */
  blindIndex(value: string): string;
}

/** How the local key file is sealed: a passphrase (scrypt) or a key file kept outside the data folder. */
export type KeyProtection = { passphrase: string } | { keyFile: string };

/** How a registrar is unlocked: its sealed key file, or a provider of the operator's own (HSM, KMS). */
export type RegistrarUnlock = KeyProtection | { provider: RegistrarKeyProvider };

export const REGISTRAR_KEYS_FILE = "registrar-keys.json";
const KEYS_FORMAT = "realdid-registrar-keys/1";
const KEY_FILE_FORMAT = "realdid-registrar-key-file/1";
const hex32 = z.string().regex(/^[0-9a-f]{64}$/);

/** The secrets, as they are inside the seal (never on disk like this). */
const secretsSchema = z.strictObject({
  ledgerSecretKey: hex32,
  indexKey: hex32,
  masterKeys: z.record(z.string().regex(/^mk-[0-9a-f]{16}$/), hex32),
  currentMasterKey: z.string(),
});
type Secrets = z.infer<typeof secretsSchema>;

const keysFileSchema = z.strictObject({
  format: z.literal(KEYS_FORMAT),
  ledgerPublicKey: hex32,
  protection: z.discriminatedUnion("kind", [
    z.strictObject({ kind: z.literal("passphrase"), sealed: SealedDataSchema }),
    z.strictObject({ kind: z.literal("key-file"), sealed: z.string().regex(/^[A-Za-z0-9+/]+={0,2}$/) }),
  ]),
});

const keyFileSchema = z.strictObject({ format: z.literal(KEY_FILE_FORMAT), key: hex32 });

const newMasterKeyId = () => `mk-${randomBytes(8).toString("hex")}`;

/** The registrar's own keys, unsealed in memory from `registrar-keys.json`. */
export class LocalKeyProvider implements RegistrarKeyProvider {
  readonly ledgerSigner: LogSigner;
  private readonly indexKey: Buffer;

  private constructor(private readonly secrets: Secrets) {
    this.ledgerSigner = ed25519Signer(secrets.ledgerSecretKey);
    this.indexKey = Buffer.from(secrets.indexKey, "hex");
  }

  get masterKeyId(): string {
    return this.secrets.currentMasterKey;
  }

  wrapDataKey(dataKey: Uint8Array): Buffer {
    return aesGcmSealPacked(this.masterKey(this.masterKeyId), dataKey, `data-key:${this.masterKeyId}`);
  }

  unwrapDataKey(wrapped: Uint8Array, masterKeyId: string): Buffer {
    const dataKey = aesGcmOpenPacked(this.masterKey(masterKeyId), wrapped, `data-key:${masterKeyId}`);
    if (dataKey === undefined) throw new RealDidError("store_tampered", `a data key wrapped under master key ${masterKeyId} does not open: the store was altered`);
    return dataKey;
  }

  blindIndex(value: string): string {
    // A fresh HMAC per value (2 µs through OpenSSL): the index key itself never leaves this object.
    return createHmac("sha256", this.indexKey).update(value, "utf8").digest("hex");
  }

  private masterKey(id: string): Buffer {
    const key = this.secrets.masterKeys[id];
    if (key === undefined) throw new RealDidError("keys_rotated", `master key ${id} is not in this key file: the master key was rotated since it was read; open the registrar again`);
    return Buffer.from(key, "hex");
  }

  /**
   * Creates the sealed key file of a new registrar: ledger key (new, or the one an earlier
   * version kept in the clear), blind-index key, first master key.
   */
  static create(dataDir: string, protection: KeyProtection, { ledgerSecretKey = newSigningKeyHex() } = {}): LocalKeyProvider {
    const masterKeyId = newMasterKeyId();
    const secrets: Secrets = {
      ledgerSecretKey,
      indexKey: randomBytes(32).toString("hex"),
      masterKeys: { [masterKeyId]: randomBytes(32).toString("hex") },
      currentMasterKey: masterKeyId,
    };
    const provider = new LocalKeyProvider(secrets);
    writeKeysFile(dataDir, secrets, provider.ledgerSigner.publicKey, protection, { create: true });
    return provider;
  }

  static open(dataDir: string, protection: KeyProtection): LocalKeyProvider {
    const path = join(dataDir, REGISTRAR_KEYS_FILE);
    if (!existsSync(path)) throw new RealDidError("file_not_found", `no sealed registrar key file ${path}`);
    let json: unknown;
    try {
      json = JSON.parse(readFileSync(path, "utf8"));
    } catch {
      throw new RealDidError("invalid_argument", `${path} is not a ${KEYS_FORMAT} file`);
    }
    const file = parseDocument(keysFileSchema, json, path);
    const plaintext = openProtection(file.protection, protection, dataDir, path);
    const secrets = parseDocument(secretsSchema, JSON.parse(plaintext.toString("utf8")), `${path} (unsealed)`);
    const provider = new LocalKeyProvider(secrets);
    if (provider.ledgerSigner.publicKey !== file.ledgerPublicKey) throw new RealDidError("store_tampered", `${path}: the sealed ledger key is not the one the file names`);
    return provider;
  }

  /**
   * Master-key rotation, step by step so a crash at any point leaves every data key readable:
   * `addMasterKey` seals a new current master key beside the old ones, the registrar re-wraps
   * its data keys, then `retireMasterKeys` drops the keys no data key is wrapped under.
   * `protection` may re-seal the file under another passphrase or key file on the way. The
   * registrar runs each step under its store's write lock, re-reading this file there.
   */
  addMasterKey(dataDir: string, protection: KeyProtection): LocalKeyProvider {
    const id = newMasterKeyId();
    const secrets: Secrets = { ...this.secrets, masterKeys: { ...this.secrets.masterKeys, [id]: randomBytes(32).toString("hex") }, currentMasterKey: id };
    writeKeysFile(dataDir, secrets, this.ledgerSigner.publicKey, protection, { create: false });
    return new LocalKeyProvider(secrets);
  }

  /** Drops every master key but the current one and those in `stillWrapping` (ids some data key is still wrapped under). */
  retireMasterKeys(dataDir: string, protection: KeyProtection, stillWrapping: ReadonlySet<string>): { retired: string[] } {
    const keep = (id: string) => id === this.secrets.currentMasterKey || stillWrapping.has(id);
    const retired = Object.keys(this.secrets.masterKeys).filter((id) => !keep(id));
    const secrets: Secrets = { ...this.secrets, masterKeys: Object.fromEntries(Object.entries(this.secrets.masterKeys).filter(([id]) => keep(id))) };
    writeKeysFile(dataDir, secrets, this.ledgerSigner.publicKey, protection, { create: false });
    return { retired };
  }
}

function writeKeysFile(dataDir: string, secrets: Secrets, ledgerPublicKey: string, protection: KeyProtection, { create }: { create: boolean }): void {
  const plaintext = Buffer.from(JSON.stringify(secrets), "utf8");
  const sealed =
    "passphrase" in protection
      ? { kind: "passphrase" as const, sealed: seal(plaintext, protection.passphrase) }
      : { kind: "key-file" as const, sealed: aesGcmSealPacked(keyFileKey(protection.keyFile, dataDir, { create }), plaintext, KEYS_FORMAT).toString("base64") };
  plaintext.fill(0);
  writeAtomically(join(dataDir, REGISTRAR_KEYS_FILE), JSON.stringify({ format: KEYS_FORMAT, ledgerPublicKey, protection: sealed }, null, 2) + "\n", { overwrite: !create, mode: 0o600 });
}

function openProtection(stored: z.infer<typeof keysFileSchema>["protection"], given: KeyProtection, dataDir: string, path: string): Buffer {
  if (stored.kind === "passphrase") {
    if (!("passphrase" in given)) throw new RealDidError("wrong_key", `${path} is sealed with a passphrase: give --passphrase-env, not a key file`);
    try {
      return Buffer.from(unseal(stored.sealed, given.passphrase));
    } catch {
      throw new RealDidError("wrong_key", `the passphrase does not open ${path}`);
    }
  }
  if (!("keyFile" in given)) throw new RealDidError("wrong_key", `${path} is sealed with a key file: give --key-file, not a passphrase`);
  const plaintext = aesGcmOpenPacked(keyFileKey(given.keyFile, dataDir, { create: false }), Buffer.from(stored.sealed, "base64"), KEYS_FORMAT);
  if (plaintext === undefined) throw new RealDidError("wrong_key", `the key file ${given.keyFile} does not open ${path}`);
  return plaintext;
}

/**
 * The 256-bit key in a key file (created on first use, mode 600). It must live outside the
 * data folder: a copy of the folder must not carry the key that opens it.
 */
function keyFileKey(keyFile: string, dataDir: string, { create }: { create: boolean }): Buffer {
  if (isInside(keyFile, dataDir)) throw new RealDidError("invalid_argument", `the key file ${keyFile} is inside the data folder ${dataDir}: keep it elsewhere (another disk, a mounted secret)`);
  if (!existsSync(keyFile)) {
    if (!create) throw new RealDidError("file_not_found", `key file not found: ${keyFile}`);
    const key = randomBytes(32);
    writeFileSync(keyFile, JSON.stringify({ format: KEY_FILE_FORMAT, key: key.toString("hex") }) + "\n", { mode: 0o600, flag: "wx" });
    return key;
  }
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(keyFile, "utf8"));
  } catch {
    throw new RealDidError("invalid_argument", `${keyFile} is not a ${KEY_FILE_FORMAT} file`);
  }
  return Buffer.from(parseDocument(keyFileSchema, json, keyFile).key, "hex");
}

/** Whether `path` is in `folder` or below, symbolic links resolved (a file need not exist yet; its folder must). */
function isInside(path: string, folder: string): boolean {
  let real: string;
  let realFolder: string;
  try {
    real = join(realpathSync(dirname(resolve(path))), basename(path));
    realFolder = realpathSync(folder);
  } catch (error) {
    throw new RealDidError("file_not_found", `cannot resolve ${path} or ${folder}: ${(error as NodeJS.ErrnoException).code}`);
  }
  const rel = relative(realFolder, real);
  return rel === "" || (rel !== ".." && !rel.startsWith(`..${sep}`) && !isAbsolute(rel));
}

/** Unlocks a registrar's keys as asked. */
export function unlockKeys(dataDir: string, unlock: RegistrarUnlock): RegistrarKeyProvider {
  return "provider" in unlock ? unlock.provider : LocalKeyProvider.open(dataDir, unlock);
}
