// realdid-qr/1 with a real proof: the 261 bytes round-trip to the same proof document, which
// verifies; every part refuses what is not its own (a wrong length or version, a value at or
// above its field, a point off its curve), and no flipped bit anywhere is ever accepted.
import { bn254 } from "@noble/curves/bn254.js";
import { numberToBytesBE } from "@noble/curves/utils.js";
import QRCode from "qrcode";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generateRegulatorKeyPair } from "../src/crypto/escrow.js";
import { SNARK_FIELD } from "../src/crypto/field.js";
import { RealDidError } from "../src/errors.js";
import { releaseCurve } from "../src/proof/curve.js";
import { PROOF_FORMAT } from "../src/proof/proof-document.js";
import type { ProofResult } from "../src/proof/prover.js";
import { challengeForMessage, presentationChallenge } from "../src/proof/request.js";
import { groth16Check, type ProofCheck, type VerificationRequest, verifyProof } from "../src/proof/verifier.js";
import {
  COMPACT_PRESENTATION_LENGTH,
  type CompactPresentationContext,
  decodeCompactPresentation,
  encodeCompactPresentation,
  expandCompactPresentation,
  proofFromCompactPresentation,
} from "../src/presentation/compact-presentation.js";
import { type ProofFixture, proofFixture } from "./helpers/proof-fixture.js";

const SCOPE = "desk.hotel.example";
const CODE = "K7Q-42X";
let fixture: ProofFixture;
let result: ProofResult;
let bytes: Uint8Array;
let context: CompactPresentationContext;
let check: ProofCheck;

/** The desk's verification request for a context, against the fixture's registry. */
const verificationRequest = (c: CompactPresentationContext): VerificationRequest => ({
  scope: c.scope,
  challenge: presentationChallenge(c.challenge),
  bounds: c.bounds,
  regulatorKey: c.regulatorKey,
  keyId: c.keyId,
  rootStatus: (root) => (root === fixture.tree.root ? "current" : "unknown"),
});

/** What a desk concludes from bytes: refused at decoding (the error's code and message), or the verifier's outcome. */
async function deskOutcome(candidate: Uint8Array, c = context): Promise<{ valid: boolean; code?: string; message?: string }> {
  try {
    const { document } = proofFromCompactPresentation(candidate, c);
    return await verifyProof(document, verificationRequest(c), check);
  } catch (error) {
    if (!(error instanceof RealDidError)) throw error;
    return { valid: false, code: error.code, message: error.message };
  }
}

const withBytes = (offset: number, replacement: Uint8Array): Uint8Array => {
  const copy = bytes.slice();
  copy.set(replacement, offset);
  return copy;
};

const refusal = (candidate: Uint8Array) => {
  try {
    decodeCompactPresentation(candidate);
  } catch (error) {
    if (error instanceof RealDidError) return { code: error.code, message: error.message };
    throw error;
  }
  throw new Error("decoded");
};

beforeAll(async () => {
  fixture = await proofFixture();
  check = groth16Check(fixture.artifacts.verificationKey);
  const request = fixture.requestFor(SCOPE, undefined, undefined, presentationChallenge(CODE));
  result = await fixture.prove(1, request);
  bytes = encodeCompactPresentation(result);
  context = { keyId: fixture.artifacts.keyId, scope: SCOPE, challenge: CODE, bounds: request.bounds, regulatorKey: fixture.regulator.publicKey };
});

afterAll(releaseCurve);

describe("presentationChallenge", () => {
  it("is a 248-bit field element of its own domain: not the login challenge of the same text", () => {
    expect(presentationChallenge(CODE)).toBe(presentationChallenge(CODE));
    expect(presentationChallenge(CODE)).not.toBe(challengeForMessage(CODE));
    expect(presentationChallenge(CODE)).not.toBe(presentationChallenge("K7Q-42Y"));
    expect(presentationChallenge(CODE) < 1n << 248n).toBe(true);
  });
});

