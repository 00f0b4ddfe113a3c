// An EVM in this process (@ethereumjs/vm, Cancun, with the BN254 precompiles): contracts
// deployed and called by real transactions signed by test accounts, blocks at a time the
// test sets, one block per transaction (or several in one, inOneBlock). No node, no network; `serve` answers the JSON-RPC
// methods a client (viem) needs, over HTTP on 127.0.0.1, for the CLI's tests.
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { createBlock } from "@ethereumjs/block";
import { type Common, createCustomCommon, Hardfork, Mainnet } from "@ethereumjs/common";
import { createLegacyTx, createTxFromRLP, type TypedTransaction } from "@ethereumjs/tx";
import { Account, type Address, bytesToHex, createAddressFromPrivateKey, createAddressFromString, hexToBytes } from "@ethereumjs/util";
import { createVM, runTx, type RunTxResult, type VM } from "@ethereumjs/vm";
import { type Abi, BaseError, type ContractFunctionName, decodeErrorResult, decodeEventLog, decodeFunctionResult, encodeDeployData, encodeFunctionData, type Hex } from "viem";
import type { ContractArtifact } from "../../src/chain/contract-artifacts.js";

/** Test accounts' keys: insecure by design, never for a real chain. */
export const TEST_CHAIN_KEYS: readonly Hex[] = [`0x${"11".repeat(32)}`, `0x${"22".repeat(32)}`, `0x${"33".repeat(32)}`];
export const TEST_CHAIN_ID = 1337;
const GAS_PRICE = 10n ** 9n;

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

interface MinedLog {
  readonly address: Hex;
  readonly topics: Hex[];
  readonly data: Hex;
  readonly blockNumber: bigint;
  readonly transactionHash: Hex;
  readonly logIndex: number;
}

interface Mined {
  readonly hash: Hex;
  readonly from: Hex;
  readonly to: Hex | null;
  readonly blockNumber: bigint;
  readonly result: RunTxResult;
  readonly logs: MinedLog[];
}

const quantity = (value: bigint | number) => `0x${value.toString(16)}`;

export class InProcessChain {
  private number = 1n;
  private readonly mined = new Map<Hex, Mined>();
  private readonly logs: MinedLog[] = [];
  /** Each block's state root after it, for calls at a past block (eth_call's block tag). */
  private readonly stateRoots = new Map<bigint, Uint8Array>();
  private turn: Promise<unknown> = Promise.resolve();
  private sharingBlock = false;
  /** Seconds since 1970: the timestamp of the next block. */
  time = BigInt(Math.floor(Date.parse("2026-11-26T00:00:00Z") / 1000));

  private constructor(
    private readonly vm: VM,
    private readonly common: Common,
    readonly accounts: readonly TestAccount[],
  ) {}

  static async create(): Promise<InProcessChain> {
    const common = createCustomCommon({ chainId: TEST_CHAIN_ID }, Mainnet, { hardfork: Hardfork.Cancun });
    const vm = await createVM({ common });
    const accounts = TEST_CHAIN_KEYS.map((hex) => {
      const key = hexToBytes(hex);
      const address = createAddressFromPrivateKey(key);
      return { key, address, hex: address.toString() as Hex };
    });
    for (const { address } of accounts) await vm.stateManager.putAccount(address, new Account(0n, 10n ** 24n));
    const chain = new InProcessChain(vm, common, accounts);
    chain.stateRoots.set(0n, await vm.stateManager.getStateRoot());
    return chain;
  }

  async deploy(artifact: ContractArtifact, args: readonly unknown[], from = this.accounts[0]): Promise<Deployed> {
    const { result } = await this.signAndMine(from, undefined, encodeDeployData({ abi: artifact.abi, bytecode: artifact.bytecode, args }), artifact.abi);
    if (result.createdAddress === undefined) throw new Error(`${artifact.contractName} was not deployed`);
    return { address: result.createdAddress, abi: artifact.abi };
  }

  /** A transaction calling `fn`; a revert throws an Error whose message is the contract's error name. */
  async send(contract: Deployed, fn: ContractFunctionName<Abi>, args: readonly unknown[], from = this.accounts[0]): Promise<Sent> {
    const { result, logs } = await this.signAndMine(from, contract.address, encodeFunctionData({ abi: contract.abi, functionName: fn, args }), contract.abi);
    const events = logs.map(({ topics, data }) => decodeEventLog({ abi: contract.abi, topics: topics as [Hex, ...Hex[]], data }) as unknown as Sent["events"][number]);
    return { gasUsed: result.totalGasSpent, events };
  }

