// The registrar's server over real HTTP on 127.0.0.1: path refresh by bucket (the request
// log never shows a leaf), credential status by the same bucket, catching up with other
// processes writing the store, and clear refusals of bad requests.
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { Writable } from "node:stream";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { encodeAttributes } from "../src/attributes/attributes.js";
import { loadArtifacts } from "../src/artifacts/load.js";
import { registrarDid } from "../src/did/did-uri.js";
import { releaseCurve } from "../src/proof/curve.js";
import { Prover } from "../src/proof/prover.js";
import { groth16Check } from "../src/proof/groth16-check.js";
import { verifyProof } from "../src/proof/verifier.js";
import { parseCredentialFile } from "../src/registry/credential.js";
import { BUCKET_LEAVES } from "../src/registry/registry-tree.js";
import { refreshPath } from "../src/registrar/path-client.js";
import { Registrar } from "../src/registrar/registrar.js";
import { type RegistrarServer, startRegistrarServer } from "../src/registrar/registrar-server.js";
import { LedgerReplica } from "../src/service/ledger-replica.js";
import { ledgerSource } from "../src/service/ledger-source.js";
import { SqliteVerifierStore } from "../src/service/sqlite-store.js";
import { TODAY } from "./helpers/fixtures.js";
import { enrollmentRequests } from "./helpers/people.js";
import { proofFixture } from "./helpers/proof-fixture.js";
import { TEST_UNLOCK } from "./helpers/registrar-keys.js";

let dir: string;
let server: RegistrarServer;
let writer: Registrar; // another process's registrar, enrolling while the server answers
const requestLog: { path: string; status: number }[] = [];
const logTo = new Writable({
  write(chunk, _encoding, done) {
    for (const line of chunk.toString().split("\n").filter(Boolean)) requestLog.push(JSON.parse(line));
    done();
  },
});

/** The person whose path is refreshed: in the second bucket, so bucket and leaf numbers differ. */
const INDEX = BUCKET_LEAVES + 123;
let enrolled: ReturnType<typeof enrollmentRequests>;
let credential: ReturnType<typeof parseCredentialFile>;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "realdid-registrar-server-"));
  writer = await Registrar.init(join(dir, "registrar"), TEST_UNLOCK);
  enrolled = enrollmentRequests(BUCKET_LEAVES + 200);
  const credentials = await writer.enroll(enrolled.requests);
  credential = parseCredentialFile(JSON.stringify(credentials[INDEX]));
  server = await startRegistrarServer(join(dir, "registrar"), { host: "127.0.0.1", port: 0, log: pino({ base: undefined }, logTo) });
});
afterAll(async () => {
  await server?.close();
  await writer?.close();
  await releaseCurve();
  rmSync(dir, { recursive: true, force: true });
});

const ref = () => ({ index: INDEX, leaf: credential.leaf, registrarKey: writer.publicKey });
const get = async (path: string) => {
  const response = await fetch(`${server.url}${path}`);
  return { status: response.status, json: await response.json() };
};

