// One place for how realdid talks to an EVM chain over JSON-RPC (viem's HTTP transport):
// the clients, deployment, and a chain call's failure as one line with a stable code.
// Platform-neutral.
import { type Abi, BaseError, type Chain, ContractFunctionRevertedError, ContractFunctionZeroDataError, createPublicClient, createWalletClient, type Hex, HttpRequestError, type HttpTransport, http, type PublicClient, type WalletClient } from "viem";
import { type PrivateKeyAccount, privateKeyToAccount } from "viem/accounts";
import { RealDidError } from "../errors.js";
import type { ContractArtifact } from "./contract-artifacts.js";

/** A reader on the chain at `rpcUrl` (no retries: the caller reports an outage in one line). */
export const chainReader = (rpcUrl: string, timeoutMs?: number): PublicClient => createPublicClient({ transport: http(rpcUrl, { retryCount: 0, timeout: timeoutMs }), pollingInterval: 250 });

/** A reader and a signer for the account whose secp256k1 key is `accountKey` (0x + 64 hex). */
export function chainClients(rpcUrl: string, accountKey: Hex): { account: PrivateKeyAccount; client: PublicClient; wallet: WalletClient<HttpTransport, Chain | undefined, PrivateKeyAccount> } {
  const account = privateKeyToAccount(accountKey);
  return { account, client: chainReader(rpcUrl), wallet: createWalletClient({ account, transport: http(rpcUrl, { retryCount: 0 }) }) };
}

/** Deploys `artifact` with constructor `args`, signed by `accountKey`; waits until it is mined. */
export async function deployContract(rpcUrl: string, artifact: ContractArtifact, args: readonly unknown[], accountKey: Hex): Promise<{ address: Hex; deployer: Hex }> {
  const { client, wallet, account } = chainClients(rpcUrl, accountKey);
  const what = `deploying ${artifact.contractName}`;
  const hash = await onChain(rpcUrl, what, () => wallet.deployContract({ chain: null, abi: artifact.abi as Abi, bytecode: artifact.bytecode, args: args as unknown[] }));
  const receipt = await onChain(rpcUrl, what, () => client.waitForTransactionReceipt({ hash }));
  if (receipt.status !== "success" || !receipt.contractAddress) throw new RealDidError("chain_refused", `${artifact.contractName} was not deployed (transaction ${hash})`);
  return { address: receipt.contractAddress, deployer: account.address };
}

/**
 * The custom error a contract refused a call with (e.g. "WrongScope"), if it did. A revert
 * without one (a node's internal error, another contract's bare revert) is not a refusal
 * by name: viem reports some node faults as reverts too.
 */
export function revertName(error: unknown): string | undefined {
  if (!(error instanceof BaseError)) return undefined;
  const reverted = error.walk((cause) => cause instanceof ContractFunctionRevertedError);
  return reverted instanceof ContractFunctionRevertedError ? reverted.data?.errorName : undefined;
}

/** Whether a call got no data back: no contract at that address (or not yet, at that block). */
export const noContractAnswer = (error: unknown): boolean => error instanceof BaseError && error.walk((cause) => cause instanceof ContractFunctionZeroDataError) !== null;

/** A chain call; its failure as one line (chainFailure). */
export async function onChain<T>(rpcUrl: string, what: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    throw chainFailure(rpcUrl, what, error);
  }
}

/** A failed chain call as one line: the contract's refusal by name, or the node unreachable. */
export function chainFailure(rpcUrl: string, what: string, error: unknown): unknown {
  if (!(error instanceof BaseError)) return error;
  const refusal = revertName(error);
  if (refusal !== undefined) return new RealDidError("chain_refused", `${what}: the contract refused it (${refusal})`);
  if (noContractAnswer(error)) return new RealDidError("chain_refused", `${what}: no such contract at that address on ${rpcUrl} (the call returned no data)`);
  const unreachable = error.walk((cause) => cause instanceof HttpRequestError) !== null;
  return new RealDidError(unreachable ? "chain_unavailable" : "chain_refused", `${what}: ${unreachable ? `the chain at ${rpcUrl} did not answer` : "the chain refused it"} (${error.shortMessage})`);
}
