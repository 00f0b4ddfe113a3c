import { RealDidError } from "../errors.js";
import type { ProofCheck } from "../proof/verifier.js";
import type { ProofItem, VerifyPool } from "./verify-pool.js";

interface Waiting extends ProofItem {
  resolve(valid: boolean): void;
  reject(error: Error): void;
}

export interface BatchingOptions {
  /** Proofs in one list sent to a worker. */
  readonly maxBatch?: number;
  /** Proofs waiting for a worker; one more is refused at once with verifier_busy (memory and latency stay bounded). */
  readonly maxQueue?: number;
}

/**
 * A ProofCheck that batches by itself: a proof goes to a worker at once when one is
 * idle (so a lone proof waits for nothing), and the proofs that arrive while every
 * worker is busy are verified together, as one batch per worker, when workers free up.
 * Under load, batches grow with the queue (up to `maxBatch`); every answer stays exact.
 */
export function batchingCheck(pool: VerifyPool, { maxBatch = 64, maxQueue = 1024 }: BatchingOptions = {}): ProofCheck {
  const queue: Waiting[] = [];

  const dispatch = (): void => {
    while (queue.length > 0 && pool.idleWorkers > 0) {
      const batch = queue.splice(0, Math.min(Math.ceil(queue.length / pool.idleWorkers), maxBatch));
      pool.checkMany(batch.map(({ proof, publicSignals }) => ({ proof, publicSignals }))).then(
        (results) => batch.forEach((waiting, i) => waiting.resolve(results[i])),
        (error: Error) => batch.forEach((waiting) => waiting.reject(error)),
      );
    }
  };
  pool.onFreed(dispatch); // a list answered or a worker replaced: send what waits

  return (proof, publicSignals) =>
    new Promise((resolve, reject) => {
      if (queue.length >= maxQueue) return reject(new RealDidError("verifier_busy", `${maxQueue} proofs are waiting for verification; retry shortly`));
      queue.push({ proof, publicSignals, resolve, reject });
      dispatch();
    });
}
