// Our WebAssembly prover (scripts/wasm-prover, src/proof/wasm-prover) against ffjavascript,
// which snarkjs proves with. The MSM: the same points for random scalars and bases, and for
// the edge cases (zero scalars, r - 1, the largest 256-bit scalar, repeated and opposite
// bases, the point at infinity, one point, 2^13 points), in G1 and G2, over all bases and
// over chosen indices. The quotient: the same values as rows computed with BigInt and taken
// through ffjavascript's FFTs.
import { spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { type Bn128, buildBn128, type Group } from "ffjavascript";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { proverArtifact } from "../scripts/build-wasm-prover.js";
import { keySetFiles, publishedKeysDir } from "../src/artifacts/paths.js";
import { REALDID_CIRCUIT } from "../src/artifacts/circuit-id.js";
import { WitnessCalculatorBuilder } from "circom_runtime";
import { loadArtifacts } from "../src/artifacts/load.js";
import { circuitInput } from "../src/proof/circuit-input.js";
import { invertMod, mod, randomBelow, readFieldElement, SNARK_FIELD, unpackFieldElements } from "../src/crypto/field.js";
import { releaseCurve } from "../src/proof/curve.js";
import { Groth16Prover, readSections, sumPartials } from "../src/proof/groth16-prover.js";
import { type MsmBaseSet, WasmProverPool } from "../src/proof/wasm-prover/pool.js";
import type { MsmGroup } from "../src/proof/wasm-prover/protocol.js";
import { predicateBounds } from "../src/attributes/predicates.js";
import { FastPoseidon } from "../src/crypto/fast-poseidon.js";
import { generateRegulatorKeyPair } from "../src/crypto/escrow.js";
import { randomChallenge } from "../src/proof/request.js";
import { RegistryTree, TREE_HEIGHT } from "../src/registry/registry-tree.js";
import { makeCitizen, TODAY } from "./helpers/fixtures.js";

const R = SNARK_FIELD;
const BYTES = { g1: 64, g2: 128 } as const;

let curve: Bn128;
let pool: WasmProverPool;

beforeAll(async () => {
  curve = await buildBn128();
  pool = await WasmProverPool.start(2);
});

afterAll(async () => {
  await pool.terminate();
  await releaseCurve();
});

const groupOf = (group: MsmGroup): Group => (group === "g1" ? curve.G1 : curve.G2);

function scalarBytes(values: bigint[]): Uint8Array {
  const bytes = new Uint8Array(values.length * 32);
  values.forEach((value, i) => {
    for (let b = 0; b < 32; b++) bytes[i * 32 + b] = Number((value >> BigInt(8 * b)) & 0xffn);
  });
  return bytes;
}

const randomScalar = () => randomBelow(R);

/** n random affine points in ffjavascript's form; `infinity` positions hold the point at infinity. */
function randomPoints(group: MsmGroup, n: number, infinity: number[] = []): Uint8Array {
  const G = groupOf(group);
  const points = new Uint8Array(n * BYTES[group]);
  for (let i = 0; i < n; i++) if (!infinity.includes(i)) G.toRprLEM(points, i * BYTES[group], G.toAffine(G.timesScalar(G.g, BigInt(`0x${randomBytes(16).toString("hex")}`))));
  return points;
}

/**
 * Our MSM; with `pad`, made up to that many scalars with zeros (on base 0), which change
 * nothing but the path: the pool takes its tables only for enough points.
 */
async function ours(set: MsmBaseSet, scalars: Uint8Array, indices?: Uint32Array, pad = 0): Promise<Uint8Array> {
  const G = groupOf(set.group);
  const n = scalars.byteLength / 32;
  if (pad > n) {
    const padded = new Uint8Array(pad * 32);
    padded.set(scalars);
    const paddedIndices = new Uint32Array(pad);
    paddedIndices.set(indices ?? Uint32Array.from({ length: n }, (_, k) => k));
    [scalars, indices] = [padded, paddedIndices];
  }
  const partials = await pool.multiExp(set, scalars, { indices });
  return sumPartials(G, partials);
}

/** ffjavascript's MSM of the same bases (chosen by indices) and scalars. */
function theirs(group: MsmGroup, points: Uint8Array, scalars: Uint8Array, indices?: Uint32Array): Promise<Uint8Array> {
  const size = BYTES[group];
  const chosen = indices ? new Uint8Array(indices.length * size) : points;
  indices?.forEach((index, k) => chosen.set(points.subarray(index * size, (index + 1) * size), k * size));
  return groupOf(group).multiExpAffine(chosen, scalars);
}

async function expectSame(group: MsmGroup, set: MsmBaseSet, points: Uint8Array, scalars: Uint8Array, indices?: Uint32Array, pad = 0): Promise<void> {
  const G = groupOf(group);
  const [mine, reference] = [await ours(set, scalars, indices, pad), await theirs(group, points, scalars, indices)];
  expect(G.eq(mine, reference), `${group}: ${G.toString(G.toAffine(mine))} vs ${G.toString(G.toAffine(reference))}`).toBe(true);
}

describe("the WebAssembly prover's artifact", () => {
  it("is what scripts/build-wasm-prover.ts builds from the sources (npm run build:wasm-prover)", async () => {
    expect(readFileSync(new URL("../src/proof/wasm-prover/artifact.ts", import.meta.url), "utf8")).toBe(await proverArtifact());
  });
});

/** Tables of multiples, or none (each worker sums its share of the windows). */
const MODES = [
  { mode: "by windows", tableBits: undefined, pad: 0 },
  { mode: "with tables of multiples", tableBits: 5, pad: 512 },
] as const;

describe.each(["g1", "g2"] as const)("our MSM in %s equals ffjavascript's", (group) => {
  /** Loads the points, and fills their tables when asked. */
  const load = async (points: Uint8Array, tableBits?: number) => {
    const set = await pool.loadSet(group, points);
    if (tableBits !== undefined) await pool.precompute(set, tableBits);
    return set;
  };

  it.each(MODES)("$mode: for random scalars and bases, over all bases and over chosen indices", async ({ tableBits, pad }) => {
    const points = randomPoints(group, 300);
    const set = await load(points, tableBits);
    for (const n of [1, 2, 17, 300]) {
      await expectSame(group, set, points.subarray(0, n * BYTES[group]), scalarBytes(Array.from({ length: n }, randomScalar)), undefined, pad);
    }
    const indices = Uint32Array.from([299, 0, 5, 5, 150, 42, 7]);
    await expectSame(group, set, points, scalarBytes(Array.from(indices, randomScalar)), indices, pad);
    // With values to subtract (mod r): one below its scalar, one above, one equal.
    const [scalars, subtract] = [[5n, 7n, 9n, randomScalar()], [3n, 8n, 9n, randomScalar()]];
    const G = groupOf(group);
    const partials = await pool.multiExp(set, scalarBytes(scalars), { subtract: scalarBytes(subtract) });
    const mine = sumPartials(G, partials);
    const reference = await theirs(group, points.subarray(0, 4 * BYTES[group]), scalarBytes(scalars.map((v, k) => mod(v - subtract[k], R))));
    expect(G.eq(mine, reference)).toBe(true);
  });

  it.each(MODES)("$mode: for zero scalars, r - 1, 2^256 - 1, one, repeated and opposite bases, and the point at infinity", async ({ tableBits, pad }) => {
    const points = randomPoints(group, 40, [3, 39]);
    const set = await load(points, tableBits);
    const scalars = Array.from({ length: 40 }, randomScalar);
    scalars[0] = 0n;
    scalars[1] = R - 1n;
    scalars[2] = (1n << 256n) - 1n;
    scalars[4] = 1n;
    scalars[39] = 5n; // on the point at infinity
    await expectSame(group, set, points, scalarBytes(scalars), undefined, pad);
    // The same base twice: with equal scalars (a doubling in a bucket), with opposite ones (they cancel).
    const s = randomScalar();
    await expectSame(group, set, points, scalarBytes([s, s, 7n]), Uint32Array.from([8, 8, 9]), pad);
    await expectSame(group, set, points, scalarBytes([s, R - s, 7n]), Uint32Array.from([8, 8, 9]), pad);
    await expectSame(group, set, points, scalarBytes(Array.from({ length: 64 }, () => s)), new Uint32Array(64).fill(10), pad);
    // Every scalar zero, and only the point at infinity: the sum is the point at infinity.
    expect(groupOf(group).isZero(await ours(set, scalarBytes(Array(40).fill(0n)), undefined, pad))).toBe(true);
    expect(groupOf(group).isZero(await ours(set, scalarBytes([randomScalar()]), Uint32Array.from([3]), pad))).toBe(true);
  });

  it("for 2^13 points: the proving key's own bases with random scalars, by windows and with the prover's tables", async () => {
    const files = keySetFiles(publishedKeysDir(REALDID_CIRCUIT), REALDID_CIRCUIT);
    const sections = readSections(readFileSync(files.zkey), "zkey", "proving key");
    // H has 2^13 G1 points; B2 has one G2 point per wire, some of them infinity, made up to 2^13 with random ones.
    const keyPoints = group === "g1" ? sections.get(9)! : sections.get(7)!;
    const n = 1 << 13;
    const points = new Uint8Array(n * BYTES[group]);
    points.set(keyPoints.subarray(0, Math.min(keyPoints.byteLength, points.byteLength)));
    if (keyPoints.byteLength < points.byteLength) points.set(randomPoints(group, n - keyPoints.byteLength / BYTES[group]), keyPoints.byteLength);
    const set = await pool.loadSet(group, points);
    await expectSame(group, set, points, scalarBytes(Array.from({ length: n }, randomScalar)));
    await pool.precompute(set);
    await expectSame(group, set, points, scalarBytes(Array.from({ length: n }, randomScalar)));
  });
});

describe("the MSM pool", () => {
  it("refuses scalars that are not 32 bytes each, not one per index, or an index past the bases", async () => {
    const set = await pool.loadSet("g1", randomPoints("g1", 4));
    await expect(pool.multiExp(set, new Uint8Array(33))).rejects.toThrow(/32 bytes each/);
    await expect(pool.multiExp(set, new Uint8Array(64), { indices: Uint32Array.from([1]) })).rejects.toThrow(/one per index/);
    await expect(pool.multiExp(set, new Uint8Array(32), { indices: Uint32Array.from([4]) })).rejects.toThrow(/index 4 is past the 4 bases/);
    await expect(pool.multiExp(set, new Uint8Array(64), { subtract: new Uint8Array(32) })).rejects.toThrow(/not one per scalar/);
    await expect(pool.multiExp(set, new Uint8Array(5 * 32))).rejects.toThrow(/5 scalars for 4 bases/);
  });

  it("replaces a worker that dies: what it was doing fails, the next MSM works on the replacement", async () => {
    const own = await WasmProverPool.start(2);
    try {
      const points = randomPoints("g1", 600);
      const set = await own.loadSet("g1", points);
      await own.precompute(set, 8);
      const scalars = scalarBytes(Array.from({ length: 600 }, randomScalar));
      const expected = await theirs("g1", points, scalars);
      const slots = (own as unknown as { slots: { handle: { terminate(): Promise<void> } }[] }).slots;
      const during = own.multiExp(set, scalars);
      await slots[1].handle.terminate();
      await expect(during).rejects.toThrow(/exited/);
      // The replacement has the bases again, not the tables: by windows, until they are filled again.
      const sum = async () => sumPartials(curve.G1, await own.multiExp(set, scalars));
      expect(curve.G1.eq(await sum(), expected)).toBe(true);
      await own.precompute(set, 8);
      expect(curve.G1.eq(await sum(), expected)).toBe(true);
    } finally {
      await own.terminate();
    }
  });

  it("keeps a Node process alive while a caller awaits the tables (holdDuring), with nothing else running", async () => {
    const run = spawnSync(process.execPath, ["--import", "tsx", fileURLToPath(new URL("./helpers/fill-tables.ts", import.meta.url))], { encoding: "utf8", timeout: 120_000 });
    expect(run.stdout + run.stderr).toContain("filled");
    expect(run.status).toBe(0);
  });

  it("passes a worker's error on: a base set it does not hold", async () => {
    await expect(pool.multiExp({ group: "g1", count: 4, ids: [99, 99] }, new Uint8Array(32))).rejects.toThrow(/prover worker: no base set 99/);
  });
});

describe("our quotient step", () => {
  it("gives A·B and C on the odd coset, whose difference is what BigInt rows and ffjavascript's FFTs give, for a real witness", async () => {
    const artifacts = loadArtifacts({ warn: () => {} });
    const citizen = makeCitizen();
    const tree = new RegistryTree(TREE_HEIGHT, await FastPoseidon.create());
    tree.insertMany([1n, citizen.leaf]);
    const request = { scope: "shop.example", challenge: randomChallenge(), bounds: predicateBounds({ minAge: 18 }, TODAY), regulatorKey: generateRegulatorKeyPair().publicKey };
    const input = circuitInput({ identity: citizen.identity, credential: { index: 1, attributes: citizen.attributes }, merkleProof: tree.proof(1), request });
    const witness = readSections(await (await WitnessCalculatorBuilder(artifacts.wasm)).calculateWTNSBin(input, true), "wtns", "witness").get(2)!;
    const prover = (await Groth16Prover.create(artifacts.zkey)) as unknown as { pool: WasmProverPool; key: { domainSize: number } };
    const halves = await prover.pool.quotient(witness);

    // The rows, with BigInt: a zkey coefficient is stored as c·2^512 mod r.
    const n = prover.key.domainSize;
    const values = unpackFieldElements(witness);
    const unscale = invertMod(1n << 512n, R);
    const coefficients = readSections(artifacts.zkey, "zkey", "proving key").get(4)!;
    const view = new DataView(coefficients.buffer, coefficients.byteOffset, coefficients.byteLength);
    const rows = [new Array<bigint>(n).fill(0n), new Array<bigint>(n).fill(0n)];
    for (let k = 0, at = 4; k < view.getUint32(0, true); k++, at += 44) {
      const [matrix, row, signal] = [view.getUint32(at, true), view.getUint32(at + 4, true), view.getUint32(at + 8, true)];
      rows[matrix][row] = (rows[matrix][row] + ((readFieldElement(view, at + 12) * unscale) % R) * values[signal]) % R;
    }
    const { Fr } = curve;
    const bits = Math.log2(n);
    const toOddCoset = async (column: bigint[]) => Fr.fft(await Fr.batchApplyKey(await Fr.ifft(concat(column.map((v) => Fr.e(v)))), Fr.e(1), Fr.w[bits + 1]));
    const [a, b, c] = [await toOddCoset(rows[0]), await toOddCoset(rows[1]), await toOddCoset(rows[0].map((v, i) => (v * rows[1][i]) % R))];
    const element = (buffer: Uint8Array, i: number) => buffer.slice(i * 32, i * 32 + 32);
    const [products, quotientsC] = [unpackFieldElements(halves.ab), unpackFieldElements(halves.c)];
    for (let i = 0; i < n; i++) {
      const expected = Fr.toObject(Fr.sub(Fr.mul(element(a, i), element(b, i)), element(c, i)));
      if (mod(products[i] - quotientsC[i], R) !== expected) expect.fail(`value ${i} differs`);
    }
  });
});

const concat = (parts: Uint8Array[]) => parts.reduce((all, part, i) => (all.set(part, i * part.byteLength), all), new Uint8Array(parts.length * (parts[0]?.byteLength ?? 0)));

