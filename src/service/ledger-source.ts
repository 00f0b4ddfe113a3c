import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import Database from "better-sqlite3";
import { RealDidError } from "../errors.js";
import { LEDGER_KIND, type LedgerEntry } from "../ledger/ledger-entry.js";
import { SignedLog } from "../signed-log/signed-log.js";
import { RootLedger } from "../ledger/root-ledger.js";

/** Where a verifier pulls the registrar's ledger from. Entries are verified by the replica, not here. */
export interface LedgerSource {
  readonly description: string;
  /** The registrar's key, when the source itself is trusted to say it (a local registrar folder). */
  readonly localKey?: string;
  entriesFrom(seq: number): Promise<LedgerEntry[]>;
}

/** The registrar's ledger server: GET {url}/v1/ledger?from=N answers JSON lines. */
function httpSource(url: string): LedgerSource {
  return {
    description: url,
    async entriesFrom(seq) {
      let text: string;
      try {
        const response = await fetch(`${url.replace(/\/$/, "")}/v1/ledger?from=${seq}`, { signal: AbortSignal.timeout(10_000) });
        if (!response.ok) throw new Error(`HTTP ${response.status}`);
        text = await response.text();
      } catch (error) {
        throw new RealDidError("io_error", `cannot fetch the ledger from ${url}: ${(error as Error).message}`);
      }
      return text
        .split("\n")
        .filter((line) => line.trim() !== "")
        .slice(1) // header: the key is checked against the configured one, entry by entry
        .map((line, i) => SignedLog.parseEntry(LEDGER_KIND, JSON.parse(line), `ledger line ${i + 2} from ${url}`));
    },
  };
}

/** An exported ledger file (realdid registrar export-ledger), re-read on every sync. */
function fileSource(path: string): LedgerSource {
  return {
    description: path,
    async entriesFrom(seq) {
      return RootLedger.fromJsonLines(readFileSync(path, "utf8")).entriesFrom(seq);
    },
  };
}

/** A registrar data folder on this machine, read-only. */
export function registrarFolderSource(dir: string): LedgerSource {
  const key = JSON.parse(readFileSync(join(dir, "registrar-key.json"), "utf8"));
  return {
    description: dir,
    localKey: key.publicKey,
    async entriesFrom(seq) {
      const db = new Database(join(dir, "registrar.sqlite"), { readonly: true });
      try {
        return db.prepare("SELECT seq, root, tree_size AS treeSize, time, prev_hash AS prevHash, signature FROM ledger WHERE seq >= ? ORDER BY seq").all(seq) as LedgerEntry[];
      } finally {
        db.close();
      }
    },
  };
}

export function ledgerSource(location: string): LedgerSource {
  if (/^https?:\/\//.test(location)) return httpSource(location);
  if (existsSync(join(location, "registrar-key.json"))) return registrarFolderSource(location);
  if (existsSync(location)) return fileSource(location);
  throw new RealDidError("invalid_argument", `ledger source ${location} is not a URL, a registrar folder or a ledger file`);
}
