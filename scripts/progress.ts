import type { Logger } from "snarkjs";

/** A snarkjs logger that prints only progress-worthy lines, prefixed, to stderr. */
export function progressLogger(prefix: string): Logger {
  const say = (message: string) => process.stderr.write(`[${prefix}] ${message}\n`);
  return { debug: () => {}, info: say, warn: say, error: say };
}
