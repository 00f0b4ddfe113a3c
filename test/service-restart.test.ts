// Kill the verifier service with SIGKILL in the middle of a burst of one-per-person
// verifications, restart it on the same data folder: every nullifier it accepted before
// the kill is still refused after it.
import type { ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { releaseCurve } from "../src/proof/curve.js";
import { type ProofFixture, proofFixture } from "./helpers/proof-fixture.js";
import { challengeAndProof, post, writeServiceConfig } from "./helpers/service-fixture.js";
import { spawnService } from "./helpers/service-process.js";

let dir: string;
let configPath: string;
let fixture: ProofFixture;
let child: ChildProcess | undefined;

/** Starts `realdid serve` as a child process and resolves with its URL. */
async function startService(): Promise<string> {
  const started = await spawnService(configPath, dir);
  child = started.child;
  return started.url;
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "realdid-restart-"));
  fixture = await proofFixture();
  configPath = writeServiceConfig(dir, fixture, "service-data");
});
afterAll(async () => {
  child?.kill("SIGKILL");
  await releaseCurve();
  rmSync(dir, { recursive: true, force: true });
});

const proveFor = (url: string, action: string) => challengeAndProof(url, fixture, "shop", { who: 2, action });

it("keeps every accepted nullifier across a SIGKILL", async () => {
  const url = await startService();
  const actions = Array.from({ length: 6 }, (_, i) => `poll-${i}`);
  const attempts = [];
  for (const action of actions) attempts.push(await proveFor(url, action));

  const accepted: string[] = [];
  let killed = false;
  await Promise.allSettled(
    attempts.map(async (attempt, i) => {
      const answer = await post(`${url}/v1/verify`, attempt);
      if (answer.status === 200) accepted.push(actions[i]);
      if (!killed) {
        killed = true; // kill on the first answer: the rest of the burst is in flight
        child!.kill("SIGKILL");
      }
    }),
  );
  expect(accepted.length).toBeGreaterThan(0);

  const restarted = await startService();
  for (const action of accepted) {
    const again = await post(`${restarted}/v1/verify`, await proveFor(restarted, action));
    expect(again, action).toMatchObject({ status: 409, json: { error: { code: "nullifier_used" } } });
  }
  // Actions whose answer was lost in the kill are either recorded or free: never both.
  const unanswered = actions.filter((action) => !accepted.includes(action));
  if (unanswered.length > 0) {
    const answer = await post(`${restarted}/v1/verify`, await proveFor(restarted, unanswered[0]));
    expect([200, 409]).toContain(answer.status);
  }
}, 180_000);
