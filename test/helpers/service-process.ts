import { type ChildProcess, spawn } from "node:child_process";
import { join } from "node:path";
import { PROJECT_ROOT } from "../../src/artifacts/paths.js";

export interface RunningChild {
  /** What the command printed with --json once it was up (its url, keys, …). */
  readonly started: Record<string, any>;
  readonly url: string;
  readonly child: ChildProcess;
  /** Everything it wrote to stderr so far (a server's request log). */
  stderr(): string;
}

/** A long-running `realdid --json …` command (a server) as a child process, once it has printed that it is up. */
export function spawnRealdid(args: string[], cwd: string, bin = join(PROJECT_ROOT, "bin", "realdid.js")): Promise<RunningChild> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [bin, "--json", ...args], { cwd, stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    let err = "";
    child.stdout!.on("data", (chunk) => {
      out += chunk;
      try {
        const started = JSON.parse(out);
        resolve({ started, url: started.url, child, stderr: () => err });
      } catch {
        // not a whole JSON object yet
      }
    });
    child.stderr!.on("data", (chunk) => (err += chunk));
    child.on("exit", (code) => reject(new Error(`${args.join(" ")} exited (${code}): ${err}`)));
  });
}

/** `realdid serve` as a child process: its URL once it listens, and the process to stop. */
export const spawnService = (configPath: string, cwd: string, extraArgs: string[] = []): Promise<RunningChild> => spawnRealdid(["serve", "--config", configPath, ...extraArgs], cwd);

/** Stops a child process and waits for it to be gone. */
export async function stopChild(child: ChildProcess | undefined): Promise<void> {
  if (!child || child.exitCode !== null) return;
  const gone = new Promise((resolve) => child.once("exit", resolve));
  child.kill("SIGTERM");
  await gone;
}
