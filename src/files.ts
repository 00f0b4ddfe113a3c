import { randomBytes } from "node:crypto";
import { linkSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { RealDidError } from "./errors.js";

/** Reads a file for a command; a missing or unreadable file is a one-line error. */
export function readBytes(path: string, what: string): Buffer {
  try {
    return readFileSync(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT") throw new RealDidError("file_not_found", `${what} file not found: ${path}`);
    throw new RealDidError("io_error", `cannot read ${what} file ${path}: ${code ?? (error as Error).message}`);
  }
}

export const readText = (path: string, what: string): string => readBytes(path, what).toString("utf8");

export function readJson(path: string, what: string): unknown {
  const text = readText(path, what);
  try {
    return JSON.parse(text);
  } catch {
    throw new RealDidError("invalid_argument", `${what} file ${path} is not valid JSON`);
  }
}

/** The mode of files only their owner may read: identity files, credentials (birth date, region), paths, backups, shares. */
export const OWNER_ONLY = 0o600;

/**
 * Writes a whole file or nothing: a temporary file renamed into place, so an interrupted
 * command never leaves a truncated identity, credential or proof. Without `overwrite` it is
 * linked into place instead, which fails if the file exists, even if another process
 * creates it a moment earlier.
 */
export function writeAtomically(path: string, content: string | Uint8Array, { overwrite = true, mode = 0o644 } = {}): void {
  const tmp = `${path}.tmp-${process.pid}-${randomBytes(4).toString("hex")}`;
  try {
    writeFileSync(tmp, content, { mode, flag: "wx" });
    if (overwrite) renameSync(tmp, path);
    else linkSync(tmp, path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "EEXIST") throw new RealDidError("file_exists", `${path} already exists; refusing to overwrite it`);
    throw new RealDidError("io_error", `cannot write ${path}: ${code ?? (error as Error).message}`);
  } finally {
    rmSync(tmp, { force: true });
  }
}

/** A passphrase from the environment variable the user named (never from argv, which other users can read). */
export function passphraseFromEnv(variable: string | undefined, option = "--passphrase-env"): string | undefined {
  if (variable === undefined) return undefined;
  const value = process.env[variable];
  if (value === undefined || value === "") throw new RealDidError("invalid_argument", `environment variable ${variable} (${option}) is not set`);
  return value;
}

/** Creates an output folder (and its parents) if needed. */
export function ensureFolder(dir: string): void {
  try {
    mkdirSync(dir, { recursive: true });
  } catch (error) {
    throw new RealDidError("io_error", `cannot create folder ${dir}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
}
