import { createHash } from "node:crypto";
import { ed25519 } from "@noble/curves/ed25519.js";
import { RealDidError } from "../errors.js";

/**
 * One published registry root. Entries form a SHA-256 hash chain (prevHash is the hash
 * of the previous entry, signature included) and each is signed with the registrar's
 * Ed25519 key, so anyone can replay the chain offline and see which roots are genuine
 * and when each was current.
 */
export interface LedgerEntry {
  readonly seq: number;
  /** The registry root, decimal. */
  readonly root: string;
  /** Leaf slots used when the root was published. */
  readonly treeSize: number;
  /** When the root was published (ISO 8601, UTC). */
  readonly time: string;
  readonly prevHash: string;
  /** Ed25519 signature of the entry's signing message, hex. */
  readonly signature: string;
}

export const GENESIS_PREV_HASH = "0".repeat(64);

/** The registrar's signing key; the ledger only ever needs the public half. */
export interface LedgerSigner {
  readonly publicKey: string;
  sign(message: Uint8Array): string;
}

export function ed25519Signer(secretKeyHex: string): LedgerSigner {
  const secretKey = Buffer.from(secretKeyHex, "hex");
  return {
    publicKey: Buffer.from(ed25519.getPublicKey(secretKey)).toString("hex"),
    sign: (message) => Buffer.from(ed25519.sign(message, secretKey)).toString("hex"),
  };
}

export const newSigningKeyHex = (): string => Buffer.from(ed25519.utils.randomSecretKey()).toString("hex");

/** Fixed field order: the bytes signed and hashed must not depend on who serialised the entry. */
const canonicalBody = (e: Omit<LedgerEntry, "signature">) =>
  JSON.stringify({ seq: e.seq, root: e.root, treeSize: e.treeSize, time: e.time, prevHash: e.prevHash });

const signingMessage = (e: Omit<LedgerEntry, "signature">) => new TextEncoder().encode(`realdid-ledger/1\n${canonicalBody(e)}`);

export const entryHash = (e: LedgerEntry): string =>
  createHash("sha256").update(`${canonicalBody(e)}\n${e.signature}`).digest("hex");

export function signEntry(body: Omit<LedgerEntry, "signature">, signer: LedgerSigner): LedgerEntry {
  return { ...body, signature: signer.sign(signingMessage(body)) };
}

/** Throws unless `value` has the shape of an entry (it may come from a file or the network). */
export function parseEntry(value: unknown, where: string): LedgerEntry {
  const e = value as Record<string, unknown>;
  const ok =
    typeof e === "object" && e !== null &&
    Number.isSafeInteger(e.seq) && (e.seq as number) >= 0 &&
    typeof e.root === "string" && /^(0|[1-9][0-9]{0,77})$/.test(e.root) &&
    Number.isSafeInteger(e.treeSize) && (e.treeSize as number) >= 0 &&
    typeof e.time === "string" && !Number.isNaN(Date.parse(e.time)) &&
    typeof e.prevHash === "string" && /^[0-9a-f]{64}$/.test(e.prevHash) &&
    typeof e.signature === "string" && /^[0-9a-f]{128}$/.test(e.signature);
  if (!ok) throw new RealDidError("ledger_malformed", `${where} is not a well-formed ledger entry`);
  return { seq: e.seq as number, root: e.root as string, treeSize: e.treeSize as number, time: e.time as string, prevHash: e.prevHash as string, signature: e.signature as string };
}

/** Checks that `entry` follows `previous` (or starts the chain) and carries a valid signature. */
export function checkLink(entry: LedgerEntry, previous: LedgerEntry | undefined, publicKey: string): void {
  const expectedSeq = previous ? previous.seq + 1 : 0;
  if (entry.seq !== expectedSeq) throw new RealDidError("ledger_broken_chain", `entry ${entry.seq}: expected sequence number ${expectedSeq}`);
  if (entry.prevHash !== (previous ? entryHash(previous) : GENESIS_PREV_HASH)) {
    throw new RealDidError("ledger_broken_chain", `entry ${entry.seq}: prevHash does not match the previous entry (edited, removed or reordered entries)`);
  }
  if (previous && Date.parse(entry.time) < Date.parse(previous.time)) {
    throw new RealDidError("ledger_broken_chain", `entry ${entry.seq}: its time is earlier than the previous entry's`);
  }
  let valid = false;
  try {
    valid = ed25519.verify(Buffer.from(entry.signature, "hex"), signingMessage(entry), Buffer.from(publicKey, "hex"));
  } catch {
    valid = false;
  }
  if (!valid) throw new RealDidError("ledger_bad_signature", `entry ${entry.seq}: the signature is not the registrar's`);
}
