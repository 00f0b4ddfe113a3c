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

/** A worker and what the pool knows of it. */
interface Slot {
  readonly handle: ProverWorkerHandle;
  /** Initialised, and given every load so far. */
  ready: Promise<void>;
  /** Requests a caller waits for (a background one is not counted). */
  busy: number;
}

/**
 * Window bits of the tables: 20 windows of 13 bits. With 2^13 bases over two workers, one
 * bucket set of 4,096 takes 2^12 × 20 points each, and its one reduction is small beside them.
 */
export const TABLE_WINDOW_BITS = 13;

/**
 * Below this many scalars an MSM goes by windows even when the set has tables: the tables'
 * one reduction of 4,096 buckets costs more than a few points' windows (a reviewer measured
 * the break-even near 500 points).
 */
const TABLE_MIN_POINTS = 512;

/**
 * The prover's WebAssembly (scripts/wasm-prover) on worker threads (Node) or Web Workers:
 * multi-scalar multiplications over fixed bases, and the quotient. An MSM is split by windows
 * (every worker sums its share of the windows over all points) or, once the set's tables of
 * multiples are filled, by points; the caller adds the workers' partial points. A worker that
 * dies fails what it was doing and is replaced, given everything loaded again (tables are
 * then refilled when asked).
 */
export class WasmProverPool {
  private nextId = 0;
  private readonly waiting = new Map<number, { slot: Slot; background: boolean; resolve: (reply: WorkerReply) => void; reject: (error: Error) => void }>();
  /** Sets whose tables of multiples are filled in every worker, with their window bits. */
  private readonly tables = new Map<MsmBaseSet, { window: number; windows: number }>();
  private readonly filling = new Map<MsmBaseSet, Promise<void>>();
  /** What every worker was given, in order: a replacement worker is given it again. */
  private readonly loads: Request[] = [];
  private readonly slots: Slot[] = [];
  /** Callers waiting on background work (holdDuring): Node workers stay referenced meanwhile. */
  private holds = 0;
  /** Bumped when a worker is replaced: table filling started before it stops. */
  private generation = 0;
  /** A worker that could not start: nothing will work. */
  private failure?: Error;
  private terminated = false;

  private constructor(private readonly module: WebAssembly.Module, size: number) {
    for (let index = 0; index < size; index++) this.slots.push(this.startSlot(index));
  }

  static async start(size = workerCount()): Promise<WasmProverPool> {
    const module = await WebAssembly.compile(Uint8Array.from(atob(PROVER_WASM_BASE64), (char) => char.charCodeAt(0)));
    const pool = new WasmProverPool(module, size);
    await Promise.all(pool.slots.map((slot) => slot.ready));
    return pool;
  }

  /** Loads affine points in ffjavascript's form (64 bytes each in G1, 128 in G2) into every worker. */
  async loadSet(group: MsmGroup, points: Uint8Array): Promise<MsmBaseSet> {
    const request: Request = { type: "load", group, points };
    this.loads.push(request);
    const replies = await Promise.all(this.slots.map((_, index) => this.ask(index, request)));
    return { group, count: points.byteLength / (group === "g1" ? 64 : 128), ids: replies.map((reply) => (reply as { set: number }).set) };
  }

  /** Loads a zkey's quotient data (see WorkerRequest "load-quotient") into every worker. */
  async loadQuotient(data: Omit<Extract<WorkerRequest, { type: "load-quotient" }>, "id" | "type">): Promise<void> {
    const request: Request = { type: "load-quotient", ...data };
    this.loads.push(request);
    await Promise.all(this.slots.map((_, index) => this.ask(index, request)));
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
    const byPoints = this.tables.has(set) && n >= TABLE_MIN_POINTS;
    const replies = byPoints ? await this.tableMultiExp(set, scalars, indices, subtract) : await this.windowsMultiExp(set, scalars, indices, subtract);
    return replies.map((reply) => (reply as { point: Uint8Array }).point).filter((point) => point.some((byte) => byte !== 0));
  }

  /**
   * Fills every worker's table of multiples of the set's bases, one window at a time so that
   * requests made meanwhile wait at most one step; later MSMs of the set use the tables.
   * Worker w holds the bases w, w + W, w + 2W, ... (W workers), so that any chosen indices
   * spread evenly. It runs in the background (in Node it keeps no process alive: see
   * holdDuring); asked again for the same set, it answers with the same filling.
   */
  precompute(set: MsmBaseSet, window = TABLE_WINDOW_BITS): Promise<void> {
    if (!Number.isInteger(window) || window < 2 || window > 16) throw new RangeError(`table windows of ${window} bits: 2 to 16 are possible`);
    let filling = this.filling.get(set);
    if (!filling) {
      filling = this.fill(set, window);
      this.filling.set(set, filling);
      // A failed filling may be asked for again.
      filling.catch(() => this.filling.get(set) === filling && this.filling.delete(set));
    }
    return filling;
  }

  /** Keeps Node's workers referenced (the process alive) until `work` settles. */
  async holdDuring<T>(work: Promise<T>): Promise<T> {
    if (this.holds++ === 0) this.slots.forEach((slot) => this.reference(slot));
    try {
      return await work;
    } finally {
      if (--this.holds === 0) this.slots.forEach((slot) => this.reference(slot));
    }
  }

