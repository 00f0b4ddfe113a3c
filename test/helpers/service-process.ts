import { type ChildProcess, spawn } from "node:child_process";
import { join } from "node:path";
import { PROJECT_ROOT } from "../../src/artifacts/paths.js";

/** `realdid serve` as a child process: its URL once it listens, and the process to stop. */
export function spawnService(configPath: string, cwd: string, extraArgs: string[] = []): Promise<{ url: string; child: ChildProcess }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(PROJECT_ROOT, "bin", "realdid.js"), "--json", "serve", "--config", configPath, ...extraArgs], { cwd, stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    let err = "";
    child.stdout!.on("data", (chunk) => {
      out += chunk;
      try {
        resolve({ url: JSON.parse(out).url, child });
      } catch {
        // not a whole JSON object yet
      }
    });
    child.stderr!.on("data", (chunk) => (err += chunk));
    child.on("exit", (code) => reject(new Error(`service exited (${code}): ${err}`)));
  });
}
