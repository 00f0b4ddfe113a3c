import { Worker } from "node:worker_threads";
import type { Groth16Proof } from "snarkjs";
import type { ProofCheck } from "../proof/verifier.js";

interface Pending {
  resolve(valid: boolean): void;
  reject(error: Error): void;
}

/**
 * Groth16 verification on worker threads, so both cores verify at once. Each worker
 * parses the verification key once; requests go to the worker with the fewest in flight.
 */
export class VerifyPool {
  private readonly inFlight: number[];
  private readonly pending = new Map<number, Pending>();
  private nextId = 0;

  private constructor(private readonly workers: Worker[]) {
    this.inFlight = workers.map(() => 0);
    workers.forEach((worker, index) => {
      worker.on("message", ({ id, valid, error }: { id: number; valid?: boolean; error?: string }) => {
        if (!this.pending.has(id)) return; // the ready message
        this.inFlight[index]--;
        const waiting = this.pending.get(id)!;
        this.pending.delete(id);
        if (error !== undefined) waiting.reject(new Error(error));
        else waiting.resolve(valid === true);
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

  readonly check: ProofCheck = (proof: Groth16Proof, publicSignals: string[]) =>
    new Promise((resolve, reject) => {
      const index = this.inFlight.indexOf(Math.min(...this.inFlight));
      const id = this.nextId++;
      this.pending.set(id, { resolve, reject });
      this.inFlight[index]++;
      this.workers[index].postMessage({ id, proof, publicSignals });
    });

  async close(): Promise<void> {
    await Promise.all(this.workers.map((worker) => worker.terminate()));
  }
}
