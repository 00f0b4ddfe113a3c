// Builds (or confirms up to date) the circuit keys: compile + Groth16 phase 2 on the
// committed phase-1 powers of tau. `--force` rebuilds even when the sources are unchanged.
import { buildCircuitKeys, ensureCircuitKeys } from "../src/artifacts/build.js";
import { REALDID_CIRCUIT } from "../src/artifacts/paths.js";

const log = (line: string) => console.log(`[keys] ${line}`);
if (process.argv.includes("--force")) await buildCircuitKeys(REALDID_CIRCUIT, log);
else await ensureCircuitKeys(REALDID_CIRCUIT, log);
log(`${REALDID_CIRCUIT.name}: keys are up to date`);
process.exit(0); // snarkjs leaves curve worker threads running
