// A cold CLI proof: process start to proof file, through the real `realdid prove`, alone
// and through a running `realdid prover-daemon`.
import { spawn, spawnSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { PROJECT_ROOT } from "../../src/artifacts/paths.js";
import { Identity } from "../../src/identity/identity.js";
import { exportIdentity } from "../../src/identity/identity-file.js";
import { pathFile } from "../../src/registry/path-file.js";
import { Registrar } from "../../src/registrar/registrar.js";
import { withCheckCharacter } from "../../src/registrar/national-id.js";
import type { Point } from "../../src/crypto/baby-jubjub.js";

/** Enrolls one person in a fresh registrar under `dir`, then times `realdid prove` for them, alone and with a daemon. */
export async function coldCliProofMs(dir: string, regulatorKey: Point): Promise<{ alone: number; withDaemon: number }> {
  const identity = Identity.random();
  const registrar = await Registrar.init(join(dir, "cli-registrar"), { keyFile: join(dir, "cli-registrar.bench-key.json") }); // a throwaway, insecure key file
  const [credential] = await registrar.enroll([
    { record: { name: "Bench", nationalId: withCheckCharacter("11010519900314002"), attributes: { birthDate: "1990-03-14", region: "110105", expiry: "2035-01-01", documentType: "national_id_card" } }, commitment: identity.commitment },
  ]);
  // Sealed, as every citizen's identity file is: the timing includes the ~0.2 s scrypt.
  writeFileSync(join(dir, "id.json"), exportIdentity(identity, "bench passphrase"));
  writeFileSync(join(dir, "cred.json"), JSON.stringify(credential));
  writeFileSync(join(dir, "path.json"), JSON.stringify(pathFile(await registrar.path(0))));
  await registrar.close();
  const regulatorKeyJson = { x: regulatorKey.x.toString(), y: regulatorKey.y.toString() };
  writeFileSync(join(dir, "regulator-key.json"), JSON.stringify(regulatorKeyJson));
  writeFileSync(join(dir, "policy.json"), JSON.stringify({ scope: "bench.example", minAge: 18, regulatorKey: regulatorKeyJson }));
  const cli = join(PROJECT_ROOT, "bin", "realdid.js");
  spawnSync(process.execPath, [cli, "request", "--policy", "policy.json", "--challenge", "1", "--out", "request.json"], { cwd: dir });
  const prove = (...extra: string[]) => {
    const args = [cli, "--json", "prove", "--identity", "id.json", "--credential", "cred.json", "--path", "path.json", "--request", "request.json", "--regulator-key", "regulator-key.json", "--out", "proof.json", "--passphrase-env", "BENCH_PASSPHRASE", ...extra];
    const start = performance.now();
    const run = spawnSync(process.execPath, args, { cwd: dir, encoding: "utf8", env: { ...process.env, BENCH_PASSPHRASE: "bench passphrase" } });
    if (run.status !== 0) throw new Error(`realdid prove failed: ${run.stderr}`);
    return performance.now() - start;
  };
  const alone = prove();
  const socket = join(dir, "prover.sock");
  const daemon = spawn(process.execPath, [cli, "prover-daemon", "--socket", socket], { cwd: dir, stdio: ["ignore", "pipe", "ignore"] });
  await new Promise<void>((resolve) => daemon.stdout.on("data", (data: Buffer) => data.toString().includes("listening") && resolve()));
  prove("--daemon", socket); // the daemon's first proof sets up its curve
  const withDaemon = prove("--daemon", socket);
  daemon.kill("SIGTERM");
  await new Promise((resolve) => daemon.once("exit", resolve));
  return { alone, withDaemon };
}
