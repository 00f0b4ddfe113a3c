// `npm run keys:dev-ceremony`: the development key set, made by the same ceremony commands
// production keys come from (realdid ceremony init | contribute | beacon | finalize), with
// three local contributors and a deterministic beacon. DEVELOPMENT KEYS: one machine ran
// every contribution, so its operator could have kept the randomness. Run it only when the
// circuit changes (`npm test` says so), then commit keys/realdid-32-4/.
import { createHash } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { REALDID_CIRCUIT } from "../src/artifacts/circuit-id.js";
import { publishedKeysDir } from "../src/artifacts/paths.js";
import { applyBeacon, contribute, finalizeCeremony, initCeremony } from "../src/ceremony/ceremony.js";

const log = (line: string) => console.log(`[ceremony] ${line}`);
const dir = mkdtempSync(join(tmpdir(), "realdid-dev-ceremony-"));
try {
  await initCeremony(dir, REALDID_CIRCUIT, log);
  for (const name of ["realdid dev contributor 1", "realdid dev contributor 2", "realdid dev contributor 3"]) {
    const step = await contribute(dir, name);
    log(`${name}: ${step.contributionHash.slice(0, 32)}…`);
  }
  await applyBeacon(dir, createHash("sha256").update(`realdid development beacon ${REALDID_CIRCUIT.name}`).digest("hex"), 10);
  const manifest = await finalizeCeremony(dir, publishedKeysDir(REALDID_CIRCUIT), { development: true, log });
  log(`development keys written to ${publishedKeysDir(REALDID_CIRCUIT)}: key id ${manifest.keyId}`);
  log(manifest.warning!);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
process.exit(0); // snarkjs leaves curve worker threads running
