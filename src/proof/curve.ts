/**
 * snarkjs (through ffjavascript) keeps one BN254 curve with worker threads per process,
 * at globalThis.curve_bn128; while it lives the process cannot exit. Call this when done
 * proving and verifying. Reaching the global directly avoids loading snarkjs just to
 * find out there is nothing to release.
 */
export async function releaseCurve(): Promise<void> {
  const holder = globalThis as { curve_bn128?: { terminate(): Promise<void> } | null };
  await holder.curve_bn128?.terminate();
}
