// The platform-neutral core bundles for the browser with nothing of Node in it, and the
// bundle computes what the Node side computes.
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import type { Metafile } from "esbuild";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { REALDID_CIRCUIT } from "../src/artifacts/circuit-id.js";
import { loadArtifacts } from "../src/artifacts/load.js";
import { keySetFiles, publishedKeysDir } from "../src/artifacts/paths.js";
import { encodeAttributes } from "../src/attributes/attributes.js";
import { Identity } from "../src/identity/identity.js";
import { LEDGER_KIND } from "../src/ledger/ledger-entry.js";
import { RootLedger } from "../src/ledger/root-ledger.js";
import { challengeForMessage, presentationChallenge, scopeToField } from "../src/proof/request.js";
import { encodeCompactPresentation } from "../src/presentation/compact-presentation.js";
import { groth16Check } from "../src/proof/groth16-check.js";
import { verifyProof } from "../src/proof/verifier.js";
import { credentialLeaf } from "../src/registry/credential.js";
import { ed25519Signer, newSigningKeyHex } from "../src/signed-log/ed25519-signer.js";
import { ADULT, TODAY } from "./helpers/fixtures.js";
import { buildBrowserCore, buildForBrowser } from "../scripts/build-browser.js";

type Core = typeof import("../src/browser.js");

// Node modules that must stay out of the browser's closure: files, databases, workers, servers, scrypt + node AES.
const NODE_ADAPTERS = [
  "src/files.ts",
  "src/artifacts/load.ts",
  "src/artifacts/paths.ts",
  "src/identity/identity-file.ts",
  "src/identity/passphrase-seal.ts",
  "src/crypto/aes-gcm.ts",
  "src/crypto/fast-poseidon.ts",
  "src/crypto/node-sha256.ts",
  "src/crypto/poseidon-pool.ts",
  "src/signed-log/ed25519-signer.ts",
  "src/worker-threads.ts",
  "src/registrar/registrar.ts",
];
const NODE_PACKAGES = ["better-sqlite3", "pg", "express", "circomlibjs", "snarkjs", "commander", "pino"];

// Each value computed by the node:crypto implementation before the core moved to @noble/hashes.
const PINNED_SCOPES: [string, string][] = [
  ["shop.example", "18768780175163212175704100250876084972376215072155389582315982359159510539"],
  ["vote.example/poll-7 ☃", "254121083920233345482464463581129129909357601123887306488001113310203394340"],
  ["", "204642871050712991470431511881887455376470513015689538795348399320148088726"],
];
const PINNED_CHALLENGES: [string | Uint8Array, string][] = [
  ["login to shop.example", "113329120863152305894021802383270683490176001051483825069087589536806068577"],
  [new Uint8Array([0, 1, 2, 255]), "389691933555466775977088967713808278597989431464483553672959906652482527399"],
  ["é☃", "67575698134195663573545829353473739655644842595864229190892849509734623767"],
];

let outdir: string;
let metafile: Metafile;
let core: Core;

beforeAll(async () => {
  outdir = mkdtempSync(join(tmpdir(), "realdid-browser-"));
  metafile = await buildBrowserCore(outdir);
  core = await import(/* @vite-ignore */ pathToFileURL(join(outdir, "realdid-core.js")).href);
});
// No releaseCurve: the bundle's ffjavascript (browser build) finds no Worker under Node and
// runs on one thread, so the process's curve has no worker threads to stop.
afterAll(() => rmSync(outdir, { recursive: true, force: true }));

const keySetBytes = () => {
  const files = keySetFiles(publishedKeysDir(REALDID_CIRCUIT), REALDID_CIRCUIT);
  return { manifest: readFileSync(files.manifest), wasm: readFileSync(files.wasm), zkey: readFileSync(files.zkey), verificationKey: readFileSync(files.verificationKey) };
};

describe("the browser bundle of the core", () => {
  it("holds no Node adapter, Node package, Node builtin or Buffer", () => {
    const inputs = Object.keys(metafile.inputs);
    expect(inputs).toContain("src/proof/prover.ts");
    expect(inputs).toContain("src/registrar/path-client.ts");
    expect(inputs).toContain("src/presentation/presentation.ts");
    expect(inputs.filter((input) => NODE_ADAPTERS.includes(input))).toEqual([]);
    expect(inputs.filter((input) => NODE_PACKAGES.some((name) => input.startsWith(`node_modules/${name}/`)))).toEqual([]);
    expect(Object.values(metafile.inputs).flatMap(({ imports }) => imports.map((imported) => imported.path)).filter((path) => path.startsWith("node:"))).toEqual([]);
    // ffjavascript's browser build, chosen by its package's "browser" export condition.
    expect(inputs).toContain("node_modules/ffjavascript/build/browser.esm.js");
    expect(readFileSync(join(outdir, "realdid-core.js"), "utf8")).not.toMatch(/\bBuffer\b/);
  });

  it("fails, naming the module, when something in the closure needs Node", async () => {
    await expect(buildForBrowser({ load: join("src", "artifacts", "load.ts") }, outdir)).rejects.toThrow(/src\/artifacts\/load\.ts: Could not resolve "node:fs"/);
  });
});

