// Business logins at the verifier service over real HTTP on 127.0.0.1: the real Registrar
// enrolls people and an enterprise and writes an agent's mandate; the service follows its
// ledger; people prove with the business circuit's published keys (real Groth16 proofs), the
// service verifies them for business sites, signs receipts the regulator can open both
// escrows from, and logs them in through the OpenID Provider with the enterprise claims.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import * as client from "openid-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadArtifacts } from "../src/artifacts/load.js";
import { BUSINESS_CIRCUIT } from "../src/artifacts/circuit-id.js";
import { encodeAttributes } from "../src/attributes/attributes.js";
import type { BusinessProofRequest } from "../src/business/business-circuit-input.js";
import { proveBusiness } from "../src/business/business-prover.js";
import { parseBusinessSignals } from "../src/business/business-signals.js";
import { withCreditCodeCheck } from "../src/business/credit-code.js";
import { type MandateCredential, mandateTermsOf } from "../src/business/mandate-credential.js";
import { rolePseudonym } from "../src/business/mandate.js";
import { multiplyPoint } from "../src/crypto/baby-jubjub.js";
import { decryptHandle, generateRegulatorKeyPair, mandateHandleFromSharedKey } from "../src/crypto/escrow.js";
import { pairwiseDid } from "../src/did/did-uri.js";
import type { Identity } from "../src/identity/identity.js";
import { LOGIN_ANSWER_FORMAT } from "../src/login/login-documents.js";
import { releaseCurve } from "../src/proof/curve.js";
import { type ProofDocument, proofDocument } from "../src/proof/proof-document.js";
import { Prover } from "../src/proof/prover.js";
import { scopeToField } from "../src/proof/request.js";
import { businessProofRequestFrom, parseRequestDocument, type RequestDocument } from "../src/proof/request-document.js";
import { canonicalJson } from "../src/formats/canonical-json.js";
import { verifyReceipt } from "../src/receipt/receipt.js";
import { ed25519Signer, newSigningKeyHex } from "../src/signed-log/ed25519-signer.js";
import { Registrar } from "../src/registrar/registrar.js";
import type { CredentialFile } from "../src/registry/credential.js";
import { BUCKET_LEAVES, merkleRootOf } from "../src/registry/registry-tree.js";
import { pathInBucket } from "../src/registrar/path-client.js";
import { parseServiceConfig } from "../src/service/config.js";
import { type RunningService, startVerifierService } from "../src/service/server.js";
import { freePort } from "./helpers/free-port.js";
import { browse, CookieJar, loginRequestOf, startSignIn } from "./helpers/oidc-browser.js";
import { enrollmentRequests } from "./helpers/people.js";
import { TEST_UNLOCK } from "./helpers/registrar-keys.js";
import { post } from "./helpers/service-fixture.js";

const HOUR = 3600_000;
const CODE = withCreditCodeCheck("91440300MA5DC1234");
const WALLET = "http://127.0.0.1:9/wallet/";
const TAX_CALLBACK = "http://127.0.0.1:9/tax/callback";
const SURVEY_CALLBACK = "http://127.0.0.1:9/survey/callback";
const regulator = generateRegulatorKeyPair();
const regulatorKey = { x: regulator.publicKey.x.toString(), y: regulator.publicKey.y.toString() };
/** The tax portal: a representative or an agent with a mandate for tax filing, of an enterprise registered in Guangdong (44) by market regulation (9), shown to the site. */
const TAX_BUSINESS = { roles: ["legal_representative", "agent"], task: "tax_filing", revealEnterprise: true, enterprise: { regionPrefix: "44", authority: "9" } };

let dir: string;
let registrar: Registrar;
let service: RunningService;
let issuer: string;
let prover: Prover;
let personalProver: Prover;
let people: Identity[];
let credentials: CredentialFile[];
let agentMandate: MandateCredential;
const REPRESENTATIVE = 0;
const AGENT = 1;

