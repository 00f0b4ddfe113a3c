import { existsSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import Database from "better-sqlite3";
import { RealDidError } from "../errors.js";
import { DB_FILE, readLedgerRows } from "../registrar/store-schema.js";
import { LEDGER_LENGTH_HEADER } from "../registrar/registrar-server.js";
import { requestText } from "../http-client.js";
import { LEDGER_KIND, type LedgerEntry } from "../ledger/ledger-entry.js";
import { SignedLog } from "../signed-log/signed-log.js";
import { CHAIN_SOURCE_PREFIX, chainLedgerSource } from "../chain/chain-ledger-source.js";
import { contractArtifact } from "../chain/contract-artifacts.js";

/** Where a verifier pulls the registrar's ledger from. Entries are verified by the replica, not here. */
export interface LedgerSource {
  readonly description: string;
  /** The registrar's key, when the source itself is trusted to say it (a local registrar folder). */
  readonly localKey?: string;
  entriesFrom(seq: number): Promise<LedgerEntry[]>;
}

/** How much of a source's answer is read, and how long it may take (a bigger or slower answer is an io_error). */
export interface SourceLimits {
  readonly maxBytes: number;
  readonly timeoutMs: number;
}

/**
 * The registrar's ledger server: GET {url}/v1/ledger?from=N answers JSON lines, a page at a
 * time (the server's limit); pages are read until X-Ledger-Length entries are in, so a
 * ledger of any size is caught up with, `maxBytes` and `timeoutMs` counting per page.
 */
function httpSource(url: string, { maxBytes, timeoutMs }: SourceLimits): LedgerSource {
  const base = url.replace(/\/$/, "");
  return {
    description: url,
    async entriesFrom(seq) {
      const entries: LedgerEntry[] = [];
      for (let from = seq; ; ) {
        const { status, text, headers } = await requestText(`${base}/v1/ledger?from=${from}`, { what: "the registrar's ledger", maxBytes, timeoutMs });
        if (status !== 200) throw new RealDidError("io_error", `cannot fetch the ledger from ${url}: HTTP ${status}`);
        const page = text
          .split("\n")
          .filter((line) => line.trim() !== "")
          .slice(1) // header: the key is checked against the configured one, entry by entry
          .map((line, i) => SignedLog.parseEntry(LEDGER_KIND, parseLine(line, `ledger line ${i + 2} from ${url}`), `ledger line ${i + 2} from ${url}`));
        if (page.length > 0 && page[0].seq !== from) throw new RealDidError("log_malformed", `the source ${url} answered from entry ${page[0].seq} when asked from ${from}`);
        entries.push(...page);
        // A server without the header (or an older one) answers everything at once.
        const length = Number(headers.get(LEDGER_LENGTH_HEADER));
        if (page.length === 0 || !Number.isSafeInteger(length) || from + page.length >= length) return entries;
        from += page.length;
      }
    },
  };
}

function parseLine(line: string, where: string): unknown {
  try {
    return JSON.parse(line);
  } catch {
    throw new RealDidError("log_malformed", `${where} is not valid JSON`);
  }
}

/**
 * An exported ledger file (realdid registrar export-ledger), re-read when its size or
 * modification time changes. Parsed only: the replica verifies the entries it does not
 * hold yet, so a sync costs nothing while the file is unchanged and one signature check
 * per new entry when it grew.
 */
function fileSource(path: string, { maxBytes }: SourceLimits): LedgerSource {
  let cached: { size: number; mtimeMs: number; entries: LedgerEntry[] } | undefined;
  return {
    description: path,
    async entriesFrom(seq) {
      const { size, mtimeMs } = statSync(path);
      if (size > maxBytes) throw new RealDidError("io_error", `the ledger file ${path} is ${size} bytes, more than ledger.maxAnswerBytes (${maxBytes})`);
      if (cached?.size !== size || cached.mtimeMs !== mtimeMs) cached = { size, mtimeMs, entries: SignedLog.parseJsonLines(LEDGER_KIND, readFileSync(path, "utf8")).entries };
      return cached.entries.filter((entry) => entry.seq >= seq);
    },
  };
}

/** A registrar data folder on this machine, read-only. */
export function registrarFolderSource(dir: string): LedgerSource {
  const read = <T>(query: (db: Database.Database) => T): T => {
    const db = new Database(join(dir, DB_FILE), { readonly: true });
    try {
      return query(db);
    } finally {
      db.close();
    }
  };
  // The ledger and its key are public: read from the store, without the registrar's sealed keys.
  const { value: publicKey } = read((db) => db.prepare("SELECT value FROM meta WHERE key = 'publicKey'").get() as { value: string });
  return {
    description: dir,
    localKey: publicKey,
    async entriesFrom(seq) {
      return read((db) => readLedgerRows(db, seq));
    },
  };
}

export function ledgerSource(location: string, limits: SourceLimits = { maxBytes: 16 * 1024 * 1024, timeoutMs: 10_000 }): LedgerSource {
  if (/^https?:\/\//.test(location)) return httpSource(location, limits);
  if (location.startsWith(`${CHAIN_SOURCE_PREFIX}http`)) return chainLedgerSource(location, contractArtifact("RealDidRootRegistry"), limits);
  if (existsSync(join(location, DB_FILE))) return registrarFolderSource(location);
  if (existsSync(location)) return fileSource(location, limits);
  throw new RealDidError("invalid_argument", `ledger source ${location} is not a URL, a root registry on a chain (chain+http…?registry=0x…), a registrar folder or a ledger file`);
}
