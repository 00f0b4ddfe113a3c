import { closeSync, existsSync, mkdirSync, openSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { writeAtomically } from "../files.js";
import { RealDidError } from "../errors.js";
import { type ChainFields, type LogKind, type LogSigner, SignedLog } from "../signed-log/signed-log.js";
import { createSigningKeyFile, readSigningKeyFile } from "../signed-log/signing-key-file.js";

export type AuditEvent = "request" | "partial" | "result" | "refused";
const EVENTS: readonly string[] = ["request", "partial", "result", "refused"];

/** One step of an unmasking case: the request (with its legal basis), each partial, the result. */
export interface AuditEntry extends ChainFields {
  readonly caseId: string;
  readonly event: AuditEvent;
  /** Canonical JSON of the event's details (legal basis, holder, handle, …). */
  readonly details: string;
}

export const AUDIT_KIND: LogKind<AuditEntry> = {
  format: "realdid-audit/1",
  entryName: "audit entry",
  canonical: (e) => JSON.stringify({ seq: e.seq, caseId: e.caseId, event: e.event, details: e.details, time: e.time, prevHash: e.prevHash }),
  parsePayload: (e) =>
    typeof e.caseId === "string" && typeof e.event === "string" && EVENTS.includes(e.event) && typeof e.details === "string"
      ? { caseId: e.caseId, event: e.event as AuditEvent, details: e.details }
      : undefined,
};

/**
 * The regulator's audit log: the same signed hash chain as the root ledger, so editing,
 * removing, reordering or re-signing an entry is detected by anyone holding the office's
 * public key. Every unmasking leaves a request, its partials and its result here.
 */
export class AuditLog extends SignedLog<AuditEntry> {
  constructor(publicKey: string, entries: Iterable<AuditEntry> = []) {
    super(AUDIT_KIND, publicKey, entries);
  }

  static fromJsonLines(text: string, expectedKey?: string): AuditLog {
    const { publicKey, entries } = SignedLog.parseJsonLines(AUDIT_KIND, text, expectedKey);
    return new AuditLog(publicKey, entries);
  }

  /** The events of one case, details parsed. */
  caseEvents(caseId: string): { event: AuditEvent; details: Record<string, unknown>; seq: number }[] {
    return this.entriesFrom(0)
      .filter((e) => e.caseId === caseId)
      .map((e) => ({ event: e.event, details: JSON.parse(e.details), seq: e.seq }));
  }
}

const LOG_FILE = "audit.jsonl";
const KEY_FILE = "audit-key.json";
const KEY_FORMAT = "realdid-audit-key/1";

/**
 * The audit log on disk: audit.jsonl and the office's Ed25519 key (mode 600). Appends
 * re-read and re-verify the file under an exclusive lock, so two commands never
 * overwrite each other's entries and a tampered file is refused, not extended.
 */
export class AuditFolder {
  private constructor(
    readonly dir: string,
    private readonly signer: LogSigner,
  ) {}

  /** Creates the log and its signing key, sealed with `passphrase` (in the clear without one). */
  static init(dir: string, passphrase?: string): AuditFolder {
    if (existsSync(join(dir, KEY_FILE))) throw new RealDidError("file_exists", `an audit log already exists in ${dir}`);
    mkdirSync(dir, { recursive: true });
    const signer = createSigningKeyFile(join(dir, KEY_FILE), KEY_FORMAT, passphrase);
    writeAtomically(join(dir, LOG_FILE), new AuditLog(signer.publicKey).toJsonLines());
    return new AuditFolder(dir, signer);
  }

  static open(dir: string, passphrase?: string, option?: string): AuditFolder {
    if (!existsSync(join(dir, KEY_FILE))) throw new RealDidError("file_not_found", `no audit log in ${dir} (run: realdid regulator audit init --dir ${dir})`);
    return new AuditFolder(dir, readSigningKeyFile(join(dir, KEY_FILE), KEY_FORMAT, passphrase, option));
  }

  get publicKey(): string {
    return this.signer.publicKey;
  }

  get logFile(): string {
    return join(this.dir, LOG_FILE);
  }

  read(): AuditLog {
    return AuditLog.fromJsonLines(readFileSync(this.logFile, "utf8"), this.signer.publicKey);
  }

  append(caseId: string, event: AuditEvent, details: Record<string, unknown>, now: Date = new Date()): AuditEntry {
    const lock = join(this.dir, ".audit.lock");
    const deadline = Date.now() + 10_000;
    let fd: number | undefined;
    while (fd === undefined) {
      try {
        fd = openSync(lock, "wx");
      } catch {
        if (Date.now() > deadline) throw new RealDidError("io_error", `the audit log in ${this.dir} is locked (remove ${lock} if no command is running)`);
        Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 20);
      }
    }
    try {
      const log = this.read();
      const entry = log.publish({ caseId, event, details: JSON.stringify(details) }, now, this.signer);
      writeAtomically(this.logFile, log.toJsonLines());
      return entry;
    } finally {
      closeSync(fd);
      rmSync(lock, { force: true });
    }
  }
}
