// The verifier service over real HTTP on 127.0.0.1 with the embedded SQLite store.
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { Resolver } from "did-resolver";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { todayIso } from "../src/attributes/calendar.js";
import { pairwiseDid, verifierDid } from "../src/did/did-uri.js";
import { getResolver } from "../src/did/resolver.js";
import { releaseCurve } from "../src/proof/curve.js";
import { proofDocument } from "../src/proof/proof-document.js";
import { challengeForMessage, scopeToField } from "../src/proof/request.js";
import { parseRequestDocument, proofRequestFrom } from "../src/proof/request-document.js";
import { verifyReceipt } from "../src/receipt/receipt.js";
import { parseServiceConfig } from "../src/service/config.js";
import { type RunningService, startVerifierService } from "../src/service/server.js";
import { type ProofFixture, proofFixture } from "./helpers/proof-fixture.js";
import { challengeAndProof as proveAtService, post, SHOP_PREDICATES, writeServiceConfig } from "./helpers/service-fixture.js";

let dir: string;
let fixture: ProofFixture;
let service: RunningService;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "realdid-service-"));
  fixture = await proofFixture();
  const configPath = writeServiceConfig(dir, fixture, "verifier-data");
  service = await startVerifierService(parseServiceConfig(JSON.parse(readFileSync(configPath, "utf8")), dirname(configPath)), () => {});
});
afterAll(async () => {
  await service?.close();
  await releaseCurve();
  rmSync(dir, { recursive: true, force: true });
});

/** Asks the service for a challenge and proves for it as citizen `who`. */
const challengeAndProof = (site: string, options?: Parameters<typeof proveAtService>[3]) => proveAtService(service.url, fixture, site, options);

const verify = (body: unknown) => post(`${service.url}/v1/verify`, body);