  /**
   * The quotient A·B - C on the odd coset for a witness, as its halves A·B and C there (plain
   * values, 32 bytes each), made by two workers at once: an MSM's `subtract` joins them.
   */
  async quotient(witness: Uint8Array): Promise<{ ab: Uint8Array; c: Uint8Array }> {
    const [ab, c] = await Promise.all(
      (["ab", "c"] as const).map(async (part, k) => ((await this.ask(k % this.slots.length, { type: "quotient", part, witness })) as { values: Uint8Array }).values),
    );
    return { ab, c };
  }

  async terminate(): Promise<void> {
    this.terminated = true;
    await Promise.all(this.slots.map((slot) => slot.handle.terminate()));
  }

  private async fill(set: MsmBaseSet, window: number): Promise<void> {
    const windows = Math.floor(256 / window) + 1;
    const stride = this.slots.length;
    const generation = this.generation;
    const step = (index: number, request: Request) => {
      if (generation !== this.generation) throw new Error("a worker was replaced while the tables were filled");
      return this.ask(index, request, true);
    };
    await Promise.all(
      this.slots.map(async (_, index) => {
        await step(index, { type: "table-start", set: set.ids[index], window, windows, stride, offset: index });
        for (let j = 1; j < windows; j++) await step(index, { type: "table-step", set: set.ids[index], step: j });
      }),
    );
    if (generation === this.generation) this.tables.set(set, { window, windows });
  }

  /** Each worker sums its share of the windows over every point. */
  private windowsMultiExp(set: MsmBaseSet, scalars: Uint8Array, indices?: Uint32Array, subtract?: Uint8Array): Promise<WorkerReply[]> {
    const n = scalars.byteLength / 32;
    const window = windowBits(n);
    const windows = Math.floor(256 / window) + 1;
    const parts = Math.min(this.slots.length, windows);
    return Promise.all(
      Array.from({ length: parts }, (_, part) =>
        this.ask(part, { type: "msm", set: set.ids[part], scalars, subtract, indices, window, from: Math.floor((part * windows) / parts), to: Math.floor(((part + 1) * windows) / parts) }),
      ),
    );
  }

  /** Each worker sums every window over its share of the points, with its table. */
  private tableMultiExp(set: MsmBaseSet, scalars: Uint8Array, indices?: Uint32Array, subtract?: Uint8Array): Promise<WorkerReply[]> {
    const stride = this.slots.length;
    const n = scalars.byteLength / 32;
    const shares = this.slots.map(() => ({ scalars: [] as number[], indices: [] as number[] }));
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

  /** Starts worker `index`: initialised, then given every load so far, before anything else. */
  private startSlot(index: number): Slot {
    const handle = startProverWorker(PROVER_WORKER_SOURCE);
    const slot: Slot = { handle, busy: 0, ready: Promise.resolve() };
    let started = false;
    handle.listen(
      (reply) => this.settle(reply),
      (error) => this.lost(index, slot, started, error),
    );
    slot.ready = (async () => {
      await this.send(slot, { type: "init", module: this.module });
      for (const load of this.loads) await this.send(slot, load);
      started = true;
    })();
    slot.ready.catch(() => undefined); // observed by every ask; a replacement may never be asked
    this.reference(slot);
    return slot;
  }

  /** Sends a request once its worker is ready; a background one keeps no Node process alive. */
  private async ask(index: number, request: Request, background = false): Promise<WorkerReply> {
    let slot: Slot;
    do {
      if (this.terminated) throw new Error("the prover's workers were stopped (the prover was closed)");
      if (this.failure) throw this.failure;
      slot = this.slots[index];
      await slot.ready;
    } while (slot !== this.slots[index]); // replaced meanwhile: ask its replacement
    return this.send(slot, request, background);
  }

  private send(slot: Slot, request: Request, background = false): Promise<WorkerReply> {
    const id = this.nextId++;
    if (!background && slot.busy++ === 0) this.reference(slot);
    return new Promise<WorkerReply>((resolve, reject) => {
      this.waiting.set(id, { slot, background, resolve, reject });
      slot.handle.post({ ...request, id } as WorkerRequest);
    });
  }

  private settle(reply: WorkerReply): void {
    const waiter = this.waiting.get(reply.id);
    if (!waiter) return;
    this.waiting.delete(reply.id);
    if (!waiter.background && --waiter.slot.busy === 0) this.reference(waiter.slot);
    if (reply.type === "error") waiter.reject(new Error(`prover worker: ${reply.message}`));
    else waiter.resolve(reply);
  }

  private reference(slot: Slot): void {
    slot.handle.setBusy(slot.busy > 0 || this.holds > 0);
  }

  /**
   * A worker died: what it was asked fails; a worker that had started is replaced (the
   * tables are gone with it), one that could not start fails the pool.
   */
  private lost(index: number, slot: Slot, started: boolean, error: Error): void {
    if (this.slots[index] !== slot) return; // already replaced
    for (const [id, waiter] of this.waiting) {
      if (waiter.slot !== slot) continue;
      this.waiting.delete(id);
      waiter.reject(error);
    }
    if (this.terminated) return;
    if (!started) {
      this.failure ??= error;
      return;
    }
    void slot.handle.terminate();
    this.generation++;
    this.tables.clear();
    this.filling.clear();
    this.slots[index] = this.startSlot(index);
  }
}

/**
 * Window bits for n points. Measured on this project's 2-core machine (G1 and G2 alike,
 * one worker): best at 5 bits for 64 points, 6-7 for 512, 10 for 8,192.
 */
export function windowBits(n: number): number {
  return Math.min(13, Math.max(5, Math.round(Math.log2(Math.max(n, 1))) - 3));
}
