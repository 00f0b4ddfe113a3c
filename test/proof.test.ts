// Real Groth16 proofs from the real keys: a proof verifies; the same proof with any one
// public signal changed does not; the verifier names each mismatch.
import { execFile } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { WitnessCalculatorBuilder } from "circom_runtime";
import { buildBn128 } from "ffjavascript";
import * as snarkjs from "snarkjs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { predicateBounds } from "../src/attributes/predicates.js";
import type { CircuitArtifacts } from "../src/artifacts/artifacts.js";
import { loadArtifacts } from "../src/artifacts/load.js";
import { decryptHandle, encryptHandle, generateRegulatorKeyPair, shiftedRegulatorKey } from "../src/crypto/escrow.js";
import { FastPoseidon } from "../src/crypto/fast-poseidon.js";
import { circuitInput } from "../src/proof/circuit-input.js";
import { releaseCurve } from "../src/proof/curve.js";
import { Groth16Prover } from "../src/proof/groth16-prover.js";
import { type ProofResult, Prover } from "../src/proof/prover.js";
import { PUBLIC_SIGNAL_NAMES } from "../src/proof/public-signals.js";
import { randomChallenge, scopeToField } from "../src/proof/request.js";
import { groth16Check } from "../src/proof/groth16-check.js";
import { type ProofCheck, type VerificationRequest, verifyProof } from "../src/proof/verifier.js";
import { RegistryTree, TREE_HEIGHT } from "../src/registry/registry-tree.js";
import { type Citizen, makeCitizen, TODAY } from "./helpers/fixtures.js";

const regulator = generateRegulatorKeyPair();
let artifacts: CircuitArtifacts;
let tree: RegistryTree;
let citizen: Citizen;
let result: ProofResult;
let request: VerificationRequest;
let check: ProofCheck;

beforeAll(async () => {
  artifacts = loadArtifacts({ warn: () => {} });
  check = groth16Check(artifacts.verificationKey);
  const citizens = Array.from({ length: 5 }, () => makeCitizen());
  citizen = citizens[2];
  tree = new RegistryTree(TREE_HEIGHT, await FastPoseidon.create());
  tree.insertMany(citizens.map((c) => c.leaf));
  const acceptedRoot = tree.root;
  request = {
    scope: "shop.example",
    challenge: randomChallenge(),
    bounds: predicateBounds({ minAge: 18, notExpired: true, regionPrefix: "11" }, TODAY),
    regulatorKey: regulator.publicKey,
    keyId: artifacts.keyId,
    rootStatus: (root) => (root === acceptedRoot ? "current" : "unknown"),
  };
  const prover = await Prover.create(artifacts);
  result = await prover.prove({ identity: citizen.identity, credential: { index: 2, attributes: citizen.attributes }, merkleProof: tree.proof(2), request, escrowRandomness: 4242n });
});

afterAll(releaseCurve);

describe("a real proof", () => {
  it("verifies, returning the DID address and an escrow the regulator can open", async () => {
    const outcome = await verifyProof(result, request, check);
    expect(outcome).toMatchObject({ valid: true, didAddress: citizen.identity.didAddress(scopeToField("shop.example")), root: tree.root });
    if (!outcome.valid) throw new Error(outcome.message);
    expect(decryptHandle(outcome.escrow, regulator.secretKey)).toBe(citizen.leaf);
  });

  it("has its public signals in the order public-signals.ts names them", () => {
    const escrow = encryptHandle(citizen.leaf, regulator.publicKey, 4242n);
    const expected: Record<string, bigint> = {
      root: tree.root,
      didAddress: citizen.identity.didAddress(scopeToField("shop.example")),
      "escrowEphemeral.x": escrow.ephemeral.x,
      "escrowEphemeral.y": escrow.ephemeral.y,
      escrowCipher: escrow.cipher,
      scope: scopeToField("shop.example"),
      challenge: request.challenge,
      "regulatorKey.x": regulator.publicKey.x,
      "regulatorKey.y": regulator.publicKey.y,
      "regulatorKeyShifted.x": shiftedRegulatorKey(regulator.publicKey).x,
      "regulatorKeyShifted.y": shiftedRegulatorKey(regulator.publicKey).y,
      "attributeLo.birthDate": request.bounds.lo[0],
      "attributeLo.region": request.bounds.lo[1],
      "attributeLo.expiry": request.bounds.lo[2],
      "attributeLo.documentType": request.bounds.lo[3],
      "attributeHi.birthDate": request.bounds.hi[0],
      "attributeHi.region": request.bounds.hi[1],
      "attributeHi.expiry": request.bounds.hi[2],
      "attributeHi.documentType": request.bounds.hi[3],
    };
    expect(Object.keys(expected)).toEqual([...PUBLIC_SIGNAL_NAMES]);
    expect(result.publicSignals).toEqual(Object.values(expected).map(String));
    expect(artifacts.manifest.publicSignals).toBe(PUBLIC_SIGNAL_NAMES.length);
  });

  it("does not verify with any one public signal changed", async () => {
    for (let i = 0; i < result.publicSignals.length; i++) {
      const changed = result.publicSignals.map((s, j) => (j === i ? (BigInt(s) + 1n).toString() : s));
      expect(await snarkjs.groth16.verify(artifacts.verificationKey, changed, result.proof), PUBLIC_SIGNAL_NAMES[i]).toBe(false);
    }
  });

  it("does not verify with a tampered proof point", async () => {
    const proof = { ...result.proof, pi_a: [result.proof.pi_c[0], result.proof.pi_c[1], "1"] };
    expect(await verifyProof({ ...result, proof }, request, check)).toMatchObject({ valid: false, code: "invalid_proof" });
  });
});

