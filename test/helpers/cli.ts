import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { PROJECT_ROOT } from "../../src/artifacts/paths.js";

export interface CliRun {
  status: number | null;
  stdout: string;
  stderr: string;
  /** stdout parsed, for --json runs. */
  json: Record<string, any>;
}

/** Runs the real `realdid` binary as a subprocess in `cwd`. */
export function realdid(cwd: string, args: string[], env: Record<string, string> = {}): CliRun {
  const run = spawnSync(process.execPath, [join(PROJECT_ROOT, "bin", "realdid.js"), ...args], { cwd, encoding: "utf8", env: { ...process.env, ...env } });
  let json = {};
  try {
    json = JSON.parse(run.stdout);
  } catch {
    // not a --json run
  }
  return { status: run.status, stdout: run.stdout, stderr: run.stderr, json };
}
