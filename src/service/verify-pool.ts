import type { Worker } from "node:worker_threads";
import type { Groth16Proof } from "snarkjs";
import { RealDidError } from "../errors.js";
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

/** A slot whose worker died and is being replaced: never idle, never chosen. */
const REPLACING = Number.POSITIVE_INFINITY;

/**
 * Groth16 verification on worker threads, so both cores verify at once. Each worker
 * decodes the verification key once and verifies a list of proofs as one batch (see
 * verify-worker.mjs); lists go to the worker with the fewest proofs in flight. A worker
 * that fails (an error, an exit) fails only its own lists (verifier_busy: retry) and is
 * replaced; the others go on.
 */
export class VerifyPool {
  private readonly inFlight: number[];
  private readonly pending = new Map<number, Pending>();
  private readonly freedListeners: (() => void)[] = [];
  private nextId = 0;
  private closed = false;

  private constructor(
    private readonly workers: Worker[],
    private readonly start: () => Promise<Worker>,
  ) {
    this.inFlight = workers.map(() => 0);
    workers.forEach((worker, slot) => this.attach(worker, slot));
  }

  static async create(verificationKey: Record<string, unknown>, size: number): Promise<VerifyPool> {
    // Ready once each worker has decoded the key (a bad key fails here, not on the first request).
    const url = new URL("./verify-worker.mjs", import.meta.url);
    const start = () => startWorker(url, { verificationKey });
    return new VerifyPool(await Promise.all(Array.from({ length: Math.max(1, size) }, start)), start);
  }

  private attach(worker: Worker, slot: number): void {
    worker.on("message", ({ id, results, error }: { id: number; results?: boolean[]; error?: string }) => {
      const waiting = this.pending.get(id);
      if (!waiting) return; // the ready message
      this.pending.delete(id);
      this.inFlight[slot] -= waiting.size;
      if (error !== undefined) waiting.reject(new Error(error));
      else waiting.resolve(results!);
      this.freed();
    });
    // 'error' is followed by 'exit'; an exit alone (the thread ended) is a failure too.
    worker.on("error", (error) => this.failed(worker, slot, error.message));
    worker.on("exit", (code) => this.failed(worker, slot, `exited with code ${code}`));
  }

  /** Fails the lists on the dead worker only, and starts a new one in its slot. */
  private failed(worker: Worker, slot: number, why: string): void {
    if (this.closed || this.workers[slot] !== worker || this.inFlight[slot] === REPLACING) return;
    this.inFlight[slot] = REPLACING;
    for (const [id, waiting] of this.pending) {
      if (waiting.worker !== slot) continue;
      this.pending.delete(id);
      waiting.reject(new RealDidError("verifier_busy", `a verification worker failed (${why}); it is being replaced, retry`));
    }
    void worker.terminate();
    const replace = (): void =>
      void this.start().then(
        (replacement) => {
          if (this.closed) return void replacement.terminate();
          this.workers[slot] = replacement;
          this.inFlight[slot] = 0;
          this.attach(replacement, slot);
          this.freed();
        },
        () => setTimeout(replace, 1000).unref(), // could not start one now: try again
      );
    replace();
  }

  private freed(): void {
    for (const listener of this.freedListeners) listener();
  }

  /** Called whenever a worker may have become idle (a list answered, a worker replaced). */
  onFreed(listener: () => void): void {
    this.freedListeners.push(listener);
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
      if (this.inFlight[worker] === REPLACING) return reject(new RealDidError("verifier_busy", "every verification worker is being replaced; retry"));
      const id = this.nextId++;
      this.pending.set(id, { size: items.length, worker, resolve, reject });
      this.inFlight[worker] += items.length;
      this.workers[worker].postMessage({ id, items });
    });
  }

  readonly check: ProofCheck = async (proof, publicSignals) => (await this.checkMany([{ proof, publicSignals }]))[0];

  async close(): Promise<void> {
    this.closed = true;
    await Promise.all(this.workers.map((worker) => worker.terminate()));
  }
}
