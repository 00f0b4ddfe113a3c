import { PROVER_WASM_BASE64, PROVER_WORKER_SOURCE } from "./artifact.js";
import type { MsmGroup, WorkerReply, WorkerRequest } from "./protocol.js";
import { type ProverWorkerHandle, startProverWorker, workerCount } from "./start-worker.js";

/** A set of fixed bases (a proving key's points), loaded into every worker. */
export interface MsmBaseSet {
  readonly group: MsmGroup;
  readonly count: number;
  /** Its number in each worker. */
  readonly ids: readonly number[];
}

type Request = WorkerRequest extends infer R ? (R extends { id: number } ? Omit<R, "id"> : never) : never;

/**
 * Multi-scalar multiplications over fixed bases on worker threads (Node) or Web Workers, with
 * our WebAssembly MSM (scripts/msm). Each MSM is split by windows: every worker sums its
 * share of the windows over all points, and the caller adds their partial points.
 */
export class WasmProverPool {
  private nextId = 0;
  private readonly waiting = new Map<number, { worker: number; background: boolean; resolve: (reply: WorkerReply) => void; reject: (error: Error) => void }>();
  /** Sets whose tables of multiples are filled in every worker, with their window bits. */
  private readonly tables = new Map<MsmBaseSet, { window: number; windows: number }>();
  private readonly busy: number[];
  private failure?: Error;

  private constructor(private readonly workers: ProverWorkerHandle[]) {
    this.busy = workers.map(() => 0);
    workers.forEach((worker, index) => worker.listen((reply) => this.settle(reply), (error) => this.fail(index, error)));
  }

  static async start(size = workerCount()): Promise<WasmProverPool> {
    const module = await WebAssembly.compile(Uint8Array.from(atob(PROVER_WASM_BASE64), (char) => char.charCodeAt(0)));
    const pool = new WasmProverPool(Array.from({ length: size }, () => startProverWorker(PROVER_WORKER_SOURCE)));
    await Promise.all(pool.workers.map((_, worker) => pool.ask(worker, { type: "init", module })));
    return pool;
  }

  /** Loads affine points in ffjavascript's form (64 bytes each in G1, 128 in G2) into every worker. */
  async loadSet(group: MsmGroup, points: Uint8Array): Promise<MsmBaseSet> {
    const replies = await Promise.all(this.workers.map((_, worker) => this.ask(worker, { type: "load", group, points })));
    return { group, count: points.byteLength / (group === "g1" ? 64 : 128), ids: replies.map((reply) => (reply as { set: number }).set) };
  }

  /**
   * Σ scalar_k·base_k (or base_(indices_k)), as partial affine points in ffjavascript's form,
   * at most one per worker: their sum is the MSM (none: the point at infinity, which in that
   * form is (0, 0), which ffjavascript's addition does not take as zero). Scalars are 32 bytes
   * little-endian each, below 2^256; with `subtract` (as many values, plain, below r, as the
   * scalars then must be), each scalar is scalar_k - subtract_k mod r.
   */
  async multiExp(set: MsmBaseSet, scalars: Uint8Array, { indices, subtract }: { indices?: Uint32Array; subtract?: Uint8Array } = {}): Promise<Uint8Array[]> {
    const n = scalars.byteLength / 32;
    if (!Number.isInteger(n) || (indices && indices.length !== n)) throw new RangeError("the scalars are not 32 bytes each, one per index");
    if (subtract && subtract.byteLength !== scalars.byteLength) throw new RangeError("the values to subtract are not one per scalar");
    const past = indices?.find((index) => index >= set.count);
    if (past !== undefined) throw new RangeError(`index ${past} is past the ${set.count} bases`);
    if (!indices && n > set.count) throw new RangeError(`${n} scalars for ${set.count} bases`);
    const replies = this.tables.has(set) ? await this.tableMultiExp(set, scalars, indices, subtract) : await this.windowsMultiExp(set, scalars, indices, subtract);
    return replies.map((reply) => (reply as { point: Uint8Array }).point).filter((point) => point.some((byte) => byte !== 0));
  }

  /**
   * Fills every worker's table of multiples of the set's bases, one window at a time so that
   * requests made meanwhile wait at most one step; later MSMs of the set use the tables.
   * Worker w holds the bases w, w + W, w + 2W, ... (W workers), so that any chosen indices
   * spread evenly. It runs in the background: it keeps no Node process alive.
   */
  async precompute(set: MsmBaseSet, window = TABLE_WINDOW_BITS): Promise<void> {
    if (this.tables.has(set)) return;
    const windows = Math.floor(256 / window) + 1;
    const stride = this.workers.length;
    await Promise.all(
      this.workers.map(async (_, worker) => {
        await this.ask(worker, { type: "table-start", set: set.ids[worker], window, windows, stride, offset: worker }, true);
        for (let step = 1; step < windows; step++) await this.ask(worker, { type: "table-step", set: set.ids[worker], step }, true);
      }),
    );
    this.tables.set(set, { window, windows });
  }

