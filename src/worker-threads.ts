import { Worker } from "node:worker_threads";

/**
 * Starts a worker thread that uses ffjavascript (snarkjs, circomlibjs) and waits for its
 * { ready: true } message. ffjavascript loads the "web-worker" package, which, in any
 * worker thread, imports workerData.mod as if it had started that worker: it is given an
 * empty module to import.
 */
export async function startWorker(url: URL, data: Record<string, unknown>): Promise<Worker> {
  const worker = new Worker(url, { workerData: { ...data, mod: "data:text/javascript,", type: "module" } });
  await new Promise((resolve, reject) => worker.once("message", resolve).once("error", reject));
  return worker;
}
