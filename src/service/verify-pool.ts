import type { Worker } from "node:worker_threads";
import type { Groth16Proof } from "snarkjs";
import type { ProofCheck } from "../proof/verifier.js";
import { startWorker } from "../worker-threads.js";

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
    // Ready once each worker has decoded the key (a bad key fails here, not on the first request).
    const url = new URL("./verify-worker.mjs", import.meta.url);
    return new VerifyPool(await Promise.all(Array.from({ length: Math.max(1, size) }, () => startWorker(url, { verificationKey }))));
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
