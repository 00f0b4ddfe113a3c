// The verifier service against abuse and client mistakes (in-process, embedded store,
// no proofs needed): challenge floods get 429 rate_limited with Retry-After, the cap on
// unexpired challenges holds the table's size, expired challenges are purged, corrupt
// compressed bodies and bad escapes get 400s without an internal error, request ids
// are echoed, and liveness, readiness and a ledger rollback are reported.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { brotliCompressSync, gzipSync } from "node:zlib";
import Database from "better-sqlite3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generateRegulatorKeyPair } from "../src/crypto/escrow.js";
import { RootLedger } from "../src/ledger/root-ledger.js";
import { releaseCurve } from "../src/proof/curve.js";
import { parseServiceConfig } from "../src/service/config.js";
import { type RunningService, startVerifierService } from "../src/service/server.js";
import { ed25519Signer, newSigningKeyHex } from "../src/signed-log/ed25519-signer.js";
import { realdid } from "./helpers/cli.js";
import { LedgerHttpSource } from "./helpers/ledger-http-source.js";

const dir = mkdtempSync(join(tmpdir(), "realdid-abuse-"));
const signer = ed25519Signer(newSigningKeyHex());
const ledger = new RootLedger(signer.publicKey);
for (const root of [1n, 2n, 3n]) ledger.publishRoot(root, Number(root), new Date(), signer);
const { x, y } = generateRegulatorKeyPair().publicKey;
const regulatorKey = { x: x.toString(), y: y.toString() };

let source: LedgerHttpSource;
let service: RunningService;
const logLines: string[] = [];

/** A service config (JSON, as an operator writes it) with small limits; `overrides` on top. */
function startService(name: string, overrides: Record<string, unknown>, log: (line: string) => void = () => {}) {
  const config = {
    port: 0,
    database: name,
    workers: 1,
    trustProxy: "loopback", // the tests speak for many clients through X-Forwarded-For
    ledger: { source: source.url, registrarKey: signer.publicKey, syncSeconds: 3600 },
    limits: { challengesPerClient: { points: 50, seconds: 3600 }, challengesPerSite: { points: 100, seconds: 3600 }, maxUnexpiredChallenges: 150 },
    sites: { shop: { scope: "shop.example", minAge: 18, regulatorKey }, news: { scope: "news.example", minAge: 18, regulatorKey } },
    ...overrides,
  };
  writeFileSync(join(dir, `${name}.json`), JSON.stringify(config));
  return startVerifierService(parseServiceConfig(config, dir), log);
}

beforeAll(async () => {
  source = await LedgerHttpSource.start(ledger);
  service = await startService("abuse", {}, (line) => logLines.push(line));
});
afterAll(async () => {
  await service?.close();
  await source?.close();
  await releaseCurve();
  rmSync(dir, { recursive: true, force: true });
});

const ask = (site: string, client: string, headers: Record<string, string> = {}) =>
  fetch(`${service.url}/v1/challenges`, { method: "POST", headers: { "content-type": "application/json", "x-forwarded-for": client, ...headers }, body: JSON.stringify({ site }) });

/** `count` challenge requests, `concurrency` at a time: the answers' statuses, codes and Retry-After headers. */
async function flood(count: number, concurrency: number, request: (i: number) => Promise<Response>) {
  const answers: { status: number; code?: string; retryAfter: string | null }[] = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      for (let i = next++; i < count; i = next++) {
        const response = await request(i);
        const json = await response.json();
        answers.push({ status: response.status, code: json.error?.code, retryAfter: response.headers.get("retry-after") });
      }
    }),
  );
  const tally = (status: number, code?: string) => answers.filter((a) => a.status === status && a.code === code).length;
  return { answers, tally };
}

const challengeRows = () => {
  const db = new Database(join(dir, "abuse", "verifier.sqlite"), { readonly: true });
  try {
    return (db.prepare("SELECT count(*) AS n FROM challenges").get() as { n: number }).n;
  } finally {
    db.close();
  }
};

