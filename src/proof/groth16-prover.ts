import { buildBn128, type Bn128, type CurvePoint, type Group } from "ffjavascript";
import type { Groth16Proof } from "snarkjs";
import { FIELD_BYTES, mod, readFieldElement, writeFieldElement } from "../crypto/field.js";
import { RealDidError } from "../errors.js";
import { type MsmBaseSet, WasmProverPool } from "./wasm-prover/pool.js";

/** zkey file sections (snarkjs's format). */
const SECTION = { header: 2, coefficients: 4, pointsA: 5, pointsB1: 6, pointsB2: 7, pointsC: 8, pointsH: 9 } as const;

/**
 * A Groth16 prover for one zkey, computing what snarkjs.groth16.prove computes, but with
 * the zkey parsed once into our own WebAssembly prover's workers (wasm-prover/pool.ts),
 * which make the quotient (A·w, B·w, C·w, their FFTs and join) and the five multi-scalar
 * multiplications; ffjavascript only adds the blinding. Proofs verify with snarkjs (tested)
 * and carry fresh randomness r, s as snarkjs's do.
 */
export class Groth16Prover {
  /** The last witness and its sums, for the next proof to update instead of recompute. */
  private last?: { witness: Uint8Array; sums: WitnessSums };

  private constructor(
    private readonly curve: Bn128,
    private readonly key: ProvingKey,
    private readonly pool: WasmProverPool,
    private readonly bases: KeyBases,
    private readonly options: ProverOptions,
  ) {}

  static async create(zkey: Uint8Array, options: ProverOptions = {}): Promise<Groth16Prover> {
    const [curve, pool] = await Promise.all([buildBn128(), WasmProverPool.start()]);
    const { points, coefficients, ...key } = parseProvingKey(zkey, curve);
    // The quotient's FFTs run on the domain of 2^bits points, then on its coset by the next root of unity (snarkjs's choice).
    const bits = Math.log2(key.domainSize);
    const [a, b1, b2, c, h] = await Promise.all([
      pool.loadSet("g1", points.a),
      pool.loadSet("g1", points.b1),
      pool.loadSet("g2", points.b2),
      pool.loadSet("g1", points.c),
      pool.loadSet("g1", points.h),
      pool.loadQuotient({ coefficients, nVars: key.nVars, domainBits: bits, omega: curve.Fr.w[bits], shift: bits === curve.Fr.s ? curve.Fr.shift : curve.Fr.w[bits + 1] }),
    ]);
    return new Groth16Prover(curve, key, pool, { a, b1, b2, c, h }, options);
  }

  /** Proves for a witness in circom's .wtns binary format (calculateWTNSBin's output). */
  async prove(wtns: Uint8Array): Promise<{ proof: Groth16Proof; publicSignals: string[] }> {
    const { curve, key } = this;
    const { Fr, G1, G2 } = curve;
    // Section 2 holds the values, 32 bytes little-endian each.
    const witness = readSections(wtns, "wtns", "witness").get(2) ?? new Uint8Array();
    if (witness.byteLength !== key.nVars * FIELD_BYTES) {
      throw new RealDidError("invalid_argument", `the witness has ${witness.byteLength / FIELD_BYTES} values; the circuit has ${key.nVars}`);
    }
    // The quotient first: its FFTs and then H's MSM are the longest path.
    const h = this.pool.quotient(witness).then(({ ab, c }) => this.multiExp(this.bases.h, ab, { subtract: c }));
    const [{ a, b1, b2, c }, sumH] = await Promise.all([this.witnessSums(witness), h]);
    // Blinding, as in the Groth16 paper: A += α + r·δ, B += β + s·δ, C += H + s·A + r·B1 - r·s·δ.
    const r = Fr.random();
    const s = Fr.random();
    const piA = G1.add(G1.add(a, key.alpha1), G1.timesFr(key.delta1, r));
    const piB = G2.add(G2.add(b2, key.beta2), G2.timesFr(key.delta2, s));
    const b1Blinded = G1.add(G1.add(b1, key.beta1), G1.timesFr(key.delta1, s));
    let piC = G1.add(c, sumH);
    piC = G1.add(piC, G1.timesFr(piA, s));
    piC = G1.add(piC, G1.timesFr(b1Blinded, r));
    piC = G1.add(piC, G1.timesFr(key.delta1, Fr.neg(Fr.mul(r, s))));

    const decimal = (value: unknown): unknown => (Array.isArray(value) ? value.map(decimal) : String(value));
    const publicSignals: string[] = [];
    const values = new DataView(witness.buffer, witness.byteOffset, witness.byteLength);
    for (let i = 1; i <= key.nPublic; i++) publicSignals.push(readFieldElement(values, i * FIELD_BYTES).toString());
    const proof = {
      pi_a: decimal(G1.toObject(G1.toAffine(piA))),
      pi_b: decimal(G2.toObject(G2.toAffine(piB))),
      pi_c: decimal(G1.toObject(G1.toAffine(piC))),
      protocol: "groth16",
      curve: "bn128",
    } as Groth16Proof;
    // In the background; a failed filling is tried again after the next proof, and a worker
    // that died is replaced by the pool, without its tables, which this refills.
    if (this.options.tables) void this.fillTables().catch(() => undefined);
    return { proof, publicSignals };
  }

