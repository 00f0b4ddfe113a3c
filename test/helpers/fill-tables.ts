// Run as a child process by test/wasm-prover.test.ts: nothing else keeps this process alive
// while it awaits the tables of multiples, which fill in the background; it must still get
// to print "filled" (the pool holds its workers referenced while a caller waits).
import { readFileSync } from "node:fs";
import { REALDID_CIRCUIT } from "../../src/artifacts/circuit-id.js";
import { keySetFiles, publishedKeysDir } from "../../src/artifacts/paths.js";
import { readSections } from "../../src/proof/groth16-prover.js";
import { WasmProverPool } from "../../src/proof/wasm-prover/pool.js";

const zkey = readFileSync(keySetFiles(publishedKeysDir(REALDID_CIRCUIT), REALDID_CIRCUIT).zkey);
const pool = await WasmProverPool.start(2);
const set = await pool.loadSet("g1", readSections(zkey, "zkey", "proving key").get(9)!.subarray(0, 256 * 64));
await pool.holdDuring(pool.precompute(set, 8));
console.log("filled");
