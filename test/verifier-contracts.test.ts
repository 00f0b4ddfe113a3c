// The contracts that verify realdid proofs, on an in-process EVM, with real proofs of the
// published circuit: the generated Groth16 verifier accepts what snarkjs's verifier accepts
// and nothing else; RealDidVerifier checks a proof as src/proof/verifier.ts does (scope,
// challenge, bounds, regulator key, root in the registry's window), records one-per-person
// use and hands the escrowed handle to the regulator in an event.
import { beforeAll, describe, expect, it } from "vitest";
import { contractArtifact } from "../src/chain/contract-artifacts.js";
import { verifierArguments } from "../src/chain/groth16-solidity.js";
import { regulatorKeyWords, verifierCall } from "../src/chain/realdid-verifier.js";
import { generateRegulatorKeyPair } from "../src/crypto/escrow.js";
import { RootLedger } from "../src/ledger/root-ledger.js";
import type { ProofResult } from "../src/proof/prover.js";
import { ed25519Signer, newSigningKeyHex } from "../src/signed-log/ed25519-signer.js";
import { type Deployed, InProcessChain } from "./helpers/evm.js";
import { type ProofFixture, proofFixture } from "./helpers/proof-fixture.js";
import { deployRealDid } from "./helpers/realdid-on-chain.js";

const R = 21888242871839275222246405745257275088548364400416034343698204186575808495617n;
const Q = 21888242871839275222246405745257275088696311157297823662689037894645226208583n;
const WINDOW_SECONDS = 600;

let fixture: ProofFixture;
let request: ReturnType<ProofFixture["requestFor"]>;
let proof: ProofResult;
let other: ProofResult;

beforeAll(async () => {
  fixture = await proofFixture();
  request = fixture.requestFor("vote.example/poll-7");
  proof = await fixture.prove(1, request);
  other = await fixture.prove(2, request);
}, 120_000);

describe("the generated Groth16 verifier contract", () => {
  it("accepts a real proof and refuses it with any public signal (the regulator key's, fixed at deployment, too), or a point, changed", async () => {
    const chain = await InProcessChain.create();
    const regulatorWords = regulatorKeyWords(fixture.regulator.publicKey);
    const verifier = await chain.deploy(contractArtifact("RealDidGroth16Verifier"), [regulatorWords]);
    // The regulator key's four inputs are fixed at deployment (their terms summed once there).
    expect(await chain.call(verifier, "fixedInputs")).toEqual(regulatorWords);
    await expect(chain.deploy(contractArtifact("RealDidGroth16Verifier"), [regulatorWords.map((w, k) => (k === 1 ? w + R : w))])).rejects.toThrow(/not deployed|BadFixedInputs/);
    const verify = (args: ReturnType<typeof verifierArguments>) => chain.call<boolean>(verifier, "verifyProof", [...args]);
    const [a, b, c, inputs] = verifierArguments(proof.proof, proof.publicSignals);
    expect(await verify([a, b, c, inputs])).toBe(true);
    for (let i = 0; i < inputs.length; i++) {
      const changed = inputs.map((value, k) => (k === i ? (value + 1n) % R : value));
      expect(await verify([a, b, c, changed])).toBe(false);
    }
    // The same signal plus R (it would be equal modulo R): refused, not reduced.
    expect(await verify([a, b, c, inputs.map((value, k) => (k === 5 ? value + R : value))])).toBe(false);
    // A negated (another point on the curve), A and C swapped, B in snarkjs's coordinate order, a point off the curve.
    expect(await verify([[a[0], Q - a[1]], b, c, inputs])).toBe(false);
    expect(await verify([c, b, a, inputs])).toBe(false);
    expect(await verify([a, [[b[0][1], b[0][0]], [b[1][1], b[1][0]]], c, inputs])).toBe(false);
    expect(await verify([[a[0], a[1] + 1n], b, c, inputs])).toBe(false);
  });
});

