// The RealDidVerifier contract (contracts/RealDidVerifier.sol): a site's request and a
// citizen's proof as its `check` and `accept` take them; deploying it and checking a proof
// over JSON-RPC. Platform-neutral.
import { assertRegulatorKey, shiftedRegulatorKey } from "../crypto/escrow.js";
import type { Point } from "../crypto/baby-jubjub.js";
import { keyMismatchMessage } from "../artifacts/key-id.js";
import type { ProofDocument } from "../proof/proof-document.js";
import type { RealDidProof } from "../proof/prover.js";
import type { ProofRequest } from "../proof/request.js";
import type { Hex } from "viem";
import { RealDidError } from "../errors.js";
import { PUBLIC_SIGNAL_NAMES } from "../proof/public-signals.js";
import { chainFailure, chainReader, deployContract, onChain, revertName } from "./chain-client.js";
import type { ContractArtifact } from "./contract-artifacts.js";
import { verifierArguments } from "./groth16-solidity.js";

const SCOPE_SIGNAL = PUBLIC_SIGNAL_NAMES.indexOf("scope");

/** The Groth16 verifier's fixed inputs: the regulator key and 2^126 times it, both public inputs of the circuit. */
export function regulatorKeyWords(regulatorKey: Point): [bigint, bigint, bigint, bigint] {
  assertRegulatorKey("regulatorKey", regulatorKey);
  const shifted = shiftedRegulatorKey(regulatorKey);
  return [regulatorKey.x, regulatorKey.y, shifted.x, shifted.y];
}

/** `(request, proof)` for check and accept. */
export function verifierCall(request: Pick<ProofRequest, "scope" | "challenge" | "bounds">, { proof, publicSignals }: Pick<RealDidProof, "proof" | "publicSignals">) {
  const [a, b, c, signals] = verifierArguments(proof, publicSignals);
  return [
    { scope: request.scope, challenge: request.challenge, low: [...request.bounds.lo], high: [...request.bounds.hi] },
    { a, b, c, publicSignals: signals },
  ] as const;
}

/** The compiled contracts a site's verifier is made of and reads (contract-artifacts.ts reads them in Node). */
export interface VerifierArtifacts {
  readonly registry: ContractArtifact;
  readonly groth16: ContractArtifact;
  readonly verifier: ContractArtifact;
}

/** What a site fixes when it deploys its verifier: the registry it trusts (and, if it names it, that registry's registrar key), its root window and regulator key. */
export interface VerifierTerms {
  readonly registry: Hex;
  readonly registrarKey?: string;
  readonly rootWindowSeconds: number;
  readonly regulatorKey: Point;
}

/**
 * Deploys the Groth16 verifier of the published key and a RealDidVerifier over it, signed
 * by `deployerKey`, after checking `terms.registry` is a root registry (of the registrar
 * key named, if one is): the verifier is immutable, and over anything else it would refuse
 * every proof.
 */
export async function deployRealDidVerifier(rpcUrl: string, artifacts: VerifierArtifacts, terms: VerifierTerms, deployerKey: Hex) {
  if (!Number.isSafeInteger(terms.rootWindowSeconds) || terms.rootWindowSeconds < 0) throw new RealDidError("invalid_argument", `the root window must be a whole number of seconds for a contract, not ${terms.rootWindowSeconds}`);
  const registrarKey = await onChain(rpcUrl, `reading the root registry at ${terms.registry}`, () => chainReader(rpcUrl).readContract({ address: terms.registry, abi: artifacts.registry.abi, functionName: "registrarKey" }));
  if (terms.registrarKey !== undefined && registrarKey !== `0x${terms.registrarKey}`) {
    throw new RealDidError("chain_ledger_mismatch", `the root registry at ${terms.registry} mirrors the ledger of registrar key ${String(registrarKey).slice(2)}, not ${terms.registrarKey} as the policy says`);
  }
  const groth16 = await deployContract(rpcUrl, artifacts.groth16, [regulatorKeyWords(terms.regulatorKey)], deployerKey);
  const verifierArgs = [terms.registry, groth16.address, BigInt(terms.rootWindowSeconds)];
  const { address, deployer } = await deployContract(rpcUrl, artifacts.verifier, verifierArgs, deployerKey);
  return { verifier: address, groth16: groth16.address, deployer };
}

export type ChainVerdict = { readonly accepted: true; readonly didAddress: bigint; readonly usedBefore: boolean } | { readonly accepted: false; readonly code: string; readonly message: string };

/**
 * The verifier contract's `check` of a realdid-proof/2 document for `request`, as an
 * eth_call: the proof's DID address, or the refusal: key_mismatch when the proof was made
 * with other keys than the contract's Groth16 verifier holds, else the contract's error by
 * name (WrongScope, ExpiredRoot, InvalidProof…); with whether its DID address was already
 * accepted for a one-per-person action at this scope. A node that does not answer, a node
 * fault and an address that holds no verifier throw (chainFailure).
 */
export async function checkOnChain(rpcUrl: string, verifier: Hex, artifacts: VerifierArtifacts, request: Parameters<typeof verifierCall>[0], document: ProofDocument): Promise<ChainVerdict> {
  const client = chainReader(rpcUrl);
  const what = `checking the proof with the verifier at ${verifier}`;
  try {
    const groth16 = (await client.readContract({ address: verifier, abi: artifacts.verifier.abi, functionName: "groth16" })) as Hex;
    const keyId = (await client.readContract({ address: groth16, abi: artifacts.groth16.abi, functionName: "KEY_ID" })) as string;
    if (document.keyId !== keyId) return { accepted: false, code: "key_mismatch", message: keyMismatchMessage(document.keyId, keyId, "the proof") };
    const didAddress = (await client.readContract({ address: verifier, abi: artifacts.verifier.abi, functionName: "check", args: verifierCall(request, document) })) as bigint;
    // A one-per-person action would refuse it now (AlreadyUsed): say so beside the verdict.
    const usedBefore = (await client.readContract({ address: verifier, abi: artifacts.verifier.abi, functionName: "used", args: [BigInt(document.publicSignals[SCOPE_SIGNAL]), didAddress] })) as boolean;
    return { accepted: true, didAddress, usedBefore };
  } catch (error) {
    const refusal = revertName(error);
    if (refusal !== undefined) return { accepted: false, code: refusal, message: `the verifier contract at ${verifier} refused the proof (${refusal})` };
    throw chainFailure(rpcUrl, what, error);
  }
}
