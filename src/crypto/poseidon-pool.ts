import type { Worker } from "node:worker_threads";
import { startWorker } from "../worker-threads.js";
import { packFieldElements, unpackFieldElements } from "./field.js";

/**
 * Poseidon on worker threads: a list of independent hashes (one tree level, a batch of
 * leaves) is split evenly over the workers, each hashing natively where `npm install` built
 * the native Poseidon, else with circomlibjs's WebAssembly. Results equal poseidon-lite's (tested).
 */
export class PoseidonPool {
  private nextId = 0;
  private stopped = false;
  private readonly pending = new Map<number, { resolve(hashes: bigint[]): void; reject(error: Error): void }>();

  private constructor(private readonly workers: Worker[]) {
    for (const worker of workers) {
      worker.on("message", ({ id, packed, error }: { id: number; packed?: ArrayBuffer; error?: string }) => {
        const waiting = this.pending.get(id);
        this.pending.delete(id);
        if (error !== undefined) waiting?.reject(new Error(`Poseidon worker: ${error}`));
        else waiting?.resolve(unpackFieldElements(new Uint8Array(packed!)));
      });
      // A worker that failed or exited answers nothing more: the pool stops, and every call still waiting fails.
      worker.on("error", (error) => this.stop(error));
      worker.on("exit", () => this.stop(new Error("the Poseidon pool is closed")));
    }
  }

  /** Closed, or a worker failed: hashMany refuses (callers may hash on their own thread instead). */
  get closed(): boolean {
    return this.stopped;
  }

  private stop(error: Error): void {
    this.stopped = true;
    for (const waiting of this.pending.values()) waiting.reject(error);
    this.pending.clear();
  }

  /** `native: false` hashes with circomlibjs's WebAssembly Poseidon even where the native one was built. */
  static async create(size: number, { native = true }: { native?: boolean } = {}): Promise<PoseidonPool> {
    const url = new URL("./poseidon-worker.mjs", import.meta.url);
    return new PoseidonPool(await Promise.all(Array.from({ length: Math.max(1, size) }, () => startWorker(url, { native }))));
  }

  /** Hashes each consecutive group of `arity` elements of `flat`. */
  async hashMany(arity: number, flat: readonly bigint[]): Promise<bigint[]> {
    // A terminated worker drops messages: without this, the promise would never settle.
    if (this.stopped) throw new Error("the Poseidon pool is closed");
    const count = flat.length / arity;
    const perWorker = Math.ceil(count / this.workers.length);
    const parts = this.workers.map((worker, w) => {
      const chunk = flat.slice(w * perWorker * arity, (w + 1) * perWorker * arity);
      return new Promise<bigint[]>((resolve, reject) => {
        if (chunk.length === 0) return resolve([]);
        const packed = packFieldElements("Poseidon input", chunk).buffer;
        const id = this.nextId++;
        this.pending.set(id, { resolve, reject });
        worker.postMessage({ id, arity, packed }, [packed]);
      });
    });
    return (await Promise.all(parts)).flat();
  }

  async close(): Promise<void> {
    this.stop(new Error("the Poseidon pool is closed"));
    await Promise.all(this.workers.map((worker) => worker.terminate()));
  }
}
