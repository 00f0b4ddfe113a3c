// The wallet's platform-neutral parts, run under Node (the same WebCrypto API browsers have):
// the identity vault, the login hand-off documents and the consent checks.
import { describe, expect, it } from "vitest";
import { generateRegulatorKeyPair } from "../src/crypto/escrow.js";
import { pairwiseDid, parsePairwiseDid } from "../src/did/did-uri.js";
import { Identity } from "../src/identity/identity.js";
import { LOGIN_REQUEST_FORMAT, type LoginRequest, parseLoginAnswer, parseLoginRequest } from "../src/login/login-documents.js";
import { parsePolicy } from "../src/policy/policy.js";
import { predicateClaims } from "../src/policy/predicate-claims.js";
import { scopeToField } from "../src/proof/request.js";
import { requestDocument } from "../src/proof/request-document.js";
import { loginConsent, predicatesInWords } from "../src/wallet/consent.js";
import { openRecord, sealIdentity, sealRecord, unlockIdentity } from "../src/wallet/identity-vault.js";
import { readIdentityFile } from "../src/wallet/identity-import.js";
import { exportIdentity, exportIdentityInsecurePlaintext } from "../src/identity/identity-file.js";
import { makeCitizen } from "./helpers/fixtures.js";
import { encodeAttributes } from "../src/attributes/attributes.js";

const FAST = 100_000; // the vault's least PBKDF2 cost: tests need not pay 600,000 each time
const PASSPHRASE = "correct horse battery staple";

describe("identity vault (WebCrypto PBKDF2 + AES-GCM)", () => {
  it("seals and opens an identity; the record holds no readable secret", async () => {
    const identity = Identity.random();
    const sealed = await sealIdentity(identity, PASSPHRASE, FAST);
    expect(JSON.stringify(sealed)).not.toContain(identity.secret.toString());
    expect(sealed.commitment).toBe(identity.commitment.toString());
    expect((await unlockIdentity(sealed, PASSPHRASE)).identity.secret).toBe(identity.secret);
  });

  it("refuses a wrong passphrase, an altered record and a damaged one, each in words", async () => {
    const sealed = await sealIdentity(Identity.random(), PASSPHRASE, FAST);
    await expect(unlockIdentity(sealed, "wrong passphrase")).rejects.toMatchObject({ code: "wrong_passphrase" });
    // Another identity's commitment spliced in: the associated data no longer matches.
    await expect(unlockIdentity({ ...sealed, commitment: Identity.random().commitment.toString() }, PASSPHRASE)).rejects.toMatchObject({ code: "wrong_passphrase" });
    const flipped = sealed.ciphertext.startsWith("A") ? `B${sealed.ciphertext.slice(1)}` : `A${sealed.ciphertext.slice(1)}`;
    await expect(unlockIdentity({ ...sealed, ciphertext: flipped }, PASSPHRASE)).rejects.toMatchObject({ code: "wrong_passphrase" });
    const { iv: _, ...damaged } = sealed;
    await expect(unlockIdentity(damaged, PASSPHRASE)).rejects.toMatchObject({ code: "invalid_identity_file", message: expect.stringContaining("'iv'") });
    await expect(unlockIdentity("not a record", PASSPHRASE)).rejects.toMatchObject({ code: "invalid_identity_file" });
  });

  it("seals the wallet's other records under the identity's key, bound to their name and identity", async () => {
    const identity = Identity.random();
    const unlocked = await unlockIdentity(await sealIdentity(identity, PASSPHRASE, FAST), PASSPHRASE);
    const logins = [{ siteName: "Example Shop", did: "did:realdid:pairwise:00" }];
    const box = await sealRecord(unlocked, "logins", logins);
    expect(JSON.stringify(box)).not.toContain("Example Shop");
    expect(await openRecord(unlocked, "logins", box)).toEqual(logins);
    await expect(openRecord(unlocked, "credentials", box)).rejects.toMatchObject({ code: "invalid_identity_file" });
    const other = await unlockIdentity(await sealIdentity(Identity.random(), PASSPHRASE, FAST), PASSPHRASE);
    await expect(openRecord(other, "logins", box)).rejects.toMatchObject({ code: "invalid_identity_file", message: expect.stringContaining("left as they are") });
  });

  it("refuses a passphrase shorter than 8 characters", async () => {
    await expect(sealIdentity(Identity.random(), "short")).rejects.toMatchObject({ code: "invalid_argument" });
  });
});

const TODAY = new Date().toISOString().slice(0, 10);
const regulator = generateRegulatorKeyPair();
const regulatorKey = { x: regulator.publicKey.x.toString(), y: regulator.publicKey.y.toString() };
const VERIFIER = "http://127.0.0.1:8080";

