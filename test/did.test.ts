// did:realdid through the ecosystem's resolver (did-resolver) with our driver: each kind,
// round trips between keys and DIDs, and the errors DID Resolution names.
import { ed25519 } from "@noble/curves/ed25519.js";
import { Resolver } from "did-resolver";
import { describe, expect, it } from "vitest";
import { realDidDocument, verificationMethodId } from "../src/did/did-document.js";
import { keyOfDid, pairwiseDid, parseRealDid, registrarDid, verifierDid } from "../src/did/did-uri.js";
import { getResolver } from "../src/did/resolver.js";
import { newSigningKeyHex } from "../src/signed-log/ed25519-signer.js";
import { expectOneLineFailure, expectSuccess, realdid } from "./helpers/cli.js";

const resolver = new Resolver(getResolver());
const publicKeyOf = (secretHex: string) => Buffer.from(ed25519.getPublicKey(Buffer.from(secretHex, "hex"))).toString("hex");
const key = publicKeyOf(newSigningKeyHex());

describe("did:realdid", () => {
  it("resolves a registrar DID to a Multikey assertion method that is its ledger key", async () => {
    const did = registrarDid(key);
    expect(did).toMatch(/^did:realdid:registrar:z6Mk[1-9A-HJ-NP-Za-km-z]{44}$/);
    const { didDocument, didResolutionMetadata } = await resolver.resolve(did);
    expect(didResolutionMetadata.error).toBeUndefined();
    const multibase = did.slice("did:realdid:registrar:".length);
    expect(didDocument).toEqual({
      "@context": ["https://www.w3.org/ns/did/v1", "https://w3id.org/security/multikey/v1"],
      id: did,
      verificationMethod: [{ id: `${did}#${multibase}`, type: "Multikey", controller: did, publicKeyMultibase: multibase }],
      assertionMethod: [`${did}#${multibase}`],
    });
    expect(verificationMethodId(did)).toBe(`${did}#${multibase}`);
  });

  it("resolves a verifier DID the same way, and a pairwise DID to a document without keys", async () => {
    const verifier = (await resolver.resolve(verifierDid(key))).didDocument!;
    expect(verifier.id).toBe(verifierDid(key));
    expect(verifier.assertionMethod).toEqual([verifier.verificationMethod![0].id]);
    const pairwise = pairwiseDid(123456789n);
    expect((await resolver.resolve(pairwise)).didDocument).toEqual({ "@context": ["https://www.w3.org/ns/did/v1"], id: pairwise });
    // A DID URL with a fragment resolves to the DID's document (did-resolver parses it).
    expect((await resolver.resolve(`${registrarDid(key)}#x`)).didDocument!.id).toBe(registrarDid(key));
  });

  it("round-trips keys and DID addresses through parseRealDid", () => {
    for (let i = 0; i < 20; i++) {
      const k = publicKeyOf(newSigningKeyHex());
      expect(parseRealDid(registrarDid(k))).toEqual({ kind: "registrar", publicKey: k });
      expect(parseRealDid(verifierDid(k))).toEqual({ kind: "verifier", publicKey: k });
      expect(keyOfDid(registrarDid(k), "registrar")).toBe(k);
    }
    const address = 2n ** 253n + 7n;
    expect(parseRealDid(pairwiseDid(address))).toEqual({ kind: "pairwise", didAddress: address });
    expect(() => keyOfDid(verifierDid(key), "registrar")).toThrow(/is a verifier DID, not a registrar DID/);
  });

  it("answers invalidDid, notFound and unsupportedDidMethod as DID Resolution names them", async () => {
    const error = async (did: string) => (await resolver.resolve(did)).didResolutionMetadata.error;
    const x25519Multikey = "z6LSbysY2xFMRpGMhb7tFTLMpeuPRaqaWM1yECx2AtzE3KCc"; // a Multikey, but not Ed25519
    expect(await error(`did:realdid:registrar:${x25519Multikey}`)).toBe("invalidDid");
    expect(await error("did:realdid:registrar:z6Mk")).toBe("invalidDid");
    expect(await error(`did:realdid:pairwise:${"A".repeat(64)}`)).toBe("invalidDid"); // upper-case hex
    expect(await error(`did:realdid:pairwise:${"0".repeat(63)}`)).toBe("invalidDid");
    expect(await error(`did:realdid:pairwise:${"f".repeat(64)}`)).toBe("invalidDid"); // above the field order: address + p would be a second DID for one address
    expect(await error(`did:realdid:person:${"0".repeat(64)}`)).toBe("notFound");
    expect(await error(`did:key:${registrarDid(key).split(":")[3]}`)).toBe("unsupportedDidMethod");
    expect(await error("not a did")).toBe("invalidDid");
  });

  it("refuses a bad DID in words with invalid_did, naming another method", () => {
    expect(() => parseRealDid("did:web:example.com")).toThrow(expect.objectContaining({ code: "invalid_did", message: expect.stringMatching(/method "web", not realdid/) }));
    expect(() => parseRealDid("https://example.com")).toThrow(/is not a DID/);
    expect(() => parseRealDid("did:realdid:verifier:zzz")).toThrow(expect.objectContaining({ code: "invalid_did" }));
    expect(() => realDidDocument(`did:realdid:registrar:${key}`)).toThrow(/not a valid did:realdid/); // hex is not the DID's spelling
  });

  it("resolves from the command line, and refuses a DID of another method in one line", () => {
    const here = process.cwd();
    expect(expectSuccess(realdid(here, ["--json", "did", "resolve", verifierDid(key)]))).toEqual(realDidDocument(verifierDid(key)));
    expectOneLineFailure(realdid(here, ["did", "resolve", "did:web:example.com"]), /"did:web:example.com" does not resolve \(unsupportedDidMethod\)/);
  });
});