describe("challenge floods", () => {
  it("one client past its limit gets 429 rate_limited with Retry-After; the rest of the clients are served", async () => {
    const started = performance.now();
    const { answers, tally } = await flood(600, 32, () => ask("shop", "10.0.0.1"));
    const seconds = (performance.now() - started) / 1000;
    console.log(`challenge flood (one client, embedded store): ${answers.length} requests in ${seconds.toFixed(2)} s = ${Math.round(answers.length / seconds)}/s`);
    expect(tally(201)).toBe(50);
    expect(tally(429, "rate_limited")).toBe(550);
    for (const refused of answers.filter((a) => a.status === 429)) expect(Number(refused.retryAfter)).toBeGreaterThan(0);
    expect((await ask("shop", "10.0.0.2")).status).toBe(201);
  });

  it("many clients on one site reach the site's limit; then the cap on unexpired challenges holds the table's size", async () => {
    // Site shop has used 51 of its 100; ten more clients ask 10 times each.
    const shop = await flood(100, 16, (i) => ask("shop", `10.0.1.${i % 10}`));
    expect(shop.tally(201)).toBe(49);
    expect(shop.tally(429, "rate_limited")).toBe(51);
    expect(challengeRows()).toBe(100);
    // Site news has its own limit, but the table holds at most 150 unexpired challenges.
    const news = await flood(100, 16, (i) => ask("news", `10.0.2.${i % 10}`));
    expect(news.tally(201)).toBe(50);
    expect(news.tally(503, "challenges_exhausted")).toBe(50);
    expect(news.answers.filter((a) => a.status === 503).every((a) => Number(a.retryAfter) > 0)).toBe(true);
    expect(challengeRows()).toBe(150);
  });

  it("purges expired challenges, so the table shrinks again", async () => {
    const rowsOf = (name: string) => {
      const db = new Database(join(dir, name, "verifier.sqlite"), { readonly: true });
      try {
        return (db.prepare("SELECT count(*) AS n FROM challenges").get() as { n: number }).n;
      } finally {
        db.close();
      }
    };
    const shortLived = await startService("short-lived", { challengeTtlSeconds: 1, limits: { maxUnexpiredChallenges: 20 } });
    try {
      const issue = () => fetch(`${shortLived.url}/v1/challenges`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ site: "shop" }) });
      for (let i = 0; i < 20; i++) expect((await issue()).status).toBe(201);
      expect((await issue()).status).toBe(503);
      await expect.poll(() => rowsOf("short-lived"), { timeout: 10_000, interval: 200 }).toBe(0);
      expect((await issue()).status).toBe(201);
    } finally {
      await shortLived.close();
    }
  });
});

it("a locked embedded database is 503 store_unavailable (after a short busy timeout, so the event loop is not held), and served again once it is free", async () => {
  const locked = await startService("locked", {});
  const issue = () => fetch(`${locked.url}/v1/challenges`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ site: "news" }) });
  const other = new Database(join(dir, "locked", "verifier.sqlite"));
  try {
    other.exec("BEGIN EXCLUSIVE"); // another writer holds the file (a backup tool, a stuck process)
    const answer = await issue();
    expect(answer.status).toBe(503);
    expect(answer.headers.get("retry-after")).toBe("5");
    expect(await answer.json()).toMatchObject({ error: { code: "store_unavailable", message: expect.stringMatching(/database is (busy|locked)/) } });
    other.exec("ROLLBACK");
    expect((await issue()).status).toBe(201); // the same store, no reopening
  } finally {
    other.close();
    await locked.close();
  }
}, 20_000);

it("refuses trustProxy: true (any client could choose its address) with a clear config error", () => {
  const config = { ledger: { source: source.url, registrarKey: signer.publicKey }, sites: { shop: { scope: "shop.example", minAge: 18, regulatorKey } } };
  expect(() => parseServiceConfig({ ...config, trustProxy: true }, dir)).toThrow(/^config: trustProxy: true would let any client choose its address .* the number of proxies .* their addresses/);
  expect(parseServiceConfig({ ...config, trustProxy: 1 }, dir).trustProxy).toBe(1);
});

