import type { Worker } from "node:worker_threads";
import { startWorker } from "../worker-threads.js";
import { FIELD_BYTES, readFieldElement, writeFieldElement } from "./field.js";

/** Field elements as 32-byte little-endian values in one buffer, which moves to a worker without a copy. */
function pack(values: readonly bigint[]): ArrayBuffer {
  const view = new DataView(new ArrayBuffer(values.length * FIELD_BYTES));
  values.forEach((value, k) => writeFieldElement(view, k * FIELD_BYTES, value));
  return view.buffer;
}

function unpack(packed: ArrayBuffer): bigint[] {
  const view = new DataView(packed);
  return Array.from({ length: packed.byteLength / FIELD_BYTES }, (_, k) => readFieldElement(view, k * FIELD_BYTES));
}

/**
 * Poseidon on worker threads: a list of independent hashes (one tree level, a batch of
 * leaves) is split evenly over the workers, each hashing natively where `npm install` built
 * the native Poseidon, else with circomlibjs's WebAssembly. Results equal poseidon-lite's (tested).
 */
export class PoseidonPool {
  private nextId = 0;
  private readonly pending = new Map<number, { resolve(hashes: bigint[]): void; reject(error: Error): void }>();

  private constructor(private readonly workers: Worker[]) {
    for (const worker of workers) {
      worker.on("message", ({ id, packed }: { id: number; packed: ArrayBuffer }) => {
        this.pending.get(id)?.resolve(unpack(packed));
        this.pending.delete(id);
      });
      worker.on("error", (error) => {
        for (const waiting of this.pending.values()) waiting.reject(error);
        this.pending.clear();
      });
    }
  }

  /** `native: false` hashes with circomlibjs's WebAssembly Poseidon even where the native one was built. */
  static async create(size: number, { native = true }: { native?: boolean } = {}): Promise<PoseidonPool> {
    const url = new URL("./poseidon-worker.mjs", import.meta.url);
    return new PoseidonPool(await Promise.all(Array.from({ length: Math.max(1, size) }, () => startWorker(url, { native }))));
  }

  /** Hashes each consecutive group of `arity` elements of `flat`. */
  async hashMany(arity: number, flat: readonly bigint[]): Promise<bigint[]> {
    const count = flat.length / arity;
    const perWorker = Math.ceil(count / this.workers.length);
    const parts = this.workers.map((worker, w) => {
      const chunk = flat.slice(w * perWorker * arity, (w + 1) * perWorker * arity);
      return new Promise<bigint[]>((resolve, reject) => {
        if (chunk.length === 0) return resolve([]);
        const id = this.nextId++;
        this.pending.set(id, { resolve, reject });
        const packed = pack(chunk);
        worker.postMessage({ id, arity, packed }, [packed]);
      });
    });
    return (await Promise.all(parts)).flat();
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map((worker) => worker.terminate()));
  }
}
