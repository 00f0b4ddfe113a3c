import { type ChildProcess, spawn } from "node:child_process";
import { join } from "node:path";
import { PROJECT_ROOT } from "../../src/artifacts/paths.js";

export interface RunningChild {
  /** What the command printed with --json once it was up (its url, keys, …). */
  readonly started: Record<string, any>;
  readonly url: string;
  readonly child: ChildProcess;
  /**
   * What it wrote to stderr (a server's request log) once `pattern` shows up in it. The
   * tests' synchronous CLI runs keep this process from reading the pipe meanwhile, so
   * the output is awaited, not read off at once.
   */
  stderrOnce(pattern: RegExp, timeoutMs?: number): Promise<string>;
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
        if (started.error) reject(new Error(`${args.join(" ")} did not start: ${out.trim()} ${err}`));
        else resolve({ started, url: started.url, child, stderrOnce: (pattern, timeoutMs = 10_000) => waitFor(() => err, pattern, timeoutMs) });
      } catch {
        // not a whole JSON object yet
      }
    });
    child.stderr!.on("data", (chunk) => (err += chunk));
    child.on("exit", (code) => reject(new Error(`${args.join(" ")} exited (${code}): ${err}`)));
  });
}

async function waitFor(text: () => string, pattern: RegExp, timeoutMs: number): Promise<string> {
  for (const deadline = Date.now() + timeoutMs; !pattern.test(text()); ) {
    if (Date.now() > deadline) throw new Error(`${pattern} did not appear in:\n${text()}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return text();
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
