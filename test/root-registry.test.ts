// The root registry contract on an in-process EVM: a real registrar's ledger mirrored entry
// for entry (the same hash chain), the publisher alone, in order, and roots accepted as the
// off-chain ledger accepts them.
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createAddressFromString } from "@ethereumjs/util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { anchorLedger } from "../src/chain/anchor.js";
import { contractArtifact } from "../src/chain/contract-artifacts.js";
import { publishedEntry, ROOT_STATUS } from "../src/chain/root-registry.js";
import { LEDGER_KIND, type LedgerEntry } from "../src/ledger/ledger-entry.js";
import { Registrar } from "../src/registrar/registrar.js";
import { entryHash } from "../src/signed-log/signed-log.js";
import { artifactText, compileContracts, generatedSources } from "../scripts/build-contracts.js";
import { RootLedger } from "../src/ledger/root-ledger.js";
import { ledgerSource } from "../src/service/ledger-source.js";
import { ed25519Signer, newSigningKeyHex } from "../src/signed-log/ed25519-signer.js";
import { type Deployed, InProcessChain, TEST_CHAIN_KEYS } from "./helpers/evm.js";
import { enrollmentRequests } from "./helpers/people.js";
import { expectOneLineFailure, expectSuccess, realdidConcurrently } from "./helpers/cli.js";
import { TEST_UNLOCK } from "./helpers/registrar-keys.js";

const dir = mkdtempSync(join(tmpdir(), "realdid-root-registry-"));
let entries: LedgerEntry[];
let registrarKey: string;