describe("the RealDidVerifier contract", () => {
  /** A chain whose registry published the fixture's root at 2026-11-25T23:00Z; with `replaced`, another root replaced it at 23:30Z. */
  async function deployed({ replaced = false, published = true, regulatorKey = fixture.regulator.publicKey } = {}) {
    const chain = await InProcessChain.create();
    const signer = ed25519Signer(newSigningKeyHex()); // a throwaway development key
    const ledger = new RootLedger(signer.publicKey);
    ledger.publishRoot(published ? fixture.tree.root : 1n, 5, new Date("2026-11-25T23:00:00Z"), signer);
    if (replaced) ledger.publishRoot(7n, 6, new Date("2026-11-25T23:30:00Z"), signer, { kind: "enroll", digest: "ab".repeat(32) });
    const { verifier } = await deployRealDid(chain, { registrarKey: signer.publicKey, entries: ledger.entriesFrom(0), regulatorKey, windowSeconds: WINDOW_SECONDS });
    return { chain, verifier };
  }

  const outcome = (chain: InProcessChain, verifier: Deployed, fn: "check" | "accept", args: readonly unknown[]) =>
    (fn === "check" ? chain.call(verifier, fn, args) : chain.send(verifier, fn, args)).then(() => "accepted", (error: Error) => error.message);

  it("accepts a real proof once per person for a one-per-person action, and gives the regulator the escrowed handle", async () => {
    const { chain, verifier } = await deployed();
    const { gasUsed, events } = await chain.send(verifier, "accept", [...verifierCall(request, proof), true]);
    expect(events).toEqual([
      {
        eventName: "ProofAccepted",
        args: {
          scope: proof.signals.scope,
          didAddress: proof.signals.didAddress,
          root: fixture.tree.root,
          challenge: request.challenge,
          escrowX: proof.signals.escrow.ephemeral.x,
          escrowY: proof.signals.escrow.ephemeral.y,
          escrowCipher: proof.signals.escrow.cipher,
          onePerPerson: true,
        },
      },
    ]);
    expect(gasUsed).toBeGreaterThan(200_000n);
    expect(gasUsed).toBeLessThan(600_000n);
    expect(await chain.call(verifier, "used", [proof.signals.scope, proof.signals.didAddress])).toBe(true);
    expect(await outcome(chain, verifier, "accept", [...verifierCall(request, proof), true])).toBe("AlreadyUsed");
    // Another person, the same scope: their own DID address.
    expect(await outcome(chain, verifier, "accept", [...verifierCall(request, other), true])).toBe("accepted");
    // Not one-per-person: the same proof again.
    expect(await outcome(chain, verifier, "accept", [...verifierCall(request, proof), false])).toBe("accepted");
  });

  it("refuses a proof for another scope, challenge, bounds or regulator, and a tampered proof", async () => {
    const { chain, verifier } = await deployed();
    const check = (req: typeof request, p: ProofResult = proof) => outcome(chain, verifier, "check", verifierCall(req, p));
    expect(await check(request)).toBe("accepted");
    expect(await check({ ...request, scope: "vote.example/poll-8" })).toBe("WrongScope");
    expect(await check({ ...request, challenge: request.challenge + 1n })).toBe("WrongChallenge");
    expect(await check({ ...request, bounds: { lo: request.bounds.lo, hi: request.bounds.hi.map((h, i) => (i === 0 ? h + 1n : h)) } })).toBe("WrongBounds");
    expect(await check({ ...request, bounds: { lo: request.bounds.lo.map((l, i) => (i === 2 ? l + 2n ** 32n : l)), hi: request.bounds.hi } })).toBe("BoundOutOfRange");
    const [call, { a, b, c, publicSignals }] = verifierCall(request, proof);
    expect(await outcome(chain, verifier, "check", [call, { a: [a[0], Q - a[1]], b, c, publicSignals }])).toBe("InvalidProof");
    // The proof's DID address swapped for another's (a forged nullifier): the pairing fails.
    expect(await outcome(chain, verifier, "check", [call, { a, b, c, publicSignals: publicSignals.map((s, k) => (k === 1 ? other.signals.didAddress : s)) }])).toBe("InvalidProof");
    const elsewhere = await deployed({ regulatorKey: generateRegulatorKeyPair().publicKey });
    expect(await outcome(elsewhere.chain, elsewhere.verifier, "check", verifierCall(request, proof))).toBe("WrongRegulatorKey");
  });

  it("accepts a root the registry accepts: refuses an unknown one, and a replaced one once its window has passed", async () => {
    const unknown = await deployed({ published: false });
    expect(await outcome(unknown.chain, unknown.verifier, "check", verifierCall(request, proof))).toBe("UnknownRoot");
    const { chain, verifier } = await deployed({ replaced: true });
    const replacedAt = BigInt(Date.parse("2026-11-25T23:30:00Z") / 1000);
    chain.time = replacedAt + BigInt(WINDOW_SECONDS) - 1n;
    expect(await outcome(chain, verifier, "check", verifierCall(request, proof))).toBe("accepted");
    chain.time = replacedAt + BigInt(WINDOW_SECONDS);
    expect(await outcome(chain, verifier, "check", verifierCall(request, proof))).toBe("ExpiredRoot");
  });
});