describe("registrar server", () => {
  it("refreshes a path by bucket; the path proves under the registrar's current root", async () => {
    const { path, entry } = await refreshPath(server.url, ref());
    expect(path.root).toBe((await writer.treeInfo()).root);
    expect(path).toEqual(await writer.path(INDEX));
    expect(entry).toEqual(writer.ledger.head);

    const fixture = await proofFixture();
    const request = fixture.requestFor("shop.example", { minAge: 18 }, TODAY);
    const prover = await Prover.create(loadArtifacts({ warn: () => {} }));
    const proof = await prover.prove({ identity: enrolled.identities[INDEX], credential: { index: INDEX, attributes: encodeAttributes(enrolled.requests[INDEX].record.attributes) }, merkleProof: path, request });
    const outcome = await verifyProof(proof, { ...request, keyId: prover.keyId, rootStatus: (root) => writer.ledger.rootStatus(root) }, groth16Check(fixture.artifacts.verificationKey));
    expect(outcome).toMatchObject({ valid: true });
  });

  it("serves what another process enrolled since, and the refreshed path is under the new root", async () => {
    const before = (await writer.treeInfo()).root;
    await writer.enroll(enrollmentRequests(3, BUCKET_LEAVES + 200).requests);
    const { path } = await refreshPath(server.url, ref());
    expect(path.root).not.toBe(before);
    expect(path.root).toBe((await writer.treeInfo()).root);
    const tree = (await get("/v1/tree")).json;
    expect(tree).toMatchObject({ format: "realdid-tree/2", size: BUCKET_LEAVES + 203, root: (await writer.treeInfo()).root.toString(), bucketLeaves: 4096, registrarDid: registrarDid(server.publicKey) });
    // Everyone here is registered in Beijing: one shard, its first two buckets.
    expect(tree.shards).toMatchObject([{ slot: 0, province: "11", firstLeaf: 0, size: BUCKET_LEAVES + 203, firstBucket: 0, buckets: 2 }]);
  });

  it("answers a request that names a stale root for the current root, and says so", async () => {
    const { json } = await get(`/v1/tree/buckets/1?root=${12345}`);
    expect(json).toMatchObject({ format: "realdid-bucket/1", bucket: 1, root: (await writer.treeInfo()).root.toString(), staleRootRequested: true });
    expect((await get(`/v1/tree/buckets/1?root=${(await writer.treeInfo()).root}`)).json.staleRootRequested).toBe(false);
  });

  it("tells a citizen their credential was re-issued or revoked, by the same bucket", async () => {
    await writer.reissue(INDEX, { ...enrolled.requests[INDEX].record.attributes, expiry: "2040-01-01" });
    await expect(refreshPath(server.url, ref())).rejects.toMatchObject({ code: "credential_reissued" });
    await writer.revoke(INDEX);
    await expect(refreshPath(server.url, ref())).rejects.toMatchObject({ code: "credential_revoked" });
    await expect(refreshPath(server.url, { ...ref(), registrarKey: "ab".repeat(32) })).rejects.toMatchObject({ code: "log_wrong_key" });
  });

  it("checks the bucket against the signed root before believing its slot: a proxy that changes the leaf is caught", async () => {
    const proxy = createServer(async (req, res) => {
      const bucket = await (await fetch(`${server.url}${req.url}`)).json();
      bucket.leaves[INDEX - BUCKET_LEAVES] = bucket.leaves[INDEX - BUCKET_LEAVES] === "0" ? "1" : "0"; // "revoked" or "re-issued", says the proxy
      res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(bucket));
    });
    await new Promise<void>((resolve) => proxy.listen(0, "127.0.0.1", resolve));
    try {
      const { port } = proxy.address() as AddressInfo;
      await expect(refreshPath(`http://127.0.0.1:${port}`, ref())).rejects.toMatchObject({ code: "log_malformed" });
    } finally {
      await new Promise((resolve) => proxy.close(resolve));
    }
  });

  it.each([
    ["a bucket past the end", "/v1/tree/buckets/2", 404, "bucket_out_of_range"],
    ["a negative bucket", "/v1/tree/buckets/-1", 400, "malformed_request"],
    ["a bucket with a leading zero", "/v1/tree/buckets/01", 400, "malformed_request"],
    ["a bucket that is not a number", "/v1/tree/buckets/one", 400, "malformed_request"],
    ["a ledger offset that is not a number", "/v1/ledger?from=x", 400, "malformed_request"],
    ["an unknown endpoint", "/v1/tree/leaves/5", 404, "not_found"],
    ["a bad %-escape", "/v1/tree/buckets/%E0%A4%A", 400, "malformed_request"],
  ])("refuses %s with a JSON error", async (_, path, status, code) => {
    const answer = await get(path);
    expect(answer.status).toBe(status);
    expect(answer.json.error).toMatchObject({ code });
  });

  it("logged every request with its bucket only: never a leaf index", () => {
    const paths = requestLog.map((line) => line.path);
    expect(paths.filter((p) => p.startsWith("/v1/tree/buckets/1")).length).toBeGreaterThanOrEqual(5);
    expect(paths.join("\n")).not.toContain(String(INDEX));
    expect(requestLog.every((line) => typeof line.status === "number")).toBe(true);
  });
});

it("pages the ledger (limit, X-Ledger-Length) and a verifier's replica reads every page", async () => {
  for (const index of [0, 1, 2]) await writer.revoke(index); // more ledger entries than one page
  const paged = await startRegistrarServer(join(dir, "registrar"), { host: "127.0.0.1", port: 0, maxLedgerPage: 2, log: pino({ level: "silent" }) });
  const store = SqliteVerifierStore.open(join(dir, "verifier"));
  try {
    const length = writer.ledger.length;
    expect(length).toBeGreaterThan(4);
    const page = await fetch(`${paged.url}/v1/ledger?from=1`);
    expect(page.headers.get("x-ledger-length")).toBe(String(length));
    expect((await page.text()).trim().split("\n").slice(1).map((line) => JSON.parse(line).seq)).toEqual([1, 2]);
    expect((await (await fetch(`${paged.url}/v1/ledger?from=0&limit=1`)).text()).trim().split("\n")).toHaveLength(2);
    for (const limit of ["0", "3", "x"]) {
      const refused = await fetch(`${paged.url}/v1/ledger?limit=${limit}`);
      expect(refused.status).toBe(400);
      expect(await refused.json()).toMatchObject({ error: { code: "malformed_request" } });
    }
    const replica = await LedgerReplica.open(store, ledgerSource(paged.url), writer.publicKey);
    expect(await replica.sync()).toBe(length);
    expect(replica.ledger.head).toEqual(writer.ledger.head);
    expect(await replica.sync()).toBe(0); // caught up: one page (the overlapping entry)
  } finally {
    await store.close();
    await paged.close();
  }
});
