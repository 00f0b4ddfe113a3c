// The circuit as sources in a checkout: compiling it and fingerprinting what shapes its
// keys. Only a ceremony and the key check need these; installed packages never compile.
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { copyFileSync, existsSync, mkdirSync, readFileSync, rmSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { RealDidError } from "../errors.js";
import type { CircuitId } from "../artifacts/circuit-id.js";
import { CIRCUITS_DIR, circuitMainPath, PROJECT_ROOT, ptauTranscriptPath } from "../artifacts/paths.js";

function packageVersion(name: string): string {
  try {
    return JSON.parse(readFileSync(join(PROJECT_ROOT, "node_modules", name, "package.json"), "utf8")).version;
  } catch {
    throw new RealDidError("invalid_argument", `${name} is not installed: ceremonies and key checks run in a checkout of realdid (npm ci), not in an installed package`);
  }
}

export const compilerVersion = (): string => `circom2 ${packageVersion("circom2")}`;

/**
 * The project's .circom files a main circuit includes, transitively (circomlib's are
 * pinned by its version). Includes resolve as the compiler's do: beside the including file,
 * then under circuits/ (its -l path).
 */
function circuitSources(circuit: CircuitId): string[] {
  const found = new Set<string>();
  const visit = (file: string): void => {
    if (found.has(file)) return;
    found.add(file);
    for (const [, target] of readFileSync(file, "utf8").matchAll(/^\s*include\s+"([^"]+)"\s*;/gm)) {
      if (target.startsWith("circomlib/")) continue;
      const beside = join(dirname(file), target);
      visit(existsSync(beside) ? beside : join(CIRCUITS_DIR, target));
    }
  };
  visit(circuitMainPath(circuit));
  return [...found].sort();
}

/** Changes whenever anything that shapes the circuit's keys changes: then its keys need a new ceremony. */
export function sourceFingerprint(circuit: CircuitId): string {
  const hash = createHash("sha256");
  hash.update(`circuit ${circuit.name}\n${compilerVersion()}\ncircomlib ${packageVersion("circomlib")}\n`);
  for (const file of circuitSources(circuit)) hash.update(`${relative(PROJECT_ROOT, file)}\n`).update(readFileSync(file));
  hash.update(readFileSync(ptauTranscriptPath()));
  return hash.digest("hex");
}

/**
 * Compiles the circuit and writes <name>.r1cs and <name>.wasm into `outDir`; returns its
 * constraint count. circom2 is deterministic: the same sources give the same files.
 */
export function compileCircuit(circuit: CircuitId, outDir: string): number {
  // circom2 runs in a WASI sandbox that cannot reach outside the project or follow "../":
  // it writes under build/ and the files are copied out.
  const build = join(PROJECT_ROOT, "build", `compile-${circuit.name}-${process.pid}`);
  mkdirSync(build, { recursive: true });
  try {
    const cli = join(PROJECT_ROOT, "node_modules", "circom2", "cli.js");
    const args = [cli, relative(PROJECT_ROOT, circuitMainPath(circuit)), "--r1cs", "--wasm", "--O2", "-l", "node_modules", "-l", "circuits", "-o", relative(PROJECT_ROOT, build)];
    const run = spawnSync(process.execPath, args, { cwd: PROJECT_ROOT, encoding: "utf8" });
    const constraints = /non-linear constraints: (\d+)/.exec(run.stdout ?? "");
    if (run.status !== 0 || !constraints) throw new Error(`circom2 failed to compile ${circuit.name}:\n${run.stdout}${run.stderr}`);
    mkdirSync(outDir, { recursive: true });
    copyFileSync(join(build, `${circuit.name}.r1cs`), join(outDir, `${circuit.name}.r1cs`));
    copyFileSync(join(build, `${circuit.name}_js`, `${circuit.name}.wasm`), join(outDir, `${circuit.name}.wasm`));
    return Number(constraints[1]);
  } finally {
    rmSync(build, { recursive: true, force: true });
  }
}
