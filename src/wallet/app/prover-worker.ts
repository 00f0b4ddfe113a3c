/// <reference lib="webworker" />
// The wallet's prover, in a Web Worker so the page stays responsive while it proves. It
// fetches the published key set (checked against its manifest and key id, as the CLI
// does), keeps the witness calculator and the parsed proving key for the page's lifetime,
// and proves circuit inputs the page sends; the inputs never leave this browser. One worker
// holds one key set (the page starts another for the business circuit's).
import { artifactsFromBytes } from "../../artifacts/artifacts.js";
import type { CircuitId } from "../../artifacts/circuit-id.js";
import { RealDidError } from "../../errors.js";
import { Prover } from "../../proof/prover.js";
import type { FromWorker, KeyFileUrls, ToWorker } from "./prover-protocol.js";

const scope = self as unknown as DedicatedWorkerGlobalScope;
const post = (message: FromWorker) => scope.postMessage(message);
let prover: Promise<{ prover: Prover; warning?: string }> | undefined;

/** Fetches a key file's headers; its body is read by readAll. */
async function open(url: string, what: string): Promise<Response & { body: ReadableStream<Uint8Array> }> {
  const response = await fetch(url);
  if (!response.ok || response.body === null) throw new RealDidError("artifacts_missing", `the ${what} could not be fetched from ${url} (HTTP ${response.status})`);
  return response as Response & { body: ReadableStream<Uint8Array> };
}

/** Reads key files, reporting bytes as they arrive (the proving key is megabytes: the person sees it move). */
async function readAll(responses: readonly Response[]): Promise<Uint8Array[]> {
  const total = responses.reduce((sum, response) => sum + Number(response.headers.get("content-length") ?? 0), 0);
  let loaded = 0;
  return Promise.all(
    responses.map(async (response) => {
      const chunks: Uint8Array[] = [];
      const reader = response.body!.getReader();
      for (let read = await reader.read(); !read.done; read = await reader.read()) {
        chunks.push(read.value);
        loaded += read.value.byteLength;
        post({ type: "progress", stage: "keys", loadedBytes: loaded, totalBytes: total });
      }
      const bytes = new Uint8Array(chunks.reduce((sum, chunk) => sum + chunk.byteLength, 0));
      chunks.reduce((offset, chunk) => (bytes.set(chunk, offset), offset + chunk.byteLength), 0);
      return bytes;
    }),
  );
}

async function load(urls: KeyFileUrls, circuit: CircuitId | undefined, wholeProofs = false): Promise<{ prover: Prover; warning?: string }> {
  const responses = await Promise.all([open(urls.manifest, "key set manifest"), open(urls.wasm, "circuit"), open(urls.zkey, "proving key"), open(urls.verificationKey, "verification key")]);
  const [manifest, wasm, zkey, verificationKey] = await readAll(responses);
  const artifacts = artifactsFromBytes({ manifest, wasm, zkey, verificationKey }, { circuit });
  post({ type: "progress", stage: "setup" });
  return { prover: await Prover.create(artifacts, { updateLastSums: !wholeProofs }), warning: artifacts.manifest.warning };
}

const failed = (error: unknown): FromWorker =>
  error instanceof RealDidError ? { type: "failed", code: error.code, message: error.message } : { type: "failed", code: "prover_unavailable", message: `the prover failed: ${(error as Error)?.message ?? String(error)}` };

scope.onmessage = async (event: MessageEvent<ToWorker>) => {
  const message = event.data;
  try {
    if (message.type === "load") {
      prover ??= load(message.keys, message.circuit, message.wholeProofs);
      const { prover: ready, warning } = await prover; // every load is answered, the first and any later one
      post({ type: "ready", keyId: ready.keyId, ...(warning !== undefined && { warning }) });
    } else {
      if (prover === undefined) throw new RealDidError("prover_unavailable", "the prover has no keys loaded");
      const { prover: ready } = await prover;
      const started = performance.now();
      const proof = await ready.proveAny(message.input, (stage) => post({ type: "progress", stage })); // either circuit's: the verifier reads the signals
      post({ type: "proved", proof: { keyId: proof.keyId, proof: proof.proof, publicSignals: proof.publicSignals }, milliseconds: Math.round(performance.now() - started) });
    }
  } catch (error) {
    if (message.type === "load") prover = undefined; // a failed download may be retried
    post(failed(error));
  }
};
