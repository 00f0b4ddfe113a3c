import { RealDidError } from "../errors.js";
import { releaseCurve } from "../proof/curve.js";

/** How a command talks back: plain lines for people, one JSON object with --json. */
export interface CommandOutput {
  readonly json: boolean;
  /** Progress of a long step: shown on a terminal, silent under --json or when piped. */
  progress(line: string): void;
  /** A warning (development keys, unencrypted secrets): stderr, or the JSON result's warnings. */
  warn(line: string): void;
}

export interface CommandResult {
  /** What --json prints. */
  readonly data: Record<string, unknown>;
  /** What a person sees. */
  readonly lines: readonly string[];
  /** Exit status: 0 unless the command's answer is "no" (e.g. an invalid proof). */
  readonly exitCode?: number;
  /** A daemon that goes on proving after it answers: keep snarkjs's curve alive. */
  readonly keepsCurve?: boolean;
}

const stringifyBigInts = (_key: string, value: unknown) => (typeof value === "bigint" ? value.toString() : value);

/**
 * Runs a command action: prints its result, maps errors to one line (or a JSON error)
 * and an exit status, never a stack trace. Set REALDID_DEBUG=1 to see the stack of an
 * unexpected error.
 */
export async function runCommand(json: boolean, action: (output: CommandOutput) => Promise<CommandResult>): Promise<void> {
  const warnings: string[] = [];
  const output: CommandOutput = {
    json,
    progress: (line) => {
      if (!json && process.stderr.isTTY) process.stderr.write(`… ${line}\n`);
    },
    // Warnings go with the result (JSON: its warnings field); a failure stays one line.
    warn: (line) => void (warnings.includes(line) || warnings.push(line)),
  };
  let keepsCurve = false;
  try {
    const result = await action(output);
    keepsCurve = result.keepsCurve === true;
    if (json) process.stdout.write(JSON.stringify({ ...result.data, ...(warnings.length ? { warnings } : {}) }, stringifyBigInts, 2) + "\n");
    else {
      for (const line of result.lines) process.stdout.write(line + "\n");
      for (const line of warnings) process.stderr.write(`warning: ${line}\n`);
    }
    process.exitCode = result.exitCode ?? 0;
  } catch (error) {
    const known = error instanceof RealDidError;
    const code = known ? error.code : "internal_error";
    const message = known ? error.message : `unexpected error: ${(error as Error)?.message ?? String(error)}`;
    if (json) process.stdout.write(JSON.stringify({ error: { code, message } }) + "\n");
    process.stderr.write(`realdid: ${message}\n`);
    if (!known && process.env.REALDID_DEBUG) process.stderr.write(`${(error as Error)?.stack}\n`);
    process.exitCode = known ? 1 : 70;
  } finally {
    if (!keepsCurve) await releaseCurve();
  }
}
