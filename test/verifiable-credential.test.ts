// The registrar's Verifiable Credential, made by the real CLI and checked by a standard VC
// library (@digitalbazaar/vc) with realdid's offline document loader; tampering with each
// part is refused naming it; revocation is seen through a real registrar server; and a
// real proof is made with the VC in place of the old credential file.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DataIntegrityProof } from "@digitalbazaar/data-integrity";
import { cryptosuite } from "@digitalbazaar/eddsa-rdfc-2022-cryptosuite";
import { verifyCredential } from "@digitalbazaar/vc";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { encodeAttributes } from "../src/attributes/attributes.js";
import { realDidDocumentLoader } from "../src/credential/document-loader.js";
import { REALDID_CONTEXT_URL } from "../src/credential/realdid-context.js";
import type { RealDidCredential } from "../src/credential/realdid-credential.js";
import { verifyRealDidCredential } from "../src/credential/verify-credential.js";
import { pairwiseDid, registrarDid } from "../src/did/did-uri.js";
import { credentialFile, credentialLeaf, parseCredentialFile } from "../src/registry/credential.js";
import { type RegistrarServer, startRegistrarServer } from "../src/registrar/registrar-server.js";
import { newSigningKeyHex } from "../src/signed-log/ed25519-signer.js";
import { ed25519Signer } from "../src/signed-log/ed25519-signer.js";
import { enrollThroughCli, expectOneLineFailure, expectSuccess, realdid, realdidConcurrently } from "./helpers/cli.js";
import { NAMED_PEOPLE, NAMED_SLOTS } from "./helpers/people.js";

/** Zhang Min's leaf: the first slot of Shanghai's shard. */
const ZHANG_SLOT = NAMED_SLOTS[1];

