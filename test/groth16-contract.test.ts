// The generated Groth16 verifier contract on an in-process EVM, with real proofs of the
// published circuit: it accepts what snarkjs's verifier accepts and nothing else.
import { describe, expect, it } from "vitest";
import { contractArtifact } from "../src/chain/contract-artifacts.js";
import { verifierArguments } from "../src/chain/groth16-solidity.js";
import { InProcessChain } from "./helpers/evm.js";
import { proofFixture } from "./helpers/proof-fixture.js";

const R = 21888242871839275222246405745257275088548364400416034343698204186575808495617n;

describe("the generated Groth16 verifier contract", () => {
  it("accepts a real proof and refuses it with any public signal, or a point, changed", async () => {
    const fixture = await proofFixture();
    const { proof, publicSignals } = await fixture.prove(1, fixture.requestFor("https://shop.example"));
    const chain = await InProcessChain.create();
    const verifier = await chain.deploy(contractArtifact("RealDidGroth16Verifier"), []);
    const verify = (args: ReturnType<typeof verifierArguments>) => chain.call<boolean>(verifier, "verifyProof", [...args]);
    const [a, b, c, inputs] = verifierArguments(proof, publicSignals);
    expect(await verify([a, b, c, inputs])).toBe(true);
    for (let i = 0; i < inputs.length; i++) {
      const changed = inputs.map((value, k) => (k === i ? (value + 1n) % R : value));
      expect(await verify([a, b, c, changed])).toBe(false);
    }
    // The same signal plus R (it would be equal modulo R): refused, not reduced.
    expect(await verify([a, b, c, inputs.map((value, k) => (k === 5 ? value + R : value))])).toBe(false);
    // A's y negated is another valid curve point, C swapped with A, B's coordinates in snarkjs's order.
    const Q = 21888242871839275222246405745257275088696311157297823662689037894645226208583n;
    expect(await verify([[a[0], Q - a[1]], b, c, inputs])).toBe(false);
    expect(await verify([c, b, a, inputs])).toBe(false);
    expect(await verify([a, [[b[0][1], b[0][0]], [b[1][1], b[1][0]]], c, inputs])).toBe(false);
    // Not on the curve.
    expect(await verify([[a[0], a[1] + 1n], b, c, inputs])).toBe(false);
  }, 120_000);
});