describe("the verifier names what does not match", () => {
  it.each([
    ["another site's scope", () => ({ ...request, scope: "news.example" }), "scope_mismatch"],
    ["another challenge", () => ({ ...request, challenge: randomChallenge() }), "challenge_mismatch"],
    ["other predicates", () => ({ ...request, bounds: predicateBounds({ minAge: 21 }, TODAY) }), "predicate_mismatch"],
    ["another regulator", () => ({ ...request, regulatorKey: generateRegulatorKeyPair().publicKey }), "regulator_key_mismatch"],
    ["a root it does not know", () => ({ ...request, rootStatus: () => "unknown" as const }), "unknown_root"],
    ["a root replaced too long ago", () => ({ ...request, rootStatus: () => "expired" as const }), "root_expired"],
  ] as const)("%s", async (_, makeRequest, code) => {
    expect(await verifyProof(result, makeRequest(), check)).toMatchObject({ valid: false, code });
  });

  it("names a proof made with other keys, with both key ids, before any pairing", async () => {
    const otherKeys = "0123456789abcdef0123456789abcdef";
    const outcome = await verifyProof({ ...result, keyId: otherKeys }, request, check);
    expect(outcome).toMatchObject({ valid: false, code: "key_mismatch" });
    expect(!outcome.valid && outcome.message).toContain(otherKeys);
    expect(!outcome.valid && outcome.message).toContain(artifacts.keyId);
  });

  it("makes proofs asked for at the same moment one after another, each for its own request", async () => {
    const prover = await Prover.create(artifacts);
    const scopes = ["a.example", "b.example", "c.example"];
    const made = await Promise.all(scopes.map((scope) => prover.prove({ identity: citizen.identity, credential: { index: 2, attributes: citizen.attributes }, merkleProof: tree.proof(2), request: { ...request, scope } })));
    for (const [i, scope] of scopes.entries()) expect(await verifyProof(made[i], { ...request, scope }, check)).toMatchObject({ valid: true });
  });

  it("proves only for a request made for its own keys", async () => {
    const prover = await Prover.create(artifacts);
    const forOtherKeys = { ...request, keyId: "0123456789abcdef0123456789abcdef" };
    await expect(prover.prove({ identity: citizen.identity, credential: { index: 2, attributes: citizen.attributes }, merkleProof: tree.proof(2), request: forOtherKeys })).rejects.toThrow(
      new RegExp(`made for circuit keys 0123456789abcdef0123456789abcdef, but these keys are ${artifacts.keyId}`),
    );
  });

  it("accepts an older regulator key the site still lists during a key rotation", async () => {
    const rotated = { ...request, regulatorKey: generateRegulatorKeyPair().publicKey, acceptedRegulatorKeys: [regulator.publicKey] };
    expect(await verifyProof(result, rotated, check)).toMatchObject({ valid: true });
  });

  it("refuses a proof whose shifted regulator key is not 2^126 times its key (the escrow ladder's precondition)", async () => {
    const wrong = shiftedRegulatorKey(generateRegulatorKeyPair().publicKey);
    const publicSignals = result.publicSignals.map((s, i) => (PUBLIC_SIGNAL_NAMES[i] === "regulatorKeyShifted.x" ? wrong.x.toString() : PUBLIC_SIGNAL_NAMES[i] === "regulatorKeyShifted.y" ? wrong.y.toString() : s));
    expect(await verifyProof({ ...result, publicSignals }, request, check)).toMatchObject({ valid: false, code: "regulator_key_mismatch" });
  });

  it("will not check bounds of 2^32 or more, for which the circuit's range proof means nothing", async () => {
    const bounds = { lo: request.bounds.lo, hi: request.bounds.hi.map((hi, i) => (i === 1 ? 2n ** 32n : hi)) };
    await expect(verifyProof(result, { ...request, bounds }, check)).rejects.toThrow(/must lie in \[0, 4294967295\]/);
  });

  it("a challenge or scope swapped after proving fails the proof itself", async () => {
    const challenge = randomChallenge();
    const swappedChallenge = result.publicSignals.map((s, i) => (PUBLIC_SIGNAL_NAMES[i] === "challenge" ? challenge.toString() : s));
    expect(await verifyProof({ ...result, publicSignals: swappedChallenge }, { ...request, challenge }, check)).toMatchObject({ valid: false, code: "invalid_proof" });
    const swappedScope = result.publicSignals.map((s, i) => (PUBLIC_SIGNAL_NAMES[i] === "scope" ? scopeToField("news.example").toString() : s));
    expect(await verifyProof({ ...result, publicSignals: swappedScope }, { ...request, scope: "news.example" }, check)).toMatchObject({ valid: false, code: "invalid_proof" });
  });

  it.each([
    ["no public signals", { proof: {} }],
    ["too few public signals", { publicSignals: ["1", "2"] }],
    ["a non-numeric signal", { publicSignals: Array(19).fill("x") }],
  ])("a malformed proof: %s", async (_, candidate) => {
    expect(await verifyProof({ ...result, ...candidate } as never, request, check)).toMatchObject({ valid: false, code: "malformed_proof" });
  });
});

