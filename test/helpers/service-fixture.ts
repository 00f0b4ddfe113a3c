import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { ed25519Signer, newSigningKeyHex } from "../../src/signed-log/ed25519-signer.js";
import { RootLedger } from "../../src/ledger/root-ledger.js";
import { todayIso } from "../../src/attributes/calendar.js";
import { proofDocument } from "../../src/proof/proof-document.js";
import type { ProofFixture } from "./proof-fixture.js";

const HOUR = 3600_000;

/**
 * Writes a signed ledger in which the fixture's root was published 3 hours ago and
 * replaced 2 hours ago (so a 1-hour window refuses it and a 1-day window accepts it),
 * and a service config with sites that exercise every check. Returns the config's path.
 */
export function writeServiceConfig(dir: string, fixture: ProofFixture, database: string, overrides: Record<string, unknown> = {}): string {
  const signer = ed25519Signer(newSigningKeyHex());
  const ledger = new RootLedger(signer.publicKey);
  const now = Date.now();
  ledger.publishRoot(1n, 0, new Date(now - 4 * HOUR), signer);
  ledger.publishRoot(fixture.tree.root, fixture.tree.size, new Date(now - 3 * HOUR), signer);
  ledger.publishRoot(2n, fixture.tree.size + 1, new Date(now - 2 * HOUR), signer);
  writeFileSync(join(dir, "ledger.jsonl"), ledger.toJsonLines());
  const regulatorKey = { x: fixture.regulator.publicKey.x.toString(), y: fixture.regulator.publicKey.y.toString() };
  const polls = Object.fromEntries(Array.from({ length: 12 }, (_, i) => [`poll-${i}`, { onePerPerson: true }]));
  const config = {
    host: "127.0.0.1",
    port: 0,
    database,
    workers: 2,
    bodyLimitBytes: 65536,
    ledger: { source: "ledger.jsonl", registrarKey: signer.publicKey, syncSeconds: 60 },
    sites: {
      shop: { scope: "shop.example", minAge: 18, regionPrefix: "11", checkExpiry: true, rootWindowSeconds: 86400, regulatorKey, actions: polls, allowMessageProofs: true },
      news: { scope: "news.example", minAge: 18, rootWindowSeconds: 86400, regulatorKey },
      strict: { scope: "strict.example", minAge: 18, rootWindowSeconds: 3600, regulatorKey },
    },
    ...overrides,
  };
  const path = join(dir, "verifier.json");
  writeFileSync(path, JSON.stringify(config, null, 2));
  return path;
}

/** The predicates of the "shop" site above, for making matching proofs. */
export const SHOP_PREDICATES = { minAge: 18, regionPrefix: "11", notExpired: true };

export async function post(url: string, body: unknown): Promise<{ status: number; json: any }> {
  const response = await fetch(url, { method: "POST", headers: { "content-type": "application/json" }, body: typeof body === "string" ? body : JSON.stringify(body) });
  return { status: response.status, json: await response.json() };
}

/**
 * Asks the service at `url` for a challenge and proves for it as citizen `who` of the
 * fixture: the body a site posts to /v1/verify.
 */
export async function challengeAndProof(url: string, fixture: ProofFixture, site: string, { who = 1, scope = `${site}.example`, predicates = SHOP_PREDICATES as object, action }: { who?: number; scope?: string; predicates?: object; action?: string } = {}) {
  const issued = await post(`${url}/v1/challenges`, { site, ...(action && { action }) });
  if (issued.status !== 201) throw new Error(`no challenge: ${JSON.stringify(issued.json)}`);
  const scoped = action ? `${scope}/${action}` : scope;
  const made = await fixture.prove(who, fixture.requestFor(scoped, predicates, todayIso(), BigInt(issued.json.challenge)));
  return { challenge: issued.json.challenge as string, proof: proofDocument(made, scoped) };
}
