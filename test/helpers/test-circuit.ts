import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import { type WitnessCalculator, WitnessCalculatorBuilder } from "circom_runtime";
import { CIRCUITS_DIR, PROJECT_ROOT } from "../../src/artifacts/paths.js";
import { failedConstraints, type R1cs, readR1cs } from "./r1cs.js";

const TEST_BUILD_DIR = join(PROJECT_ROOT, "build", "test-circuits");

/**
 * A circuit compiled for tests (a small main around one template, or the real main),
 * with its witness calculator built once and its constraints readable, so tests can
 * compute witnesses, read signals by name and check edited witnesses.
 */
export class TestCircuit {
  private constructor(
    private readonly calculator: WitnessCalculator,
    readonly r1cs: R1cs,
    private readonly signalIndex: Map<string, number>,
  ) {}

  /**
   * Compiles `main` (circom source with includes relative to circuits/), cached by a hash
   * of the source and every library template.
   */
  static async compile(name: string, main: string): Promise<TestCircuit> {
    const hash = createHash("sha256").update(main);
    for (const file of ["identity-commitment", "credential-leaf", "merkle-inclusion", "attribute-predicates", "did-address", "handle-escrow"]) {
      hash.update(readFileSync(join(CIRCUITS_DIR, "lib", `${file}.circom`)));
    }
    hash.update(readFileSync(join(CIRCUITS_DIR, "realdid.circom")));
    const dir = join(TEST_BUILD_DIR, `${name}-${hash.digest("hex").slice(0, 16)}`);
    const wasm = join(dir, `${name}_js`, `${name}.wasm`);
    if (!existsSync(wasm)) {
      rmSync(dir, { recursive: true, force: true });
      mkdirSync(dir, { recursive: true });
      writeFileSync(join(dir, `${name}.circom`), main);
      const cli = join(PROJECT_ROOT, "node_modules", "circom2", "cli.js");
      const rel = (path: string) => relative(PROJECT_ROOT, path);
      const run = spawnSync(process.execPath, [cli, rel(join(dir, `${name}.circom`)), "--r1cs", "--wasm", "--sym", "--O2", "-l", "node_modules", "-l", "circuits", "-o", rel(dir)], { cwd: PROJECT_ROOT, encoding: "utf8" });
      if (run.status !== 0) throw new Error(`compiling ${name} failed:\n${run.stdout}${run.stderr}`);
    }
    const signalIndex = new Map<string, number>();
    for (const line of readFileSync(join(dir, `${name}.sym`), "utf8").split("\n")) {
      const [, witnessIndex, , signal] = line.split(",");
      if (signal && Number(witnessIndex) >= 0) signalIndex.set(signal, Number(witnessIndex));
    }
    return new TestCircuit(await WitnessCalculatorBuilder(readFileSync(wasm)), readR1cs(join(dir, `${name}.r1cs`)), signalIndex);
  }

  /** The full witness; throws (with the failing template's name) if an assertion fails. */
  async witness(input: Record<string, unknown>): Promise<bigint[]> {
    // circom_runtime prints every failed assertion to console.error before throwing;
    // the thrown error carries the same text, which is what tests look at.
    const print = console.error;
    console.error = () => {};
    try {
      return await this.calculator.calculateWitness(input, true);
    } finally {
      console.error = print;
    }
  }

  /** A signal's value by name, e.g. "main.root". */
  signal(witness: readonly bigint[], name: string): bigint {
    return witness[this.indexOf(name)];
  }

  indexOf(name: string): number {
    const index = this.signalIndex.get(name);
    if (index === undefined) throw new Error(`no signal ${name} in the witness`);
    return index;
  }

  /** A copy of the witness with signals overwritten, as a cheating prover would. */
  edit(witness: readonly bigint[], changes: Record<string, bigint>): bigint[] {
    const edited = [...witness];
    for (const [name, value] of Object.entries(changes)) edited[this.indexOf(name)] = value;
    return edited;
  }

  failedConstraints(witness: readonly bigint[]): number[] {
    return failedConstraints(this.r1cs, witness);
  }
}

/** A main component around one template, for template-level tests. */
export const templateMain = (include: string, instance: string, publics: string[] = []) =>
  `pragma circom 2.1.5;\ninclude "${include}";\ncomponent main${publics.length ? ` {public [${publics.join(", ")}]}` : ""} = ${instance};\n`;