describe("realdid-qr/1 with a real proof", () => {
  it("is 261 bytes, one QR code of version 12 at level M in byte mode", () => {
    expect(bytes.length).toBe(COMPACT_PRESENTATION_LENGTH);
    expect(COMPACT_PRESENTATION_LENGTH).toBe(261);
    expect(bytes[0]).toBe(1);
    expect(QRCode.create([{ data: bytes, mode: "byte" }], { errorCorrectionLevel: "M" }).version).toBe(12);
  });

  it("round-trips to the very proof document the citizen made, which verifies", async () => {
    const compact = decodeCompactPresentation(bytes);
    expect(compact.keyIdPrefix).toBe(fixture.artifacts.keyId.slice(0, 8));
    expect(compact.root).toBe(result.signals.root);
    expect(compact.didAddress).toBe(result.signals.didAddress);
    expect(compact.escrow).toEqual(result.signals.escrow);
    const { document, signals } = expandCompactPresentation(compact, context);
    expect(document).toEqual({ format: PROOF_FORMAT, keyId: fixture.artifacts.keyId, scope: SCOPE, proof: result.proof, publicSignals: result.publicSignals });
    expect(signals).toEqual(result.signals);
    expect(encodeCompactPresentation(document)).toEqual(bytes);
    expect(await deskOutcome(bytes)).toMatchObject({ valid: true, didAddress: result.signals.didAddress });
  });

  it("is refused for another challenge, another scope, other bounds or another regulator key", async () => {
    const other = fixture.requestFor("elsewhere.example", { minAge: 21 });
    for (const changed of [{ challenge: "K7Q-42Y" }, { scope: "other-desk.example" }, { bounds: other.bounds }, { regulatorKey: generateRegulatorKeyPair().publicKey }]) {
      const outcome = await deskOutcome(bytes, { ...context, ...changed });
      expect(outcome, JSON.stringify(Object.keys(changed))).toMatchObject({ valid: false, code: "invalid_proof" });
    }
  });

  it("is refused for other circuit keys, naming both", async () => {
    const otherKeys = { ...context, keyId: "0123456789abcdef0123456789abcdef" };
    expect(await deskOutcome(bytes, otherKeys)).toMatchObject({ valid: false, code: "key_mismatch", message: expect.stringContaining(otherKeys.keyId) });
  });

  it("refuses a truncated or extended payload and a wrong version", () => {
    for (const candidate of [bytes.subarray(0, 260), bytes.subarray(0, 100), new Uint8Array(0), Uint8Array.of(...bytes, 0)]) {
      expect(refusal(candidate)).toEqual({ code: "malformed_presentation", message: `a compact presentation (realdid-qr/1) is 261 bytes, received ${candidate.length} bytes` });
    }
    expect(refusal(withBytes(0, Uint8Array.of(2)))).toMatchObject({ code: "malformed_presentation", message: expect.stringContaining("version is 2") });
  });

  it("refuses a value at or above its field, naming the part", () => {
    const field = numberToBytesBE(SNARK_FIELD, 32);
    const baseField = numberToBytesBE(bn254.fields.Fp.ORDER, 32);
    const cases: [string, number, Uint8Array][] = [
      ["root", 5, field],
      ["didAddress", 37, field],
      ["escrow ephemeral", 69, field],
      ["escrow cipher", 101, new Uint8Array(32).fill(0xff)],
      ["pi_a", 133, baseField],
      ["pi_b (x.c1)", 165, baseField],
      ["pi_b (x.c0)", 197, baseField],
      ["pi_c", 229, Uint8Array.of(0x7f, ...new Uint8Array(31).fill(0xff))],
    ];
    for (const [part, offset, value] of cases) {
      expect(refusal(withBytes(offset, value))).toEqual({ code: "malformed_presentation", message: `${part} is not below its field's modulus` });
    }
  });

  it("refuses a coordinate with no point on its curve, naming the part", () => {
    // Small coordinates until one has no point: about every other value.
    const offCurve = (offset: number, length: number) => {
      for (let value = 1n; ; value++) {
        const candidate = withBytes(offset, numberToBytesBE(value, length));
        try {
          decodeCompactPresentation(candidate);
        } catch {
          return candidate;
        }
      }
    };
    expect(refusal(offCurve(69, 32))).toMatchObject({ message: "escrow ephemeral is not a point on Baby Jubjub (no x for its y)" });
    expect(refusal(offCurve(133, 32))).toMatchObject({ message: "pi_a is not a point on BN254 (no y for its x)" });
    expect(refusal(offCurve(165, 64))).toMatchObject({ message: "pi_b is not a point on BN254's twist (no y for its x)" });
    expect(refusal(offCurve(229, 32))).toMatchObject({ message: "pi_c is not a point on BN254 (no y for its x)" });
  });

  it("refuses a sign bit where the other coordinate is 0 (one encoding per point)", () => {
    // y = 1 is the identity's (x = 0): with the sign bit it names no point.
    expect(refusal(withBytes(69, Uint8Array.of(0x80, ...numberToBytesBE(1n, 31))))).toMatchObject({ message: "escrow ephemeral is not canonical (the sign bit is set but x is 0)" });
  });

  it("never accepts a payload with one bit flipped, wherever it is", { timeout: 600_000 }, async () => {
    const outcomes = new Map<string, number>();
    // Every byte's lowest bit, and the sign bit of each compressed point.
    const flips = [...Array.from({ length: bytes.length }, (_, i) => [i, 0x01]), ...[69, 133, 165, 229].map((i) => [i, 0x80])];
    for (const [offset, bit] of flips) {
      const candidate = bytes.slice();
      candidate[offset] ^= bit;
      const outcome = await deskOutcome(candidate);
      expect(outcome.valid, `byte ${offset} bit ${bit}`).toBe(false);
      outcomes.set(outcome.code!, (outcomes.get(outcome.code!) ?? 0) + 1);
    }
    // Every part is read: the refusals come from decoding, the key id, the root and the pairing check.
    expect([...outcomes.keys()].sort()).toEqual(["invalid_proof", "key_mismatch", "malformed_presentation", "unknown_root"]);
  });
});
