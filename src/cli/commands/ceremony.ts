import type { Command } from "commander";
import { type CircuitId, PUBLISHED_CIRCUITS, REALDID_CIRCUIT } from "../../artifacts/circuit-id.js";
import { RealDidError } from "../../errors.js";
import { applyBeacon, type ContributionStep, contribute, finalizeCeremony, initCeremony, verifyCeremony } from "../../ceremony/ceremony.js";
import { defineCommand, integerOption } from "../command-kit.js";
import { passphraseFromEnv } from "../../files.js";

interface CeremonyOptions {
  dir: string;
  ptau?: string;
  name: string;
  entropyEnv?: string;
  beacon: string;
  iterations: number;
  outDir: string;
  development?: boolean;
  circuit: string;
}

function circuitNamed(name: string): CircuitId {
  const circuit = PUBLISHED_CIRCUITS.find((c) => c.name === name);
  if (!circuit) throw new RealDidError("invalid_argument", `--circuit must be one of ${PUBLISHED_CIRCUITS.map((c) => c.name).join(", ")}, received ${JSON.stringify(name)}`);
  return circuit;
}

const dirOption = (c: Command) =>
  c
    .requiredOption("--dir <dir>", "the ceremony folder (it travels from contributor to contributor)")
    .option("--ptau <file>", "the prepared phase-1 powers of tau (default: this checkout's development keys/ptau/pot15.ptau; production: a public multi-party one)");

const stepResult = (step: ContributionStep, dir: string) => ({
  data: { step: step.index, kind: step.kind, file: step.file, contributionHash: step.contributionHash },
  lines: [`step ${step.index} (${step.kind}) written to ${dir}/${step.file}`, `contribution hash (publish it, so anyone can check it is in the final keys):`, step.contributionHash, `pass the folder ${dir} on to the next contributor`],
});

export function ceremonyCommands(program: Command): void {
  const ceremony = program.command("ceremony").description("the Groth16 phase-2 ceremony that makes a published key set (run in a checkout of realdid)");

  defineCommand<CeremonyOptions>(
    ceremony,
    { name: "init", summary: "start a ceremony: compile the circuit and make the initial key (about 30 s)", example: "realdid ceremony init --dir ./ceremony --circuit realdid-business-32-4" },
    (c) => dirOption(c).option("--circuit <name>", `the circuit (${PUBLISHED_CIRCUITS.map((c) => c.name).join(" or ")})`, REALDID_CIRCUIT.name),
    async (_, o, output) => {
      const started = await initCeremony(o.dir, circuitNamed(o.circuit), output.progress, { ptau: o.ptau });
      return {
        data: { dir: o.dir, circuit: started.circuit, constraints: started.constraints },
        lines: [`ceremony for ${started.circuit} (${started.constraints} constraints) started in ${o.dir}`, `send the folder to the first contributor: realdid ceremony contribute --dir ${o.dir} --name '<your name>'`],
      };
    },
  );

  defineCommand<CeremonyOptions>(
    ceremony,
    { name: "contribute", summary: "check the circuit and the last step, add your own randomness, and pass the folder on", example: "realdid ceremony contribute --dir ./ceremony --name 'Alice (Example University)'" },
    (c) => dirOption(c).requiredOption("--name <name>", "who you are, as the transcript will show it").option("--entropy-env <variable>", "extra entropy from an environment variable (mixed with this machine's randomness)"),
    async (_, o, output) => {
      output.progress("checking the circuit and the last step, then contributing");
      const step = await contribute(o.dir, o.name, { entropy: o.entropyEnv === undefined ? "" : passphraseFromEnv(o.entropyEnv), ptau: o.ptau, log: output.progress });
      return stepResult(step, o.dir);
    },
  );

  defineCommand<CeremonyOptions>(
    ceremony,
    { name: "beacon", summary: "close the ceremony with a public random beacon (announced in advance)", example: "realdid ceremony beacon --dir ./ceremony --beacon 0a1b…(64 hex) --iterations 10" },
    (c) => dirOption(c).requiredOption("--beacon <hex>", "the beacon value: 32 bytes, hex").option("--iterations <exp>", "hash the beacon 2^exp times", integerOption("--iterations"), 10),
    async (_, o, output) => stepResult(await applyBeacon(o.dir, o.beacon, o.iterations, { ptau: o.ptau, log: output.progress }), o.dir),
  );

  defineCommand<CeremonyOptions>(
    ceremony,
    { name: "verify", summary: "verify a ceremony: the initial key against the circuit, every file, and every contribution (the chain the last key carries); the first wrong step is named", example: "realdid ceremony verify --dir ./ceremony" },
    (c) => dirOption(c),
    async (_, o, output) => {
      const verified = await verifyCeremony(o.dir, { ptau: o.ptau, log: output.progress });
      const steps = verified.steps.map((step) => ({ index: step.index, kind: step.kind, name: step.kind === "init" ? null : step.name, contributionHash: step.kind === "init" ? null : step.contributionHash }));
      return {
        data: { valid: true, circuit: verified.circuit, steps },
        lines: [`ceremony valid: ${verified.steps.length - 1} steps after the initial key`, ...steps.slice(1).map((s) => `  ${s.index}. ${s.kind} ${s.name}: ${s.contributionHash!.slice(0, 32)}…`)],
      };
    },
  );

  defineCommand<CeremonyOptions>(
    ceremony,
    { name: "finalize", summary: "verify the ceremony and write its result as a key set (prints the key id)", example: "realdid ceremony finalize --dir ./ceremony --out-dir ./keys/realdid-32-4" },
    (c) => dirOption(c).requiredOption("--out-dir <dir>", "where to write the key set").option("--development", "label the keys as development keys (printed wherever they are used)"),
    async (_, o, output) => {
      const manifest = await finalizeCeremony(o.dir, o.outDir, { development: o.development === true, ptau: o.ptau, log: output.progress });
      if (manifest.warning) output.warn(manifest.warning);
      return {
        data: { keyId: manifest.keyId, outDir: o.outDir, contributors: manifest.contributors },
        lines: [`key set written to ${o.outDir}`, `key id: ${manifest.keyId}`, `contributors: ${manifest.contributors.join(", ")}`],
      };
    },
  );
}
