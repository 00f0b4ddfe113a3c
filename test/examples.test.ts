// The README's examples, run as a reader would run them (npm run example, example:relying-party).
import { spawnSync } from "node:child_process";
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
