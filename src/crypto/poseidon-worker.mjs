// A Poseidon worker (plain JavaScript, so it runs without a TypeScript loader): hashes
// consecutive groups of `arity` field elements with the native Poseidon where `npm install`
// built it, else with circomlibjs's WebAssembly Poseidon (or always, with workerData.native
// false). Posts { ready: true } once set up; then messages in: { id, arity, packed } with
// packed an ArrayBuffer of 32-byte little-endian field elements; out: { id, packed } likewise,
// one element per hash. Both buffers are transferred, not copied.
import { parentPort, workerData } from "node:worker_threads";
import { checkPoseidonArity, loadNativePoseidon } from "./native-poseidon.mjs";

const ELEMENT = 32;
const MAX_ARITY = 16; // checkPoseidonArity's bound
const HASHES_PER_CALL = 256;

/**
 * circomlibjs's WebAssembly Poseidon called directly on packed buffers: inputs are converted
 * to Montgomery form and outputs back in bulk, with no per-hash JavaScript objects (the
 * per-hash wrapper costs ~7%).
 */
async function webAssemblyPoseidon() {
  const { buildPoseidonWasm } = await import("circomlibjs");
  const { getCurveFromName } = await import("ffjavascript");
  const curve = await getCurveFromName("bn128", true, buildPoseidonWasm);
  const { exports } = curve.tm.instance;
  const memory = curve.tm.memory;
  const state = curve.tm.alloc(ELEMENT);
  const inputs = curve.tm.alloc(HASHES_PER_CALL * MAX_ARITY * ELEMENT);
  const outputs = curve.tm.alloc(HASHES_PER_CALL * ELEMENT);
  if (curve.tm.u32[0] > memory.buffer.byteLength) memory.grow(Math.ceil((curve.tm.u32[0] - memory.buffer.byteLength) / 65536));
  return {
    hashPacked(arity, input) {
      checkPoseidonArity(arity); // beyond 16 inputs the copy below would overrun its buffer
      const count = input.length / ELEMENT / arity;
      const output = new Uint8Array(count * ELEMENT);
      for (let first = 0; first < count; first += HASHES_PER_CALL) {
        const n = Math.min(HASHES_PER_CALL, count - first);
        const heap = new Uint8Array(memory.buffer);
        heap.set(input.subarray(first * arity * ELEMENT, (first + n) * arity * ELEMENT), inputs);
        exports.frm_batchToMontgomery(inputs, n * arity, inputs);
        for (let i = 0; i < n; i++) {
          heap.fill(0, state, state + ELEMENT); // Poseidon's initial state: zero
          exports.poseidon(state, inputs + i * arity * ELEMENT, arity, outputs + i * ELEMENT, 1);
        }
        exports.frm_batchFromMontgomery(outputs, n, outputs);
        output.set(heap.subarray(outputs, outputs + n * ELEMENT), first * ELEMENT);
      }
      return output;
    },
  };
}

const poseidon = (workerData?.native !== false && loadNativePoseidon()) || (await webAssemblyPoseidon());

// A refused message is answered with its error: the worker lives on for the next one.
parentPort.on("message", ({ id, arity, packed }) => {
  try {
    const output = poseidon.hashPacked(arity, new Uint8Array(packed));
    parentPort.postMessage({ id, packed: output.buffer }, [output.buffer]);
  } catch (error) {
    parentPort.postMessage({ id, error: error instanceof Error ? error.message : String(error) });
  }
});

parentPort.postMessage({ ready: true });
