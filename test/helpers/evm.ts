// An EVM in this process (@ethereumjs/vm, Cancun, with the BN254 precompiles): contracts
// deployed and called by real transactions signed by test accounts, blocks at a time the
// test sets. No node, no network.
import { createBlock } from "@ethereumjs/block";
import { Common, Hardfork, Mainnet } from "@ethereumjs/common";
import { createLegacyTx } from "@ethereumjs/tx";
import { Account, type Address, bytesToHex, createAddressFromPrivateKey, hexToBytes } from "@ethereumjs/util";
import { createVM, runTx, type VM } from "@ethereumjs/vm";
import { type Abi, BaseError, type ContractFunctionName, decodeErrorResult, decodeEventLog, decodeFunctionResult, encodeDeployData, encodeFunctionData, type Hex } from "viem";
import type { ContractArtifact } from "../../src/chain/contract-artifacts.js";

/** Test accounts' keys: insecure by design, never for a real chain. */
const TEST_KEYS: readonly Hex[] = [`0x${"11".repeat(32)}`, `0x${"22".repeat(32)}`, `0x${"33".repeat(32)}`];

export interface TestAccount {
  readonly key: Uint8Array;
  readonly address: Address;
  readonly hex: Hex;
}

export interface Deployed {
  readonly address: Address;
  readonly abi: Abi;
}

export interface Sent {
  readonly gasUsed: bigint;
  readonly events: { eventName: string; args: Record<string, unknown> }[];
}

export class InProcessChain {
  private readonly nonces = new Map<string, bigint>();
  private number = 1n;
  /** Seconds since 1970: the timestamp of the next block. */
  time = BigInt(Math.floor(Date.parse("2026-11-26T00:00:00Z") / 1000));

  private constructor(
    private readonly vm: VM,
    private readonly common: Common,
    readonly accounts: readonly TestAccount[],
  ) {}

  static async create(): Promise<InProcessChain> {
    const common = new Common({ chain: Mainnet, hardfork: Hardfork.Cancun });
    const vm = await createVM({ common });
    const accounts = TEST_KEYS.map((hex) => {
      const key = hexToBytes(hex);
      const address = createAddressFromPrivateKey(key);
      return { key, address, hex: address.toString() as Hex };
    });
    for (const { address } of accounts) await vm.stateManager.putAccount(address, new Account(0n, 10n ** 24n));
    return new InProcessChain(vm, common, accounts);
  }

  async deploy(artifact: ContractArtifact, args: readonly unknown[], from = this.accounts[0]): Promise<Deployed> {
    const result = await this.run(from, undefined, encodeDeployData({ abi: artifact.abi, bytecode: artifact.bytecode, args }), artifact.abi);
    if (result.createdAddress === undefined) throw new Error(`${artifact.contractName} was not deployed`);
    return { address: result.createdAddress, abi: artifact.abi };
  }

  /** A transaction calling `fn`; a revert throws an Error whose message is the contract's error name. */
  async send(contract: Deployed, fn: ContractFunctionName<Abi>, args: readonly unknown[], from = this.accounts[0]): Promise<Sent> {
    const result = await this.run(from, contract.address, encodeFunctionData({ abi: contract.abi, functionName: fn, args }), contract.abi);
    const events = result.receipt.logs.map(([, topics, data]) => decodeEventLog({ abi: contract.abi, topics: topics.map((t) => bytesToHex(t)) as [Hex, ...Hex[]], data: bytesToHex(data) }) as unknown as Sent["events"][number]);
    return { gasUsed: result.totalGasSpent, events };
  }

  /** A call without a transaction, at the next block's time. */
  async call<T>(contract: Deployed, fn: ContractFunctionName<Abi>, args: readonly unknown[] = []): Promise<T> {
    const data = encodeFunctionData({ abi: contract.abi, functionName: fn, args });
    // As eth_call: whatever the call changes (the caller's nonce, too) is undone.
    await this.vm.stateManager.checkpoint();
    const { execResult } = await this.vm.evm.runCall({ to: contract.address, caller: this.accounts[0].address, data: hexToBytes(data), block: this.nextBlock() }).finally(() => this.vm.stateManager.revert());
    if (execResult.exceptionError) throw revertError(contract.abi, execResult.returnValue);
    return decodeFunctionResult({ abi: contract.abi, functionName: fn, data: bytesToHex(execResult.returnValue) }) as T;
  }

  private nextBlock() {
    return createBlock({ header: { number: this.number, timestamp: this.time, gasLimit: 60_000_000n, baseFeePerGas: 7n } }, { common: this.common });
  }

  private async run(from: TestAccount, to: Address | undefined, data: Hex, abi: Abi) {
    const nonce = this.nonces.get(from.hex) ?? 0n;
    const tx = createLegacyTx({ nonce, gasPrice: 10n ** 9n, gasLimit: 30_000_000n, to, data }, { common: this.common }).sign(from.key);
    const result = await runTx(this.vm, { tx, block: this.nextBlock(), skipBlockGasLimitValidation: true });
    this.nonces.set(from.hex, nonce + 1n); // a reverted transaction still uses its nonce
    this.number++;
    if (result.execResult.exceptionError) throw revertError(abi, result.execResult.returnValue);
    return result;
  }
}

function revertError(abi: Abi, data: Uint8Array): Error {
  try {
    const { errorName, args } = decodeErrorResult({ abi, data: bytesToHex(data) });
    return new Error(args && args.length > 0 ? `${errorName}(${args.join(", ")})` : errorName);
  } catch (error) {
    if (error instanceof BaseError) return new Error(`reverted without a known error (${bytesToHex(data)})`);
    throw error;
  }
}
