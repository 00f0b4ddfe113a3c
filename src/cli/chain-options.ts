// The options every command that talks to an EVM chain shares: its JSON-RPC URL, a contract
// address, and an account key read from an environment variable (never from the command
// line, where `ps` and shell history would show it).
import type { Command } from "commander";
import type { Hex } from "viem";
import { RealDidError } from "../errors.js";
import { passphraseFromEnv } from "../files.js";

export const rpcOption = (c: Command) => c.requiredOption("--rpc <url>", "the chain's JSON-RPC URL");

/** --rpc, an http(s) URL. */
export function rpcUrl(value: string): string {
  if (!/^https?:\/\/[^\s]+$/.test(value) || !URL.canParse(value)) throw new RealDidError("invalid_argument", `--rpc: ${value} is not an http(s) URL`);
  return value;
}

/** A contract address given as `option` (an EIP-55 checksum, if mixed case, must hold). viem is loaded here, not with the CLI. */
export async function contractAddress(value: string, option: string): Promise<Hex> {
  const { isAddress } = await import("viem");
  if (!isAddress(value)) throw new RealDidError("invalid_argument", `${option}: ${value} is not a contract address (0x and 40 hex digits; in mixed case, its EIP-55 checksum must hold)`);
  return value;
}

/** An account's secp256k1 key from the environment variable `option` names (from 1 to the curve's order less 1). */
export async function accountKey(variable: string, option: string): Promise<Hex> {
  const key = passphraseFromEnv(variable, option)!;
  if (!/^0x[0-9a-fA-F]{64}$/.test(key)) throw new RealDidError("invalid_argument", `environment variable ${variable} (${option}) must hold 0x and 64 hex digits`);
  const { secp256k1 } = await import("@noble/curves/secp256k1.js");
  if (!secp256k1.utils.isValidSecretKey(Buffer.from(key.slice(2), "hex"))) throw new RealDidError("invalid_argument", `environment variable ${variable} (${option}) is not a secp256k1 key: it must be from 1 to the curve's order less 1`);
  return key as Hex;
}
