import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
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
    private readonly wasm: Buffer,
    private calculator: WitnessCalculator,
    readonly r1cs: R1cs,
    private readonly signalIndex: Map<string, number>,
  ) {}

  /**
   * Compiles `main` (circom source with includes relative to circuits/), cached by a hash
   * of the source and of every file under circuits/ (a new template recompiles too).
   */
  static async compile(name: string, main: string): Promise<TestCircuit> {
    const hash = createHash("sha256").update(main);
    for (const file of readdirSync(CIRCUITS_DIR, { recursive: true, encoding: "utf8" }).sort()) {
      const path = join(CIRCUITS_DIR, file);
      if (statSync(path).isFile()) hash.update(`${file}\n`).update(readFileSync(path));
    }
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
    const bytes = readFileSync(wasm);
    return new TestCircuit(bytes, await WitnessCalculatorBuilder(bytes), readR1cs(join(dir, `${name}.r1cs`)), signalIndex);
  }

  /** The full witness; throws (with the failing template's name) if an assertion fails. */
  async witness(input: Record<string, unknown>): Promise<bigint[]> {
    // circom_runtime prints every failed assertion to console.error before throwing;
    // the thrown error carries the same text, which is what tests look at.
    const print = console.error;
    console.error = () => {};
    try {
      return await this.calculator.calculateWitness(input, true);
    } catch (error) {
      // A calculator never clears its error text (circom_runtime 0.1.28 appends to it for
      // good): without a fresh one, every later failure would also name this one's templates.
      this.calculator = await WitnessCalculatorBuilder(this.wasm);
      throw error;
    } finally {
      console.error = print;
    }
  }

  /**
   * Where an input fails: the failing assertion's templates from the main template inwards
   * (e.g. "RealDidBusiness > MandateInForce > InclusiveRange > Num2Bits") and its line in
   * the innermost template's file. Throws if the input gives a witness.
   */
  async failedAssertion(input: Record<string, unknown>): Promise<{ templates: string; line: number }> {
    const message = await this.witness(input).then(
      () => {
        throw new Error("the input gives a witness: no assertion fails");
      },
      (error: Error) => error.message,
    );
    const frames = [...message.matchAll(/Error in template (\w+?)_\d+ line: (\d+)/g)];
    if (frames.length === 0) throw new Error(`not a failed assertion: ${message}`);
    return { templates: frames.map((frame) => frame[1]).reverse().join(" > "), line: Number(frames[0][2]) };
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

/** The 1-based line of a circuit file (relative to circuits/) that holds `text`, which must occur on exactly one line. */
export function sourceLine(file: string, text: string): number {
  const lines = readFileSync(join(CIRCUITS_DIR, file), "utf8").split("\n");
  const found = lines.flatMap((line, i) => (line.includes(text) ? [i + 1] : []));
  if (found.length !== 1) throw new Error(`${JSON.stringify(text)} is on ${found.length} lines of ${file}, not one`);
  return found[0];
}
