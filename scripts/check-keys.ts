// `npm test` runs this first: each committed key set must be the one this checkout's circuit
// and powers of tau give, from a verified ceremony. Keys are never rebuilt here: when the
// circuit changes, a new ceremony is an explicit step (npm run keys:dev-ceremony).
import { PUBLISHED_CIRCUITS } from "../src/artifacts/circuit-id.js";
import { publishedKeysDir } from "../src/artifacts/paths.js";
import { checkKeySet } from "../src/ceremony/ceremony.js";
import { RealDidError } from "../src/errors.js";

try {
  for (const circuit of PUBLISHED_CIRCUITS) {
    const started = Date.now();
    const manifest = await checkKeySet(publishedKeysDir(circuit), circuit, { log: (line) => console.log(`[keys] ${line}`) });
    console.log(`[keys] ${circuit.name}: key id ${manifest.keyId} verified against the circuit in ${((Date.now() - started) / 1000).toFixed(1)} s (contributors: ${manifest.contributors.join(", ")})`);
  }
  process.exit(0);
} catch (error) {
  console.error(`[keys] ${error instanceof RealDidError ? error.message : (error as Error).stack}`);
  process.exit(1);
}