/** The registrar's ledger, where the service reads it. */
const publishLedger = () => writeFileSync(join(dir, "ledger.jsonl"), registrar.ledger.toJsonLines());

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "realdid-business-service-"));
  // Everything written three hours ago, so a revocation two hours ago puts the old root out of a one-hour window.
  const then = new Date(Date.now() - 3 * HOUR);
  registrar = await Registrar.init(join(dir, "registrar"), TEST_UNLOCK, { now: then });
  const enrollment = enrollmentRequests(3);
  people = enrollment.identities;
  credentials = await registrar.enroll(enrollment.requests, then);
  await registrar.enrollEnterprise({ creditCode: CODE, name: "Shenzhen Example Trading Co., Ltd.", legalRepresentativeNationalId: enrollment.requests[REPRESENTATIVE].record.nationalId }, then);
  const thenDay = then.toISOString().slice(0, 10);
  const inAYear = new Date(Date.now() + 365 * 24 * HOUR).toISOString().slice(0, 10);
  // The representative's proof for the grant is another module's work; the registrar keeps whatever evidence it is given.
  const evidence = { note: "the representative's grant proof (verified by the caller)" };
  agentMandate = await registrar.grantMandate({ enterpriseCode: CODE, agentNationalId: enrollment.requests[AGENT].record.nationalId, role: "agent", tasks: ["tax_filing", "invoicing"], validFrom: thenDay, validUntil: inAYear }, evidence, then);
  publishLedger();

  const port = await freePort();
  issuer = `http://127.0.0.1:${port}/oidc`;
  const config = {
    host: "127.0.0.1",
    port,
    database: "verifier-data",
    workers: 1,
    trustProxy: "loopback",
    ledger: { source: "ledger.jsonl", registrarKey: registrar.publicKey, syncSeconds: 3600 },
    sites: {
      tax: { scope: "tax.example.gov", minAge: 18, rootWindowSeconds: 3600, regulatorKey, business: TAX_BUSINESS, actions: { "annual-filing": { onePerPerson: true } } },
      survey: { scope: "survey.example", rootWindowSeconds: 86400, regulatorKey, business: { roles: ["agent", "license_manager"], revealEnterprise: false } },
      licences: { scope: "licences.example.gov", rootWindowSeconds: 86400, regulatorKey, business: { roles: ["license_manager"], revealEnterprise: true } },
      shop: { scope: "shop.example", minAge: 18, rootWindowSeconds: 86400, regulatorKey },
    },
    oidc: {
      issuer,
      walletUrl: WALLET,
      keysFile: "oidc-keys.json",
      clients: [
        { clientId: "tax-web", name: "Example Tax Portal", site: "tax", redirectUris: [TAX_CALLBACK] },
        { clientId: "survey-web", name: "Example Survey", site: "survey", redirectUris: [SURVEY_CALLBACK] },
      ],
    },
  };
  const configPath = join(dir, "verifier.json");
  writeFileSync(configPath, JSON.stringify(config));
  service = await startVerifierService(parseServiceConfig(JSON.parse(readFileSync(configPath, "utf8")), dirname(configPath)), () => {});
  prover = await Prover.create(loadArtifacts({ circuit: BUSINESS_CIRCUIT, warn: () => {} }));
  personalProver = await Prover.create(loadArtifacts({ warn: () => {} }));
}, 120_000);

afterAll(async () => {
  await service?.close();
  await registrar?.close();
  await releaseCurve();
  rmSync(dir, { recursive: true, force: true });
});

/** A challenge from the service for `site` (and `action`): the request document, parsed as a prover reads it. */
async function challengeFor(site: string, action?: string): Promise<RequestDocument> {
  const issued = await post(`${service.url}/v1/challenges`, { site, ...(action && { action }) });
  if (issued.status !== 201) throw new Error(`no challenge: ${JSON.stringify(issued.json)}`);
  return parseRequestDocument(issued.json, "the request");
}

/** What the agent's wallet makes of a request document: the terms it checked, to prove for. */
const askedBy = (document: RequestDocument): BusinessProofRequest => businessProofRequestFrom(document, { regulatorKeys: [regulator.publicKey] });

/**
 * The paths the prover needs now: the person's leaf and the mandate's, under the registrar's
 * current root, computed (as a wallet does) from the registrar's buckets of leaves.
 */
