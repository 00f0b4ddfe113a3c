import { ed25519 } from "@noble/curves/ed25519.js";
import { hexToBytes, utf8ToBytes } from "@noble/hashes/utils.js";
import { sha256Hex } from "../crypto/sha256.js";
import { RealDidError } from "../errors.js";

/**
 * An append-only, hash-chained, signed log: each entry carries the SHA-256 of the
 * previous entry (signature included) and an Ed25519 signature by the log's owner, so
 * anyone can replay it offline and find an edited, removed, reordered or re-signed entry.
 * The registrar's root ledger and the regulator's audit log are both such logs.
 * Platform-neutral (@noble only): a browser checks a registrar's ledger entries with it.
 */
export interface ChainFields {
  readonly seq: number;
  /** When the entry was appended (ISO 8601, UTC); never earlier than the previous one. */
  readonly time: string;
  readonly prevHash: string;
  /** Ed25519 signature of the entry's signing message, hex. */
  readonly signature: string;
}

export type Unsigned<E> = Omit<E, "signature">;
export type Payload<E> = Omit<E, keyof ChainFields>;

/** What tells one log from another: its format name and its entries' payload. */
export interface LogKind<E extends ChainFields> {
  /** Format name written in an exported log's header, e.g. "realdid-ledger/2". */
  readonly format: string;
  /** Header format names of earlier versions still read: each of their entries is a valid entry of today's. */
  readonly olderFormats?: readonly string[];
  /**
   * The signatures' domain separator, when it is not `format`: it stays what it was when a
   * format's version moves on, so the entries signed before still verify.
   */
  readonly signingDomain?: string;
  /** What people call an entry in messages ("ledger entry", "audit entry"). */
  readonly entryName: string;
  /** Canonical JSON of an unsigned entry: fixed field order, so signer and verifier agree. */
  canonical(entry: Unsigned<E>): string;
  /** Checks the payload fields of a parsed entry (chain fields are checked here). */
  parsePayload(value: Record<string, unknown>): Payload<E> | undefined;
}

export const GENESIS_PREV_HASH = "0".repeat(64);

/** An owner's signing key; logs only ever need the public half. The Node signer is ed25519-signer.ts. */
export interface LogSigner {
  readonly publicKey: string;
  sign(message: Uint8Array): string;
}

const signingMessage = <E extends ChainFields>(kind: LogKind<E>, entry: Unsigned<E>) => utf8ToBytes(`${kind.signingDomain ?? kind.format}\n${kind.canonical(entry)}`);

export const entryHash = <E extends ChainFields>(kind: LogKind<E>, entry: E): string =>
  sha256Hex(`${kind.canonical(entry)}\n${entry.signature}`);

/** The log's class of entries, kept apart from the chain logic below. */
export class SignedLog<E extends ChainFields> {
  private readonly items: E[] = [];

  constructor(
    readonly kind: LogKind<E>,
    readonly publicKey: string,
    entries: Iterable<E> = [],
  ) {
    if (!/^[0-9a-f]{64}$/.test(publicKey)) throw new RealDidError("log_wrong_key", `the ${kind.format} key must be 32 bytes of hex`);
    for (const entry of entries) this.append(entry);
  }

  get length(): number {
    return this.items.length;
  }

  get head(): E | undefined {
    return this.items.at(-1);
  }

  entry(seq: number): E | undefined {
    return this.items[seq];
  }

  entriesFrom(seq: number): E[] {
    return this.items.slice(seq);
  }

  /** Checks that `entry` extends the chain (sequence, hash link, time, signature) and appends it. */
  append(entry: E): void {
    this.appendLinked(entry, true);
  }

  /**
   * Appends a whole chain read back from its owner's own store: every sequence number, hash
   * link and time is checked, the signature of the last entry only. That one signs the hash
   * of the entry before, which covers that entry's signature, and so on: the chain is as
   * authentic as when each signature is checked, at one Ed25519 verification (~3 ms here)
   * instead of one per entry (a registrar of ten million people has a thousand and more).
   */
  protected appendStoredChain(entries: readonly E[]): void {
    entries.forEach((entry, i) => this.appendLinked(entry, i === entries.length - 1));
  }

  private appendLinked(entry: E, checkSignature: boolean): void {
    const previous = this.head;
    const where = `${this.kind.entryName} ${entry.seq}`;
    const expectedSeq = previous ? previous.seq + 1 : 0;
    if (entry.seq !== expectedSeq) throw new RealDidError("log_broken_chain", `${where}: expected sequence number ${expectedSeq}`);
    if (entry.prevHash !== (previous ? entryHash(this.kind, previous) : GENESIS_PREV_HASH)) {
      throw new RealDidError("log_broken_chain", `${where}: prevHash does not match the previous entry (edited, removed or reordered entries)`);
    }
    if (previous && Date.parse(entry.time) < Date.parse(previous.time)) throw new RealDidError("log_broken_chain", `${where}: its time is earlier than the previous entry's`);
    if (checkSignature && !SignedLog.isSignedBy(this.kind, entry, this.publicKey)) throw new RealDidError("log_bad_signature", `${where}: the signature is not the owner's`);
    this.items.push(entry);
    this.appended(entry);
  }

