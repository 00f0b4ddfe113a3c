import { spawnSync } from "node:child_process";
import { readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { PROJECT_ROOT } from "../../src/artifacts/paths.js";

export const run = (command: string, args: string[], cwd: string) => {
  const result = spawnSync(command, args, { cwd, encoding: "utf8" });
  if (result.status !== 0) throw new Error(`${command} ${args.join(" ")} failed:\n${result.stdout}${result.stderr}`);
  return result.stdout;
};

/**
 * A second install, as another party would have it: the checkout packed (npm pack, which
 * builds dist/) and the tarball installed into an empty project in `dir` from the npm
 * registry (or npm's cache). Returns the path of the installed `realdid` command.
 */
export function packedInstall(dir: string): { bin: string; project: string; tarball: string } {
  run("npm", ["pack", "--silent", "--pack-destination", dir], PROJECT_ROOT);
  const tarball = join(dir, readdirSync(dir).find((file) => file.endsWith(".tgz"))!);
  const project = join(dir, "install");
  run("mkdir", ["-p", project], dir);
  writeFileSync(join(project, "package.json"), JSON.stringify({ name: "second-install", private: true, type: "module" }));
  run("npm", ["install", "--prefer-offline", "--no-audit", "--no-fund", tarball], project);
  return { bin: join(project, "node_modules", "realdid", "bin", "realdid.js"), project, tarball };
}
