// Two verifier instances (real `realdid serve` processes) on one PostgreSQL of the test's
// own, under a steady load of challenge requests: their database connections are
// terminated, then the server is stopped and restarted. No instance exits; during the
// outage requests get 503 store_unavailable and readiness fails; afterwards readiness
// recovers, every accepted nullifier is still there and no challenge is accepted twice.
// Rate limits are shared by the instances; SIGTERM lets a request in flight finish.
import { request } from "node:http";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { releaseCurve } from "../src/proof/curve.js";
import { isStoreUnavailable } from "../src/service/store-errors.js";
import { PrivatePostgres } from "./helpers/private-postgres.js";
import { type ProofFixture, proofFixture } from "./helpers/proof-fixture.js";
import { challengeAndProof, post, writeServiceConfig } from "./helpers/service-fixture.js";
import { type RunningChild, spawnService, stopChild } from "./helpers/service-process.js";

const whyNot = PrivatePostgres.unavailable();
if (whyNot) console.warn(`service-faults: skipped, a private PostgreSQL cluster cannot be made here: ${whyNot}`);

describe.skipIf(whyNot !== undefined)("two verifier instances on one PostgreSQL, under faults", () => {
  let dir: string;
  let db: PrivatePostgres;
  let fixture: ProofFixture;
  let instances: RunningChild[] = [];
  const exits: string[] = [];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "realdid-faults-"));
    [db, fixture] = await Promise.all([PrivatePostgres.create(), proofFixture()]);
    const configPath = writeServiceConfig(dir, fixture, db.url, {
      workers: 1,
      trustProxy: "loopback", // the load speaks for many clients through X-Forwarded-For
      limits: { challengesPerClient: { points: 40, seconds: 3600 }, challengesPerSite: { points: 1_000_000, seconds: 3600 }, maxUnexpiredChallenges: 100_000 },
    });
    instances = await Promise.all([spawnService(configPath, dir), spawnService(configPath, dir)]);
    instances.forEach((instance, i) => instance.child.on("exit", (code, signal) => exits.push(`instance ${i}: ${code ?? signal}`)));
  }, 120_000);
  afterAll(async () => {
    await Promise.all(instances.map((instance) => stopChild(instance.child)));
    await db?.destroy();
    await releaseCurve();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  let clients = 0;
  /** A challenge request from a client of its own (so only the database can refuse it). */
  const askChallenge = (url: string, client = `10.${(clients >> 16) & 255}.${(clients >> 8) & 255}.${clients++ & 255}`) =>
    fetch(`${url}/v1/challenges`, { method: "POST", headers: { "content-type": "application/json", "x-forwarded-for": client }, body: JSON.stringify({ site: "shop" }) });
  const answerOf = async (response: Promise<Response>) => {
    const r = await response;
    return { status: r.status, code: ((await r.json()) as { error?: { code: string } }).error?.code };
  };

  it("shares the rate limit of one client between the instances", async () => {
    const answers = await Promise.all(Array.from({ length: 60 }, (_, i) => answerOf(askChallenge(instances[i % 2].url, "10.200.0.1"))));
    expect(answers.filter((a) => a.status === 201)).toHaveLength(40);
    expect(answers.filter((a) => a.status === 429 && a.code === "rate_limited")).toHaveLength(20);
  });

  it("a burst of challenge requests waiting on the cap lock leaves pool connections for readiness", async () => {
    // Another instance holds the challenge cap lock (7415002) for a while: issuance queues behind it.
    const holder = new pg.Client({ connectionString: db.url });
    await holder.connect();
    try {
      await holder.query("SELECT pg_advisory_lock(7415002)");
      const burst = Array.from({ length: 16 }, () => answerOf(askChallenge(instances[0].url)));
      await new Promise((resolve) => setTimeout(resolve, 300)); // every request of the burst is waiting now
      const ready = await fetch(`${instances[0].url}/readyz`);
      expect(ready.status).toBe(200);
      await holder.query("SELECT pg_advisory_unlock(7415002)");
      expect((await Promise.all(burst)).every((a) => a.status === 201)).toBe(true);
    } finally {
      await holder.end();
    }
  });

  it("a statement timeout and a read-only server (as after a failover) are store unavailable", async () => {
    const client = new pg.Client({ connectionString: db.url });
    await client.connect();
    try {
      await client.query("SET statement_timeout = 10");
      const timedOut = await client.query("SELECT pg_sleep(1)").catch((error) => error);
      await client.query("SET statement_timeout = 0; SET default_transaction_read_only = on");
      const readOnly = await client.query("CREATE TABLE realdid_faults_read_only (x int)").catch((error) => error);
      expect([timedOut.code, readOnly.code]).toEqual(["57014", "25006"]);
      expect([timedOut, readOnly].every(isStoreUnavailable)).toBe(true);
      expect(isStoreUnavailable(await client.query("SELECT * FROM no_such_table").catch((error) => error))).toBe(false); // a bug stays a 500
    } finally {
      await client.end();
    }
  });

  it("survives terminated connections and a database restart under load, and loses nothing", async () => {
    // Accepted before the faults: two one-per-person actions, and one proof kept for the outage.
    const accepted: { action: string; didAddress: string; attempt: Awaited<ReturnType<typeof challengeAndProof>> }[] = [];
    for (const [i, action] of ["poll-0", "poll-1"].entries()) {
      const attempt = await challengeAndProof(instances[i].url, fixture, "shop", { action });
      const answer = await post(`${instances[1 - i].url}/v1/verify`, attempt);
      expect(answer.status).toBe(200);
      accepted.push({ action, didAddress: answer.json.didAddress, attempt });
    }
    const duringOutage = await challengeAndProof(instances[0].url, fixture, "shop", { action: "poll-2" });

    // The load: 4 clients at a time, challenge requests to both instances, until stopped.
    const answers: { status: number; code?: string }[] = [];
    let loading = true;
    const load = Promise.all(
      Array.from({ length: 4 }, async (_, worker) => {
        for (let i = worker; loading; i += 4) answers.push(await answerOf(askChallenge(instances[i % 2].url)));
      }),
    );

    // 1. Every connection of both instances is terminated (idle ones included): they go on.
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(await db.terminateClients()).toBeGreaterThan(0);
    for (const instance of instances) await expect.poll(async () => (await answerOf(askChallenge(instance.url))).status, { timeout: 10_000 }).toBe(201);
    const dropped = await Promise.all(instances.map(async (instance) => Number(/^realdid_store_connection_errors_total (\d+)$/m.exec(await (await fetch(`${instance.url}/metrics`)).text())?.[1])));
    expect(dropped.some((n) => n > 0)).toBe(true); // the pool's error listener saw the dropped idle connections

    // 2. The database stops: 503 store_unavailable, readiness fails, liveness holds.
    await db.stop();
    for (const instance of instances) {
      await expect.poll(async () => answerOf(askChallenge(instance.url)), { timeout: 10_000 }).toEqual({ status: 503, code: "store_unavailable" });
      const ready = await fetch(`${instance.url}/readyz`);
      expect(ready.status).toBe(503);
      const readiness = await ready.text();
      expect(JSON.parse(readiness)).toMatchObject({ status: "unavailable", store: "unavailable", problems: ["store_unavailable: the database does not answer (details in the service log)"] });
      expect(readiness).not.toMatch(/ECONNREFUSED|127\.0\.0\.1|postgres/); // the database's own words stay in the log
      expect((await fetch(`${instance.url}/livez`)).status).toBe(200);
    }
    const refused = await post(`${instances[1].url}/v1/verify`, duringOutage);
    expect(refused).toMatchObject({ status: 503, json: { error: { code: "store_unavailable" } } });
    expect(await (await fetch(`${instances[1].url}/metrics`)).text()).toMatch(/^realdid_verification_failures_total\{code="store_unavailable"\} [1-9]/m);

    // 3. It comes back: readiness recovers by itself.
    const restarting = performance.now();
    await db.start();
    const started = performance.now() - restarting;
    const readyAfter = await Promise.all(
      instances.map(async (instance) => {
        await expect.poll(async () => (await fetch(`${instance.url}/readyz`)).status, { timeout: 20_000, interval: 50 }).toBe(200);
        return performance.now() - restarting;
      }),
    );
    console.log(`ready again ${readyAfter.map((ms) => `${Math.round(ms)} ms`).join(" and ")} after \`pg_ctl start\` was run (${Math.round(started)} ms of it until pg_ctl saw the server up)`);
    for (const instance of instances) await expect.poll(async () => (await answerOf(askChallenge(instance.url))).status, { timeout: 10_000 }).toBe(201);
    loading = false;
    await load;

    // No instance exited; every answer under load was a challenge or a 503 store_unavailable.
    expect(exits).toEqual([]);
    expect(instances.every((instance) => instance.child.exitCode === null)).toBe(true);
    const outcomes = new Set(answers.map((a) => `${a.status} ${a.code ?? ""}`.trim()));
    expect([...outcomes].sort()).toEqual(["201", "503 store_unavailable"]);
    console.log(`load: ${answers.length} challenge requests, ${answers.filter((a) => a.status === 503).length} answered 503 store_unavailable`);

    // Nothing lost, nothing reusable.
    const stored = await db.query("SELECT scope, nullifier FROM realdid_nullifiers");
    for (const { action, didAddress } of accepted) expect(stored.rows).toContainEqual({ scope: `shop.example/${action}`, nullifier: didAddress });
    for (const { attempt } of accepted) {
      for (const instance of instances) expect(await post(`${instance.url}/v1/verify`, attempt)).toMatchObject({ status: 409, json: { error: { code: "challenge_used" } } });
    }
    // The challenge the outage kept from being claimed is claimed once now, and only once.
    expect((await post(`${instances[0].url}/v1/verify`, duringOutage)).status).toBe(200);
    expect(await post(`${instances[1].url}/v1/verify`, duringOutage)).toMatchObject({ status: 409, json: { error: { code: "challenge_used" } } });
    expect(await post(`${instances[1].url}/v1/verify`, await challengeAndProof(instances[1].url, fixture, "shop", { action: "poll-0" }))).toMatchObject({
      status: 409,
      json: { error: { code: "nullifier_used" } },
    });
  }, 180_000);

  it("on SIGTERM (sent twice) finishes the request in flight, then exits 0", async () => {
    const [instance] = instances;
    const { port } = new URL(instance.url);
    const body = JSON.stringify({ site: "shop" });
    const answer = new Promise<{ status: number; text: string }>((resolve, reject) => {
      const req = request({ host: "127.0.0.1", port, path: "/v1/challenges", method: "POST", headers: { "content-type": "application/json", "content-length": body.length, "x-forwarded-for": "10.201.0.1" } }, (res) => {
        let text = "";
        res.on("data", (chunk) => (text += chunk)).on("end", () => resolve({ status: res.statusCode!, text }));
      });
      req.on("error", reject);
      req.write(body.slice(0, 5)); // the request is in flight: half its body sent
      setTimeout(() => {
        instance.child.kill("SIGTERM");
        setTimeout(() => instance.child.kill("SIGTERM"), 100); // an impatient orchestrator: the second signal must not kill it
        setTimeout(() => req.end(body.slice(5)), 500);
      }, 200);
    });
    const exited = new Promise((resolve) => instance.child.once("exit", (code) => resolve(code)));
    expect((await answer).status).toBe(201);
    expect(await exited).toBe(0);
    const log = await instance.stderrOnce(/"msg":"shut down"/);
    expect(log).toMatch(/shutting down: finishing requests in flight/);
    expect(log).toMatch(/realdid: SIGTERM received, already shutting down/);
    const at = (msg: string) => JSON.parse(log.split("\n").find((line) => line.includes(`"msg":"${msg}"`))!).time;
    console.log(`shutdown took ${at("shut down") - at("shutting down: finishing requests in flight")} ms`);
    exits.length = 0;
  }, 30_000);
});
