// The MSM worker: holds the WebAssembly MSM instance and the base sets loaded into it, and
// answers one message at a time (msm-pool.ts sends them). Bundled by scripts/build-msm.ts into
// one script that runs as a browser Web Worker and, behind a small prelude that gives it the
// same `self` (msm-workers.ts), as a Node worker thread.
import type { MsmReply, MsmRequest } from "./msm-protocol.js";

interface MsmExports {
  memory: WebAssembly.Memory;
  alloc(bytes: number): number;
  heapMark(): number;
  release(mark: number): void;
  g1_fromFfjs(out: number, bytes: number, n: number): void;
  g2_fromFfjs(out: number, bytes: number, n: number): void;
  g1_msm(out: number, bases: number, n: number, indices: number, scalars: number, c: number, w0: number, w1: number): void;
  g2_msm(out: number, bases: number, n: number, indices: number, scalars: number, c: number, w0: number, w1: number): void;
}

interface WorkerScope {
  postMessage(message: MsmReply, transfer?: Transferable[]): void;
  addEventListener(type: "message", listener: (event: { data: MsmRequest }) => void): void;
}

const scope = self as unknown as WorkerScope;
/** List point bytes per group (x, y in our form, a flag) and affine bytes in ffjavascript's form. */
const POINT_BYTES = { g1: { ours: 76, ffjs: 64 }, g2: { ours: 148, ffjs: 128 } } as const;
let wasm: MsmExports | undefined;
const sets: { group: "g1" | "g2"; bases: number; count: number }[] = [];

/** Copies bytes into fresh WebAssembly memory; 8 bytes more are readable after them. */
function copyIn(exports: MsmExports, bytes: Uint8Array): number {
  const at = exports.alloc(bytes.byteLength + 8);
  new Uint8Array(exports.memory.buffer, at, bytes.byteLength + 8).set(bytes);
  return at;
}

async function handle(request: MsmRequest): Promise<MsmReply> {
  if (request.type === "init") {
    wasm = (await WebAssembly.instantiate(request.module, { env: { abort: () => { throw new Error("the MSM module aborted"); } } })).exports as unknown as MsmExports;
    return { id: request.id, type: "ready" };
  }
  if (!wasm) throw new Error("the MSM worker was not initialised");
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
  const set = sets[request.set];
  if (!set) throw new Error(`no base set ${request.set}`);
  const mark = wasm.heapMark();
  try {
    const out = wasm.alloc(POINT_BYTES[set.group].ffjs);
    const scalars = copyIn(wasm, request.scalars);
    const indices = request.indices ? copyIn(wasm, new Uint8Array(request.indices.buffer, request.indices.byteOffset, request.indices.byteLength)) : 0;
    const n = request.scalars.byteLength / 32;
    wasm[`${set.group}_msm`](out, set.bases, n, indices, scalars, request.window, request.from, request.to);
    return { id: request.id, type: "point", point: new Uint8Array(wasm.memory.buffer, out, POINT_BYTES[set.group].ffjs).slice() };
  } finally {
    wasm.release(mark);
  }
}

scope.addEventListener("message", ({ data }) => {
  handle(data).then(
    (reply) => scope.postMessage(reply),
    (error: unknown) => scope.postMessage({ id: data.id, type: "error", message: error instanceof Error ? error.message : String(error) }),
  );
});