  /** Stops the prover's workers: a process that makes provers one after another closes each. */
  close(): Promise<void> {
    return this.pool.terminate();
  }

  /**
   * Fills the tables of multiples of the key's bases in the workers (with `tables`, this
   * starts after the first proof) and resolves when every MSM uses them.
   */
  tablesFilled(): Promise<void> {
    return this.pool.holdDuring(this.fillTables());
  }

  /** One set after the other, H first: every proof uses it whole. Sets already filled (or filling) are not filled again. */
  private fillTables(): Promise<void> {
    const { a, b1, b2, c, h } = this.bases;
    return [h, b2, a, b1, c].reduce((previous, set) => previous.then(() => this.pool.precompute(set)), Promise.resolve());
  }

  /**
   * Σ w_i·A_i, Σ w_i·B_i (in G1 and G2) and Σ w_i·C_i. They are linear in the witness, so
   * a citizen's next proof under the same root -- same leaf and path, so the Merkle part
   * of the witness (60% of it) is unchanged -- costs only MSMs over the wires that changed,
   * by their change, added to the last sums. Same points as recomputing from scratch.
   */
  private async witnessSums(witness: Uint8Array): Promise<WitnessSums> {
    const { G1, G2 } = this.curve;
    const { key, last } = this;
    const changed = last && changedWires(last.witness, witness, key.order);
    let sums: WitnessSums;
    if (last && changed && changed.wires.length < key.nVars / 2) {
      const { wires, deltas } = changed;
      // C has no points for the constant and the public inputs.
      const firstPrivate = wires.filter((wire) => wire <= key.nPublic).length;
      const privateWires = wires.subarray(firstPrivate).map((wire) => wire - key.nPublic - 1);
      const delta = await this.sums(deltas, deltas.subarray(firstPrivate * FIELD_BYTES), wires, privateWires);
      sums = { a: G1.add(last.sums.a, delta.a), b1: G1.add(last.sums.b1, delta.b1), b2: G2.add(last.sums.b2, delta.b2), c: G1.add(last.sums.c, delta.c) };
    } else {
      sums = await this.sums(witness, witness.subarray((key.nPublic + 1) * FIELD_BYTES));
    }
    if (this.options.updateLastSums !== false) this.last = { witness, sums };
    return sums;
  }

  /** The four MSMs: A, B1, B2 with `scalars`, C with `privateScalars`; over the wires given, or all. */
  private async sums(scalars: Uint8Array, privateScalars: Uint8Array, wires?: Uint32Array, privateWires?: Uint32Array): Promise<WitnessSums> {
    const { a, b1, b2, c } = this.bases;
    const [sumA, sumB1, sumB2, sumC] = await Promise.all([
      this.multiExp(a, scalars, { indices: wires }),
      this.multiExp(b1, scalars, { indices: wires }),
      this.multiExp(b2, scalars, { indices: wires }),
      this.multiExp(c, privateScalars, { indices: privateWires }),
    ]);
    return { a: sumA, b1: sumB1, b2: sumB2, c: sumC };
  }

  /** One MSM: the workers' partial points, added. */
  private async multiExp(bases: MsmBaseSet, scalars: Uint8Array, options?: Parameters<WasmProverPool["multiExp"]>[2]): Promise<CurvePoint> {
    const group = bases.group === "g1" ? this.curve.G1 : this.curve.G2;
    const partials = await this.pool.multiExp(bases, scalars, options);
    return sumPartials(group, partials);
  }
}

export interface ProverOptions {
  /** false: compute every MSM whole each time (the bench's worst case). Default true. */
  updateLastSums?: boolean;
  /**
   * Fill tables of multiples of the key's bases (2^(13·j)·P for 20 windows) after the first
   * proof, in the background: later MSMs need no doublings and one bucket reduction. Worth
   * it for a long-lived prover (a daemon, a service); it costs seconds of worker time and tens
   * of MiB per worker. Default false.
   */
  tables?: boolean;
}

/** The proving key's bases, loaded into the workers. */
interface KeyBases {
  a: MsmBaseSet;
  b1: MsmBaseSet;
  b2: MsmBaseSet;
  c: MsmBaseSet;
  h: MsmBaseSet;
}

interface WitnessSums {
  a: CurvePoint;
  b1: CurvePoint;
  b2: CurvePoint;
  c: CurvePoint;
}

