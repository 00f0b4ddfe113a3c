// Our WebAssembly MSM alone against ffjavascript's (snarkjs's), on the published proving key's
// own bases: H (2^13 G1 points, random scalars, as the quotient's are) and B2 (G2, the real
// witness as scalars), interleaved so that both see the same machine load. Each uses its
// own workers: ours the prover's pool, ffjavascript its curve's threads.
import { randomBytes } from "node:crypto";
import { buildBn128, type Group } from "ffjavascript";
import { readSections, sumPartials } from "../../src/proof/groth16-prover.js";
import { WasmProverPool } from "../../src/proof/wasm-prover/pool.js";
import type { MsmGroup } from "../../src/proof/wasm-prover/protocol.js";
import { type Timing, timeInterleaved } from "./table.js";

export interface MsmFigures {
  readonly label: string;
  readonly ours: Timing;
  readonly ffjavascript: Timing;
}

/** H and B2 of `zkey`: ours vs ffjavascript's, `runs` times each. */
export async function measureMsm(runs: number, zkey: Uint8Array, witness: Uint8Array): Promise<MsmFigures[]> {
  const sections = readSections(zkey, "zkey", "proving key");
  const curve = await buildBn128();
  const pool = await WasmProverPool.start();
  const randomScalars = (n: number) => {
    const scalars = randomBytes(n * 32);
    for (let i = 0; i < n; i++) scalars[i * 32 + 31] &= 0x1f; // below 2^253 < r
    return scalars;
  };
  const measure = async (label: string, group: MsmGroup, G: Group, bases: Uint8Array, scalars: Uint8Array): Promise<MsmFigures> => {
    const set = await pool.loadSet(group, bases);
    const ours = async () => sumPartials(G, await pool.multiExp(set, scalars));
    // The same point, or the figures compare different work.
    if (!G.eq(await ours(), await G.multiExpAffine(bases, scalars))) throw new Error(`bench: our ${label} MSM differs from ffjavascript's`);
    const [mine, theirs] = await timeInterleaved(runs, ours, () => G.multiExpAffine(bases, scalars));
    return { label, ours: mine, ffjavascript: theirs };
  };
  const h = sections.get(9)!;
  const b2 = sections.get(7)!;
  const figures = [
    await measure(`G1, ${h.byteLength / 64} points (H, random scalars)`, "g1", curve.G1, h, randomScalars(h.byteLength / 64)),
    await measure(`G2, ${b2.byteLength / 128} points (B2, a real witness)`, "g2", curve.G2, b2, witness),
  ];
  await pool.terminate();
  return figures;
}
