import type { CircuitId } from "../../artifacts/circuit-id.js";
import { RealDidError } from "../../errors.js";
import type { CircuitInput } from "../../proof/circuit-input.js";
import type { RealDidProof } from "../../proof/prover.js";
import type { FromWorker, KeyFileUrls, ProvingStage, ToWorker } from "./prover-protocol.js";

export interface ProgressUpdate {
  readonly stage: ProvingStage;
  readonly loadedBytes?: number;
  readonly totalBytes?: number;
}

/** The page's side of a proving worker for one key set: one request at a time, progress as it comes. */
export class ProverClient {
  private busy: Promise<unknown> = Promise.resolve();
  readonly worker: Worker;

  constructor(
    workerUrl: URL,
    private readonly keys: KeyFileUrls,
    private readonly circuit?: CircuitId,
  ) {
    this.worker = new Worker(workerUrl, { type: "module" });
  }

  private ask(message: ToWorker, onProgress: (update: ProgressUpdate) => void): Promise<FromWorker> {
    const answered = this.busy.then(
      () =>
        new Promise<FromWorker>((resolve) => {
          this.worker.onmessage = (event: MessageEvent<FromWorker>) => {
            if (event.data.type === "progress") onProgress(event.data);
            else resolve(event.data);
          };
          this.worker.onerror = (event) => resolve({ type: "failed", code: "prover_unavailable", message: `the proving worker stopped: ${event.message}` });
          this.worker.postMessage(message);
        }),
    );
    this.busy = answered.catch(() => undefined);
    return answered;
  }

  /** Loads (once) and checks the key set; resolves with its key id and development warning. */
  async load(onProgress: (update: ProgressUpdate) => void): Promise<{ keyId: string; warning?: string }> {
    const answer = await this.ask({ type: "load", keys: this.keys, ...(this.circuit !== undefined && { circuit: this.circuit }) }, onProgress);
    if (answer.type === "failed") throw new RealDidError(answer.code as never, answer.message);
    if (answer.type !== "ready") throw new RealDidError("prover_unavailable", `the proving worker answered ${answer.type} to load`);
    return answer;
  }

  async prove(input: CircuitInput, onProgress: (update: ProgressUpdate) => void): Promise<{ proof: RealDidProof; milliseconds: number }> {
    const answer = await this.ask({ type: "prove", input }, onProgress);
    if (answer.type === "failed") throw new RealDidError(answer.code as never, answer.message);
    if (answer.type !== "proved") throw new RealDidError("prover_unavailable", `the proving worker answered ${answer.type} to prove`);
    return answer;
  }
}
