// The README's examples, run as a reader would run them (npm run example, example:relying-party).
import { spawn, spawnSync } from "node:child_process";
import { createServer } from "node:net";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { PROJECT_ROOT } from "../src/artifacts/paths.js";

const runExample = (file: string) => {
  const tsx = join(PROJECT_ROOT, "node_modules", "tsx", "dist", "cli.mjs");
  return spawnSync(process.execPath, [tsx, join(PROJECT_ROOT, "examples", file)], { cwd: PROJECT_ROOT, encoding: "utf8" });
};

describe("examples", () => {
  it("first-proof: enrol, prove, verify, unmask", () => {
    const run = runExample("first-proof.ts");
    expect(run.status, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/website: valid proof, DID address \d+/);
    expect(run.stdout).toMatch(/regulator: the escrow opens to Li Wei/);
  });

  it("relying-party: login through the verifier service, replay refused", () => {
    const run = runExample("relying-party.ts");
    expect(run.status, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/website: logged in as account \d+/);
    expect(run.stdout).toMatch(/a replay of the same proof is refused \(challenge_used\)/);
  });
});

describe("npm start", () => {
  const freePort = () =>
    new Promise<number>((resolve) => {
      const server = createServer().listen(0, "127.0.0.1", () => {
        const { port } = server.address() as { port: number };
        server.close(() => resolve(port));
      });
    });

  it("listens on $PORT on every start, not on the port of the first", async () => {
    for (const port of [await freePort(), await freePort()]) {
      const tsx = join(PROJECT_ROOT, "node_modules", "tsx", "dist", "cli.mjs");
      const child = spawn(process.execPath, [tsx, join(PROJECT_ROOT, "scripts", "start-dev.ts")], { cwd: PROJECT_ROOT, env: { ...process.env, PORT: String(port) }, stdio: ["ignore", "pipe", "pipe"] });
      try {
        const url = await new Promise<string>((resolve, reject) => {
          let out = "";
          child.stdout.on("data", (chunk) => {
            out += chunk;
            const match = /listening on (http:\/\/\S+)/.exec(out);
            if (match) resolve(match[1]);
          });
          child.once("exit", (code) => reject(new Error(`npm start exited (${code}): ${out}`)));
        });
        expect(url).toBe(`http://127.0.0.1:${port}`);
        expect((await fetch(`${url}/healthz`)).status).toBe(200);
      } finally {
        const gone = new Promise((resolve) => child.once("exit", resolve));
        child.kill("SIGTERM");
        await gone;
      }
    }
  });
});