beforeAll(async () => {
  // Genesis, two enrollments and a revocation, a minute apart; the last replaces the second's root.
  const start = Date.parse("2026-11-26T08:00:00.000Z");
  const registrar = await Registrar.init(join(dir, "registrar"), TEST_UNLOCK, { now: new Date(start) });
  await registrar.enroll(enrollmentRequests(3).requests, new Date(start + 60_000));
  await registrar.enroll(enrollmentRequests(2, 10).requests, new Date(start + 120_000));
  await registrar.revoke(0, new Date(start + 180_000));
  entries = registrar.ledger.entriesFrom(0);
  registrarKey = registrar.ledger.publicKey;
  await registrar.close();
}, 60_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const hex = (value: string) => `0x${value}` as const;

async function deployRegistry(chain: InProcessChain): Promise<Deployed> {
  return chain.deploy(contractArtifact("RealDidRootRegistry"), [chain.accounts[0].hex, hex(registrarKey)]);
}

describe("the root registry contract", () => {
  it("is committed as generated and compiled from contracts/ (our Groth16 verifier of the published key, solc from npm)", () => {
    for (const { file, text } of generatedSources()) expect(readFileSync(new URL(`../contracts/${file}`, import.meta.url), "utf8")).toBe(text);
    for (const artifact of compileContracts()) {
      expect(readFileSync(new URL(`../contracts/compiled/${artifact.contractName}.json`, import.meta.url), "utf8")).toBe(artifactText(artifact));
    }
  });

  it("mirrors a registrar's ledger entry for entry: the same entry hashes, so the same chain", async () => {
    const chain = await InProcessChain.create();
    const registry = await deployRegistry(chain);
    expect(entries.map((e) => e.change?.kind ?? "")).toEqual(["", "enroll", "enroll", "revoke"]);
    const gas: bigint[] = [];
    for (const entry of entries) {
      const { gasUsed, events } = await chain.send(registry, "publish", [publishedEntry(entry)]);
      gas.push(gasUsed);
      expect(events).toHaveLength(1);
      expect(events[0].args).toMatchObject({ seq: BigInt(entry.seq), root: BigInt(entry.root), time: entry.time, signature: hex(entry.signature), entryHash: hex(entryHash(LEDGER_KIND, entry)) });
    }
    expect(await chain.call(registry, "length")).toBe(BigInt(entries.length));
    expect(await chain.call(registry, "headHash")).toBe(hex(entryHash(LEDGER_KIND, entries.at(-1)!)));
    expect(await chain.call(registry, "registrarKey")).toBe(hex(registrarKey));
    expect(gas.every((g) => g > 21_000n && g < 400_000n)).toBe(true);
  });

  it("takes entries from its publisher only, in order, on the chain, with times that never go back, and refuses malformed ones", async () => {
    const chain = await InProcessChain.create();
    const registry = await deployRegistry(chain);
    const [genesis, first, second] = entries.map(publishedEntry);
    const refusal = (entry: ReturnType<typeof publishedEntry>, from = chain.accounts[0]) => chain.send(registry, "publish", [entry], from).then(() => "accepted", (error: Error) => error.message);
    expect(await refusal(genesis, chain.accounts[1])).toBe("NotPublisher");
    expect(await refusal(first)).toBe("WrongSequence(0)");
    expect(await refusal({ ...genesis, prevHash: hex("ab".repeat(32)) })).toMatch(/^WrongPrevHash/);
    expect(await refusal(genesis)).toBe("accepted");
    expect(await refusal(genesis)).toBe("WrongSequence(1)");
    // An entry whose fields differ from what was signed hashes differently: the next entry's prevHash no longer matches it.
    expect(await refusal({ ...first, root: first.root + 1n })).toBe("accepted");
    expect(await refusal(second)).toMatch(/^WrongPrevHash/);

    const fresh = await deployRegistry(chain);
    const publish = (entry: ReturnType<typeof publishedEntry>) => chain.send(fresh, "publish", [entry]).then(() => "accepted", (error: Error) => error.message);
    for (const time of ["2026-11-26T08:00:00Z", "2026-13-26T08:00:00.000Z", "2026-02-29T08:00:00.000Z", "2026-11-26 08:00:00.000Z", "1969-12-31T23:59:59.999Z"]) {
      expect(await publish({ ...genesis, time })).toBe("BadTime");
    }
    expect(await publish({ ...genesis, signature: hex("00".repeat(63)) })).toBe("BadSignatureLength");
    expect(await publish({ ...genesis, changeKind: "delete-everyone", changeDigest: hex("11".repeat(32)) })).toBe("BadChange");
    expect(await publish({ ...genesis, changeDigest: hex("11".repeat(32)) })).toBe("BadChange");
    expect(await publish(genesis)).toBe("accepted");
    expect(await publish({ ...first, time: "2026-11-26T07:59:59.999Z" })).toBe("TimeGoesBack");
  });

  it("accepts a root as the off-chain ledger does: the current one, a replaced one within the window counted from its replacement, not an unknown one", async () => {
    const chain = await InProcessChain.create();
    const registry = await deployRegistry(chain);
    for (const entry of entries) await chain.send(registry, "publish", [publishedEntry(entry)]);
    const status = async (root: string, windowSeconds: number) => ROOT_STATUS[Number(await chain.call<number>(registry, "rootStatus", [BigInt(root), BigInt(windowSeconds)]))];
    const [, , enrolled, revoked] = entries;
    const replacedAt = Date.parse(revoked.time) / 1000;
    chain.time = BigInt(replacedAt + 599);
    expect(await status(revoked.root, 600)).toBe("current");
    expect(await status(enrolled.root, 600)).toBe("recent");
    expect(await status("12345", 600)).toBe("unknown");
    chain.time = BigInt(replacedAt + 600);
    expect(await status(enrolled.root, 600)).toBe("expired");
    expect(await status(revoked.root, 0)).toBe("current");
  });

  it("is kept up to date over JSON-RPC by anchorLedger (only the entries it lacks, again and again; another registrar's registry refused), and read back by a verifier's chain ledger source", async () => {
    const chain = await InProcessChain.create();
    const rpc = await chain.serve();
    try {
      const registry = await deployRegistry(chain);
      const target = { rpcUrl: rpc.url, registry: registry.address.toString() as `0x${string}`, registryArtifact: contractArtifact("RealDidRootRegistry") };
      const [publisher, stranger] = TEST_CHAIN_KEYS;
      expect(await anchorLedger(target, entries.slice(0, 2), publisher)).toEqual({ before: 0, published: 2 });
      // A verifier's ledger source on the chain: the same entries, each signature good under the registrar's key, read again as the registry grows.
      const source = ledgerSource(`chain+${rpc.url}/?registry=${target.registry}`);
      expect(await source.entriesFrom(0)).toEqual(entries.slice(0, 2));
      expect(await anchorLedger(target, entries, publisher)).toEqual({ before: 2, published: 2 });
      expect(await source.entriesFrom(1)).toEqual(entries.slice(1));
      expect(new RootLedger(registrarKey, await source.entriesFrom(0)).length).toBe(entries.length);
      // More than the registry holds: a node behind, not a shorter ledger (a registry never shrinks), so a transient io_error.
      await expect(source.entriesFrom(entries.length)).rejects.toMatchObject({ code: "io_error", message: expect.stringMatching(/fewer than the 5 asked for: the node is behind/) });
      // The registry knows each entry's block, so a reader asks for exactly those blocks, a page at a time.
      const blocks = await Promise.all(entries.map(async (_, seq) => (await chain.call<{ blockNumber: bigint }>(registry, "entry", [BigInt(seq)])).blockNumber));
      expect(new Set(blocks).size).toBe(entries.length); // one block per transaction here
      expect(await ledgerSource(`chain+${rpc.url}/?registry=${target.registry}&logRange=1`).entriesFrom(1)).toEqual(entries.slice(1));
      // With confirmations, the newest blocks are not read yet: one holds back the last entry, a hundred everything.
      expect(await ledgerSource(`chain+${rpc.url}/?registry=${target.registry}&confirmations=1`).entriesFrom(0)).toEqual(entries.slice(0, -1));
      expect(await ledgerSource(`chain+${rpc.url}/?registry=${target.registry}&confirmations=100`).entriesFrom(0)).toEqual([]);
      // Pinned to block 0, before the registry was deployed: no entries yet, not an error.
      expect(await ledgerSource(`chain+${rpc.url}/?registry=${target.registry}&confirmations=${blocks.at(-1)}`).entriesFrom(0)).toEqual([]);
      await expect(ledgerSource(`chain+${rpc.url}/?registry=${target.registry}&confirmations=1`).entriesFrom(entries.length - 1)).rejects.toMatchObject({ code: "io_error" });
      // Several entries in one block: each read once, from the one asked for on.
      const packed = await deployRegistry(chain);
      await chain.inOneBlock(async () => {
        for (const entry of entries) await chain.send(packed, "publish", [publishedEntry(entry)]);
      });
      const blockOfEntry = async (seq: bigint) => (await chain.call<{ blockNumber: bigint }>(packed, "entry", [seq])).blockNumber;
      expect(await blockOfEntry(0n)).toBe(await blockOfEntry(3n));
      const packedSource = ledgerSource(`chain+${rpc.url}/?registry=${packed.address.toString()}`);
      expect(await packedSource.entriesFrom(0)).toEqual(entries);
      expect(await packedSource.entriesFrom(2)).toEqual(entries.slice(2));
      expect(() => ledgerSource(`chain+${rpc.url}/?registry=${target.registry}&logRange=0`)).toThrow(/logRange= must be a whole number of blocks, at least 1/);
      expect(() => ledgerSource(`chain+${rpc.url}/?registry=0x12`)).toThrow(/registry= must be the root registry's address/);
      await expect(ledgerSource(`chain+http://127.0.0.1:9/?registry=${target.registry}`).entriesFrom(0)).rejects.toMatchObject({ code: "io_error" });
      expect(await anchorLedger(target, entries, publisher)).toEqual({ before: 4, published: 0 });
      expect(await chain.call(registry, "headHash")).toBe(hex(entryHash(LEDGER_KIND, entries.at(-1)!)));
      await expect(anchorLedger(target, entries.slice(0, 3), publisher)).rejects.toThrow(/holds 4 entries, this ledger 3/);

      // Another registrar's ledger on a registry: refused before anything is sent.
      const signer = ed25519Signer(newSigningKeyHex()); // a throwaway development key
      const otherLedger = new RootLedger(signer.publicKey);
      otherLedger.publishRoot(5n, 0, new Date("2026-11-26T07:00:00.000Z"), signer);
      const theirs = await deployRegistry(chain);
      const theirTarget = { ...target, registry: theirs.address.toString() as `0x${string}` };
      await anchorLedger(theirTarget, otherLedger.entriesFrom(0), publisher);
      await expect(anchorLedger(theirTarget, entries, publisher)).rejects.toMatchObject({ code: "chain_ledger_mismatch" });

      // Not the publisher: the contract refuses, and says so in one line.
      const fresh = { ...target, registry: (await deployRegistry(chain)).address.toString() as `0x${string}` };
      await expect(anchorLedger(fresh, entries, stranger)).rejects.toMatchObject({ code: "chain_refused", message: expect.stringMatching(/refused ledger entry 0/) });
      await expect(anchorLedger({ ...target, rpcUrl: "http://127.0.0.1:9" }, entries, publisher)).rejects.toMatchObject({ code: "chain_unavailable" });
    } finally {
      await rpc.close();
    }
  });

  it("runs through the CLI: deploy-registry, then anchor twice (the second publishes nothing); bad input is one line", async () => {
    const chain = await InProcessChain.create();
    const rpc = await chain.serve();
    // The test chain's first account (an insecure, well-known test key).
    const env = { PUBLISHER_KEY: TEST_CHAIN_KEYS[0], BAD_KEY: "0x1234" };
    const cli = (...args: string[]) => realdidConcurrently(dir, ["--json", "registrar", ...args, "--data", "registrar"], env);
    try {
      const deployed = expectSuccess(await cli("deploy-registry", "--rpc", rpc.url, "--publisher-key-env", "PUBLISHER_KEY"));
      expect({ ...deployed, publisher: deployed.publisher.toLowerCase() }).toMatchObject({ publisher: chain.accounts[0].hex, registrarKey });
      const anchor = (...more: string[]) => cli("anchor", "--rpc", rpc.url, "--registry", deployed.registry, "--publisher-key-env", "PUBLISHER_KEY", ...more);
      expect(expectSuccess(await anchor())).toMatchObject({ before: 0, published: entries.length, length: entries.length });
      expect(expectSuccess(await anchor())).toMatchObject({ before: entries.length, published: 0 });
      const registry = { address: createAddressFromString(deployed.registry), abi: contractArtifact("RealDidRootRegistry").abi };
      expect(await chain.call(registry, "headHash")).toBe(hex(entryHash(LEDGER_KIND, entries.at(-1)!)));

      const plain = (...args: string[]) => realdidConcurrently(dir, ["registrar", ...args, "--data", "registrar"], env);
      expectOneLineFailure(await plain("anchor", "--rpc", rpc.url, "--registry", "0x12", "--publisher-key-env", "PUBLISHER_KEY"), /--registry: 0x12 is not a contract address/);
      expectOneLineFailure(await plain("anchor", "--rpc", rpc.url, "--registry", deployed.registry, "--publisher-key-env", "BAD_KEY"), /BAD_KEY \(--publisher-key-env\) must hold 0x and 64 hex digits/);
      expectOneLineFailure(await plain("anchor", "--rpc", rpc.url, "--registry", deployed.registry, "--publisher-key-env", "UNSET_KEY"), /UNSET_KEY \(--publisher-key-env\) is not set/);
      expectOneLineFailure(await plain("anchor", "--rpc", "ftp://x", "--registry", deployed.registry, "--publisher-key-env", "PUBLISHER_KEY"), /--rpc: ftp:\/\/x is not an http\(s\) URL/);
      expectOneLineFailure(await plain("anchor", "--rpc", "http://127.0.0.1:9", "--registry", deployed.registry, "--publisher-key-env", "PUBLISHER_KEY"), /the chain at http:\/\/127.0.0.1:9 did not answer/);
    } finally {
      await rpc.close();
    }
  }, 120_000);
});
