// The prover worker: holds the prover's WebAssembly instance and what is loaded into it (base
// sets, their tables, the quotient's coefficients), and answers one message at a time (pool.ts
// sends them). Bundled by scripts/build-wasm-prover.ts into one script that runs as a browser
// Web Worker and, behind a small prelude that gives it the same `self` (start-worker.ts), as a
// Node worker thread.
import type { WorkerReply, WorkerRequest } from "./protocol.js";

interface ProverExports {
  memory: WebAssembly.Memory;
  alloc(bytes: number): number;
  heapMark(): number;
  release(mark: number): void;
  g1_fromFfjs(out: number, bytes: number, n: number): void;
  g2_fromFfjs(out: number, bytes: number, n: number): void;
  g1_msm(out: number, bases: number, n: number, indices: number, scalars: number, c: number, w0: number, w1: number, table: number, tableCount: number): void;
  g2_msm(out: number, bases: number, n: number, indices: number, scalars: number, c: number, w0: number, w1: number, table: number, tableCount: number): void;
  g1_precompute(table: number, count: number, c: number, from: number, to: number): void;
  g2_precompute(table: number, count: number, c: number, from: number, to: number): void;
  fr_fromFfjs(out: number, bytes: number): void;
  fr_fromPlain(out: number, bytes: number): void;
  fr_inverse(out: number, a: number): void;
  fr_powers(out: number, base: number, first: number, n: number): void;
  qap_loadCoefficients(out: number, section: number, count: number): void;
  qap_part(out: number, part: number, coefficients: number, count: number, witness: number, nVars: number, bits: number, roots: number, scale: number): void;
  fr_subtractPlain(out: number, a: number, b: number, n: number): void;
}

/** Bytes of a field element in our form, and of a coefficient entry (scripts/wasm-prover). */
const ELEMENT_BYTES = 36;
const COEFFICIENT_BYTES = 48;

interface WorkerScope {
  postMessage(message: WorkerReply, transfer?: Transferable[]): void;
  addEventListener(type: "message", listener: (event: { data: WorkerRequest }) => void): void;
}

const scope = self as unknown as WorkerScope;
/** List point bytes per group (x, y in our form, a flag) and affine bytes in ffjavascript's form. */
const POINT_BYTES = { g1: { ours: 76, ffjs: 64 }, g2: { ours: 148, ffjs: 128 } } as const;
let wasm: ProverExports | undefined;
/** A base set: its bases, and this worker's table of multiples when one is started (precompute in pool.ts). */
interface BaseSet {
  group: "g1" | "g2";
  bases: number;
  count: number;
  table?: { pointer: number; count: number; window: number; windows: number; filled: number };
}
const sets: BaseSet[] = [];
let quotientData: { coefficients: number; count: number; nVars: number; bits: number; roots: number; scale: number } | undefined;

/** Copies bytes into fresh WebAssembly memory; 8 bytes more are readable after them. */
function copyIn(exports: ProverExports, bytes: Uint8Array): number {
  const at = exports.alloc(bytes.byteLength + 8);
  new Uint8Array(exports.memory.buffer, at, bytes.byteLength + 8).set(bytes);
  return at;
}

async function handle(request: WorkerRequest): Promise<WorkerReply> {
  if (request.type === "init") {
    const exports = (await WebAssembly.instantiate(request.module, { env: { abort: () => { throw new Error("the prover's WebAssembly aborted"); } } })).exports as unknown as ProverExports;
    // Addresses are u32: past 2 GiB WebAssembly hands them to JavaScript as negative numbers.
    wasm = {
      ...exports,
      alloc: (bytes) => {
        if (!Number.isInteger(bytes) || bytes < 0 || bytes > 0xffff0000) throw new Error(`cannot reserve ${bytes} bytes in WebAssembly memory`);
        return exports.alloc(bytes) >>> 0;
      },
      heapMark: () => exports.heapMark() >>> 0,
    };
    return { id: request.id, type: "ready" };
  }
  if (!wasm) throw new Error("the prover worker was not initialised");
  if (request.type === "load") {
    const { group, points } = request;
    const count = points.byteLength / POINT_BYTES[group].ffjs;
    const bases = wasm.alloc(count * POINT_BYTES[group].ours);
    const mark = wasm.heapMark();
    wasm[`${group}_fromFfjs`](bases, copyIn(wasm, points), count);
    wasm.release(mark);
    sets.push({ group, bases, count });
    return { id: request.id, type: "loaded", set: sets.length - 1 };
  }
  if (request.type === "load-quotient") {
    quotientData = loadQuotient(wasm, request);
    return { id: request.id, type: "quotient-loaded" };
  }
  if (request.type === "quotient") return { id: request.id, type: "values", values: quotient(wasm, request.part, request.witness) };
  const set = sets[request.set];
  if (!set) throw new Error(`no base set ${request.set}`);
  if (request.type === "table-start" || request.type === "table-step") {
    fillTable(wasm, set, request);
    return { id: request.id, type: "table-filled" };
  }
  const table = request.type === "table-msm" ? set.table : undefined;
  if (request.type === "table-msm" && !table) throw new Error(`no table for base set ${request.set}`);
  if (request.type === "table-msm" && table?.filled !== table?.windows) throw new Error(`the table of base set ${request.set} is not filled`);
  const mark = wasm.heapMark();
  try {
    const out = wasm.alloc(POINT_BYTES[set.group].ffjs);
    const scalars = copyIn(wasm, request.scalars);
    if (request.subtract && request.subtract.byteLength !== request.scalars.byteLength) throw new Error("the values to subtract are not one per scalar");
    if (request.subtract) wasm.fr_subtractPlain(scalars, scalars, copyIn(wasm, request.subtract), request.scalars.byteLength / 32);
    const indices = request.indices ? copyIn(wasm, new Uint8Array(request.indices.buffer, request.indices.byteOffset, request.indices.byteLength)) : 0;
    const n = request.scalars.byteLength / 32;
    if (table) wasm[`${set.group}_msm`](out, set.bases, n, indices, scalars, table.window, 0, table.windows, table.pointer, table.count);
    else if (request.type === "msm") wasm[`${set.group}_msm`](out, set.bases, n, indices, scalars, request.window, request.from, request.to, 0, 0);
    return { id: request.id, type: "point", point: new Uint8Array(wasm.memory.buffer, out, POINT_BYTES[set.group].ffjs).slice() };
  } finally {
    wasm.release(mark);
  }
}

