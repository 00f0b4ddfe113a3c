import type { Command } from "commander";
import { todayIso } from "../../attributes/calendar.js";
import { contractArtifact } from "../../chain/contract-artifacts.js";
import type { VerifierArtifacts } from "../../chain/realdid-verifier.js";
import { pairwiseDid } from "../../did/did-uri.js";
import { RealDidError } from "../../errors.js";
import { readJson } from "../../files.js";
import { parseChallenge, parsePolicy, policyRequest } from "../../policy/policy.js";
import { parseProofDocument } from "../../proof/proof-document.js";
import { accountKey, contractAddress, rpcOption, rpcUrl } from "../chain-options.js";
import { defineCommand } from "../command-kit.js";

interface ChainOptions {
  rpc: string;
  policy: string;
  registry?: string;
  deployerKeyEnv?: string;
  verifier?: string;
  challenge?: string;
}

const verifierArtifacts = (): VerifierArtifacts => ({ registry: contractArtifact("RealDidRootRegistry"), groth16: contractArtifact("RealDidGroth16Verifier"), verifier: contractArtifact("RealDidVerifier") });

/** A personal policy (the contracts verify the personal circuit; business proofs have none yet). */
function personalPolicy(file: string) {
  const policy = parsePolicy(readJson(file, "policy"));
  if (policy.business !== undefined) throw new RealDidError("invalid_argument", `policy ${file} is a business policy: the verifier contract checks personal proofs only`);
  return policy;
}

export function chainCommands(program: Command): void {
  const chain = program.command("chain").description("a site's realdid verifier contract on an EVM chain (docs/chain.md); the registrar's side is `registrar deploy-registry` and `registrar anchor`");

  defineCommand<ChainOptions>(
    chain,
    {
      name: "deploy-verifier",
      summary: "deploy a verifier contract for a site: the published key's Groth16 verifier and a RealDidVerifier with the policy's regulator key and root window, over the registrar's root registry",
      example: "realdid chain deploy-verifier --rpc http://127.0.0.1:8545 --registry 0x… --policy shop.policy.json --deployer-key-env DEPLOYER_KEY",
    },
    (c) =>
      rpcOption(c)
        .requiredOption("--registry <address>", "the registrar's root registry (from `registrar deploy-registry`)")
        .requiredOption("--policy <file>", "the site's policy: its regulatorKey and rootWindowSeconds are fixed in the contract (and its registrarKey, if given, must be the registry's)")
        .requiredOption("--deployer-key-env <variable>", "an environment variable holding the deploying account's secp256k1 key (0x and 64 hex digits)"),
    async (_, options) => {
      const policy = personalPolicy(options.policy);
      const terms = { registry: await contractAddress(options.registry!, "--registry"), registrarKey: policy.registrarKey, rootWindowSeconds: policy.rootWindowMs / 1000, regulatorKey: policy.regulatorKey };
      const { deployRealDidVerifier } = await import("../../chain/realdid-verifier.js"); // viem, loaded only for chain commands
      const deployed = await deployRealDidVerifier(rpcUrl(options.rpc), verifierArtifacts(), terms, await accountKey(options.deployerKeyEnv!, "--deployer-key-env"));
      return { data: { ...deployed, registry: terms.registry, rootWindowSeconds: terms.rootWindowSeconds }, lines: [`verifier deployed at ${deployed.verifier} (Groth16 verifier ${deployed.groth16}; root registry ${terms.registry}, window ${terms.rootWindowSeconds} s)`] };
    },
  );

  defineCommand<ChainOptions>(
    chain,
    {
      name: "check",
      summary: "check a proof with a site's verifier contract (an eth_call of check: nothing is sent or recorded), for the site's policy and challenge",
      example: "realdid chain check proof.json --rpc http://127.0.0.1:8545 --verifier 0x… --policy shop.policy.json --challenge 8731…",
    },
    (c) =>
      rpcOption(c)
        .argument("<proof>", "proof file (realdid-proof/2)")
        .requiredOption("--verifier <address>", "the site's verifier contract (from `chain deploy-verifier`)")
        .requiredOption("--policy <file>", "the site's policy (scope and predicates)")
        .requiredOption("--challenge <value>", "the challenge this site issued"),
    async ([proofPath], options) => {
      const policy = personalPolicy(options.policy);
      const document = parseProofDocument(readJson(proofPath, "proof"), `proof file ${proofPath}`);
      const request = policyRequest(policy, parseChallenge(options.challenge!), todayIso());
      const verifier = await contractAddress(options.verifier!, "--verifier");
      const { checkOnChain } = await import("../../chain/realdid-verifier.js");
      const verdict = await checkOnChain(rpcUrl(options.rpc), verifier, verifierArtifacts(), request, document);
      if (!verdict.accepted) return { data: { valid: false, error: { code: verdict.code, message: verdict.message } }, lines: [`INVALID (${verdict.code}): ${verdict.message}`], exitCode: 1 };
      const did = pairwiseDid(verdict.didAddress);
      const used = verdict.usedBefore ? [`this DID address was already accepted for a one-per-person action at ${policy.scope}: accept(…, true) would refuse it (AlreadyUsed)`] : [];
      return { data: { valid: true, verifier, scope: policy.scope, didAddress: verdict.didAddress.toString(), did, usedBefore: verdict.usedBefore }, lines: [`VALID on chain: the verifier at ${verifier} accepts the proof for ${policy.scope}`, `DID at ${policy.scope}: ${did}`, ...used] };
    },
  );
}