describe("verifier service", () => {
  it("logs a citizen in: DID address, predicates, escrow and the root's ledger entry; the challenge is then used up", async () => {
    const login = await challengeAndProof("shop");
    const answer = await verify(login);
    expect(answer.status).toBe(200);
    const didAddress = fixture.citizens[1].identity.didAddress(scopeToField("shop.example"));
    expect(answer.json).toMatchObject({ valid: true, site: "shop", action: null, didAddress: didAddress.toString(), did: pairwiseDid(didAddress) });
    expect(answer.json.predicates).toEqual(["age >= 18", "region starts with 11", "credential not expired"]);
    expect(answer.json.ledgerEntry).toMatchObject({ seq: 1, root: fixture.tree.root.toString() });
    expect(answer.json.escrow.cipher).toMatch(/^\d+$/);
    expect(answer.json.keyId).toBe(fixture.artifacts.keyId);
    // The receipt the site keeps: signed by the service, the whole proof inside.
    const receipt = verifyReceipt(answer.json.receipt, "receipt", service.receiptKey);
    expect(receipt).toMatchObject({ site: "shop", action: null, scope: "shop.example", keyId: fixture.artifacts.keyId, didAddress: answer.json.didAddress, ledgerSeq: 1, proof: login.proof });
    expect(() => verifyReceipt({ ...answer.json.receipt, didAddress: "1" }, "edited receipt", service.receiptKey)).toThrow(/edited receipt: the signature is not the verifier service's/);
    expect(() => verifyReceipt(answer.json.receipt, "receipt", "ab".repeat(32))).toThrow(/not the trusted/);

    const replay = await verify(login);
    expect(replay).toMatchObject({ status: 409, json: { error: { code: "challenge_used" } } });

    // The service's DID names the key its receipts are signed with, and resolves to the same document.
    const didDocument = await (await fetch(`${service.url}/v1/did`)).json();
    expect(didDocument.id).toBe(verifierDid(service.receiptKey));
    expect(didDocument).toEqual((await new Resolver(getResolver()).resolve(didDocument.id)).didDocument);
  });

  it("hands out request documents a prover reads as they are: the site's (no challenge) and a challenge's", async () => {
    const site = await (await fetch(`${service.url}/v1/sites/shop`)).json();
    const siteRequest = parseRequestDocument(site, "site request");
    expect(siteRequest).toMatchObject({ format: "realdid-request/1", keyId: fixture.artifacts.keyId, site: "shop", action: null, scope: "shop.example", day: todayIso() });
    expect(siteRequest.actions?.["poll-0"]).toEqual({ onePerPerson: true });
    const trust = { regulatorKeys: [fixture.regulator.publicKey] };
    expect(() => proofRequestFrom(siteRequest, trust)).toThrow(/carries no challenge/);
    const issued = await post(`${service.url}/v1/challenges`, { site: "shop", action: "poll-1" });
    const request = proofRequestFrom(parseRequestDocument(issued.json, "challenge"), trust);
    expect(request).toMatchObject({ scope: "shop.example/poll-1", keyId: fixture.artifacts.keyId, challenge: BigInt(issued.json.challenge) });
    expect(request.bounds).toEqual(fixture.requestFor("x", SHOP_PREDICATES, todayIso()).bounds);
    expect(() => proofRequestFrom(parseRequestDocument(issued.json, "challenge"), { ...trust, now: new Date(Date.parse(issued.json.expiresAt) + 1) })).toThrow(/expired at/);
    expect(() => proofRequestFrom(parseRequestDocument(issued.json, "challenge"), { regulatorKeys: [] })).toThrow(/regulator key you do not trust/);
    expect(siteRequest.predicates).toEqual({ minAge: 18, regionPrefix: "11", notExpired: true });
    const badEscape = await fetch(`${service.url}/v1/sites/%E0%A4%A`);
    expect(badEscape.status).toBe(400);
    expect(await badEscape.json()).toMatchObject({ error: { code: "malformed_request" } });
  });

  it("names a proof made with other keys: key_mismatch with both key ids", async () => {
    const login = await challengeAndProof("shop");
    const otherKeys = "fe".repeat(16);
    const answer = await verify({ ...login, proof: { ...login.proof, keyId: otherKeys } });
    expect(answer).toMatchObject({ status: 422, json: { error: { code: "key_mismatch" } } });
    expect(answer.json.error.message).toContain(otherKeys);
    expect(answer.json.error.message).toContain(fixture.artifacts.keyId);
  });

  it("refuses a proof document that names another scope than the one it proves for", async () => {
    const login = await challengeAndProof("shop");
    expect(await verify({ ...login, proof: { ...login.proof, scope: "not-the-site.example" } })).toMatchObject({ status: 422, json: { error: { code: "scope_mismatch" } } });
  });

  it("refuses a proof made for another site's scope", async () => {
    const issued = await post(`${service.url}/v1/challenges`, { site: "news" });
    const made = await fixture.prove(1, fixture.requestFor("shop.example", { minAge: 18 }, todayIso(), BigInt(issued.json.challenge)));
    expect(await verify({ challenge: issued.json.challenge, proof: proofDocument(made, "shop.example") })).toMatchObject({ status: 422, json: { error: { code: "scope_mismatch" } } });
  });

  it("refuses a proof that meets the age but not the region the site asks", async () => {
    const attempt = await challengeAndProof("shop", { predicates: { minAge: 18, notExpired: true } });
    expect(await verify(attempt)).toMatchObject({ status: 422, json: { error: { code: "predicate_mismatch" } } });
  });

  it("refuses a root replaced longer ago than the site's window", async () => {
    const attempt = await challengeAndProof("strict", { predicates: { minAge: 18 } });
    expect(await verify(attempt)).toMatchObject({ status: 422, json: { error: { code: "root_expired" } } });
  });

  it("refuses a tampered proof", async () => {
    const attempt = await challengeAndProof("shop");
    const tampered = { ...attempt.proof, proof: { ...attempt.proof.proof, pi_c: attempt.proof.proof.pi_a } };
    expect(await verify({ challenge: attempt.challenge, proof: tampered })).toMatchObject({ status: 422, json: { error: { code: "invalid_proof" } } });
  });

  it("lets each person do a one-per-person action once", async () => {
    const first = await verify(await challengeAndProof("shop", { action: "poll-0", who: 2 }));
    expect(first).toMatchObject({ status: 200, json: { action: "poll-0", scope: "shop.example/poll-0" } });
    expect(await verify(await challengeAndProof("shop", { action: "poll-0", who: 2 }))).toMatchObject({ status: 409, json: { error: { code: "nullifier_used" } } });
    expect(await verify(await challengeAndProof("shop", { action: "poll-0", who: 3 }))).toMatchObject({ status: 200 });
  });

  it("accepts message-bound proofs where the site allows them, and only there", async () => {
    const message = "I agree to the terms, 2026-11-25";
    const made = await fixture.prove(4, fixture.requestFor("shop.example", SHOP_PREDICATES, todayIso(), challengeForMessage(message)));
    const proof = proofDocument(made, "shop.example");
    expect(await verify({ site: "shop", message, proof })).toMatchObject({ status: 200 });
    expect(await verify({ site: "shop", message: message + "!", proof })).toMatchObject({ status: 422, json: { error: { code: "challenge_mismatch" } } });
    expect(await verify({ site: "news", message, proof })).toMatchObject({ status: 403, json: { error: { code: "message_proofs_disabled" } } });
  });

  it("answers malformed JSON, a 10 MB body and unknown names with their codes", async () => {
    expect(await verify("{not json")).toMatchObject({ status: 400, json: { error: { code: "malformed_request" } } });
    expect(await verify({ challenge: "1", proof: { junk: "x".repeat(10 * 1024 * 1024) } })).toMatchObject({ status: 413, json: { error: { code: "payload_too_large" } } });
    expect(await post(`${service.url}/v1/challenges`, { site: "nope" })).toMatchObject({ status: 404, json: { error: { code: "unknown_site" } } });
    expect(await post(`${service.url}/v1/challenges`, { site: "shop", action: "nope" })).toMatchObject({ status: 404, json: { error: { code: "unknown_action" } } });
    const valid = await challengeAndProof("shop");
    expect(await verify({ ...valid, challenge: "12345" })).toMatchObject({ status: 404, json: { error: { code: "challenge_unknown" } } });
    expect(await post(`${service.url}/v1/nothing`, {})).toMatchObject({ status: 404, json: { error: { code: "not_found" } } });
  });

  let wellFormed: Awaited<ReturnType<typeof challengeAndProof>> | undefined;
  it.each([
    ["challenge as a number", (b: any) => ({ ...b, challenge: 5 })],
    ["challenge as text", (b: any) => ({ ...b, challenge: "abc" })],
    ["challenge missing", ({ challenge: _, ...b }: any) => b],
    ["proof as a string", (b: any) => ({ ...b, proof: "proof" })],
    ["proof as an array", (b: any) => ({ ...b, proof: [] })],
    ["proof.proof missing", (b: any) => ({ ...b, proof: { publicSignals: b.proof.publicSignals } })],
    ["pi_a as numbers", (b: any) => ({ ...b, proof: { ...b.proof, proof: { ...b.proof.proof, pi_a: [1, 2, 3] } } })],
    ["pi_b flat", (b: any) => ({ ...b, proof: { ...b.proof, proof: { ...b.proof.proof, pi_b: ["1", "2", "3"] } } })],
    ["publicSignals as numbers", (b: any) => ({ ...b, proof: { ...b.proof, publicSignals: b.proof.publicSignals.map(Number) } })],
    ["publicSignals as a string", (b: any) => ({ ...b, proof: { ...b.proof, publicSignals: "1,2,3" } })],
    ["the body an array", () => []],
    ["the body null", () => null],
    ["message as a number", (b: any) => ({ site: "shop", message: 42, proof: b.proof })],
    ["site as an object", (b: any) => ({ site: { name: "shop" }, message: "m", proof: b.proof })],
  ])("refuses wrong types: %s", async (_, mangle) => {
    wellFormed ??= await challengeAndProof("shop"); // shapes are checked before the challenge is claimed
    const answer = await verify(mangle(wellFormed));
    expect(answer.status).toBe(answer.json.error.code === "unknown_site" ? 404 : 400);
    expect(["malformed_request", "unknown_site"]).toContain(answer.json.error.code);
    expect(answer.json.error.message).toMatch(/\w/);
  });

  it("reports health and Prometheus metrics", async () => {
    const health = await (await fetch(`${service.url}/healthz`)).json();
    expect(health).toMatchObject({ status: "ok", ledger: { entries: 3, head: 2 } });
    const metrics = await (await fetch(`${service.url}/metrics`)).text();
    expect(metrics).toMatch(/^realdid_verifications_total [1-9]\d*$/m);
    expect(metrics).toMatch(/^realdid_verification_failures_total\{code="challenge_used"\} 1$/m);
    expect(metrics).toMatch(/^realdid_verification_duration_seconds_count \d+$/m);
    // Every refused request is counted, malformed JSON included (any endpoint).
    expect(metrics).toMatch(/^realdid_request_errors_total\{code="malformed_request"\} [1-9]\d*$/m);
    const before = Number(/^realdid_request_errors_total\{code="malformed_request"\} (\d+)$/m.exec(metrics)![1]);
    await post(`${service.url}/v1/challenges`, "{not json");
    const after = await (await fetch(`${service.url}/metrics`)).text();
    expect(after).toMatch(new RegExp(`^realdid_request_errors_total\\{code="malformed_request"\\} ${before + 1}$`, "m"));
  });
});

describe("verifier service with API keys", () => {
  it("answers /v1 only to relying parties presenting a configured key; health and metrics stay open", async () => {
    const { createHash } = await import("node:crypto");
    const configPath = writeServiceConfig(dir, fixture, "verifier-data-keys", { apiKeySha256: [createHash("sha256").update("site-secret-key").digest("hex")] });
    const keyed = await startVerifierService(parseServiceConfig(JSON.parse(readFileSync(configPath, "utf8")), dirname(configPath)), () => {});
    try {
      const ask = (authorization?: string) =>
        fetch(`${keyed.url}/v1/challenges`, { method: "POST", headers: { "content-type": "application/json", ...(authorization && { authorization }) }, body: JSON.stringify({ site: "shop" }) });
      for (const authorization of [undefined, "Bearer wrong-key", "site-secret-key", "Basic c2l0ZQ=="]) {
        const answer = await ask(authorization);
        expect(answer.status).toBe(401);
        expect(await answer.json()).toMatchObject({ error: { code: "unauthorized" } });
      }
      expect((await ask("Bearer site-secret-key")).status).toBe(201);
      expect((await fetch(`${keyed.url}/healthz`)).status).toBe(200);
    } finally {
      await keyed.close();
    }
  });
});