async function currentPaths(who: number, mandate: MandateCredential) {
  const pathOf = async (index: number) => pathInBucket(await registrar.bucket(Math.floor(index / BUCKET_LEAVES)), index);
  const paths = { person: await pathOf(credentials[who].index), mandate: await pathOf(mandate.index) };
  expect([merkleRootOf(paths.person), merkleRootOf(paths.mandate)]).toEqual([paths.person.root, paths.person.root]);
  return paths;
}

/** Person `who`'s credential as the circuit takes it. */
const credentialOf = (who: number) => ({ index: credentials[who].index, attributes: encodeAttributes(credentials[who].attributes) });

/** A real business proof by person `who` under `mandate`, as a proof document. */
async function businessProof(who: number, mandate: MandateCredential, asked: BusinessProofRequest, paths?: Awaited<ReturnType<typeof currentPaths>>): Promise<ProofDocument> {
  paths ??= await currentPaths(who, mandate);
  const made = await proveBusiness(prover, {
    identity: people[who],
    credential: credentialOf(who),
    merkleProof: paths.person,
    mandate: { terms: mandateTermsOf(mandate), merkleProof: paths.mandate },
    request: asked,
  });
  return proofDocument(made, asked.scope);
}

const verify = (body: unknown) => post(`${service.url}/v1/verify`, body);
const agentPseudonym = (scope: string) => rolePseudonym(scopeToField(scope), people[AGENT].secret, mandateTermsOf(agentMandate).enterprise.code, "agent");