describe("the prover explains what it cannot prove", () => {
  it("refuses an identity that does not match the credential, and unmet predicates", async () => {
    const prover = await Prover.create(artifacts);
    const other = makeCitizen();
    const credential = { index: 2, attributes: citizen.attributes };
    await expect(prover.prove({ identity: other.identity, credential, merkleProof: tree.proof(2), request })).rejects.toThrow(/do not match/);
    const strict = { ...request, bounds: predicateBounds({ regionPrefix: "12" }, TODAY) };
    await expect(prover.prove({ identity: citizen.identity, credential, merkleProof: tree.proof(2), request: strict })).rejects.toThrow(/region does not satisfy/);
  });
});

describe("realdid's Groth16 prover against snarkjs's", () => {
  it("proves what snarkjs proves: same public signals, a proof snarkjs verifies, fresh blinding each time", async () => {
    const input = circuitInput({ identity: citizen.identity, credential: { index: 2, attributes: citizen.attributes }, merkleProof: tree.proof(2), request, escrowRandomness: 99n });
    const wtns = await (await WitnessCalculatorBuilder(artifacts.wasm)).calculateWTNSBin(input, true);
    const ours = await Groth16Prover.create(artifacts.zkey);
    const [first, second] = [await ours.prove(wtns), await ours.prove(wtns)];
    const reference = await snarkjs.groth16.prove({ type: "mem", data: artifacts.zkey }, { type: "mem", data: wtns });
    expect(first.publicSignals).toEqual(reference.publicSignals);
    expect(await snarkjs.groth16.verify(artifacts.verificationKey, first.publicSignals, first.proof)).toBe(true);
    expect(await snarkjs.groth16.verify(artifacts.verificationKey, second.publicSignals, second.proof)).toBe(true);
    expect(second.proof.pi_a).not.toEqual(first.proof.pi_a);
  });

  it("makes proofs the snarkjs command line verifies", async () => {
    const dir = mkdtempSync(join(tmpdir(), "realdid-snarkjs-cli-"));
    const files = { key: join(dir, "verification_key.json"), signals: join(dir, "public.json"), proof: join(dir, "proof.json") };
    writeFileSync(files.key, JSON.stringify(artifacts.verificationKey));
    writeFileSync(files.signals, JSON.stringify(result.publicSignals));
    writeFileSync(files.proof, JSON.stringify(result.proof));
    const snarkjsCli = fileURLToPath(new URL("../node_modules/snarkjs/build/cli.cjs", import.meta.url));
    const { stdout } = await promisify(execFile)(process.execPath, [snarkjsCli, "groth16", "verify", files.key, files.signals, files.proof]);
    expect(stdout).toMatch(/OK!/);
    rmSync(dir, { recursive: true });
  });

  it("keeps proofs valid when it updates its last sums: same person at other sites, then someone else, then back", async () => {
    const calculator = await WitnessCalculatorBuilder(artifacts.wasm);
    const stranger = makeCitizen();
    const strangerTree = new RegistryTree(TREE_HEIGHT, await FastPoseidon.create());
    strangerTree.insert(stranger.leaf);
    const proofInputs = [
      { identity: citizen.identity, credential: { index: 2, attributes: citizen.attributes }, merkleProof: tree.proof(2), request },
      { identity: citizen.identity, credential: { index: 2, attributes: citizen.attributes }, merkleProof: tree.proof(2), request: { ...request, scope: "news.example", challenge: randomChallenge() } },
      { identity: stranger.identity, credential: { index: 0, attributes: stranger.attributes }, merkleProof: strangerTree.proof(0), request },
      { identity: citizen.identity, credential: { index: 2, attributes: citizen.attributes }, merkleProof: tree.proof(2), request: { ...request, bounds: predicateBounds({}, TODAY) } },
    ];
    const ours = await Groth16Prover.create(artifacts.zkey);
    for (const inputs of proofInputs) {
      const { proof, publicSignals } = await ours.prove(await calculator.calculateWTNSBin(circuitInput(inputs), true));
      expect(await snarkjs.groth16.verify(artifacts.verificationKey, publicSignals, proof)).toBe(true);
    }
    // The updated sums are the points a prover that recomputes everything gets. A .wtns file's
    // values start after its header (12 bytes), section 1 (12 + n8 4 + q 32 + count 4) and section 2's head (12).
    const WTNS_VALUES_AT = 12 + 12 + 40 + 12;
    type Sums = Record<"a" | "b1" | "b2" | "c", Uint8Array>;
    const sumsOf = (prover: Groth16Prover, wtns: Uint8Array) => (prover as unknown as { witnessSums(w: Uint8Array): Promise<Sums> }).witnessSums(wtns.slice(WTNS_VALUES_AT));
    const whole = await Groth16Prover.create(artifacts.zkey, { updateLastSums: false });
    const next = await calculator.calculateWTNSBin(circuitInput({ ...proofInputs[0], request: { ...request, scope: "mail.example" } }), true);
    const [updated, recomputed] = [await sumsOf(ours, next), await sumsOf(whole, next)];
    const { G1, G2 } = await buildBn128();
    expect(G1.eq(updated.a, recomputed.a) && G1.eq(updated.b1, recomputed.b1) && G2.eq(updated.b2, recomputed.b2) && G1.eq(updated.c, recomputed.c)).toBe(true);
  });

  it("with tables of multiples: proofs snarkjs verifies, every MSM whole and updated", async () => {
    const calculator = await WitnessCalculatorBuilder(artifacts.wasm);
    const ours = await Groth16Prover.create(artifacts.zkey, { tables: true });
    await ours.tablesFilled();
    for (const scope of ["shop.example", "news.example"]) {
      const input = circuitInput({ identity: citizen.identity, credential: { index: 2, attributes: citizen.attributes }, merkleProof: tree.proof(2), request: { ...request, scope, challenge: randomChallenge() } });
      const { proof, publicSignals } = await ours.prove(await calculator.calculateWTNSBin(input, true));
      expect(await snarkjs.groth16.verify(artifacts.verificationKey, publicSignals, proof)).toBe(true);
    }
  });

  it("stops its workers when closed: a proof after that fails with a message, not a hang", async () => {
    const ours = await Groth16Prover.create(artifacts.zkey);
    const wtns = await (await WitnessCalculatorBuilder(artifacts.wasm)).calculateWTNSBin(circuitInput({ identity: citizen.identity, credential: { index: 2, attributes: citizen.attributes }, merkleProof: tree.proof(2), request }), true);
    await ours.prove(wtns);
    await ours.close();
    await expect(ours.prove(wtns)).rejects.toThrow(/the prover was closed/);
  });

  it("refuses a witness of the wrong length, and a file that is no witness", async () => {
    const ours = await Groth16Prover.create(artifacts.zkey);
    await expect(ours.prove(new TextEncoder().encode('{"not":"a witness"}'))).rejects.toThrow(/not a wtns file/);
    const wtns = await (await WitnessCalculatorBuilder(artifacts.wasm)).calculateWTNSBin(circuitInput({ identity: citizen.identity, credential: { index: 2, attributes: citizen.attributes }, merkleProof: tree.proof(2), request }), true);
    await expect(ours.prove(wtns.slice(0, wtns.byteLength - 32 * 5))).rejects.toThrow(/the circuit has/);
  });
});
