// Scale-out: verifier instances sharing one PostgreSQL. Single use of challenges and
// nullifiers must hold under real concurrency, decided by the database.
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { releaseCurve } from "../src/proof/curve.js";
import { parseServiceConfig } from "../src/service/config.js";
import { PostgresVerifierStore } from "../src/service/postgres-store.js";
import { type RunningService, startVerifierService } from "../src/service/server.js";
import { SqliteVerifierStore } from "../src/service/sqlite-store.js";
import type { VerifierStore } from "../src/service/store.js";
import { resetVerifierTables, TEST_POSTGRES_URL } from "./helpers/postgres.js";
import { type ProofFixture, proofFixture } from "./helpers/proof-fixture.js";
import { challengeAndProof, post, writeServiceConfig } from "./helpers/service-fixture.js";

let dir: string;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "realdid-pg-"));
  await resetVerifierTables();
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe.each([
  ["SQLite", async () => [SqliteVerifierStore.open(join(dir, "sqlite")), SqliteVerifierStore.open(join(dir, "sqlite"))]],
  ["PostgreSQL", async () => [await PostgresVerifierStore.open(TEST_POSTGRES_URL), await PostgresVerifierStore.open(TEST_POSTGRES_URL)]],
] as const)("%s store", (_, open) => {
  let stores: VerifierStore[];
  beforeAll(async () => {
    stores = await open();
  });
  afterAll(async () => Promise.all(stores.map((store) => store.close())));

  it("claims a challenge once, and says why it cannot", async () => {
    const now = new Date();
    const record = { challenge: `c-${Math.random()}`, site: "shop", action: null, day: "2026-11-25", expiresAt: new Date(now.getTime() + 60_000) };
    await stores[0].addChallenge(record);
    expect(await stores[1].claimChallenge(record.challenge, now)).toEqual({ claimed: record });
    expect(await stores[0].claimChallenge(record.challenge, now)).toEqual({ refused: "challenge_used" });
    expect(await stores[0].claimChallenge("never-issued", now)).toEqual({ refused: "challenge_unknown" });
    const stale = { ...record, challenge: `c-${Math.random()}`, expiresAt: new Date(now.getTime() - 1) };
    await stores[0].addChallenge(stale);
    expect(await stores[1].claimChallenge(stale.challenge, now)).toEqual({ refused: "challenge_expired" });
  });

  it("prunes only challenges that expired before the cut-off", async () => {
    const now = new Date();
    const old = { challenge: `old-${Math.random()}`, site: "shop", action: null, day: "2026-11-25", expiresAt: new Date(now.getTime() - 7200_000) };
    const fresh = { ...old, challenge: `fresh-${Math.random()}`, expiresAt: new Date(now.getTime() + 60_000) };
    await stores[0].addChallenge(old);
    await stores[0].addChallenge(fresh);
    expect(await stores[1].pruneChallenges(new Date(now.getTime() - 3600_000))).toBeGreaterThanOrEqual(1);
    expect(await stores[0].claimChallenge(old.challenge, now)).toEqual({ refused: "challenge_unknown" });
    expect(await stores[0].claimChallenge(fresh.challenge, now)).toEqual({ claimed: fresh });
  });

  it("lets exactly one of two instances record a nullifier, 200 races out of 200", async () => {
    for (let round = 0; round < 200; round++) {
      const results = await Promise.all(stores.map((store) => store.addNullifier("race.example/poll", `n-${round}`, new Date())));
      expect(results.filter(Boolean)).toHaveLength(1);
    }
  });
});

describe("two verifier instances sharing one PostgreSQL", () => {
  let fixture: ProofFixture;
  let instances: RunningService[];
  beforeAll(async () => {
    fixture = await proofFixture();
    const configPath = writeServiceConfig(dir, fixture, TEST_POSTGRES_URL);
    const config = parseServiceConfig(JSON.parse(readFileSync(configPath, "utf8")), dirname(configPath));
    instances = [await startVerifierService({ ...config, workers: 1 }, () => {}), await startVerifierService({ ...config, workers: 1 }, () => {})];
  });
  afterAll(async () => {
    await Promise.all(instances.map((instance) => instance.close()));
    await releaseCurve();
  });

  const proveFor = (instance: RunningService, action: string) => challengeAndProof(instance.url, fixture, "shop", { action });

  it("one-per-person proofs of the same person sent to both at the same moment: exactly one succeeds, every time", async () => {
    for (let round = 0; round < 4; round++) {
      const action = `poll-${round}`;
      const [a, b] = [await proveFor(instances[0], action), await proveFor(instances[1], action)];
      const answers = await Promise.all([post(`${instances[0].url}/v1/verify`, a), post(`${instances[1].url}/v1/verify`, b)]);
      expect(answers.map((x) => x.status).sort()).toEqual([200, 409]);
      expect(answers.find((x) => x.status === 409)!.json.error.code).toBe("nullifier_used");
    }
  });

  it("the same proof and challenge sent to both at once: exactly one succeeds, every time", async () => {
    for (let round = 4; round < 8; round++) {
      const attempt = await proveFor(instances[round % 2], `poll-${round}`);
      const answers = await Promise.all(instances.map((instance) => post(`${instance.url}/v1/verify`, attempt)));
      expect(answers.map((x) => x.status).sort()).toEqual([200, 409]);
      expect(answers.find((x) => x.status === 409)!.json.error.code).toBe("challenge_used");
    }
  });
});
