// A Poseidon worker (plain JavaScript, so it runs without a TypeScript loader): hashes
// consecutive groups of `arity` field elements with circomlibjs's WebAssembly Poseidon.
// Posts { ready: true } once set up; then messages in: { id, arity, flat: bigint[] };
// out: { id, hashes: bigint[] }.
import { parentPort } from "node:worker_threads";
import { buildPoseidon } from "circomlibjs";

const poseidon = await buildPoseidon();

parentPort.on("message", ({ id, arity, flat }) => {
  const hashes = new Array(flat.length / arity);
  for (let i = 0; i < hashes.length; i++) hashes[i] = poseidon.F.toObject(poseidon(flat.slice(i * arity, (i + 1) * arity)));
  parentPort.postMessage({ id, hashes });
});

parentPort.postMessage({ ready: true });
