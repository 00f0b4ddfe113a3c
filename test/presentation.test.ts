// Zero-knowledge Verifiable Presentations through the real CLI and the library: a person
// enrolled at a real registrar presents to a front desk (JSON and a QR code PNG); the desk
// verifies against its policy and the registrar's ledger; every tampered part is refused
// and named. One `present` run makes the proof most tests share (proofs cost seconds).
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PNG } from "pngjs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { todayIso } from "../src/attributes/calendar.js";
import { loadArtifacts } from "../src/artifacts/load.js";
import { parsePolicy } from "../src/policy/policy.js";
import { releaseCurve } from "../src/proof/curve.js";
import { groth16Check } from "../src/proof/groth16-check.js";
import type { ProofCheck } from "../src/proof/verifier.js";
import { RootLedger } from "../src/ledger/root-ledger.js";
import { COMPACT_PRESENTATION_LENGTH, encodeCompactPresentation } from "../src/presentation/compact-presentation.js";
import { decodeGroth16Proof } from "../src/presentation/point-compression.js";
import { type Presentation, type PresentationVerification, presentationFromProof, verifyPresentation } from "../src/presentation/presentation.js";
import type { ProofResult } from "../src/proof/prover.js";
import { presentationChallenge } from "../src/proof/request.js";
import { readQrPng } from "../src/presentation/qr-code.js";
import { base64UrlToBytes, bytesToBase64Url } from "../src/formats/base64.js";
import { enrollThroughCli, expectOneLineFailure, expectSuccess, realdid } from "./helpers/cli.js";
import { TODAY } from "./helpers/fixtures.js";
import { NAMED_PEOPLE } from "./helpers/people.js";
import { type ProofFixture, proofFixture } from "./helpers/proof-fixture.js";

const ENV = { PASS: "pw0", REG1: "regulator holder 1" };
const DESK = "desk.hotel.example";
const CODE = "K7Q42XRT";
let dir: string;
const cli = (...args: string[]) => realdid(dir, ["--json", ...args], ENV);
const file = (name: string) => join(dir, name);
const citizen = ["--regulator-key", "regulator/regulator-public.json", "--identity", "person0.identity.json", "--passphrase-env", "PASS", "--credential", "credentials/credential-0.json", "--path", "person0.path.json"];
const verifyArgs = (challenge = CODE) => ["--policy", "desk.policy.json", "--ledger", "ledger.jsonl", "--challenge", challenge];

let presentation: Presentation;
let context: PresentationVerification;
let check: ProofCheck;
let presentOutput: string;

/** A proofValue with its first and last point (pi_a, pi_c) swapped: well formed, but not the proof. */
const swappedPoints = (proofValue: string): string => {
  const bytes = base64UrlToBytes(proofValue.slice(1))!;
  return "u" + bytesToBase64Url(Uint8Array.of(...bytes.subarray(96), ...bytes.subarray(32, 96), ...bytes.subarray(0, 32)));
};

/** The presentation with one part changed (a deep copy). */
const tampered = (change: (copy: any) => void): unknown => {
  const copy = structuredClone(presentation);
  change(copy);
  return copy;
};

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "realdid-presentation-"));
  enrollThroughCli(cli, dir, NAMED_PEOPLE.slice(0, 1), "person");
  const { publicKey: regulatorKey } = expectSuccess(cli("regulator", "keygen", "--out-dir", "regulator", "--passphrases-env", "REG"));
  writeFileSync(file("desk.policy.json"), JSON.stringify({ scope: DESK, minAge: 18, checkExpiry: true, regionPrefix: "11", regulatorKey }));
  expectSuccess(cli("registrar", "path", "--data", "registrar", "--index", "0", "--out", "person0.path.json"));
  expectSuccess(cli("registrar", "export-ledger", "--data", "registrar", "--out", "ledger.jsonl"));
  // Without --json: the person sees the QR code in the terminal.
  const run = realdid(dir, ["present", ...citizen, "--policy", "desk.policy.json", "--challenge", CODE, "--out", "vp.json", "--qr-png", "vp.png", "--qr-terminal"], ENV);
  expect(run.status, run.stderr).toBe(0);
  presentOutput = run.stdout;
  presentation = JSON.parse(readFileSync(file("vp.json"), "utf8"));

  const artifacts = loadArtifacts({ warn: () => {} });
  check = groth16Check(artifacts.verificationKey);
  const policy = parsePolicy(JSON.parse(readFileSync(file("desk.policy.json"), "utf8")));
  const ledger = RootLedger.fromJsonLines(readFileSync(file("ledger.jsonl"), "utf8"));
  context = {
    keyId: artifacts.keyId,
    scope: DESK,
    challenge: CODE,
    predicates: policy.predicates,
    day: todayIso(),
    regulatorKey: policy.regulatorKey,
    rootStatus: (root) => ledger.rootStatus(root, Date.now(), policy.rootWindowMs),
  };
}, 300_000);

