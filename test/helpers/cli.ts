import { spawn, spawnSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { expect } from "vitest";
import { PROJECT_ROOT } from "../../src/artifacts/paths.js";

export interface CliRun {
  status: number | null;
  stdout: string;
  stderr: string;
  /** stdout parsed, for --json runs. */
  json: Record<string, any>;
}

export const CHECKOUT_BIN = join(PROJECT_ROOT, "bin", "realdid.js");

/** The registrar's and the audit log's passphrases in CLI tests ($REGISTRAR_PASS, $AUDIT_PASS; insecure, for tests only). */
export const TEST_PASSPHRASES = { REGISTRAR_PASS: "registrar passphrase (test only, insecure)", AUDIT_PASS: "audit key passphrase (test only, insecure)" };

/** Runs the real `realdid` binary (the checkout's, or another install's) as a subprocess in `cwd`. */
export function realdid(cwd: string, args: string[], env: Record<string, string> = {}, bin = CHECKOUT_BIN): CliRun {
  const run = spawnSync(process.execPath, [bin, ...args], { cwd, encoding: "utf8", env: { ...process.env, ...TEST_PASSPHRASES, ...env } });
  return { status: run.status, stdout: run.stdout, stderr: run.stderr, json: jsonOf(run.stdout) };
}

function jsonOf(stdout: string): Record<string, any> {
  try {
    return JSON.parse(stdout);
  } catch {
    return {}; // not a --json run
  }
}

/** `realdid` as a subprocess that runs alongside others (parties that act at the same time, e.g. the holders of a DKG step). */
export function realdidConcurrently(cwd: string, args: string[], env: Record<string, string> = {}, bin = CHECKOUT_BIN): Promise<CliRun> {
  const child = spawn(process.execPath, [bin, ...args], { cwd, env: { ...process.env, ...TEST_PASSPHRASES, ...env }, stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  child.stdout.setEncoding("utf8").on("data", (chunk: string) => (stdout += chunk));
  child.stderr.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
  return new Promise((resolve, reject) => {
    child.once("error", reject);
    child.once("close", (status) => resolve({ status, stdout, stderr, json: jsonOf(stdout) }));
  });
}

/** Expects a run that succeeded without a stack trace, and returns its --json output. */
/** A refusal as the CLI gives it: exit 1, one line on stderr that says why, no stack. */
export function expectOneLineFailure(run: CliRun, message: RegExp): void {
  expect(run.status).toBe(1);
  expect(run.stderr.trim().split("\n")).toHaveLength(1);
  expect(run.stderr).toMatch(message);
  expect(run.stderr).not.toMatch(/\n\s+at /);
}

export function expectSuccess(run: CliRun): Record<string, any> {
  expect(run.stderr, run.stdout).not.toMatch(/\n\s+at /);
  expect(run.status, run.stderr + run.stdout).toBe(0);
  return run.json;
}

/**
 * Through the CLI in `dir`: a registrar in ./registrar, an identity file per person
 * (`<prefix><i>.identity.json`, sealed with $PASS), and one batch enrollment writing
 * ./credentials/credential-<i>.json.
 */
export function enrollThroughCli(cli: (...args: string[]) => CliRun, dir: string, people: readonly object[], prefix: string): Record<string, any> {
  expectSuccess(cli("registrar", "init", "--data", "registrar", "--passphrase-env", "REGISTRAR_PASS"));
  const commitments = people.map((_, i) => expectSuccess(cli("identity", "new", "--out", `${prefix}${i}.identity.json`, "--passphrase-env", "PASS")).commitment);
  writeFileSync(join(dir, "batch.jsonl"), people.map((p, i) => JSON.stringify({ ...p, commitment: commitments[i] })).join("\n"));
  return expectSuccess(cli("registrar", "enroll", "--data", "registrar", "--passphrase-env", "REGISTRAR_PASS", "--batch", "batch.jsonl", "--out-dir", "credentials"));
}