  /** Each worker sums its share of the windows over every point. */
  private windowsMultiExp(set: MsmBaseSet, scalars: Uint8Array, indices?: Uint32Array, subtract?: Uint8Array): Promise<WorkerReply[]> {
    const n = scalars.byteLength / 32;
    const window = windowBits(n);
    const windows = Math.floor(256 / window) + 1;
    const parts = Math.min(this.workers.length, windows);
    return Promise.all(
      Array.from({ length: parts }, (_, part) =>
        this.ask(part, { type: "msm", set: set.ids[part], scalars, subtract, indices, window, from: Math.floor((part * windows) / parts), to: Math.floor(((part + 1) * windows) / parts) }),
      ),
    );
  }

  /** Each worker sums every window over its share of the points, with its table. */
  private tableMultiExp(set: MsmBaseSet, scalars: Uint8Array, indices?: Uint32Array, subtract?: Uint8Array): Promise<WorkerReply[]> {
    const stride = this.workers.length;
    const n = scalars.byteLength / 32;
    const shares = this.workers.map(() => ({ scalars: [] as number[], indices: [] as number[] }));
    for (let k = 0; k < n; k++) {
      const index = indices ? indices[k] : k;
      shares[index % stride].scalars.push(k);
      shares[index % stride].indices.push(Math.floor(index / stride));
    }
    return Promise.all(
      shares.flatMap((share, worker) => {
        if (share.scalars.length === 0) return [];
        const ownOf = (values: Uint8Array) => {
          const own = new Uint8Array(share.scalars.length * 32);
          share.scalars.forEach((k, position) => own.set(values.subarray(k * 32, k * 32 + 32), position * 32));
          return own;
        };
        // Without indices, the k-th scalar of a share is for the share's k-th base.
        return [this.ask(worker, { type: "table-msm", set: set.ids[worker], scalars: ownOf(scalars), subtract: subtract && ownOf(subtract), indices: indices && Uint32Array.from(share.indices) })];
      }),
    );
  }

  /** Loads a zkey's quotient data (see WorkerRequest "load-quotient") into every worker. */
  async loadQuotient(data: Omit<Extract<WorkerRequest, { type: "load-quotient" }>, "id" | "type">): Promise<void> {
    await Promise.all(this.workers.map((_, worker) => this.ask(worker, { type: "load-quotient", ...data })));
  }

  /**
   * The quotient A·B - C on the odd coset for a witness, as its halves A·B and C there (plain
   * values, 32 bytes each), made by two workers at once: an MSM's `subtract` joins them.
   */
  async quotient(witness: Uint8Array): Promise<{ ab: Uint8Array; c: Uint8Array }> {
    const [ab, c] = await Promise.all(
      (["ab", "c"] as const).map(async (part, k) => ((await this.ask(k % this.workers.length, { type: "quotient", part, witness })) as { values: Uint8Array }).values),
    );
    return { ab, c };
  }

  async terminate(): Promise<void> {
    await Promise.all(this.workers.map((worker) => worker.terminate()));
  }

  /** Sends a request; a background one does not keep a Node process alive. */
  private ask(worker: number, request: Request, background = false): Promise<WorkerReply> {
    if (this.failure) return Promise.reject(this.failure);
    const id = this.nextId++;
    if (!background && this.busy[worker]++ === 0) this.workers[worker].setBusy(true);
    return new Promise<WorkerReply>((resolve, reject) => {
      this.waiting.set(id, { worker, background, resolve, reject });
      this.workers[worker].post({ ...request, id } as WorkerRequest);
    });
  }

  private settle(reply: WorkerReply): void {
    const waiter = this.waiting.get(reply.id);
    if (!waiter) return;
    this.waiting.delete(reply.id);
    if (!waiter.background && --this.busy[waiter.worker] === 0) this.workers[waiter.worker].setBusy(false);
    if (reply.type === "error") waiter.reject(new Error(`MSM worker: ${reply.message}`));
    else waiter.resolve(reply);
  }

  /** A worker that fails fails what it was asked and everything asked after. */
  private fail(worker: number, error: Error): void {
    this.failure ??= error;
    for (const [id, waiter] of this.waiting) {
      if (waiter.worker !== worker) continue;
      this.waiting.delete(id);
      waiter.reject(error);
    }
  }
}

/**
 * Window bits of the tables: 20 windows of 13 bits. With 2^13 bases over two workers, one
 * bucket set of 4,096 takes 2^12 × 20 points each, and its one reduction is small beside them.
 */
export const TABLE_WINDOW_BITS = 13;

/**
 * Window bits for n points. Measured on this project's 2-core machine (G1 and G2 alike,
 * one worker): best at 5 bits for 64 points, 6-7 for 512, 10 for 8,192.
 */
export function windowBits(n: number): number {
  return Math.min(13, Math.max(5, Math.round(Math.log2(Math.max(n, 1))) - 3));
}
