import { bytesToHex, concatBytes, hexToBytes } from "@noble/hashes/utils.js";
import { keyMismatchMessage } from "../artifacts/key-id.js";
import type { AttributeBounds } from "../attributes/predicates.js";
import type { Point } from "../crypto/baby-jubjub.js";
import { type EscrowCiphertext, shiftedRegulatorKey } from "../crypto/escrow.js";
import { SNARK_FIELD } from "../crypto/field.js";
import { RealDidError } from "../errors.js";
import { PROOF_FORMAT, type ProofDocument } from "../proof/proof-document.js";
import type { RealDidProof } from "../proof/prover.js";
import { parsePublicSignals, type PublicSignals, publicSignalsToArray } from "../proof/public-signals.js";
import { presentationChallenge, scopeToField } from "../proof/request.js";
import { decodeBabyJubjub, decodeFieldElement, decodeG1, decodeG2, encodeBabyJubjub, encodeFieldElement, encodeG1, encodeG2 } from "./point-compression.js";

/**
 * realdid-qr/1: a presentation in 261 bytes, small enough for one QR code (version 12, 65×65 modules, at
 * error-correction level M, in byte mode). It carries only what the verifier cannot derive
 * itself: the root, the DID address, the escrow and the Groth16 proof with compressed
 * points. Scope, challenge, bounds and regulator key come from the verifier (a front desk
 * knows its own scope and policy, and tries the codes it has shown), so a presentation made
 * for anything else fails the proof check. Layout (docs/zk-presentations.md):
 *
 *   offset length
 *   0      1      version 0x01
 *   1      4      first 4 bytes of the key id
 *   5      32     root
 *   37     32     didAddress
 *   69     32     escrow ephemeral (Baby Jubjub): y, bit 7 of byte 0 set when x is odd
 *   101    32     escrow cipher
 *   133    32     pi_a (G1): x, bit 7 of byte 0 set when y is odd
 *   165    64     pi_b (G2): x.c1 then x.c0, bit 7 of byte 0 the sign of y
 *   229    32     pi_c (G1) as pi_a
 */
export const COMPACT_PRESENTATION_FORMAT = "realdid-qr/1";
export const COMPACT_PRESENTATION_VERSION = 0x01;
export const COMPACT_PRESENTATION_LENGTH = 261;
const KEY_ID_PREFIX_BYTES = 4;

/** The parts in order, by the name an error gives them. */
const LAYOUT = [
  ["version", 1],
  ["key id", KEY_ID_PREFIX_BYTES],
  ["root", 32],
  ["didAddress", 32],
  ["escrow ephemeral", 32],
  ["escrow cipher", 32],
  ["pi_a", 32],
  ["pi_b", 64],
  ["pi_c", 32],
] as const;
type PartName = (typeof LAYOUT)[number][0];

/** What the bytes say, points decompressed; the verifier's context completes it. */
export interface CompactPresentation {
  /** The first 8 hex digits of the key id the proof was made with. */
  readonly keyIdPrefix: string;
  readonly root: bigint;
  readonly didAddress: bigint;
  readonly escrow: EscrowCiphertext;
  /** snarkjs's Groth16 proof (affine, decimal strings). */
  readonly proof: RealDidProof["proof"];
}

/** What the verifier knows and the bytes do not carry. */
export interface CompactPresentationContext {
  /** The key id of the verifier's circuit keys. */
  readonly keyId: string;
  /** The verifier's scope (the presentation's `domain`). */
  readonly scope: string;
  /** The presentation's challenge string (a desk's short code); the circuit saw presentationChallenge(challenge). */
  readonly challenge: string;
  /** The bounds of the verifier's policy on the presentation's day. */
  readonly bounds: AttributeBounds;
  /** The regulator key the verifier accepts (try each during a rotation). */
  readonly regulatorKey: Point;
}

/** Affine coordinates from snarkjs's projective form, which must be normalised (z = 1, as snarkjs and our prover write it). */
function affineG1(coordinates: readonly string[], part: string): { x: bigint; y: bigint } {
  if (coordinates.length !== 3 || coordinates[2] !== "1") throw new RealDidError("invalid_argument", `${part} must be an affine G1 point [x, y, "1"]`);
  return { x: BigInt(coordinates[0]), y: BigInt(coordinates[1]) };
}

function affineG2(coordinates: readonly (readonly string[])[], part: string) {
  if (coordinates.length !== 3 || coordinates[2]?.[0] !== "1" || coordinates[2]?.[1] !== "0") throw new RealDidError("invalid_argument", `${part} must be an affine G2 point [x, y, ["1", "0"]]`);
  const fp2 = ([c0, c1]: readonly string[]) => ({ c0: BigInt(c0), c1: BigInt(c1) });
  return { x: fp2(coordinates[0]), y: fp2(coordinates[1]) };
}

