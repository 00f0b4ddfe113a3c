import { type Command, InvalidArgumentError } from "commander";
import type { CircuitArtifacts } from "../artifacts/artifacts.js";
import { BUSINESS_CIRCUIT } from "../artifacts/circuit-id.js";
import { loadArtifacts } from "../artifacts/load.js";
import { type CommandOutput, type CommandResult, runCommand } from "./output.js";

/**
 * Declares a subcommand with a help example and an action run through runCommand, so
 * every command gets --json, one-line errors and exit codes the same way.
 */
export function defineCommand<Options>(
  parent: Command,
  spec: { name: string; summary: string; example: string },
  configure: (command: Command) => Command,
  action: (args: string[], options: Options, output: CommandOutput) => Promise<CommandResult>,
): Command {
  const command = configure(parent.command(spec.name).description(spec.summary)).addHelpText("after", `\nExample:\n  $ ${spec.example}\n`);
  command.action(async (...received: unknown[]) => {
    const self = received.at(-1) as Command;
    const args = received.slice(0, -2) as string[];
    const options = self.optsWithGlobals() as Options & { json?: boolean };
    await runCommand(options.json === true, (output) => action(args, options, output));
  });
  return command;
}

/** Parses a non-negative integer option, with an error that names it. */
export function integerOption(name: string) {
  return (value: string): number => {
    if (!/^\d+$/.test(value)) throw new InvalidArgumentError(`${name} must be a non-negative integer`);
    return Number(value);
  };
}

/** A repeatable option's parser: every value given, in order. */
export const collect = (value: string, previous: string[] = []): string[] => [...previous, value];

/** The key set a command proves or verifies with: --keys, else $REALDID_KEYS, else the keys published with the package. */
export const commandKeys = (options: { keys?: string }, output: CommandOutput): CircuitArtifacts =>
  loadArtifacts({ dir: options.keys ?? process.env.REALDID_KEYS, warn: output.warn });

/** The business circuit's key set: --business-keys, else $REALDID_BUSINESS_KEYS, else the published one. */
export const commandBusinessKeys = (options: { businessKeys?: string }, output: CommandOutput): CircuitArtifacts =>
  loadArtifacts({ circuit: BUSINESS_CIRCUIT, dir: options.businessKeys ?? process.env.REALDID_BUSINESS_KEYS, warn: output.warn });
