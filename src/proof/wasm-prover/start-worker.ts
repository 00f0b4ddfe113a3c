// Starting a prover worker where the prover runs: a Node worker thread, or a Web Worker in a
// browser (also from inside the wallet's own proving worker). Node's module is reached through
// process.getBuiltinModule, not an import, so that browser bundles hold nothing of Node.
import type * as NodeWorkerThreads from "node:worker_threads";
import type { WorkerReply, WorkerRequest } from "./protocol.js";

export interface ProverWorkerHandle {
  post(message: WorkerRequest): void;
  /** Replies, and the worker's failure (it crashed or could not start). */
  listen(onReply: (reply: WorkerReply) => void, onFailure: (error: Error) => void): void;
  /** A busy Node worker keeps the process alive; an idle one does not. */
  setBusy(busy: boolean): void;
  terminate(): Promise<void>;
}

interface NodeBuiltins {
  getBuiltinModule(id: "node:worker_threads"): typeof NodeWorkerThreads;
  getBuiltinModule(id: "node:os"): { availableParallelism(): number };
}

function nodeBuiltins(): NodeBuiltins | undefined {
  const process = (globalThis as { process?: Partial<NodeBuiltins> }).process;
  return typeof process?.getBuiltinModule === "function" ? (process as NodeBuiltins) : undefined;
}

/** Gives the worker script a Web Worker's `self` (postMessage, message events) in a Node thread. */
const NODE_PRELUDE = `const { parentPort } = process.getBuiltinModule("node:worker_threads");
globalThis.self = { postMessage: (message) => parentPort.postMessage(message), addEventListener: (type, listener) => parentPort.on(type, (data) => listener({ data })) };
`;

/** Cores to use: the machine's, at most 8. */
export function workerCount(): number {
  const node = nodeBuiltins();
  const cores = node ? node.getBuiltinModule("node:os").availableParallelism() : (globalThis.navigator?.hardwareConcurrency ?? 2);
  return Math.max(1, Math.min(8, cores));
}

export function startProverWorker(source: string): ProverWorkerHandle {
  const node = nodeBuiltins();
  if (node) {
    const worker = new (node.getBuiltinModule("node:worker_threads").Worker)(NODE_PRELUDE + source, { eval: true });
    worker.unref();
    return {
      post: (message) => worker.postMessage(message),
      listen: (onReply, onFailure) => {
        worker.on("message", onReply).on("error", onFailure);
        worker.on("messageerror", (error) => onFailure(new Error(`the prover worker's reply could not be read: ${error.message}`)));
        worker.on("exit", (code) => onFailure(new Error(`the prover worker exited (${code})`)));
      },
      setBusy: (busy) => (busy ? worker.ref() : worker.unref()),
      terminate: async () => void (await worker.terminate()),
    };
  }
  const url = URL.createObjectURL(new Blob([source], { type: "text/javascript" }));
  const worker = new Worker(url);
  return {
    post: (message) => worker.postMessage(message),
    listen: (onReply, onFailure) => {
      worker.addEventListener("message", (event: MessageEvent<WorkerReply>) => onReply(event.data));
      worker.addEventListener("error", (event) => onFailure(new Error(`the prover worker failed: ${event.message || "it could not be started"}`)));
      worker.addEventListener("messageerror", () => onFailure(new Error("the prover worker's reply could not be read")));
    },
    setBusy: () => undefined,
    terminate: async () => {
      worker.terminate();
      URL.revokeObjectURL(url);
    },
  };
}
