import { ATTRIBUTE_SLOTS } from "../attributes/attributes.js";
import type { AttributeBounds } from "../attributes/predicates.js";
import type { Point } from "../crypto/baby-jubjub.js";
import type { EscrowCiphertext } from "../crypto/escrow.js";
import { RealDidError } from "../errors.js";
import { publicInputValue } from "./public-input.mjs";

/**
 * The circuit's public signals by name. This module alone knows their positions
 * (circuits/main/realdid-32-4.circom: outputs first, then public inputs in declaration order).
 */
export interface PublicSignals {
  readonly root: bigint;
  readonly didAddress: bigint;
  readonly escrow: EscrowCiphertext;
  readonly scope: bigint;
  readonly challenge: bigint;
  readonly regulatorKey: Point;
  /** 2^126·regulatorKey, which the circuit's escrow ladder needs; the verifier checks it. */
  readonly regulatorKeyShifted: Point;
  readonly bounds: AttributeBounds;
}

const SLOTS = ATTRIBUTE_SLOTS.length;
export const PUBLIC_SIGNAL_NAMES = [
  "root",
  "didAddress",
  "escrowEphemeral.x",
  "escrowEphemeral.y",
  "escrowCipher",
  "scope",
  "challenge",
  "regulatorKey.x",
  "regulatorKey.y",
  "regulatorKeyShifted.x",
  "regulatorKeyShifted.y",
  ...ATTRIBUTE_SLOTS.map((slot) => `attributeLo.${slot}`),
  ...ATTRIBUTE_SLOTS.map((slot) => `attributeHi.${slot}`),
] as const;

/**
 * Public signals as values, in the order of `names`. Strict on purpose: only canonical
 * decimal strings below the field order, exactly as the verify worker reads them
 * (public-input.mjs), not the looser toFieldElement of user input.
 */
export function signalValues(signals: unknown, names: readonly string[]): bigint[] {
  if (!Array.isArray(signals) || signals.length !== names.length) {
    throw new RealDidError("malformed_proof", `publicSignals must be an array of ${names.length} decimal strings`);
  }
  return signals.map((signal, i) => {
    const value = publicInputValue(signal);
    if (value === null) {
      const shown = typeof signal === "string" ? `"${signal.slice(0, 40)}"` : typeof signal;
      throw new RealDidError("malformed_proof", `publicSignals[${i}] (${names[i]}) must be a decimal string without sign or leading zeros, below the BN254 scalar field order; received ${shown}`);
    }
    return value;
  });
}

export function parsePublicSignals(signals: unknown): PublicSignals {
  const v = signalValues(signals, PUBLIC_SIGNAL_NAMES);
  return {
    root: v[0],
    didAddress: v[1],
    escrow: { ephemeral: { x: v[2], y: v[3] }, cipher: v[4] },
    scope: v[5],
    challenge: v[6],
    regulatorKey: { x: v[7], y: v[8] },
    regulatorKeyShifted: { x: v[9], y: v[10] },
    bounds: { lo: v.slice(11, 11 + SLOTS), hi: v.slice(11 + SLOTS, 11 + 2 * SLOTS) },
  };
}

export function publicSignalsToArray(s: PublicSignals): string[] {
  return [
    s.root,
    s.didAddress,
    s.escrow.ephemeral.x,
    s.escrow.ephemeral.y,
    s.escrow.cipher,
    s.scope,
    s.challenge,
    s.regulatorKey.x,
    s.regulatorKey.y,
    s.regulatorKeyShifted.x,
    s.regulatorKeyShifted.y,
    ...s.bounds.lo,
    ...s.bounds.hi,
  ].map(String);
}