let dir: string;
let server: RegistrarServer;
const ENV = { PASS: "pw0", REG1: "regulator holder 1" };
const cli = (...args: string[]) => realdid(dir, ["--json", ...args], ENV);
const text = (...args: string[]) => realdid(dir, args, ENV);
// Commands that talk to the in-process registrar server run without blocking this process.
const cliBeside = (...args: string[]) => realdidConcurrently(dir, ["--json", ...args], ENV);
const textBeside = (...args: string[]) => realdidConcurrently(dir, args, ENV);
let regulatorKey: string;
const readVc = (file: string): RealDidCredential => JSON.parse(readFileSync(join(dir, file), "utf8"));
const writeVc = (file: string, vc: unknown) => writeFileSync(join(dir, file), JSON.stringify(vc));
const standardVerify = (credential: unknown) =>
  verifyCredential({ credential, suite: new DataIntegrityProof({ cryptosuite }), documentLoader: realDidDocumentLoader, checkStatus: async () => ({ verified: true }) });

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "realdid-vc-"));
  regulatorKey = expectSuccess(cli("regulator", "keygen", "--out-dir", "regulator", "--passphrases-env", "REG")).publicKey;
  enrollThroughCli(cli, dir, NAMED_PEOPLE.slice(0, 2), "person"); // batch: credentials/credential-<leaf index>.json
  server = await startRegistrarServer(join(dir, "registrar"), { host: "127.0.0.1", port: 0, log: pino({ level: "silent" }) });
}, 120_000);
afterAll(async () => {
  await server?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe("the registrar's verifiable credential", () => {
  it("is a VC 2.0 credential that @digitalbazaar/vc verifies with realdid's loader, issued by the registrar's DID", async () => {
    const vc = readVc("credentials/credential-0.json");
    expect(vc).toMatchObject({
      "@context": ["https://www.w3.org/ns/credentials/v2", REALDID_CONTEXT_URL],
      type: ["VerifiableCredential", "RealDIDCredential"],
      issuer: registrarDid(server.publicKey),
      credentialSubject: { leafIndex: 0, attributes: { birthDate: "1990-03-14", region: "110105" } },
      credentialStatus: { type: "RealDIDRegistryStatus", leafIndex: 0 },
      proof: { type: "DataIntegrityProof", cryptosuite: "eddsa-rdfc-2022", proofPurpose: "assertionMethod" },
    });
    expect(JSON.stringify(vc)).not.toContain("Li Wei");
    const result = await standardVerify(vc);
    expect(result.error, JSON.stringify(result.error?.errors?.map((e) => e.message))).toBeUndefined();
    expect(result.verified).toBe(true);
    // The CLI checks the same, and names the registrar.
    const checked = expectSuccess(cli("credential", "verify", `credentials/credential-${ZHANG_SLOT}.json`, "--registrar-key", registrarDid(server.publicKey)));
    expect(checked).toMatchObject({ valid: true, index: ZHANG_SLOT, issuer: registrarDid(server.publicKey) });
    expect(checked.checked.join("\n")).toMatch(/signature: eddsa-rdfc-2022 by did:realdid:registrar:z6Mk/);
  });

  it("is refused when tampered with, naming the part: attribute, commitment, leaf and attributes together, issuer, proofValue", async () => {
    const vc = readVc("credentials/credential-0.json");
    const edited = (edit: (copy: RealDidCredential) => void) => {
      const copy = structuredClone(vc);
      edit(copy);
      return copy;
    };
    const refusal = (value: unknown, options = {}) => verifyRealDidCredential(value, options).then(() => undefined, (error) => ({ code: error.code, message: error.message }));

    expect(await refusal(edited((c) => (c.credentialSubject.attributes.region = "310101")))).toMatchObject({ code: "credential_leaf_mismatch" });
    expect(await refusal(edited((c) => (c.credentialSubject.commitment = "12345")))).toMatchObject({ code: "credential_leaf_mismatch" });
    // A consistent leaf for other attributes is still not what the registrar signed.
    const older = edited((c) => {
      c.credentialSubject.attributes.birthDate = "1980-03-14";
      c.credentialSubject.leaf = credentialLeaf(BigInt(c.credentialSubject.commitment), encodeAttributes(c.credentialSubject.attributes as never)).toString();
    });
    expect(await refusal(older)).toMatchObject({ code: "credential_signature_invalid" });
    expect((await standardVerify(older)).verified).toBe(false); // and the standard library agrees
    const otherRegistrar = registrarDid(ed25519Signer(newSigningKeyHex()).publicKey);
    const reissuer = edited((c) => (c.issuer = otherRegistrar));
    expect(await refusal(reissuer, { registrar: server.publicKey })).toMatchObject({ code: "credential_issuer_mismatch", message: expect.stringContaining(otherRegistrar) });
    expect(await refusal(reissuer)).toMatchObject({ code: "credential_signature_invalid" });
    const flipped = vc.proof.proofValue.endsWith("2") ? "3" : "2";
    expect(await refusal(edited((c) => (c.proof.proofValue = c.proof.proofValue.slice(0, -1) + flipped)))).toMatchObject({ code: "credential_signature_invalid" });
    expect(await refusal(edited((c) => ((c as Record<string, unknown>)["@context"] = [c["@context"][0], "https://example.com/ctx"])))).toMatchObject({ code: "credential_invalid", message: expect.stringMatching(/@context/) });

    // The CLI: one line, exit 1.
    writeVc("tampered.json", edited((c) => (c.credentialSubject.attributes.region = "310101")));
    expectOneLineFailure(text("credential", "verify", "tampered.json"), /the credential's leaf does not match its commitment and attributes/);
    writeVc("forged-proof.json", edited((c) => (c.proof.proofValue = c.proof.proofValue.slice(0, -1) + flipped)));
    expectOneLineFailure(text("credential", "verify", "forged-proof.json"), /the credential's proof does not verify/);
    expectOneLineFailure(text("credential", "verify", "credentials/credential-0.json", "--registrar-key", otherRegistrar), /not by the expected registrar/);
  });

  it("loads only the contexts it ships and did:realdid, never the network", async () => {
    await expect(realDidDocumentLoader("https://example.com/context")).rejects.toThrow(/does not load "https:\/\/example.com\/context".*never uses the network/);
    await expect(realDidDocumentLoader("did:web:example.com")).rejects.toThrow(/does not load/);
    expect((await realDidDocumentLoader(REALDID_CONTEXT_URL)).document).toMatchObject({ "@context": { "@protected": true } });
  });

  it("reads as the old realdid-credential/1 file did: same index, commitment, leaf and registrar key", () => {
    const vcText = readFileSync(join(dir, "credentials/credential-0.json"), "utf8");
    const fromVc = parseCredentialFile(vcText);
    const vc = JSON.parse(vcText) as RealDidCredential;
    const old = credentialFile(server.publicKey, 0, fromVc.commitment, vc.credentialSubject.attributes as never, fromVc.leaf, new Date(vc.validFrom));
    expect(parseCredentialFile(JSON.stringify(old))).toEqual(fromVc);
    writeFileSync(join(dir, "old.credential.json"), JSON.stringify(old));
    expectOneLineFailure(text("credential", "verify", "old.credential.json"), /not a Verifiable Credential \(an older realdid-credential\/1 file carries no signature/);
    expect(fromVc.registrarKey).toBe(server.publicKey);
  });

  it("checks status through a real registrar server: valid, then revoked, and a re-issued credential replaces the old one", async () => {
    const status = (file: string) => textBeside("credential", "verify", file, "--registrar", server.url, "--registrar-key", server.publicKey);
    const valid = expectSuccess(await cliBeside("credential", "verify", `credentials/credential-${ZHANG_SLOT}.json`, "--registrar", server.url));
    expect(valid.statusEntry.seq).toBe(1);
    expectSuccess(cli("registrar", "revoke", "--data", "registrar", "--passphrase-env", "REGISTRAR_PASS", "--index", String(ZHANG_SLOT)));
    expectOneLineFailure(await status(`credentials/credential-${ZHANG_SLOT}.json`), new RegExp(`the registrar has revoked leaf ${ZHANG_SLOT}`));
    expectSuccess(cli("registrar", "reissue", "--data", "registrar", "--passphrase-env", "REGISTRAR_PASS", "--index", String(ZHANG_SLOT), "--expiry", "2036-01-01", "--out", "reissued.json"));
    expect(readVc("reissued.json").credentialSubject).toMatchObject({ leafIndex: ZHANG_SLOT, attributes: { expiry: "2036-01-01" } });
    expect(expectSuccess(await cliBeside("credential", "verify", "reissued.json", "--registrar", server.url)).valid).toBe(true);
    writeVc("stale.json", readVc(`credentials/credential-${ZHANG_SLOT}.json`));
    expectOneLineFailure(await status("stale.json"), new RegExp(`re-issued leaf ${ZHANG_SLOT}`));
  });

  it("proves with the VC in place of the old file (path refreshed from the registrar server), and the DID is a URI", async () => {
    writeFileSync(join(dir, "shop.policy.json"), JSON.stringify({ scope: "shop.example", minAge: 18, checkExpiry: true, rootWindowSeconds: 3600, regulatorKey }));
    expectSuccess(cli("request", "--policy", "shop.policy.json", "--out", "shop.request.json"));
    const proved = expectSuccess(
      await cliBeside("prove", "--regulator-key", "regulator/regulator-public.json", "--identity", "person0.identity.json", "--passphrase-env", "PASS", "--credential", "credentials/credential-0.json", "--registrar", server.url, "--request", "shop.request.json", "--challenge", "777", "--out", "shop.proof.json"),
    );
    expect(proved.did).toBe(pairwiseDid(BigInt(proved.didAddress)));
    expectSuccess(cli("registrar", "export-ledger", "--data", "registrar", "--out", "ledger.jsonl"));
    const verified = expectSuccess(cli("verify", "shop.proof.json", "--policy", "shop.policy.json", "--ledger", "ledger.jsonl", "--challenge", "777"));
    expect(verified).toMatchObject({ valid: true, didAddress: proved.didAddress, did: proved.did, predicates: ["age >= 18", "credential not expired"] });
    // Another identity's VC is refused before any proving.
    expectOneLineFailure(
      await textBeside("prove", "--regulator-key", "regulator/regulator-public.json", "--identity", "person1.identity.json", "--passphrase-env", "PASS", "--credential", "credentials/credential-0.json", "--registrar", server.url, "--request", "shop.request.json", "--challenge", "778", "--out", "x.json"),
      /this identity does not match the credential/,
    );
  }, 120_000);
});
