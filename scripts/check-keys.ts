// `npm test` runs this first: the committed key set must be the one this checkout's circuit
// and powers of tau give, from a verified ceremony. Keys are never rebuilt here: when the
// circuit changes, a new ceremony is an explicit step (npm run keys:dev-ceremony).
import { REALDID_CIRCUIT } from "../src/artifacts/circuit-id.js";
import { publishedKeysDir } from "../src/artifacts/paths.js";
import { checkKeySet } from "../src/ceremony/ceremony.js";
import { RealDidError } from "../src/errors.js";

const started = Date.now();
try {
  const manifest = await checkKeySet(publishedKeysDir(REALDID_CIRCUIT), REALDID_CIRCUIT, { log: (line) => console.log(`[keys] ${line}`) });
  console.log(`[keys] ${REALDID_CIRCUIT.name}: key id ${manifest.keyId} verified against the circuit in ${((Date.now() - started) / 1000).toFixed(1)} s (contributors: ${manifest.contributors.join(", ")})`);
  process.exit(0);
} catch (error) {
  console.error(`[keys] ${error instanceof RealDidError ? error.message : (error as Error).stack}`);
  process.exit(1);
}