/** The 261 bytes of a proof (its scope, challenge, bounds and regulator key are left out). */
export function encodeCompactPresentation(proof: RealDidProof): Uint8Array {
  const signals = parsePublicSignals(proof.publicSignals);
  const bytes = concatBytes(
    Uint8Array.of(COMPACT_PRESENTATION_VERSION),
    hexToBytes(proof.keyId.slice(0, 2 * KEY_ID_PREFIX_BYTES)),
    encodeFieldElement(signals.root),
    encodeFieldElement(signals.didAddress),
    encodeBabyJubjub(signals.escrow.ephemeral),
    encodeFieldElement(signals.escrow.cipher),
    encodeG1(affineG1(proof.proof.pi_a, "pi_a")),
    encodeG2(affineG2(proof.proof.pi_b, "pi_b")),
    encodeG1(affineG1(proof.proof.pi_c, "pi_c")),
  );
  if (bytes.length !== COMPACT_PRESENTATION_LENGTH) throw new RealDidError("invalid_argument", `a key id must be ${2 * KEY_ID_PREFIX_BYTES} hex digits or more`);
  return bytes;
}

/** Splits the bytes into the named parts, refusing a wrong length or version. */
function split(bytes: Uint8Array): Record<PartName, Uint8Array> {
  if (!(bytes instanceof Uint8Array) || bytes.length !== COMPACT_PRESENTATION_LENGTH) {
    const length = bytes instanceof Uint8Array ? `${bytes.length} bytes` : typeof bytes;
    throw new RealDidError("malformed_presentation", `a compact presentation (${COMPACT_PRESENTATION_FORMAT}) is ${COMPACT_PRESENTATION_LENGTH} bytes, received ${length}`);
  }
  if (bytes[0] !== COMPACT_PRESENTATION_VERSION) {
    throw new RealDidError("malformed_presentation", `version is ${bytes[0]}, but only ${COMPACT_PRESENTATION_VERSION} (${COMPACT_PRESENTATION_FORMAT}) is known`);
  }
  let offset = 0;
  const parts = {} as Record<PartName, Uint8Array>;
  for (const [name, length] of LAYOUT) {
    parts[name] = bytes.subarray(offset, (offset += length));
  }
  return parts;
}

const decimalG1 = ({ x, y }: { x: bigint; y: bigint }) => [x.toString(), y.toString(), "1"];

/**
 * Reads the bytes: a wrong length or version, a value at or above its field, or a point not
 * on its curve is refused (malformed_presentation, naming the part). The proof is not
 * checked here: expand it with the verifier's context and verify it (verifyProof).
 */
export function decodeCompactPresentation(bytes: Uint8Array): CompactPresentation {
  const parts = split(bytes);
  const piB = decodeG2(parts.pi_b, "pi_b");
  return {
    keyIdPrefix: bytesToHex(parts["key id"]),
    root: decodeFieldElement(parts.root, SNARK_FIELD, "root"),
    didAddress: decodeFieldElement(parts.didAddress, SNARK_FIELD, "didAddress"),
    escrow: {
      ephemeral: decodeBabyJubjub(parts["escrow ephemeral"], "escrow ephemeral"),
      cipher: decodeFieldElement(parts["escrow cipher"], SNARK_FIELD, "escrow cipher"),
    },
    proof: {
      pi_a: decimalG1(decodeG1(parts.pi_a, "pi_a")),
      pi_b: [
        [piB.x.c0.toString(), piB.x.c1.toString()],
        [piB.y.c0.toString(), piB.y.c1.toString()],
        ["1", "0"],
      ],
      pi_c: decimalG1(decodeG1(parts.pi_c, "pi_c")),
      protocol: "groth16",
      curve: "bn128",
    },
  };
}

/**
 * The full proof document (realdid-proof/2) and its public signals: the bytes' parts with
 * the verifier's scope, challenge, bounds and regulator key. A key id that does not begin
 * as the bytes say is key_mismatch.
 */
export function expandCompactPresentation(compact: CompactPresentation, context: CompactPresentationContext): { document: ProofDocument; signals: PublicSignals } {
  if (!context.keyId.startsWith(compact.keyIdPrefix)) {
    throw new RealDidError("key_mismatch", keyMismatchMessage(`${compact.keyIdPrefix}…`, context.keyId, "the compact presentation"));
  }
  const signals: PublicSignals = {
    root: compact.root,
    didAddress: compact.didAddress,
    escrow: compact.escrow,
    scope: scopeToField(context.scope),
    challenge: presentationChallenge(context.challenge),
    regulatorKey: context.regulatorKey,
    regulatorKeyShifted: shiftedRegulatorKey(context.regulatorKey),
    bounds: context.bounds,
  };
  const document: ProofDocument = {
    format: PROOF_FORMAT,
    keyId: context.keyId,
    scope: context.scope,
    proof: compact.proof as ProofDocument["proof"],
    publicSignals: publicSignalsToArray(signals),
  };
  return { document, signals };
}

/** decodeCompactPresentation then expandCompactPresentation. */
export const proofFromCompactPresentation = (bytes: Uint8Array, context: CompactPresentationContext) => expandCompactPresentation(decodeCompactPresentation(bytes), context);
