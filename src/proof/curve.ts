import * as snarkjs from "snarkjs";

/**
 * snarkjs keeps one BN254 curve (with worker threads) per process; while it lives the
 * process cannot exit. Call this when done proving and verifying.
 */
export async function releaseCurve(): Promise<void> {
  const holder = globalThis as { curve_bn128?: unknown };
  if (holder.curve_bn128) await (await snarkjs.curves.getCurveFromName("bn128")).terminate();
}