describe("the bundle, run under Node, agrees with the Node side", () => {
  it("gives the pinned scope and challenge field elements", () => {
    for (const [scope, field] of PINNED_SCOPES) {
      expect(core.scopeToField(scope).toString()).toBe(field);
      expect(scopeToField(scope).toString()).toBe(field);
    }
    for (const [message, field] of PINNED_CHALLENGES) {
      expect(core.challengeForMessage(message).toString()).toBe(field);
      expect(challengeForMessage(message).toString()).toBe(field);
    }
    expect(core.randomChallenge()).toBeLessThan(2n ** 248n);
  });

  it("makes the same identity, DID address and leaf", () => {
    const mine = Identity.random();
    const theirs = core.Identity.fromSecret(mine.secret);
    expect(theirs.commitment).toBe(mine.commitment);
    expect(theirs.didAddress(core.scopeToField("shop.example"))).toBe(mine.didAddress(scopeToField("shop.example")));
    expect(core.credentialLeaf(mine.commitment, core.encodeAttributes(ADULT, TODAY))).toBe(credentialLeaf(mine.commitment, encodeAttributes(ADULT, TODAY)));
    expect(core.Identity.random().secret).toBeLessThan(core.SUBGROUP_ORDER);
  });

  it("checks the published key set from its bytes as loadArtifacts does from its files", () => {
    const bytes = keySetBytes();
    const warnings: string[] = [];
    const fromBytes = core.artifactsFromBytes(bytes, { warn: (line) => warnings.push(line) });
    const fromFiles = loadArtifacts({ warn: () => undefined });
    expect(fromBytes.keyId).toBe(fromFiles.keyId);
    expect(fromBytes.verificationKey).toEqual(fromFiles.verificationKey);
    expect(warnings).toEqual([expect.stringMatching(/^DEVELOPMENT KEYS: .* Not for production\.$/)]);
    const altered = Uint8Array.from(bytes.wasm);
    altered[100] ^= 1;
    expect(() => core.artifactsFromBytes({ ...bytes, wasm: altered }, { warn: () => undefined })).toThrow(/realdid-32-4\.wasm does not match its manifest: the key set was altered/);
  });
});

it("the registrar's ledger entries signed by Node's signer verify with the bundle's check", () => {
  const signer = ed25519Signer(newSigningKeyHex());
  const ledger = new RootLedger(signer.publicKey);
  const entry = ledger.publishRoot(123n, 1, new Date("2026-01-01T00:00:00Z"), signer);
  expect(core.SignedLog.isSignedBy(LEDGER_KIND, entry, signer.publicKey)).toBe(true);
  expect(core.SignedLog.isSignedBy(LEDGER_KIND, { ...entry, root: "124" }, signer.publicKey)).toBe(false);
});

/** The bundle's prover, and one adult enrolled in a tree of their own, escrowing to a fresh regulator key. */
async function bundleProverAndPerson() {
  const artifacts = core.artifactsFromBytes(keySetBytes(), { warn: () => undefined });
  const prover = await core.Prover.create(artifacts);
  const identity = core.Identity.random();
  const attributes = core.encodeAttributes(ADULT, TODAY);
  const tree = new core.RegistryTree();
  tree.insert(core.credentialLeaf(identity.commitment, attributes));
  return { artifacts, prover, identity, attributes, tree, regulator: core.generateRegulatorKeyPair() };
}

it("proves with the bundle's prover (ffjavascript's browser build, keys from bytes) what the Node verifier accepts", async () => {
  const { artifacts, prover, identity, attributes, tree, regulator } = await bundleProverAndPerson();
  const request = { scope: "shop.example", challenge: core.randomChallenge(), bounds: core.predicateBounds({ minAge: 18, notExpired: true }, TODAY), regulatorKey: regulator.publicKey, keyId: artifacts.keyId };
  const proof = await prover.prove({ identity, credential: { index: 0, attributes }, merkleProof: tree.proof(0), request });
  const outcome = await verifyProof(proof, { ...request, rootStatus: (root) => (root === tree.root ? "current" : "unknown") }, groth16Check(artifacts.verificationKey));
  expect(outcome).toMatchObject({ valid: true, didAddress: identity.didAddress(scopeToField("shop.example")), root: tree.root });
}, 60_000);

it("the bundle's presentation code: the same presentation challenge, and a compact presentation it encodes and verifies", async () => {
  expect(core.presentationChallenge("K7Q42XRT")).toBe(presentationChallenge("K7Q42XRT"));
  const { artifacts, prover, identity, attributes, tree, regulator } = await bundleProverAndPerson();
  const predicates = { minAge: 18, regionPrefix: "11" };
  const request = { scope: "desk.example", challenge: core.presentationChallenge("K7Q42XRT"), bounds: core.predicateBounds(predicates, TODAY), regulatorKey: regulator.publicKey, keyId: artifacts.keyId };
  const proof = await prover.prove({ identity, credential: { index: 0, attributes }, merkleProof: tree.proof(0), request });
  const bytes = core.encodeCompactPresentation(proof);
  expect(bytes).toEqual(encodeCompactPresentation(proof));
  const context = { keyId: artifacts.keyId, scope: "desk.example", challenge: "K7Q42XRT", predicates, day: TODAY, regulatorKey: regulator.publicKey, rootStatus: (root: bigint) => (root === tree.root ? ("current" as const) : ("unknown" as const)) };
  const outcome = await core.verifyCompactPresentation(bytes, context, groth16Check(artifacts.verificationKey));
  expect(outcome).toMatchObject({ valid: true, holder: core.pairwiseDid(identity.didAddress(scopeToField("desk.example"))), claims: { age_over_18: true, region_prefix: "11" } });
}, 60_000);
