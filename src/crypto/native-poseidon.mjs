// The native Poseidon (native/poseidon-bn254.c, which `npm install` builds with node-gyp) with
// the constants it takes. Plain JavaScript: the Poseidon worker threads load it without a
// TypeScript loader. Node only.
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";

const require = createRequire(import.meta.url);
const MODULUS = 21888242871839275222246405745257275088548364400416034343698204186575808495617n;
const MONTGOMERY_R = (1n << 256n) % MODULUS;
/** circomlib's partial rounds by width - 2 (full rounds: 8). */
const ROUNDS_P = [56, 57, 56, 60, 60, 63, 64, 63, 60, 66, 60, 65, 70, 60, 64, 68];
const ELEMENT = 32;

/** Refuses an arity circomlib's Poseidon has no constants for (both implementations would read past them). */
export function checkPoseidonArity(arity) {
  if (!Number.isInteger(arity) || arity < 1 || arity > ROUNDS_P.length) throw new RangeError(`Poseidon takes 1 to ${ROUNDS_P.length} inputs, not ${arity}`);
}

function writeElement(bytes, offset, value) {
  for (let i = 0; i < ELEMENT; i++, value >>= 8n) bytes[offset + i] = Number(value & 0xffn);
}

/**
 * For width t: the modulus, 2^512 mod p, then circomlib's optimized Poseidon constants C, S,
 * M and P in Montgomery form, as the addon reads them. The constants come from circomlibjs's
 * own table (not exported by its package: read beside its entry point), the one its
 * WebAssembly Poseidon and poseidon_opt.js use.
 */
function widthParams(table, arity) {
  const t = arity + 1;
  const { C, S, M, P } = table;
  const values = [C[t - 2], S[t - 2], M[t - 2].flat(), P[t - 2].flat()].flat().map((hex) => (BigInt(hex) * MONTGOMERY_R) % MODULUS);
  const bytes = new Uint8Array((2 + values.length) * ELEMENT);
  writeElement(bytes, 0, MODULUS);
  writeElement(bytes, ELEMENT, (MONTGOMERY_R * MONTGOMERY_R) % MODULUS);
  values.forEach((value, k) => writeElement(bytes, (2 + k) * ELEMENT, value));
  return bytes;
}

/**
 * The native Poseidon, or undefined where `npm install` could not build it (no C compiler)
 * or REALDID_POSEIDON=webassembly: callers then use circomlibjs's WebAssembly Poseidon.
 * hashPacked(arity, input) hashes each run of `arity` 32-byte little-endian field elements
 * and returns the hashes likewise.
 */
export function loadNativePoseidon() {
  if (process.env.REALDID_POSEIDON === "webassembly") return undefined; // to compare the two, or to rule the addon out
  let addon;
  let table;
  try {
    addon = require("../../build/Release/realdid_poseidon.node");
    table = JSON.parse(readFileSync(join(dirname(require.resolve("circomlibjs")), "../src/poseidon_constants_opt.json"), "utf8"));
  } catch (error) {
    // Not built, or circomlibjs moved its table: WebAssembly then. A built addon that does not load is worth a word.
    if (error?.code !== "MODULE_NOT_FOUND" && error?.code !== "ENOENT") console.warn(`realdid: the native Poseidon did not load (${error?.message}); using WebAssembly`);
    return undefined;
  }
  const params = new Map();
  return {
    hashPacked(arity, input) {
      checkPoseidonArity(arity);
      if (!params.has(arity)) params.set(arity, widthParams(table, arity));
      const output = new Uint8Array(input.length / arity);
      addon.hashMany(params.get(arity), arity + 1, ROUNDS_P[arity - 1], input, output);
      return output;
    },
  };
}