afterAll(async () => {
  await releaseCurve();
  rmSync(dir, { recursive: true, force: true });
});

describe("realdid present", () => {
  it("writes a VC 2.0 presentation: pairwise DID holder, derived claims, a realdid-groth16-2026 proof with challenge and domain", () => {
    expect(presentation).toMatchObject({
      "@context": ["https://www.w3.org/ns/credentials/v2"],
      type: ["VerifiablePresentation", "RealDIDPresentation"],
      holder: expect.stringMatching(/^did:realdid:pairwise:[0-9a-f]{64}$/),
      realdidClaims: { predicates: { age_over_18: true, document_valid: true, region_prefix: "11" } },
      proof: { type: "DataIntegrityProof", cryptosuite: "realdid-groth16-2026", proofPurpose: "authentication", verificationMethod: `urn:realdid:circuit-key:${context.keyId}`, challenge: CODE, domain: DESK },
    });
    expect(presentation.proof.proofValue).toMatch(/^u[A-Za-z0-9_-]{171}$/); // 128 bytes of compressed points
    expect(presentOutput).toContain(`holder at ${DESK}: ${presentation.holder}`);
    expect(presentOutput).toMatch(/QR code \(261 bytes, version 12 at level M\) written to vp\.png/);
    // The terminal QR code: version 12 is 65 modules a side, drawn two rows a line inside a one-module border: 34 lines of 67 half blocks.
    // (Not "a run of blocks": whether one occurs depends on the proof's bytes.)
    const qrLines = presentOutput.replace(/\x1b\[[0-9;]*m/g, "").split("\n").filter((line) => /^[ ▀▄█]{67}$/.test(line));
    expect(qrLines).toHaveLength(34);
    expect(qrLines.join("")).toMatch(/█/);
  });

  it("is verified by `realdid verify-presentation` and by the library", async () => {
    const verified = expectSuccess(cli("verify-presentation", "vp.json", ...verifyArgs()));
    expect(verified).toMatchObject({ valid: true, scope: DESK, holder: presentation.holder, predicates: ["age >= 18", "region starts with 11", "credential not expired"], root: presentation.realdidClaims.registryRoot });
    const line = realdid(dir, ["verify-presentation", "vp.json", ...verifyArgs()], ENV);
    expect(line.stdout.split("\n")[0]).toBe(`VALID presentation for ${DESK}`);
    const outcome = await verifyPresentation(presentation, context, check);
    expect(outcome).toMatchObject({ valid: true, holder: presentation.holder, claims: presentation.realdidClaims.predicates });
  });

  it("made from a request document with another domain, verifies at that domain only", async () => {
    expectSuccess(cli("request", "--policy", "desk.policy.json", "--out", "desk.request.json"));
    const made = expectSuccess(cli("present", ...citizen, "--request", "desk.request.json", "--domain", "lobby.hotel.example", "--challenge", "second code", "--out", "vp2.json"));
    expect(made).toMatchObject({ domain: "lobby.hotel.example", compactBytes: 261, qrVersion: 12 });
    const other = JSON.parse(readFileSync(file("vp2.json"), "utf8"));
    expect(other.holder).not.toBe(presentation.holder); // pairwise: another DID at another scope
    expect(await verifyPresentation(other, { ...context, scope: "lobby.hotel.example", challenge: "second code" }, check)).toMatchObject({ valid: true, holder: other.holder });
    expect(await verifyPresentation(other, { ...context, challenge: "second code" }, check)).toMatchObject({ valid: false, code: "scope_mismatch" });
  });
});

describe("a tampered presentation is refused, naming the part", () => {
  const otherPairwise = `did:realdid:pairwise:${"12".repeat(32)}`;
  const cases: [string, (vp: any) => void, string, RegExp][] = [
    ["the challenge", (vp) => (vp.proof.challenge = "K7Q42XRU"), "challenge_mismatch", /another challenge/],
    ["the domain", (vp) => (vp.proof.domain = "other-desk.example"), "scope_mismatch", /domain "other-desk.example"/],
    ["a predicate claim added", (vp) => (vp.realdidClaims.predicates.age_over_21 = true), "claims_mismatch", /predicates\.age_over_21/],
    ["a predicate claim changed", (vp) => (vp.realdidClaims.predicates.region_prefix = "31"), "claims_mismatch", /predicates\.region_prefix/],
    ["a predicate claim removed", (vp) => delete vp.realdidClaims.predicates.document_valid, "claims_mismatch", /predicates\.document_valid/],
    ["the registry root claim", (vp) => (vp.realdidClaims.registryRoot = "1"), "claims_mismatch", /registryRoot/],
    ["the escrow claim", (vp) => (vp.realdidClaims.escrow.cipher = "7"), "claims_mismatch", /escrow/],
    ["the holder (another pairwise DID)", (vp) => (vp.holder = otherPairwise), "holder_mismatch", /not the pairwise DID of the proof's DID address/],
    ["the holder (a DID of another method)", (vp) => (vp.holder = "did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK"), "holder_mismatch", /is not a pairwise did:realdid \(its method is key\)/],
    ["the cryptosuite", (vp) => (vp.proof.cryptosuite = "eddsa-rdfc-2022"), "unknown_cryptosuite", /"eddsa-rdfc-2022" is not realdid-groth16-2026/],
    ["the circuit key", (vp) => (vp.proof.verificationMethod = `urn:realdid:circuit-key:${"0".repeat(32)}`), "key_mismatch", /circuit keys 0{32}/],
    ["the challenge signal", (vp) => (vp.proof.publicSignals[6] = "5"), "challenge_mismatch", /another challenge/],
    ["the DID address signal", (vp) => (vp.proof.publicSignals[1] = "5"), "holder_mismatch", /DID address/],
    ["a bound signal", (vp) => (vp.proof.publicSignals[12] = "0"), "predicate_mismatch", /bounds on region/],
    ["the proofValue (pi_a and pi_c swapped)", (vp) => (vp.proof.proofValue = swappedPoints(vp.proof.proofValue)), "invalid_proof", /does not verify/],
    ["the proofValue (truncated)", (vp) => (vp.proof.proofValue = vp.proof.proofValue.slice(0, 100)), "malformed_presentation", /a Groth16 proof|proof\.proofValue/],
    ["the proofValue (not multibase)", (vp) => (vp.proof.proofValue = "z" + vp.proof.proofValue.slice(1)), "malformed_presentation", /field 'proof.proofValue'/],
    ["an unknown field", (vp) => (vp.verifiableCredential = []), "malformed_presentation", /verifiableCredential/],
    ["the type", (vp) => (vp.type = ["VerifiablePresentation"]), "malformed_presentation", /field 'type'/],
  ];

  it.each(cases)("%s", async (_, change, code, message) => {
    const outcome = await verifyPresentation(tampered(change), context, check);
    expect(outcome.valid).toBe(false);
    if (outcome.valid) return;
    expect(outcome.code).toBe(code);
    expect(outcome.message).toMatch(message);
  });

  it("every character of proofValue changed in turn is never accepted", { timeout: 300_000 }, async () => {
    const value = presentation.proof.proofValue;
    for (let i = 1; i < value.length; i += 7) {
      const swapped = value[i] === "A" ? "B" : "A";
      const outcome = await verifyPresentation(tampered((vp) => (vp.proof.proofValue = value.slice(0, i) + swapped + value.slice(i + 1))), context, check);
      expect(outcome.valid, `character ${i}`).toBe(false);
    }
  });

  it("is refused by the CLI in one line with the code, and for another challenge or domain", () => {
    writeFileSync(file("tampered.json"), JSON.stringify(tampered((vp) => (vp.realdidClaims.predicates.age_over_21 = true))));
    const run = realdid(dir, ["verify-presentation", "tampered.json", ...verifyArgs()], ENV);
    expect(run.status).toBe(1);
    expect(run.stdout.trim()).toMatch(/^INVALID \(claims_mismatch\): realdidClaims\.predicates\.age_over_21/);
    expect(cli("verify-presentation", "vp.json", ...verifyArgs("another code")).json.error.code).toBe("challenge_mismatch");
    expect(cli("verify-presentation", "vp.json", ...verifyArgs(), "--domain", "other-desk.example").json.error.code).toBe("scope_mismatch");
  });
});

describe("the QR code of a presentation", () => {
  it("written by `present --qr-png` reads back (jsqr) as the 261 compact bytes of the same proof", () => {
    const bytes = readQrPng(readFileSync(file("vp.png")), "vp.png");
    expect(bytes.length).toBe(COMPACT_PRESENTATION_LENGTH);
    const proofValue = base64UrlToBytes(presentation.proof.proofValue.slice(1))!;
    const proof = { keyId: context.keyId, proof: decodeGroth16Proof(proofValue), publicSignals: presentation.proof.publicSignals };
    expect(bytes).toEqual(encodeCompactPresentation(proof));
  });

  it("verifies through `verify-presentation --qr-png` and `--compact`, with the desk's context", () => {
    const fromPng = expectSuccess(cli("verify-presentation", "--qr-png", "vp.png", ...verifyArgs()));
    expect(fromPng).toMatchObject({ valid: true, holder: presentation.holder, scope: DESK });
    const compact = bytesToBase64Url(readQrPng(readFileSync(file("vp.png")), "vp.png"));
    expect(expectSuccess(cli("verify-presentation", "--compact", compact, ...verifyArgs()))).toMatchObject({ valid: true, holder: presentation.holder });
  });

  it("is refused for another desk's code or scope (the proof check fails: neither is carried)", () => {
    expect(cli("verify-presentation", "--qr-png", "vp.png", ...verifyArgs("K7Q42XRU")).json.error.code).toBe("invalid_proof");
    expect(cli("verify-presentation", "--qr-png", "vp.png", ...verifyArgs(), "--domain", "other-desk.example").json.error.code).toBe("invalid_proof");
  });

  it("refuses a truncated or corrupted payload and a picture without a code, in one line", () => {
    const bytes = readQrPng(readFileSync(file("vp.png")), "vp.png");
    const truncated = cli("verify-presentation", "--compact", bytesToBase64Url(bytes.subarray(0, 200)), ...verifyArgs());
    expect(truncated.json.error).toEqual({ code: "malformed_presentation", message: "a compact presentation (realdid-qr/1) is 261 bytes, received 200 bytes" });
    const corrupted = bytes.slice();
    corrupted[140] ^= 0x04;
    expect(cli("verify-presentation", "--compact", bytesToBase64Url(corrupted), ...verifyArgs()).json).toMatchObject({ valid: false });
    const blank = new PNG({ width: 120, height: 120 });
    blank.data.fill(255);
    writeFileSync(file("blank.png"), PNG.sync.write(blank));
    expectOneLineFailure(realdid(dir, ["verify-presentation", "--qr-png", "blank.png", ...verifyArgs()], ENV), /QR code blank\.png: no QR code found in the image/);
    expectOneLineFailure(realdid(dir, ["verify-presentation", "--qr-png", "vp.json", ...verifyArgs()], ENV), /QR code vp\.json is not a PNG image/);
  });
});

describe("bad input to the commands: one line, non-zero exit", () => {
  it.each([
    ["no presentation", ["verify-presentation", ...verifyArgs()], /give exactly one of a presentation file, --qr-png, --compact/],
    ["two presentations", ["verify-presentation", "vp.json", "--compact", "AAAA", ...verifyArgs()], /give exactly one of/],
    ["not base64url", ["verify-presentation", "--compact", "not base64!", ...verifyArgs()], /--compact must be base64url/],
    ["a presentation that is not JSON", ["verify-presentation", "ledger.jsonl", ...verifyArgs()], /presentation file ledger\.jsonl is not valid JSON/],
    ["present with nowhere to write", ["present", ...citizen, "--policy", "desk.policy.json", "--challenge", CODE], /give --out, --qr-png or --qr-terminal/],
    ["present with a policy and a request", ["present", ...citizen, "--policy", "desk.policy.json", "--request", "desk.request.json", "--challenge", CODE, "--out", "x.json"], /give exactly one of --request, --policy/],
  ])("%s", (_, args, message) => {
    expectOneLineFailure(realdid(dir, args, ENV), message);
  });
});

describe("presentationFromProof (library)", () => {
  let fixture: ProofFixture;
  let result: ProofResult;
  const predicates = { minAge: 18, notExpired: true, regionPrefix: "11" };

  beforeAll(async () => {
    fixture = await proofFixture();
    result = await fixture.prove(3, fixture.requestFor(DESK, predicates, TODAY, presentationChallenge("library code")));
  });

  it("makes a presentation that verifies, and refuses a proof made for another domain or challenge", async () => {
    const made = presentationFromProof(result, { domain: DESK, challenge: "library code", predicates, created: new Date("2026-06-15T09:30:00Z") });
    expect(made.proof.created).toBe("2026-06-15T09:30:00.000Z");
    const libraryContext = { ...context, challenge: "library code", day: TODAY, regulatorKey: fixture.regulator.publicKey, rootStatus: (root: bigint) => (root === fixture.tree.root ? ("current" as const) : ("unknown" as const)) };
    expect(await verifyPresentation(made, libraryContext, check)).toMatchObject({ valid: true, holder: made.holder, claims: { age_over_18: true, document_valid: true, region_prefix: "11" } });
    expect(() => presentationFromProof(result, { domain: "elsewhere.example", challenge: "library code", predicates })).toThrow(/not made for the domain "elsewhere.example"/);
    expect(() => presentationFromProof(result, { domain: DESK, challenge: "another code", predicates })).toThrow(/does not answer this presentation challenge/);
  });
});
