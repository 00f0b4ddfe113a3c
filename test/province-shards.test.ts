// Shards by province (issue 15): each province's leaves fill their own subtree under the top
// two levels of the one national tree. On a real SQLite registrar and its HTTP server, with
// real proofs: leaves land in their province's shard, realdid-tree/2 describes the shards and
// their roots hash up to the signed root, buckets are served per shard, a Guangdong proof
// verifies under the national root, and the same witness moved into another shard proves a
// root no ledger holds, which the verifier refuses.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { encodeAttributes, PROVINCE_CODES, type PersonAttributes } from "../src/attributes/attributes.js";
import { predicateBounds } from "../src/attributes/predicates.js";
import { loadArtifacts } from "../src/artifacts/load.js";
import { withCreditCodeCheck } from "../src/business/credit-code.js";
import { generateRegulatorKeyPair } from "../src/crypto/escrow.js";
import { hashNode } from "../src/crypto/poseidon.js";
import { Identity } from "../src/identity/identity.js";
import { LEDGER_KIND } from "../src/ledger/ledger-entry.js";
import { circuitInput } from "../src/proof/circuit-input.js";
import { releaseCurve } from "../src/proof/curve.js";
import { groth16Check } from "../src/proof/groth16-check.js";
import { Prover } from "../src/proof/prover.js";
import { randomChallenge } from "../src/proof/request.js";
import { verifyProof } from "../src/proof/verifier.js";
import { SHARD_BUCKETS, SHARD_LEAVES, SHARD_LEVEL, SHARD_SLOTS, shardOfRegion, ShardSizes } from "../src/registry/province-shards.js";
import { BUCKET_LEAVES, type MerkleProof, RegistryTree, TREE_ARITY, TREE_HEIGHT } from "../src/registry/registry-tree.js";
import { withCheckCharacter } from "../src/registrar/national-id.js";
import { refreshPath } from "../src/registrar/path-client.js";
import { Registrar } from "../src/registrar/registrar.js";
import { type RegistrarServer, startRegistrarServer } from "../src/registrar/registrar-server.js";
import { SignedLog } from "../src/signed-log/signed-log.js";
import { TODAY } from "./helpers/fixtures.js";
import { TEST_UNLOCK } from "./helpers/registrar-keys.js";

const BEIJING = shardOfRegion("110105");
const SHANGHAI = shardOfRegion("310101");
const GUANGDONG = shardOfRegion("440305");