describe("business logins at the verifier service", () => {
  let taxLogin: { challenge: string; proof: ProofDocument };
  let answerReceipt: unknown;

  it("hands out a business site's request with the business section and the business key id; a personal site's keeps the personal one", async () => {
    const tax = (await (await fetch(`${service.url}/v1/sites/tax`)).json()) as RequestDocument;
    expect(service.businessKeyId).toBeDefined();
    expect(service.businessKeyId).not.toBe(service.keyId);
    expect(tax).toMatchObject({ keyId: service.businessKeyId, scope: "tax.example.gov", business: { ...TAX_BUSINESS, enterpriseBounds: { region: ["440000", "449999"] } } });
    const shop = (await (await fetch(`${service.url}/v1/sites/shop`)).json()) as RequestDocument;
    expect(shop.keyId).toBe(service.keyId);
    expect(shop.business).toBeUndefined();
    const issued = await challengeFor("tax");
    expect(issued).toMatchObject({ keyId: service.businessKeyId, site: "tax", business: { task: "tax_filing" } });
  });

  it("verifies an agent's proof: the role pseudonym and its DID, the credit code, the terms in words, both escrows; the receipt lets the regulator open both", async () => {
    const document = await challengeFor("tax");
    taxLogin = { challenge: document.challenge!, proof: await businessProof(AGENT, agentMandate, askedBy(document)) };
    const answer = await verify(taxLogin);
    expect(answer.status).toBe(200);
    const pseudonym = agentPseudonym("tax.example.gov");
    expect(answer.json).toMatchObject({
      valid: true,
      keyId: service.businessKeyId,
      site: "tax",
      scope: "tax.example.gov",
      pseudonym: pseudonym.toString(),
      didAddress: pseudonym.toString(),
      did: pairwiseDid(pseudonym),
      creditCode: CODE,
      predicates: ["age >= 18"],
      business: [
        "acting for an enterprise as legal representative or agent",
        "with a mandate for tax filing",
        "the enterprise's credit code is shown to the site",
        "enterprise registered in region 44",
        "enterprise registered by authority 9",
      ],
      ledgerEntry: { seq: registrar.ledger.head!.seq },
    });
    expect(answer.json.mandateEscrow).toMatch(/^\d+$/);

    answerReceipt = answer.json.receipt;
    const receipt = verifyReceipt(answer.json.receipt, "receipt", service.receiptKey);
    expect(receipt).toMatchObject({
      format: "realdid-receipt/2",
      keyId: service.businessKeyId,
      didAddress: pseudonym.toString(),
      business: { roles: ["legal_representative", "agent"], task: "tax_filing", creditCode: CODE, enterprise: { regionPrefix: "44", authority: "9" } },
    });
    expect(() => verifyReceipt({ ...answer.json.receipt, business: { ...answer.json.receipt.business, creditCode: null } }, "edited receipt", service.receiptKey)).toThrow(/signature is not the verifier service's/);
    // From the receipt alone: the person's handle (their leaf) and the mandate's (its leaf).
    const signals = parseBusinessSignals(receipt.proof.publicSignals);
    expect(signals.escrow.cipher.toString()).toBe(answer.json.escrow.cipher);
    expect(signals.mandateCipher.toString()).toBe(answer.json.mandateEscrow);
    expect(decryptHandle(signals.escrow, regulator.secretKey).toString()).toBe(credentials[AGENT].leaf);
    const sharedKey = multiplyPoint(signals.escrow.ephemeral, regulator.secretKey);
    expect(mandateHandleFromSharedKey(signals.mandateCipher, sharedKey).toString()).toBe(agentMandate.leaf);
  });

  it("keeps the enterprise hidden where the site does not ask for it: no credit code in the answer or the receipt, another pseudonym", async () => {
    const document = await challengeFor("survey");
    expect(document.business).toMatchObject({ roles: ["agent", "license_manager"], task: null, revealEnterprise: false });
    const answer = await verify({ challenge: document.challenge, proof: await businessProof(AGENT, agentMandate, askedBy(document)) });
    expect(answer.status).toBe(200);
    expect(answer.json).toMatchObject({ creditCode: null, pseudonym: agentPseudonym("survey.example").toString() });
    expect(JSON.stringify(answer.json)).not.toContain(CODE);
    expect(answer.json.receipt.business).toEqual({ roles: ["agent", "license_manager"], task: null, creditCode: null, enterprise: {} });
  });

  it("cannot prove a role the site does not accept (role_not_accepted before proving), and a proof made for other terms is mandate_terms_mismatch", async () => {
    await expect(businessProof(AGENT, agentMandate, askedBy(await challengeFor("licences")))).rejects.toMatchObject({ code: "role_not_accepted" });
    const document = await challengeFor("tax");
    const otherTask = await businessProof(AGENT, agentMandate, { ...askedBy(document), task: "invoicing" });
    const answer = await verify({ challenge: document.challenge, proof: otherTask });
    expect(answer.status).toBe(422);
    expect(answer.json.error).toMatchObject({ code: "mandate_terms_mismatch", message: expect.stringContaining("task (tax_filing)") });
  });

  it("refuses a personal proof at a business site and a business proof at a personal site with key_mismatch naming the keys", async () => {
    const document = await challengeFor("tax");
    const asked = { scope: document.scope, challenge: BigInt(document.challenge!), bounds: askedBy(document).bounds, regulatorKey: regulator.publicKey };
    const personal = await personalProver.prove({ identity: people[AGENT], credential: credentialOf(AGENT), merkleProof: (await currentPaths(AGENT, agentMandate)).person, request: asked });
    const refused = await verify({ challenge: document.challenge, proof: proofDocument(personal, document.scope) });
    expect(refused.json.error).toMatchObject({ code: "key_mismatch", message: expect.stringContaining(service.businessKeyId!) });
    const shop = await challengeFor("shop");
    const reverse = await verify({ challenge: shop.challenge, proof: { ...taxLogin.proof, scope: "shop.example" } });
    expect(reverse.json.error).toMatchObject({ code: "key_mismatch", message: expect.stringContaining(service.keyId) });
  });

  it("lets a person do a one-per-person business action once (the role pseudonym is the nullifier)", async () => {
    const first = await challengeFor("tax", "annual-filing");
    expect(first.scope).toBe("tax.example.gov/annual-filing");
    expect((await verify({ challenge: first.challenge, proof: await businessProof(AGENT, agentMandate, askedBy(first)) })).status).toBe(200);
    const second = await challengeFor("tax", "annual-filing");
    const again = await verify({ challenge: second.challenge, proof: await businessProof(AGENT, agentMandate, askedBy(second)) });
    expect(again.status).toBe(409);
    expect(again.json.error.code).toBe("nullifier_used");
  });

  it("still reads a realdid-receipt/1 (signed before business logins) and refuses one relabelled as /2", () => {
    const signer = ed25519Signer(newSigningKeyHex());
    // The tax portal's receipt as the old format had it: no business claims, signed under its own format name.
    const { format, business, signature, verifierKey, ...fields } = answerReceipt as Record<string, unknown>;
    const unsigned = { format: "realdid-receipt/1", verifierKey: signer.publicKey, ...fields };
    const old = { ...unsigned, signature: signer.sign(new TextEncoder().encode(`realdid-receipt/1\n${canonicalJson(unsigned)}`)) };
    expect(verifyReceipt(old, "old receipt", signer.publicKey)).toMatchObject({ format: "realdid-receipt/1", site: "tax" });
    expect(() => verifyReceipt({ ...old, format: "realdid-receipt/2", business: null }, "relabelled receipt", signer.publicKey)).toThrow(/signature is not the verifier service's/);
  });

  describe("Sign in with RealDID as an enterprise's agent", () => {
    /** The whole business sign-in: the browser to the wallet, the agent's proof for the login request, the code exchanged. */
    async function signIn(clientId: string, redirectUri: string) {
      const config = await client.discovery(new URL(issuer), clientId, undefined, client.None(), { execute: [client.allowInsecureRequests] });
      const { url, checks } = await startSignIn(config, redirectUri);
      const jar = new CookieJar();
      const atWallet = await browse(jar, url, (next) => next.href.startsWith(WALLET));
      const login = await loginRequestOf(atWallet.url);
      const proof = await businessProof(AGENT, agentMandate, askedBy(login.request));
      const back = await browse(jar, login.returnUrl, (next) => next.href.startsWith(redirectUri), { answer: JSON.stringify({ format: LOGIN_ANSWER_FORMAT, proof }) });
      const tokens = await client.authorizationCodeGrant(config, back.url, checks);
      return { config, login, tokens };
    }

    it("declares the business claim in discovery, and ends in an ID token whose sub is the pseudonym's DID with the enterprise claims", async () => {
      const { config, login, tokens } = await signIn("tax-web", TAX_CALLBACK);
      expect(config.serverMetadata().claims_supported).toEqual(expect.arrayContaining(["sub", "age_over_18", "realdid_business"]));
      expect(login.request).toMatchObject({ keyId: service.businessKeyId, site: "tax", business: { task: "tax_filing" } });
      const did = pairwiseDid(agentPseudonym("tax.example.gov"));
      const realdidBusiness = { roles_accepted: ["legal_representative", "agent"], task: "tax_filing", enterprise_credit_code: CODE, enterprise_predicates: ["enterprise registered in region 44", "enterprise registered by authority 9"] };
      expect(tokens.claims()).toMatchObject({ sub: did, aud: "tax-web", age_over_18: true, realdid_business: realdidBusiness });
      expect(await client.fetchUserInfo(config, tokens.access_token, did)).toEqual({ sub: did, age_over_18: true, realdid_business: realdidBusiness });
    });

    it("puts no credit code anywhere in the token when the enterprise stays hidden", async () => {
      const { tokens } = await signIn("survey-web", SURVEY_CALLBACK);
      const claims = tokens.claims()!;
      expect(claims).toMatchObject({ sub: pairwiseDid(agentPseudonym("survey.example")), realdid_business: { roles_accepted: ["agent", "license_manager"], task: null, enterprise_predicates: [] } });
      expect(claims.realdid_business).not.toHaveProperty("enterprise_credit_code");
      expect(tokens.id_token).not.toContain(CODE);
      expect(Buffer.from(tokens.id_token!.split(".")[1], "base64url").toString()).not.toContain(CODE);
    });
  });

  it("refuses a revoked mandate's proof once the root window has passed since the revocation (root_expired)", async () => {
    const before = await currentPaths(AGENT, agentMandate); // the paths the agent's wallet still holds
    await registrar.revokeMandate(agentMandate.index, new Date(Date.now() - 2 * HOUR));
    publishLedger();
    await service.replica.sync();
    // Under the new root the mandate's leaf is empty: the agent cannot even make a proof.
    await expect(businessProof(AGENT, agentMandate, askedBy(await challengeFor("tax")))).rejects.toMatchObject({ code: "mandate_mismatch" });
    // Under the old root, replaced two hours ago: out of the tax portal's one-hour window.
    const document = await challengeFor("tax");
    const answer = await verify({ challenge: document.challenge, proof: await businessProof(AGENT, agentMandate, askedBy(document), before) });
    expect(answer.json.error.code).toBe("root_expired");
  });
});
