// `npm run keys:dev-ceremony`: the development key set, made by the same ceremony commands
// production keys come from (realdid ceremony init | contribute | beacon | finalize), with
// three local contributors and a deterministic beacon. DEVELOPMENT KEYS: one machine ran
// every contribution, so its operator could have kept the randomness. Run it only when a
// circuit changes (`npm test` says which), then commit keys/<circuit>/:
//   npm run keys:dev-ceremony -- [circuit ...]   (default: every published circuit)
import { createHash } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PUBLISHED_CIRCUITS } from "../src/artifacts/circuit-id.js";
import { publishedKeysDir } from "../src/artifacts/paths.js";
import { applyBeacon, contribute, finalizeCeremony, initCeremony } from "../src/ceremony/ceremony.js";

const log = (line: string) => console.log(`[ceremony] ${line}`);
const names = process.argv.slice(2);
const unknown = names.filter((name) => !PUBLISHED_CIRCUITS.some((c) => c.name === name));
if (unknown.length > 0) {
  console.error(`[ceremony] unknown circuit ${unknown.join(", ")}: one of ${PUBLISHED_CIRCUITS.map((c) => c.name).join(", ")}`);
  process.exit(1);
}
for (const circuit of PUBLISHED_CIRCUITS.filter((c) => names.length === 0 || names.includes(c.name))) {
  const dir = mkdtempSync(join(tmpdir(), `realdid-dev-ceremony-${circuit.name}-`));
  try {
    await initCeremony(dir, circuit, log);
    for (const name of ["realdid dev contributor 1", "realdid dev contributor 2", "realdid dev contributor 3"]) {
      const step = await contribute(dir, name);
      log(`${circuit.name}: ${name}: ${step.contributionHash.slice(0, 32)}…`);
    }
    await applyBeacon(dir, createHash("sha256").update(`realdid development beacon ${circuit.name}`).digest("hex"), 10);
    const manifest = await finalizeCeremony(dir, publishedKeysDir(circuit), { development: true, log });
    log(`development keys written to ${publishedKeysDir(circuit)}: key id ${manifest.keyId}`);
    log(manifest.warning!);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
process.exit(0); // snarkjs leaves curve worker threads running