describe("client mistakes are 4xx, never an internal error", () => {
  const post = (body: Uint8Array | string, headers: Record<string, string>) =>
    fetch(`${service.url}/v1/challenges`, { method: "POST", headers: { "content-type": "application/json", "x-forwarded-for": "10.0.3.1", ...headers }, body: typeof body === "string" ? body : new Uint8Array(body) });

  it.each([
    ["gzip", "not gzip at all"],
    ["deflate", "not deflate at all"],
    ["br", "not brotli at all"],
    ["gzip", gzipSync(JSON.stringify({ site: "shop" })).subarray(0, 12)], // cut off
  ])("a corrupt %s body: 400 malformed_request", async (encoding, body) => {
    const answer = await post(Buffer.from(body), { "content-encoding": encoding });
    expect(answer.status).toBe(400);
    expect(await answer.json()).toMatchObject({ error: { code: "malformed_request", message: expect.stringMatching(/decompress|Content-Encoding|unexpected end/) } });
  });

  it("an unknown site named by a long path segment is 404, and the message quotes only its start", async () => {
    const answer = await fetch(`${service.url}/v1/sites/${"a".repeat(5000)}`);
    expect(answer.status).toBe(404);
    const { error } = (await answer.json()) as { error: { code: string; message: string } };
    expect(error).toEqual({ code: "unknown_site", message: `no site "${"a".repeat(63)}… is configured` });
  });

  it("an unsupported encoding, and a bad %-escape in a path: 400", async () => {
    expect(await (await post("{}", { "content-encoding": "zstd-or-something" })).json()).toMatchObject({ error: { code: "malformed_request" } });
    const badEscape = await fetch(`${service.url}/v1/sites/%E0%A4%A`);
    expect(badEscape.status).toBe(400);
    expect(await badEscape.json()).toMatchObject({ error: { code: "malformed_request" } });
  });

  it("well-formed compressed bodies are read", async () => {
    const body = JSON.stringify({ site: "news" });
    expect((await post(gzipSync(body), { "content-encoding": "gzip", "x-forwarded-for": "10.0.3.2" })).status).not.toBe(400);
    expect((await post(brotliCompressSync(body), { "content-encoding": "br", "x-forwarded-for": "10.0.3.3" })).status).not.toBe(400);
  });

  it("none of them was logged as an internal error (no stack)", () => {
    const errors = logLines.filter((line) => /internal error|"stack"/.test(line));
    expect(errors).toEqual([]);
    expect(logLines.length).toBeGreaterThan(0);
  });
});