describe("shard slots", () => {
  it("gives every province its own shard below the root, inside the circuit's 2^33 leaf indexes", () => {
    expect([SHARD_LEVEL, SHARD_LEAVES, SHARD_SLOTS, SHARD_BUCKETS]).toEqual([9, 8 ** 9, 64, 8 ** 5]);
    expect(PROVINCE_CODES.length).toBeLessThanOrEqual(SHARD_SLOTS);
    expect([BEIJING, SHANGHAI, GUANGDONG]).toEqual([0, 8, 18]);
    expect(new Set(PROVINCE_CODES.map((code) => shardOfRegion(`${code}0000`))).size).toBe(PROVINCE_CODES.length);
    expect(SHARD_SLOTS * SHARD_LEAVES).toBe(TREE_ARITY ** TREE_HEIGHT);
    expect(() => shardOfRegion("990000")).toThrow(/unknown region code 990000: no province 99/);
  });

  it("hands out each shard's slots in order, refuses a full shard by name and leaves the others room", () => {
    const sizes = new ShardSizes(Array.from({ length: SHARD_SLOTS }, (_, slot) => (slot === GUANGDONG ? SHARD_LEAVES - 1 : 0)));
    expect(sizes.reserve("110105", 3)).toBe(0);
    expect(sizes.reserve("110108", 1)).toBe(3);
    expect(sizes.reserve("440305", 1)).toBe(GUANGDONG * SHARD_LEAVES + SHARD_LEAVES - 1);
    expect(() => sizes.reserve("440305", 1)).toThrow(/province 44's shard of the registry holds 134217728 leaves; 134217728 are in use, 1 more do not fit/);
    expect(sizes.reserve("310101", 2)).toBe(SHANGHAI * SHARD_LEAVES);
    expect(sizes.total).toBe(4 + SHARD_LEAVES + 2);
    expect([0, 1, SHANGHAI * SHARD_BUCKETS, GUANGDONG * SHARD_BUCKETS + SHARD_BUCKETS - 1].map((b) => sizes.hasBucket(b))).toEqual([true, false, true, true]);
    expect([-1, 1.5, SHARD_SLOTS * SHARD_BUCKETS].map((b) => sizes.hasBucket(b))).toEqual([false, false, false]);
  });
});

describe("a registry sharded by province", () => {
  const person = (n: number, region: string, birthDate = "1990-03-14") => ({
    identity: Identity.random(),
    record: {
      name: `Person ${n}`,
      nationalId: withCheckCharacter(`${region}${birthDate.replaceAll("-", "")}${String(n).padStart(3, "0")}`),
      attributes: { birthDate, region, expiry: "2031-01-01", documentType: "national_id_card" } satisfies PersonAttributes,
    },
  });
  // One batch, provinces interleaved: each person goes to the next slot of their own shard.
  const people = [person(1, "110105"), person(2, "440305"), person(3, "310101"), person(4, "110108"), person(5, "440305"), person(6, "110105")];
  const ENTERPRISE = withCreditCodeCheck("91440305MA01LT2X5");
  let dir: string;
  let registrar: Registrar;
  let server: RegistrarServer;
  let indexes: number[];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "realdid-shards-"));
    registrar = await Registrar.init(join(dir, "registrar"), TEST_UNLOCK);
    indexes = (await registrar.enroll(people.map(({ identity, record }) => ({ record, commitment: identity.commitment })))).map((c) => c.index);
    await registrar.enrollEnterprise({ creditCode: ENTERPRISE, name: "Nanshan Trading Co., Ltd.", legalRepresentativeNationalId: people[4].record.nationalId });
    server = await startRegistrarServer(join(dir, "registrar"), { host: "127.0.0.1", port: 0 });
  });
  afterAll(async () => {
    await server?.close();
    await registrar?.close();
    await releaseCurve();
    rmSync(dir, { recursive: true, force: true });
  });

  const slot = (shard: number, k: number) => shard * SHARD_LEAVES + k;
  const getJson = async (path: string) => {
    const response = await fetch(`${server.url}${path}`);
    return { status: response.status, json: await response.json() };
  };

  it("puts each leaf in its province's shard, in order, and describes the shards in realdid-tree/2, their roots hashing up to the signed root", async () => {
    expect(indexes).toEqual([slot(BEIJING, 0), slot(GUANGDONG, 0), slot(SHANGHAI, 0), slot(BEIJING, 1), slot(GUANGDONG, 1), slot(BEIJING, 2)]);
    const { enterprise, mandates } = { enterprise: await registrar.enterpriseStatus(ENTERPRISE), mandates: await registrar.mandatesOf(ENTERPRISE) };
    expect([enterprise.leafIndex, mandates[0].leafIndex]).toEqual([slot(GUANGDONG, 2), slot(GUANGDONG, 3)]);

    const { status, json: tree } = await getJson("/v1/tree");
    expect(status).toBe(200);
    expect(tree).toMatchObject({ format: "realdid-tree/2", shardLevel: 9, shardLeaves: SHARD_LEAVES, size: 8, root: (await registrar.treeInfo()).root.toString() });
    expect(tree.shards.map(({ root: _, ...shard }: { root: string }) => shard)).toEqual([
      { slot: BEIJING, province: "11", firstLeaf: 0, size: 3, firstBucket: 0, buckets: 1 },
      { slot: SHANGHAI, province: "31", firstLeaf: slot(SHANGHAI, 0), size: 1, firstBucket: SHANGHAI * SHARD_BUCKETS, buckets: 1 },
      { slot: GUANGDONG, province: "44", firstLeaf: slot(GUANGDONG, 0), size: 4, firstBucket: GUANGDONG * SHARD_BUCKETS, buckets: 1 },
    ]);
    expect(SignedLog.isSignedBy(LEDGER_KIND, tree.ledgerEntry, registrar.publicKey) && tree.ledgerEntry.root === tree.root && tree.ledgerEntry.treeSize === 8).toBe(true);
    // The shards' roots, with every empty shard's (an empty subtree of height 9), hash up to the signed national root.
    const emptyShard = new RegistryTree(SHARD_LEVEL).root;
    const shardRoots = Array.from({ length: SHARD_SLOTS }, (_, s) => BigInt(tree.shards.find((shard: { slot: number }) => shard.slot === s)?.root ?? emptyShard));
    const level10 = Array.from({ length: TREE_ARITY }, (_, k) => hashNode(shardRoots.slice(k * TREE_ARITY, (k + 1) * TREE_ARITY)));
    expect(hashNode(level10).toString()).toBe(tree.root);
    expect((await Registrar.checkTree(join(dir, "registrar"))).size).toBe(8);
  });

  it("serves each shard's buckets, and refuses one past a shard's last leaf by naming the buckets there are", async () => {
    const guangdong = people[1];
    const { path } = await refreshPath(server.url, { index: indexes[1], leaf: (await registrar.path(indexes[1])).leaf, registrarKey: registrar.publicKey });
    expect(path).toEqual(await registrar.path(indexes[1]));
    // The lower nine levels of the path hash to Guangdong's shard root, not to Beijing's.
    const { json: tree } = await getJson("/v1/tree");
    const shardRoot = (province: string) => BigInt(tree.shards.find((s: { province: string }) => s.province === province).root);
    const inShard = subtreeRoot(path, SHARD_LEVEL);
    expect(inShard).toBe(shardRoot("44"));
    expect(inShard).not.toBe(shardRoot("11"));
    expect(guangdong.record.attributes.region.slice(0, 2)).toBe("44");

    for (const bucket of [1, GUANGDONG * SHARD_BUCKETS + 1, (SHARD_SLOTS - 1) * SHARD_BUCKETS]) {
      const { status, json } = await getJson(`/v1/tree/buckets/${bucket}`);
      expect(status).toBe(404);
      expect(json).toMatchObject({ error: { code: "bucket_out_of_range" } });
      expect(json.error.message).toContain(`bucket ${bucket} holds no leaf: the registry's buckets of ${BUCKET_LEAVES} leaves are 0 to 0 (province 11), ${SHANGHAI * SHARD_BUCKETS} to ${SHANGHAI * SHARD_BUCKETS} (province 31), ${GUANGDONG * SHARD_BUCKETS} to ${GUANGDONG * SHARD_BUCKETS} (province 44)`);
    }
  });

  it("a Guangdong proof verifies under the national root; the same witness moved into Beijing's shard or a spare one proves a root no ledger holds and is refused", async () => {
    const artifacts = loadArtifacts({ warn: () => {} });
    const prover = await Prover.create(artifacts);
    const { identity, record } = people[4];
    const { root } = await registrar.treeInfo();
    const request = { scope: "shop.example", challenge: randomChallenge(), bounds: predicateBounds({ minAge: 18, regionPrefix: "44" }, TODAY), regulatorKey: generateRegulatorKeyPair().publicKey };
    const credential = { index: indexes[4], attributes: encodeAttributes(record.attributes, TODAY) };
    const merkleProof = await registrar.path(indexes[4]);
    const check = groth16Check(artifacts.verificationKey);
    const verification = { ...request, keyId: artifacts.keyId, rootStatus: (r: bigint) => registrar.ledger.rootStatus(r) };
    expect(await verifyProof(await prover.prove({ identity, credential, merkleProof, request }), verification, check)).toMatchObject({ valid: true, root });

    // The index's top bits place the leaf in its shard (the circuit takes the path's positions
    // from them): the same leaf and siblings at another shard's slot hash to another root, one
    // the signed ledger never published. (Forcing the real root into such a witness fails its
    // constraints: realdid-circuit.test.ts, "a wrong leaf index".)
    const honest = circuitInput({ identity, credential, merkleProof, request });
    for (const shard of [BEIJING, SHARD_SLOTS - 1]) {
      const moved = await prover.proveInput({ ...honest, index: String(indexes[4] - GUANGDONG * SHARD_LEAVES + shard * SHARD_LEAVES) });
      expect(moved.publicSignals).not.toContain(root.toString());
      expect(await verifyProof(moved, verification, check)).toMatchObject({ valid: false, code: "unknown_root" });
    }
  });
});

/** The root of the subtree of height `height` that holds a path's leaf, from the path's lower levels. */
function subtreeRoot(path: MerkleProof, height: number): bigint {
  let node = path.leaf;
  for (let level = 0; level < height; level++) {
    const position = Math.floor(path.index / TREE_ARITY ** level) % TREE_ARITY;
    const others = path.siblings[level];
    node = hashNode([...others.slice(0, position), node, ...others.slice(position)]);
  }
  return node;
}