/** The point an MSM's partial points (WasmProverPool.multiExp's answer) add up to. */
export function sumPartials(group: Group, partials: readonly Uint8Array[]): CurvePoint {
  return partials.reduce((sum: CurvePoint, point) => group.add(sum, group.fromRprLEM(point, 0)), group.zero);
}

/** The wires whose values differ, and by how much (new - old mod r, 32 bytes little-endian each). */
function changedWires(before: Uint8Array, after: Uint8Array, order: bigint): { wires: Uint32Array; deltas: Uint8Array } {
  const wires: number[] = [];
  const nWires = after.byteLength / FIELD_BYTES;
  for (let wire = 0; wire < nWires; wire++) {
    const at = wire * FIELD_BYTES;
    for (let byte = 0; byte < FIELD_BYTES; byte++) {
      if (before[at + byte] !== after[at + byte]) {
        wires.push(wire);
        break;
      }
    }
  }
  const deltas = new DataView(new ArrayBuffer(wires.length * FIELD_BYTES));
  const [old, now] = [before, after].map((bytes) => new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength));
  wires.forEach((wire, k) => writeFieldElement(deltas, k * FIELD_BYTES, mod(readFieldElement(now, wire * FIELD_BYTES) - readFieldElement(old, wire * FIELD_BYTES), order)));
  return { wires: Uint32Array.from(wires), deltas: new Uint8Array(deltas.buffer) };
}

interface ProvingKey {
  nVars: number;
  /** The scalar field's order r. */
  order: bigint;
  nPublic: number;
  domainSize: number;
  alpha1: CurvePoint;
  beta1: CurvePoint;
  beta2: CurvePoint;
  delta1: CurvePoint;
  delta2: CurvePoint;
}

/** The sections of an iden3 binary file: magic, version u32, count u32, (type u32, size u64, bytes)*. */
export function readSections(file: Uint8Array, magic: string, what: string): Map<number, Uint8Array> {
  const view = new DataView(file.buffer, file.byteOffset, file.byteLength);
  if (file.byteLength < 12 || String.fromCharCode(...file.subarray(0, 4)) !== magic) {
    throw new RealDidError("invalid_argument", `the ${what} is not a ${magic} file`);
  }
  const sections = new Map<number, Uint8Array>();
  let at = 12;
  for (let i = 0; i < view.getUint32(8, true) && at + 12 <= file.byteLength; i++) {
    const type = view.getUint32(at, true);
    const size = Number(view.getBigUint64(at + 4, true));
    // A copy, never a view: a Node Buffer's slice shares memory, and structured clone to the
    // workers would copy the whole underlying file.
    sections.set(type, new Uint8Array(file.subarray(at + 12, at + 12 + size)));
    at += 12 + size;
  }
  return sections;
}

/** Reads a snarkjs Groth16 zkey: the key, and its bases in ffjavascript's affine form. */
function parseProvingKey(zkey: Uint8Array, curve: Bn128): ProvingKey & { points: Record<keyof KeyBases, Uint8Array>; coefficients: Uint8Array } {
  const sections = readSections(zkey, "zkey", "proving key");
  const section = (type: number) => {
    const bytes = sections.get(type);
    if (!bytes) throw new RealDidError("artifacts_mismatch", `the zkey has no section ${type}`);
    return bytes;
  };
  const header = section(SECTION.header);
  const headerView = new DataView(header.buffer, header.byteOffset, header.byteLength);
  const n8q = headerView.getUint32(0, true);
  const n8r = headerView.getUint32(4 + n8q, true);
  const order = readFieldElement(headerView, 8 + n8q); // n8r = 32 for BN254
  let pos = 8 + n8q + n8r;
  const u32 = () => ((pos += 4), headerView.getUint32(pos - 4, true));
  const [nVars, nPublic, domainSize] = [u32(), u32(), u32()];
  const g1 = () => ((pos += 2 * n8q), curve.G1.fromRprLEM(header, pos - 2 * n8q));
  const g2 = () => ((pos += 4 * n8q), curve.G2.fromRprLEM(header, pos - 4 * n8q));
  const alpha1 = g1();
  const beta1 = g1();
  const beta2 = g2();
  g2(); // γ: verification only
  const delta1 = g1();
  const delta2 = g2();
  const coefficientSection = section(SECTION.coefficients);
  return {
    nVars,
    order,
    nPublic,
    domainSize,
    alpha1,
    beta1,
    beta2,
    delta1,
    delta2,
    // Section 4 without its count: (matrix u32, row u32, signal u32, coefficient 32 bytes)*.
    coefficients: coefficientSection.slice(4),
    points: { a: section(SECTION.pointsA), b1: section(SECTION.pointsB1), b2: section(SECTION.pointsB2), c: section(SECTION.pointsC), h: section(SECTION.pointsH) },
  };
}