describe("request ids, health and readiness", () => {
  it("echoes a plain X-Request-Id, makes one otherwise, and logs each request with it", async () => {
    const given = await fetch(`${service.url}/livez`, { headers: { "x-request-id": "edge-1234.abc" } });
    expect(given.headers.get("x-request-id")).toBe("edge-1234.abc");
    const made = await fetch(`${service.url}/livez`);
    expect(made.headers.get("x-request-id")).toMatch(/^[0-9a-f-]{36}$/);
    const odd = await fetch(`${service.url}/livez`, { headers: { "x-request-id": "has spaces\tand tabs" } });
    expect(odd.headers.get("x-request-id")).toMatch(/^[0-9a-f-]{36}$/);
    await expect.poll(() => logLines.map((line) => JSON.parse(line)).find((entry) => entry.reqId === "edge-1234.abc")).toMatchObject({ msg: "request", method: "GET", path: "/livez", status: 200 });
  });

  it("is live and ready; a ledger rollback at the source shows in readiness (serving goes on from the verified ledger)", async () => {
    expect(await (await fetch(`${service.url}/livez`)).json()).toEqual({ status: "ok" });
    const ready = await fetch(`${service.url}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({ status: "ok", store: "ok", ledger: { entries: 3, head: 2, rollback: null } });

    source.ledger = new RootLedger(signer.publicKey, ledger.entriesFrom(0).slice(0, 1));
    await expect(service.replica.sync()).rejects.toMatchObject({ code: "log_rollback" });
    const health = await (await fetch(`${service.url}/healthz`)).json();
    expect(health).toMatchObject({ status: "ok", ledger: { entries: 3, rollback: { ourEntries: 3, message: expect.stringMatching(/fewer than the 3 entries/) } } });
    const metrics = await (await fetch(`${service.url}/metrics`)).text();
    expect(metrics).toMatch(/^realdid_ledger_rollbacks_total 1$/m);
    expect(metrics).toMatch(/^realdid_request_errors_total\{code="rate_limited"\} [1-9]\d*$/m);
    expect(logLines.some((line) => /ledger source rolled back/.test(line))).toBe(true);
    source.ledger = ledger;
    await service.replica.sync();
    expect(await (await fetch(`${service.url}/readyz`)).json()).toMatchObject({ ledger: { rollback: null } });
  });

  it("is not ready while the replica has no verified entry", async () => {
    source.behaviour = (_req, res) => void res.writeHead(503).end();
    const empty = await startService("empty-ledger", {});
    try {
      const ready = await fetch(`${empty.url}/readyz`);
      expect(ready.status).toBe(503);
      expect(await ready.json()).toMatchObject({ status: "unavailable", problems: [expect.stringMatching(/^ledger_empty: .*HTTP 503/)] });
      expect((await fetch(`${empty.url}/livez`)).status).toBe(200);
    } finally {
      source.behaviour = undefined;
      await empty.close();
    }
  });
});

it("`realdid serve` on a busy port exits non-zero at once with one line", () => {
  // The ledger comes from a file here: this process is blocked while the CLI runs.
  writeFileSync(join(dir, "ledger.jsonl"), ledger.toJsonLines());
  const busyPort = Number(new URL(service.url).port);
  const config = { port: busyPort, database: "busy-port", workers: 1, ledger: { source: "ledger.jsonl", registrarKey: signer.publicKey }, sites: { shop: { scope: "shop.example", minAge: 18, regulatorKey } } };
  writeFileSync(join(dir, "busy-port.json"), JSON.stringify(config));
  const run = realdid(dir, ["serve", "--config", "busy-port.json"]);
  expect(run.status).toBe(1);
  // Besides the service's JSON log lines (the development-keys warning), one line: the error.
  const plain = run.stderr.split("\n").filter((line) => line !== "" && !line.startsWith("{"));
  expect(plain).toEqual([`realdid: cannot listen on 127.0.0.1:${busyPort}: the address is already in use`]);
  expect(run.stdout).toBe("");
}, 60_000);

it("takes its port first: live at once, 503 service_starting for the rest until it is ready", async () => {
  const port = await new Promise<number>((resolve) => {
    const probe = createServer().listen(0, "127.0.0.1", () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
  source.behaviour = () => undefined; // the first ledger pull hangs until its timeout: start-up takes that long
  const starting = startService("starting", { port, ledger: { source: source.url, registrarKey: signer.publicKey, timeoutSeconds: 2 } });
  try {
    const ask = () => fetch(`http://127.0.0.1:${port}/v1/sites/shop`).catch(() => undefined);
    let answer: Response | undefined;
    await expect.poll(async () => (answer = await ask()), { timeout: 5000, interval: 20 }).toBeDefined();
    expect(answer!.status).toBe(503);
    expect(await answer!.json()).toEqual({ error: { code: "service_starting", message: "the service is starting" } });
    // Live from the start (an orchestrator must not restart a slow start), not ready until started.
    for (const path of ["/livez", "/healthz/live?probe=1"]) expect(await (await fetch(`http://127.0.0.1:${port}${path}`)).json()).toEqual({ status: "ok" });
    expect((await fetch(`http://127.0.0.1:${port}/readyz`)).status).toBe(503);
  } finally {
    source.behaviour = undefined;
    await (await starting).close();
  }
}, 30_000);