function loginRequest(predicates: object, overrides: Partial<LoginRequest> = {}): LoginRequest {
  const policy = parsePolicy({ scope: "shop.example", regulatorKey, ...predicates });
  const expiresAt = new Date(Date.now() + 300_000);
  return {
    format: LOGIN_REQUEST_FORMAT,
    request: requestDocument(policy, { keyId: "d80380e25ceb108a07fbe9689ed3b94a", day: TODAY, site: "shop", action: null, challenge: 12345n, expiresAt }),
    client: { name: "Example Shop", uri: "http://127.0.0.1:8400" },
    returnUrl: `${VERIFIER}/oidc/interaction/abc/answer`,
    ...overrides,
  };
}

describe("importing a CLI identity file with WebCrypto", () => {
  it("opens a file sealed by the Node CLI (scrypt + AES-GCM) and a plaintext one; refuses a wrong passphrase", async () => {
    const identity = Identity.random();
    const sealedFile = exportIdentity(identity, PASSPHRASE);
    expect((await readIdentityFile(sealedFile, PASSPHRASE)).secret).toBe(identity.secret);
    expect((await readIdentityFile(exportIdentityInsecurePlaintext(identity), "")).secret).toBe(identity.secret);
    await expect(readIdentityFile(sealedFile, "not the passphrase")).rejects.toMatchObject({ code: "wrong_passphrase" });
    await expect(readIdentityFile(sealedFile, "")).rejects.toMatchObject({ code: "wrong_passphrase", message: expect.stringContaining("give its passphrase") });
    await expect(readIdentityFile("{}", PASSPHRASE)).rejects.toMatchObject({ code: "invalid_identity_file" });
  });
});

describe("login hand-off documents", () => {
  it("are read as the provider serves them, and refused in words when damaged", () => {
    const request = loginRequest({ minAge: 18 });
    expect(parseLoginRequest(JSON.parse(JSON.stringify(request)))).toEqual(request);
    const withoutChallenge = { ...request, request: { ...request.request, challenge: undefined } };
    expect(() => parseLoginRequest(withoutChallenge)).toThrow(/challenge/);
    expect(() => parseLoginAnswer('{"format":"realdid-login-answer/1","declined":{"code":"bored","message":""}}')).toThrow(/declined\.code/);
  });

  it("pairwise DIDs are did:realdid URIs that name the DID address", () => {
    const address = Identity.random().didAddress(scopeToField("shop.example"));
    const did = pairwiseDid(address);
    expect(did).toMatch(/^did:realdid:pairwise:[0-9a-f]{64}$/);
    expect(parsePairwiseDid(did)).toBe(address);
    expect(() => parsePairwiseDid("did:example:123")).toThrow(/not a pairwise did:realdid/);
  });

  it("claims name the predicates that held and nothing else", () => {
    expect(predicateClaims({ minAge: 18, notExpired: true, regionPrefix: "11" })).toEqual({ age_over_18: true, document_valid: true, region_prefix: "11" });
    expect(predicateClaims({})).toEqual({});
  });
});

describe("consent checks", () => {
  const adult = makeCitizen({ birthDate: "1990-03-14", region: "110105", expiry: "2040-01-01", documentType: "national_id_card" });
  const context = { identity: adult.identity, credential: { index: 0, attributes: adult.attributes }, regulatorKeys: [regulator.publicKey], trustedVerifiers: [VERIFIER] };

  it("shows the site, what it learns in words and the DID it will see", () => {
    const consent = loginConsent(loginRequest({ minAge: 18, checkExpiry: true }), context);
    expect(consent).toMatchObject({ siteName: "Example Shop", siteUri: "http://127.0.0.1:8400", verifierOrigin: VERIFIER, scope: "shop.example" });
    expect(consent.learns).toEqual(["you are at least 18 years old", "your identity document has not expired"]);
    expect(consent.did).toBe(pairwiseDid(adult.identity.didAddress(scopeToField("shop.example"))));
    expect(predicatesInWords({})).toEqual(["only that you are a real-name verified person"]);
  });

  it("refuses an answer to an untrusted verifier, an untrusted regulator key, and says why a person does not qualify", () => {
    expect(() => loginConsent(loginRequest({ minAge: 18 }, { returnUrl: "http://evil.example/collect" }), context)).toThrow(/http:\/\/evil.example, which is not a verifier service your wallet trusts/);
    expect(() => loginConsent(loginRequest({ minAge: 18 }), { ...context, regulatorKeys: [generateRegulatorKeyPair().publicKey] })).toThrow(expect.objectContaining({ code: "regulator_key_untrusted" }));
    const minor = encodeAttributes({ birthDate: `${Number(TODAY.slice(0, 4)) - 10}-01-01`, region: "110105", expiry: "2040-01-01", documentType: "national_id_card" });
    expect(() => loginConsent(loginRequest({ minAge: 18 }), { ...context, credential: { index: 0, attributes: minor } })).toThrow(
      expect.objectContaining({ code: "predicate_unsatisfied", message: "you do not meet what Example Shop requires: you are at least 18 years old" }),
    );
  });
});
