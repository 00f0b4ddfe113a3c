// Gas on chain, realdid beside Semaphore v4 in the same in-process EVM (test/helpers/evm.ts):
// Semaphore's own contracts from its npm package (@semaphore-protocol/contracts, MIT, with
// its LeanIMT and Poseidon libraries), compiled here by the same solc as ours, and a real
// Semaphore proof for a group built on chain. Gas is deterministic, so one run of each is
// the figure.
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { Group } from "@semaphore-protocol/group";
import { Identity } from "@semaphore-protocol/identity";
import { generateProof } from "@semaphore-protocol/proof";
import solc from "solc";
import { type Abi, encodePacked, type Hex, keccak256 } from "viem";
import type { ContractArtifact } from "../../src/chain/contract-artifacts.js";
import { verifierArguments } from "../../src/chain/groth16-solidity.js";
import { verifierCall } from "../../src/chain/realdid-verifier.js";
import type { Point } from "../../src/crypto/baby-jubjub.js";
import type { LedgerEntry } from "../../src/ledger/ledger-entry.js";
import type { ProofResult } from "../../src/proof/prover.js";
import type { ProofRequest } from "../../src/proof/request.js";
import { InProcessChain } from "../../test/helpers/evm.js";
import { deployRealDid } from "../../test/helpers/realdid-on-chain.js";

const require = createRequire(import.meta.url);
const SEMAPHORE_MEMBERS = 100;

export interface GasFigures {
  realdid: { accept: bigint; groth16: bigint; publish: bigint };
  semaphore: { validateProof: bigint; groth16: bigint; addMember: bigint; addMembersEach: bigint; members: number };
}

interface SolcContract {
  abi: Abi;
  evm: { bytecode: { object: string; linkReferences: Record<string, Record<string, { start: number; length: number }[]>> } };
}

/** Semaphore.sol, its verifier and PoseidonT3, compiled with the optimizer for Cancun as ours are; imports read from node_modules. */
function compileSemaphore(): Record<string, SolcContract> {
  const read = (path: string) => readFileSync(require.resolve(path), "utf8");
  const sources = { "@semaphore-protocol/contracts/Semaphore.sol": { content: read("@semaphore-protocol/contracts/Semaphore.sol") }, "@semaphore-protocol/contracts/base/SemaphoreVerifier.sol": { content: read("@semaphore-protocol/contracts/base/SemaphoreVerifier.sol") } };
  const input = { language: "Solidity", sources, settings: { optimizer: { enabled: true, runs: 200 }, evmVersion: "cancun", outputSelection: { "*": { "*": ["abi", "evm.bytecode.object", "evm.bytecode.linkReferences"] } } } };
  // Relative imports inside a package arrive already resolved against the importing file's name.
  const findImports = (path: string) => ({ contents: read(path) });
  const output = JSON.parse(solc.compile(JSON.stringify(input), { import: findImports }));
  const errors = (output.errors ?? []).filter((e: { severity: string }) => e.severity === "error");
  if (errors.length > 0) throw new Error(`solc (Semaphore): ${errors.map((e: { formattedMessage: string }) => e.formattedMessage).join("\n")}`);
  return Object.assign({}, ...Object.values(output.contracts as Record<string, Record<string, SolcContract>>));
}

/** A compiled contract with its library placeholders replaced by deployed addresses. */
function linked(name: string, contract: SolcContract, libraries: Record<string, Hex>): ContractArtifact {
  let code = contract.evm.bytecode.object;
  for (const file of Object.values(contract.evm.bytecode.linkReferences))
    for (const [library, places] of Object.entries(file))
      for (const { start, length } of places) {
        if (libraries[library] === undefined) throw new Error(`${name} needs the library ${library} deployed and given to linked()`);
        code = code.slice(0, start * 2) + libraries[library].slice(2).toLowerCase() + code.slice((start + length) * 2);
      }
  return { contractName: name, compiler: `solc ${solc.version()}`, abi: contract.abi, bytecode: `0x${code}` };
}