  /** Runs `send`s in one block (as a busy chain packs transactions), instead of a block each. */
  async inOneBlock<T>(work: () => Promise<T>): Promise<T> {
    this.sharingBlock = true;
    try {
      return await work();
    } finally {
      this.sharingBlock = false;
      this.number++;
    }
  }

  /** A call without a transaction, at the next block's time. */
  async call<T>(contract: Deployed, fn: ContractFunctionName<Abi>, args: readonly unknown[] = []): Promise<T> {
    const returned = await this.callData(contract.address.toString() as Hex, encodeFunctionData({ abi: contract.abi, functionName: fn, args }));
    if (!returned.ok) throw revertError(contract.abi, returned.data);
    return decodeFunctionResult({ abi: contract.abi, functionName: fn, data: returned.data }) as T;
  }

  /** JSON-RPC over HTTP on 127.0.0.1 (the methods viem's public and wallet clients use for contracts and logs). */
  async serve(): Promise<{ url: string; close: () => Promise<void> }> {
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (chunk: Buffer) => chunks.push(chunk));
      req.on("end", async () => {
        const body = JSON.parse(Buffer.concat(chunks).toString("utf8"));
        const answer = async ({ id, method, params }: { id: unknown; method: string; params: unknown[] }) => {
          try {
            return { jsonrpc: "2.0", id, result: await this.inTurn(() => this.rpc(method, params ?? [])) };
          } catch (error) {
            const { message, data, code = 3 } = error as { message: string; data?: Hex; code?: number };
            return { jsonrpc: "2.0", id, error: { code, message, data } };
          }
        };
        const reply = Array.isArray(body) ? await Promise.all(body.map(answer)) : await answer(body);
        res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(reply));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    return {
      url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
      close: () => new Promise((resolve) => server.close(() => resolve())),
    };
  }

  /** One request at a time, as a node's state is one: a call at a past block swaps the state root for a moment. */
  private inTurn<T>(work: () => Promise<T>): Promise<T> {
    const turn = this.turn.then(work);
    this.turn = turn.catch(() => undefined);
    return turn;
  }

  private async rpc(method: string, params: unknown[]): Promise<unknown> {
    switch (method) {
      case "eth_chainId":
        return quantity(TEST_CHAIN_ID);
      case "eth_blockNumber":
        return quantity(this.number - 1n);
      case "eth_gasPrice":
      case "eth_maxPriorityFeePerGas":
        return quantity(GAS_PRICE);
      case "eth_getBlockByNumber":
        return { number: quantity(this.number - 1n), timestamp: quantity(this.time), baseFeePerGas: quantity(7n), gasLimit: quantity(60_000_000n), hash: `0x${"00".repeat(32)}`, transactions: [] };
      case "eth_getTransactionCount":
        return quantity((await this.vm.stateManager.getAccount(createAddressFromString(params[0] as string)))?.nonce ?? 0n);
      case "eth_estimateGas":
        return quantity(5_000_000n);
      case "eth_call": {
        const { to, data } = params[0] as { to: Hex; data: Hex };
        const tag = params[1] as string | undefined;
        const returned = await this.callData(to, data, tag?.startsWith("0x") ? BigInt(tag) : undefined);
        if (!returned.ok) throw Object.assign(new Error("execution reverted"), { data: returned.data });
        return returned.data;
      }
      case "eth_sendRawTransaction": {
        const tx = createTxFromRLP(hexToBytes(params[0] as Hex), { common: this.common });
        return (await this.mine(tx)).hash;
      }
      case "eth_getTransactionReceipt": {
        const mined = this.mined.get(params[0] as Hex);
        return mined ? receiptJson(mined) : null;
      }
      case "eth_getLogs": {
        const { address, topics = [], fromBlock = "0x0", toBlock = "latest" } = params[0] as { address?: Hex; topics?: (Hex | null)[]; fromBlock?: Hex; toBlock?: Hex };
        const last = toBlock === "latest" ? this.number : BigInt(toBlock);
        const matches = (log: MinedLog) => topics.every((topic, k) => topic === null || log.topics[k] === topic.toLowerCase());
        return this.logs.filter((log) => (address === undefined || log.address === address.toLowerCase()) && log.blockNumber >= BigInt(fromBlock) && log.blockNumber <= last && matches(log)).map(logJson);
      }
      default:
        throw Object.assign(new Error(`the in-process chain does not answer ${method}`), { code: -32601 }); // method not found: clients fall back
    }
  }