  /** Called after each entry is appended (a subclass indexes it). */
  protected appended(_entry: E): void {}

  /** Whether one entry carries `publicKey`'s signature (its place in the chain is not checked). */
  static isSignedBy<E extends ChainFields>(kind: LogKind<E>, entry: E, publicKey: string): boolean {
    try {
      return ed25519.verify(hexToBytes(entry.signature), signingMessage(kind, entry), hexToBytes(publicKey));
    } catch {
      return false;
    }
  }

  /** Signs and appends the next entry with `payload`; times never go backwards. */
  publish(payload: Payload<E>, time: Date, signer: LogSigner): E {
    const entry = this.signNext(payload, time, signer);
    this.append(entry);
    return entry;
  }

  /**
   * Signs the entry that would follow the head, without appending it: an owner that stores
   * its log appends it (sync) once it is stored, so this copy never holds an entry a failed
   * write left out.
   */
  signNext(payload: Payload<E>, time: Date, signer: LogSigner): E {
    if (signer.publicKey !== this.publicKey) throw new RealDidError("log_wrong_key", "the signing key is not this log's key");
    const head = this.head;
    const when = new Date(Math.max(time.getTime(), head ? Date.parse(head.time) : 0)).toISOString();
    const unsigned = { ...payload, seq: this.length, time: when, prevHash: head ? entryHash(this.kind, head) : GENESIS_PREV_HASH } as Unsigned<E>;
    return { ...unsigned, signature: signer.sign(signingMessage(this.kind, unsigned)) } as E;
  }

  /**
   * Takes the entries another copy has beyond ours. Entries we already hold must be
   * identical: a different entry at the same position is a forked history.
   */
  sync(theirs: readonly E[]): number {
    let added = 0;
    for (const entry of theirs) {
      if (entry.seq < this.length) {
        if (entryHash(this.kind, entry) !== entryHash(this.kind, this.items[entry.seq])) {
          throw new RealDidError("log_fork", `${this.kind.entryName} ${entry.seq} differs from the one already accepted: the source's history was forked or rewritten`);
        }
      } else {
        this.append(entry);
        added++;
      }
    }
    return added;
  }

  /** A header line with the owner's key, then one entry per line. */
  toJsonLines(): string {
    return [JSON.stringify({ format: this.kind.format, publicKey: this.publicKey }), ...this.items.map((e) => JSON.stringify(e))].join("\n") + "\n";
  }

  /** Checks the shape of a parsed entry: chain fields here, payload by the kind. */
  static parseEntry<E extends ChainFields>(kind: LogKind<E>, value: unknown, where: string): E {
    const e = value as Record<string, unknown>;
    const chainOk =
      typeof e === "object" && e !== null && !Array.isArray(e) &&
      Number.isSafeInteger(e.seq) && (e.seq as number) >= 0 &&
      typeof e.time === "string" && !Number.isNaN(Date.parse(e.time)) &&
      typeof e.prevHash === "string" && /^[0-9a-f]{64}$/.test(e.prevHash) &&
      typeof e.signature === "string" && /^[0-9a-f]{128}$/.test(e.signature);
    const payload = chainOk ? kind.parsePayload(e) : undefined;
    if (!payload) throw new RealDidError("log_malformed", `${where} is not a well-formed ${kind.entryName}`);
    return { ...payload, seq: e.seq, time: e.time, prevHash: e.prevHash, signature: e.signature } as unknown as E;
  }

  /**
   * Reads an exported log: header and entries, each checked in turn. With `expectedKey`,
   * a log signed by anyone else (a re-signed copy) is refused.
   */
  static parseJsonLines<E extends ChainFields>(kind: LogKind<E>, text: string, expectedKey?: string): { publicKey: string; entries: E[] } {
    const lines = text.split("\n").filter((line) => line.trim() !== "");
    const parse = (line: string, where: string) => {
      try {
        return JSON.parse(line);
      } catch {
        throw new RealDidError("log_malformed", `${where} is not valid JSON`);
      }
    };
    const header = lines.length > 0 ? parse(lines[0], "line 1") : undefined;
    const readable = header?.format === kind.format || kind.olderFormats?.includes(header?.format) === true;
    if (!readable || typeof header.publicKey !== "string") throw new RealDidError("log_malformed", `line 1 is not a ${[kind.format, ...(kind.olderFormats ?? [])].join(" or ")} header`);
    if (expectedKey !== undefined && header.publicKey !== expectedKey) throw new RealDidError("log_wrong_key", `the ${kind.format} log is signed by another key than the one expected`);
    return { publicKey: header.publicKey, entries: lines.slice(1).map((line, i) => SignedLog.parseEntry(kind, parse(line, `line ${i + 2}`), `line ${i + 2}`)) };
  }
}