/** Semaphore's gas: a group of SEMAPHORE_MEMBERS built on chain, then a real depth-`depth` proof validated. */
async function semaphoreGas(semaphoreArtifacts: { wasm: string; zkey: string }, depth: number): Promise<GasFigures["semaphore"]> {
  const chain = await InProcessChain.create();
  const compiled = compileSemaphore();
  const poseidon = await chain.deploy(linked("PoseidonT3", compiled.PoseidonT3, {}), []);
  const verifier = await chain.deploy(linked("SemaphoreVerifier", compiled.SemaphoreVerifier, {}), []);
  const semaphore = await chain.deploy(linked("Semaphore", compiled.Semaphore, { PoseidonT3: poseidon.address.toString() as Hex }), [verifier.address.toString()]);
  await chain.send(semaphore, "createGroup", []);
  const members = Array.from({ length: SEMAPHORE_MEMBERS }, () => new Identity());
  // A batch first, then one more member into the tree it made (an insert into an empty tree hashes nothing).
  const batch = members.slice(0, -1).map((m) => m.commitment);
  const addMembers = (await chain.send(semaphore, "addMembers", [0n, batch])).gasUsed;
  const addMember = (await chain.send(semaphore, "addMember", [0n, members.at(-1)!.commitment])).gasUsed;
  const proof = await generateProof(members[7], new Group(members.map((m) => m.commitment)), "hello", "bench-scope", depth, semaphoreArtifacts);
  const points = proof.points.map(BigInt);
  const onChainProof = { merkleTreeDepth: BigInt(proof.merkleTreeDepth), merkleTreeRoot: BigInt(proof.merkleTreeRoot), nullifier: BigInt(proof.nullifier), message: BigInt(proof.message), scope: BigInt(proof.scope), points };
  const validateProof = (await chain.send(semaphore, "validateProof", [0n, onChainProof])).gasUsed;
  // The verifier alone, as a transaction (its signals hashed as Semaphore.sol does).
  const hashed = await chain.call<boolean>(semaphore, "verifyProof", [0n, onChainProof]);
  if (!hashed) throw new Error("Semaphore's contract did not accept its own proof");
  const signalHash = (value: bigint) => BigInt(keccak256(encodePacked(["uint256"], [value]))) >> 8n;
  const signals = [onChainProof.merkleTreeRoot, onChainProof.nullifier, signalHash(onChainProof.message), signalHash(onChainProof.scope)];
  const groth16 = (await chain.send(verifier, "verifyProof", [[points[0], points[1]], [[points[2], points[3]], [points[4], points[5]]], [points[6], points[7]], signals, onChainProof.merkleTreeDepth])).gasUsed;
  return { validateProof, groth16, addMember, addMembersEach: addMembers / BigInt(batch.length), members: SEMAPHORE_MEMBERS };
}

/** realdid's gas: the ledger published, then `proof` accepted for a one-per-person action, and the Groth16 verifier alone. */
async function realdidGas(ledger: { registrarKey: string; entries: readonly LedgerEntry[] }, request: ProofRequest, proof: ProofResult): Promise<GasFigures["realdid"]> {
  const chain = await InProcessChain.create();
  const deployed = await deployRealDid(chain, { ...ledger, regulatorKey: request.regulatorKey as Point, windowSeconds: 600 });
  const accept = (await chain.send(deployed.verifier, "accept", [...verifierCall(request, proof), true])).gasUsed;
  const groth16 = (await chain.send(deployed.groth16, "verifyProof", [...verifierArguments(proof.proof, proof.publicSignals)])).gasUsed;
  return { accept, groth16, publish: deployed.publishGas.at(-1)! };
}

export async function measureGas(ledger: { registrarKey: string; entries: readonly LedgerEntry[] }, request: ProofRequest, proof: ProofResult, semaphoreArtifacts: { wasm: string; zkey: string }, semaphoreDepth: number): Promise<GasFigures> {
  return { realdid: await realdidGas(ledger, request, proof), semaphore: await semaphoreGas(semaphoreArtifacts, semaphoreDepth) };
}
