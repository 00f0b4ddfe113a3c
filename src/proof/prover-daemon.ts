import { chmodSync, existsSync, rmSync } from "node:fs";
import { createServer, request, type Server } from "node:http";
import { keyMismatchMessage } from "../artifacts/key-id.js";
import { RealDidError } from "../errors.js";
import type { CircuitInput } from "./circuit-input.js";
import type { Prover, RealDidProof } from "./prover.js";

const MAX_BODY_BYTES = 1024 * 1024;

export interface ProverDaemon {
  readonly socketPath: string;
  close(): Promise<void>;
}

/**
 * A local prover daemon: one long-lived Prover (keys loaded, witness calculator and
 * zkey kept, last MSMs reused) behind HTTP on a Unix socket, so `realdid prove --daemon`
 * skips loading snarkjs and the keys. The request carries the circuit input, secret
 * included, so the socket is made readable and writable by its owner only; it never
 * listens on a network port. Proofs are made one at a time.
 */
export async function startProverDaemon(socketPath: string, prover: Prover): Promise<ProverDaemon> {
  if (existsSync(socketPath)) {
    throw new RealDidError("file_exists", `${socketPath} already exists (another daemon, or a stale socket: remove it first)`);
  }
  let queue: Promise<unknown> = Promise.resolve();
  const server: Server = createServer((req, res) => {
    const reply = (status: number, body: unknown) => res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(body));
    if (req.method !== "POST" || req.url !== "/prove") return reply(404, { error: { code: "not_found", message: "POST /prove" } });
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) req.destroy();
      else chunks.push(chunk);
    });
    req.on("end", () => {
      queue = queue.then(async () => {
        try {
          const { keyId: asked, input } = JSON.parse(Buffer.concat(chunks).toString("utf8")) as { keyId?: string; input: CircuitInput };
          // Before any work: a proof with other keys than the site's is useless to it.
          if (asked !== undefined && asked !== prover.keyId) return reply(409, { error: { code: "key_mismatch", message: keyMismatchMessage(asked, prover.keyId, "the site's request") } });
          const { keyId, proof, publicSignals } = await prover.proveInput(input);
          reply(200, { keyId, proof, publicSignals });
        } catch (error) {
          // A failed assertion in the witness names the template; no secret is in it.
          reply(400, { error: { code: "unprovable_input", message: (error as Error).message.split("\n")[0] } });
        }
      });
    });
  });
  await new Promise<void>((resolve, reject) => server.once("error", reject).listen(socketPath, resolve));
  chmodSync(socketPath, 0o600);
  return {
    socketPath,
    close: () =>
      new Promise<void>((resolve) =>
        server.close(() => {
          rmSync(socketPath, { force: true });
          resolve();
        }),
      ),
  };
}

/** Proves through a daemon started by startProverDaemon (`realdid prover-daemon`); it refuses a request for other keys than its own. */
export function proveWithDaemon(socketPath: string, input: CircuitInput, keyId?: string): Promise<RealDidProof> {
  return new Promise((resolve, reject) => {
    const unavailable = () => new RealDidError("prover_unavailable", `no prover daemon answers at ${socketPath} (start one: realdid prover-daemon --socket ${socketPath})`);
    const req = request({ socketPath, path: "/prove", method: "POST", headers: { "content-type": "application/json" } }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (chunk: Buffer) => chunks.push(chunk));
      res.on("end", () => {
        try {
          const body = JSON.parse(Buffer.concat(chunks).toString("utf8"));
          if (res.statusCode === 200) resolve(body);
          else if (body?.error?.code === "key_mismatch") reject(new RealDidError("key_mismatch", body.error.message));
          else reject(new RealDidError("prover_unavailable", `the prover daemon could not prove: ${body?.error?.message ?? res.statusCode}`));
        } catch {
          reject(unavailable());
        }
      });
    });
    req.on("error", () => reject(unavailable()));
    req.end(JSON.stringify({ keyId, input }));
  });
}
