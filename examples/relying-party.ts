// How a website backend uses the verifier service in a login flow. Self-contained:
// it starts a registrar (with its server), the verifier service and a small website
// backend on 127.0.0.1, then plays the citizen's browser. Run: npm run example:relying-party
//
//   browser ──POST /login/start──▶ website ──POST /v1/challenges──▶ verifier service
//   browser ◀── the request document (realdid-request/1: challenge + what to prove) ──┘
//   browser: refreshes its Merkle path from the registrar by bucket, proves locally (the secret never leaves it)
//   browser ──POST /login/finish {challenge, proof}──▶ website ──POST /v1/verify──▶ verifier service
//   website: account = DID address; keeps the signed receipt with the account (a regulator opens a case from it)
import { mkdtempSync, rmSync } from "node:fs";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import express from "express";
import { pino } from "pino";
import { describeRequest, encodeAttributes, Identity, loadArtifacts, parseRequestDocument, proofDocument, proofRequestFrom, Prover, refreshPath, releaseCurve } from "../src/index.js";
import { startRegistrarServer } from "../src/registrar/registrar-server.js";
import { Registrar } from "../src/registrar/registrar.js";
import { dealThresholdKey } from "../src/regulator/threshold-key.js";
import { parseServiceConfig } from "../src/service/config.js";
import { startVerifierService } from "../src/service/server.js";

const dir = mkdtempSync(join(tmpdir(), "realdid-relying-party-"));
const postJson = async (url: string, body: unknown) => {
  const response = await fetch(url, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
  return { status: response.status, json: (await response.json()) as any };
};

// --- The registrar enrolls a citizen and serves its signed ledger and tree. ----------
// Its keys are sealed by a key file kept outside its data folder (a development key: insecure by design).
const registrar = await Registrar.init(join(dir, "registrar"), { keyFile: join(dir, "registrar.dev-key.json") });
const citizen = Identity.random();
const [credential] = await registrar.enroll([
  { record: { name: "Li Wei", nationalId: "11010519900314002X", attributes: { birthDate: "1990-03-14", region: "110105", expiry: "2031-05-01", documentType: "national_id_card" } }, commitment: citizen.commitment },
]);
const registrarKey = registrar.publicKey;
await registrar.close();
const registrarServer = await startRegistrarServer(join(dir, "registrar"), { host: "127.0.0.1", port: 0, log: pino({ level: "silent" }) });

// --- The verifier service, configured with the website's policy. -------------------
const regulator = dealThresholdKey(2, 3).key; // the shares would go to three holders
const config = parseServiceConfig(
  {
    port: 0,
    database: join(dir, "verifier"),
    ledger: { source: registrarServer.url, registrarKey },
    sites: { shop: { scope: "shop.example", minAge: 18, checkExpiry: true, regulatorKey: { x: regulator.publicKey.x.toString(), y: regulator.publicKey.y.toString() } } },
  },
  dir,
);
const verifier = await startVerifierService(config, () => {});

// --- The website backend: two routes, and accounts keyed by DID address. ------------
const accounts = new Map<string, { receipts: unknown[]; since: string }>();
const website = express().use(express.json({ limit: "64kb" }));
website.post("/login/start", async (_req, res) => {
  const issued = await postJson(`${verifier.url}/v1/challenges`, { site: "shop" });
  res.status(issued.status).json(issued.json); // the request document: challenge, scope, bounds, regulator key, key id
});
website.post("/login/finish", async (req, res) => {
  const verdict = await postJson(`${verifier.url}/v1/verify`, { challenge: req.body.challenge, proof: req.body.proof });
  if (verdict.status !== 200) {
    res.status(401).json({ error: verdict.json.error });
    return;
  }
  // The receipt (signed by the verifier service, the proof inside) is what a regulator's case starts from.
  const account = accounts.get(verdict.json.didAddress) ?? { receipts: [], since: new Date().toISOString() };
  account.receipts.push(verdict.json.receipt); // one per login: a case names the login it is about
  accounts.set(verdict.json.didAddress, account);
  res.json({ account: verdict.json.didAddress, predicates: verdict.json.predicates });
});
const websiteServer = website.listen(0, "127.0.0.1");
await new Promise((resolve) => websiteServer.once("listening", resolve));
const siteUrl = `http://127.0.0.1:${(websiteServer.address() as AddressInfo).port}`;

// --- The citizen's browser. ------------------------------------------------------
const start = await postJson(`${siteUrl}/login/start`, {});
const asked = parseRequestDocument(start.json, "the site's request");
console.log(`browser: the site asks for ${describeRequest(asked).join(", ")} at scope ${asked.scope}`);
// The citizen escrows their real name only to the regulator key they trust (the regulator publishes it).
const request = proofRequestFrom(asked, { regulatorKeys: [regulator.publicKey] });
const { path } = await refreshPath(registrarServer.url, { index: credential.index, leaf: BigInt(credential.leaf), registrarKey });
const prover = await Prover.create(loadArtifacts({ warn: () => {} }));
// The credential file carries dates and codes; the circuit takes them encoded.
const attributes = encodeAttributes(credential.attributes);
const proof = proofDocument(await prover.prove({ identity: citizen, credential: { index: credential.index, attributes }, merkleProof: path, request }), request.scope);
const finish = await postJson(`${siteUrl}/login/finish`, { challenge: start.json.challenge, proof });
console.log(`website: logged in as account ${finish.json.account}`);
const replay = await postJson(`${siteUrl}/login/finish`, { challenge: start.json.challenge, proof });
console.log(`website: a replay of the same proof is refused (${replay.json.error.code})`);
console.log(`website: ${accounts.size} account, its receipt (signed by ${verifier.receiptKey.slice(0, 16)}…) kept for the regulator`);

websiteServer.close();
await verifier.close();
await registrarServer.close();
await releaseCurve();
rmSync(dir, { recursive: true, force: true });