/** Starts the set's table (window 0: this worker's share of the bases) or fills its next window. */
function fillTable(exports: ProverExports, set: BaseSet, request: Extract<WorkerRequest, { type: "table-start" | "table-step" }>): void {
  const bytes = POINT_BYTES[set.group].ours;
  if (request.type === "table-start") {
    const { window, windows, stride, offset } = request;
    const count = Math.max(0, Math.ceil((set.count - offset) / stride));
    // Filled again (a worker beside this one was replaced): the same table, from window 0.
    const same = set.table?.count === count && set.table.windows === windows && set.table.window === window;
    const pointer = same ? set.table!.pointer : exports.alloc(windows * count * bytes);
    const memory = new Uint8Array(exports.memory.buffer);
    for (let k = 0; k < count; k++) memory.copyWithin(pointer + k * bytes, set.bases + (offset + k * stride) * bytes, set.bases + (offset + k * stride + 1) * bytes);
    set.table = { pointer, count, window, windows, filled: 1 };
    return;
  }
  const { table } = set;
  if (!table || request.step !== table.filled || request.step >= table.windows) throw new Error(`table window ${request.step} is not the next to fill`);
  exports[`${set.group}_precompute`](table.pointer, table.count, table.window, request.step, request.step + 1);
  table.filled++;
}

/** The coefficients in our form, ω^k for k < n/2 and shift^j/n for j < n (n = 2^domainBits). */
function loadQuotient(exports: ProverExports, { coefficients, nVars, domainBits, omega, shift }: Extract<WorkerRequest, { type: "load-quotient" }>): NonNullable<typeof quotientData> {
  const n = 2 ** domainBits;
  const count = coefficients.byteLength / 44;
  const converted = exports.alloc(count * COEFFICIENT_BYTES);
  const [roots, scale] = [exports.alloc((n / 2) * ELEMENT_BYTES), exports.alloc(n * ELEMENT_BYTES)];
  const mark = exports.heapMark();
  exports.qap_loadCoefficients(converted, copyIn(exports, coefficients), count);
  const [omegaAt, shiftAt, one, inverseN] = [exports.alloc(ELEMENT_BYTES), exports.alloc(ELEMENT_BYTES), exports.alloc(ELEMENT_BYTES), exports.alloc(ELEMENT_BYTES)];
  exports.fr_fromFfjs(omegaAt, copyIn(exports, omega));
  exports.fr_fromFfjs(shiftAt, copyIn(exports, shift));
  const plain = (value: number) => copyIn(exports, new Uint8Array(new BigUint64Array([BigInt(value), 0n, 0n, 0n]).buffer));
  exports.fr_fromPlain(one, plain(1));
  exports.fr_fromPlain(inverseN, plain(n));
  exports.fr_inverse(inverseN, inverseN);
  exports.fr_powers(roots, omegaAt, one, n / 2);
  exports.fr_powers(scale, shiftAt, inverseN, n);
  exports.release(mark);
  return { coefficients: converted, count, nVars, bits: domainBits, roots, scale };
}

function quotient(exports: ProverExports, part: "ab" | "c", witness: Uint8Array): Uint8Array {
  if (!quotientData) throw new Error("no quotient data loaded");
  const { coefficients, count, nVars, bits, roots, scale } = quotientData;
  if (witness.byteLength !== nVars * 32) throw new Error(`the witness has ${witness.byteLength / 32} values; the circuit has ${nVars}`);
  const mark = exports.heapMark();
  try {
    const out = exports.alloc(2 ** bits * 32);
    exports.qap_part(out, part === "ab" ? 0 : 1, coefficients, count, copyIn(exports, witness), nVars, bits, roots, scale);
    return new Uint8Array(exports.memory.buffer, out, 2 ** bits * 32).slice();
  } finally {
    exports.release(mark);
  }
}

scope.addEventListener("message", ({ data }) => {
  handle(data).then(
    (reply) => scope.postMessage(reply),
    (error: unknown) => scope.postMessage({ id: data.id, type: "error", message: error instanceof Error ? error.message : String(error) }),
  );
});
