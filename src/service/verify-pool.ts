import { Worker } from "node:worker_threads";
import type { Groth16Proof } from "snarkjs";
import type { ProofCheck } from "../proof/verifier.js";

export interface ProofItem {
  readonly proof: Groth16Proof;
  readonly publicSignals: string[];
}

interface Pending {
  size: number;
  worker: number;
  resolve(results: boolean[]): void;
  reject(error: Error): void;
}

/**
 * Groth16 verification on worker threads, so both cores verify at once. Each worker
 * decodes the verification key once and verifies a list of proofs as one batch (see
 * verify-worker.mjs); lists go to the worker with the fewest proofs in flight.
 */
export class VerifyPool {
  private readonly inFlight: number[];
  private readonly pending = new Map<number, Pending>();
  private nextId = 0;

  private constructor(private readonly workers: Worker[]) {
    this.inFlight = workers.map(() => 0);
    workers.forEach((worker) => {
      worker.on("message", ({ id, results, error }: { id: number; results?: boolean[]; error?: string }) => {
        const waiting = this.pending.get(id);
        if (!waiting) return; // the ready message
        this.pending.delete(id);
        this.inFlight[waiting.worker] -= waiting.size;
        if (error !== undefined) waiting.reject(new Error(error));
        else waiting.resolve(results!);
      });
      worker.on("error", (error) => {
        for (const waiting of this.pending.values()) waiting.reject(error);
        this.pending.clear();
      });
    });
  }

  static async create(verificationKey: Record<string, unknown>, size: number): Promise<VerifyPool> {
    const url = new URL("./verify-worker.mjs", import.meta.url);
    // ffjavascript loads the "web-worker" package, which, in any worker thread, imports
    // workerData.mod as if it had started that worker: give it an empty module to import.
    const workerData = { verificationKey, mod: "data:text/javascript,", type: "module" };
    const workers = Array.from({ length: Math.max(1, size) }, () => new Worker(url, { workerData }));
    // Ready once each worker has decoded the key (a bad key fails here, not on the first request).
    await Promise.all(workers.map((worker) => new Promise((resolve, reject) => worker.once("message", resolve).once("error", reject))));
    return new VerifyPool(workers);
  }

  get size(): number {
    return this.workers.length;
  }

  get idleWorkers(): number {
    return this.inFlight.filter((count) => count === 0).length;
  }

  /** Verifies `items` together on one worker; one exact answer per proof. */
  checkMany(items: readonly ProofItem[]): Promise<boolean[]> {
    return new Promise((resolve, reject) => {
      const worker = this.inFlight.indexOf(Math.min(...this.inFlight));
      const id = this.nextId++;
      this.pending.set(id, { size: items.length, worker, resolve, reject });
      this.inFlight[worker] += items.length;
      this.workers[worker].postMessage({ id, items });
    });
  }

  readonly check: ProofCheck = async (proof, publicSignals) => (await this.checkMany([{ proof, publicSignals }]))[0];

  async close(): Promise<void> {
    await Promise.all(this.workers.map((worker) => worker.terminate()));
  }
}