  /** As eth_call: on the state after block `atBlock` (default: the latest; the block's number and time are the next block's), and whatever the call changes (the caller's nonce, too) is undone. */
  private async callData(to: Hex, data: Hex, atBlock?: bigint): Promise<{ ok: boolean; data: Hex }> {
    const { stateManager } = this.vm;
    const past = atBlock === undefined ? undefined : this.stateRoots.get(atBlock);
    if (atBlock !== undefined && past === undefined) throw new Error(`the in-process chain has no block ${atBlock} yet`);
    const latest = await stateManager.getStateRoot();
    if (past) await stateManager.setStateRoot(past);
    await stateManager.checkpoint();
    try {
      const { execResult } = await this.vm.evm.runCall({ to: createAddressFromString(to), caller: this.accounts[0].address, data: hexToBytes(data), block: this.nextBlock() });
      return { ok: execResult.exceptionError === undefined, data: bytesToHex(execResult.returnValue) };
    } finally {
      await stateManager.revert();
      if (past) await stateManager.setStateRoot(latest);
    }
  }

  private nextBlock() {
    return createBlock({ header: { number: this.number, timestamp: this.time, gasLimit: 60_000_000n, baseFeePerGas: 7n } }, { common: this.common });
  }

  private async signAndMine(from: TestAccount, to: Address | undefined, data: Hex, abi: Abi): Promise<Mined> {
    const nonce = (await this.vm.stateManager.getAccount(from.address))?.nonce ?? 0n;
    const mined = await this.mine(createLegacyTx({ nonce, gasPrice: GAS_PRICE, gasLimit: 30_000_000n, to, data }, { common: this.common }).sign(from.key));
    if (mined.result.execResult.exceptionError) throw revertError(abi, mined.result.execResult.returnValue);
    return mined;
  }

  /** Runs a signed transaction in a block of its own; a reverted one is mined too (status 0), as on a chain. */
  private async mine(tx: TypedTransaction): Promise<Mined> {
    const blockNumber = this.number;
    const result = await runTx(this.vm, { tx, block: this.nextBlock(), skipBlockGasLimitValidation: true });
    this.stateRoots.set(blockNumber, await this.vm.stateManager.getStateRoot());
    const firstLogIndex = this.logs.filter((log) => log.blockNumber === blockNumber).length;
    if (!this.sharingBlock) this.number++;
    const hash = bytesToHex(tx.hash());
    const logs = result.receipt.logs.map(([address, topics, data], k) => ({ address: bytesToHex(address), topics: topics.map((t) => bytesToHex(t)), data: bytesToHex(data), blockNumber, transactionHash: hash, logIndex: firstLogIndex + k }));
    if (!result.execResult.exceptionError) this.logs.push(...logs);
    const mined = { hash, from: tx.getSenderAddress().toString() as Hex, to: (tx.to?.toString() as Hex | undefined) ?? null, blockNumber, result, logs };
    this.mined.set(hash, mined);
    return mined;
  }
}

const logJson = (log: MinedLog) => ({
  address: log.address,
  topics: log.topics,
  data: log.data,
  blockNumber: quantity(log.blockNumber),
  blockHash: `0x${"00".repeat(32)}`,
  transactionHash: log.transactionHash,
  transactionIndex: "0x0",
  logIndex: quantity(log.logIndex),
  removed: false,
});

const receiptJson = (mined: Mined) => ({
  transactionHash: mined.hash,
  transactionIndex: "0x0",
  blockHash: `0x${"00".repeat(32)}`,
  blockNumber: quantity(mined.blockNumber),
  from: mined.from,
  to: mined.to,
  contractAddress: mined.result.createdAddress?.toString() ?? null,
  cumulativeGasUsed: quantity(mined.result.totalGasSpent),
  gasUsed: quantity(mined.result.totalGasSpent),
  effectiveGasPrice: quantity(GAS_PRICE),
  logs: mined.result.execResult.exceptionError ? [] : mined.logs.map(logJson),
  logsBloom: `0x${"00".repeat(256)}`,
  status: mined.result.execResult.exceptionError ? "0x0" : "0x1",
  type: "0x0",
});

function revertError(abi: Abi, data: Uint8Array | Hex): Error {
  const hex = typeof data === "string" ? data : bytesToHex(data);
  try {
    const { errorName, args } = decodeErrorResult({ abi, data: hex });
    return new Error(args && args.length > 0 ? `${errorName}(${args.join(", ")})` : errorName);
  } catch (error) {
    if (error instanceof BaseError) return new Error(`reverted without a known error (${hex})`);
    throw error;
  }
}
