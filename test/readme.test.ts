// The README's command-line walkthrough, pasted into a shell as a new user would: the block
// runs as written (npx realdid resolved to this checkout's command), in an empty folder.
// It uses the ports it names (8080, 8090).
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect, it } from "vitest";
import { PROJECT_ROOT } from "../src/artifacts/paths.js";
import { CHECKOUT_BIN } from "./helpers/cli.js";

it("the README's command-line walkthrough runs as written: offline proof and presentation, login, unmasking from the receipt", async () => {
  const readme = readFileSync(join(PROJECT_ROOT, "README.md"), "utf8");
  const section = readme.slice(readme.indexOf("## Command line"));
  const block = /```sh\n([\s\S]*?)```/.exec(section)![1];
  const dir = mkdtempSync(join(tmpdir(), "realdid-readme-"));
  // Its own process group, so that whatever the block leaves running is stopped with it.
  // A script file, as a pasted block runs: `bash -c` would put the block in bash's own command line, where its pkill would find it.
  writeFileSync(join(dir, "walkthrough.sh"), `set -euo pipefail\nnpx() { shift; node ${JSON.stringify(CHECKOUT_BIN)} "$@"; }\n${block}`);
  const shell = spawn("bash", ["walkthrough.sh"], { cwd: dir, detached: true, stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  shell.stdout.on("data", (chunk) => (output += chunk));
  shell.stderr.on("data", (chunk) => (output += chunk));
  try {
    const status = await new Promise((resolve) => shell.once("exit", resolve));
    expect(status, output).toBe(0);
    expect(output).toMatch(/VALID proof for shop\.example/);
    expect(output).toMatch(/VALID presentation for shop\.example/);
    expect(output).toMatch(/real name: Li Wei, ID 11010519900314002X/);
    expect(output).toMatch(/audit log valid: 4 entries, 1 cases/);
    expect(JSON.parse(readFileSync(join(dir, "demo", "login.json"), "utf8"))).toMatchObject({ valid: true, site: "shop" });
    const requests = readFileSync(join(dir, "demo", "registrar-requests.log"), "utf8").trim().split("\n").map((line) => JSON.parse(line).path);
    expect(requests).toContain("/v1/tree/buckets/0");
  } finally {
    try {
      process.kill(-shell.pid!, "SIGKILL");
    } catch {
      // the group is gone already
    }
    rmSync(dir, { recursive: true, force: true });
  }
}, 300_000);
