// The OpenID Provider's storage adapter over both verifier stores, and its keys file: what
// instances behind one issuer share (records, single use of codes, receipts, keys).
import { mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { errors } from "oidc-provider";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { LoginRequest } from "../src/login/login-documents.js";
import { storeAdapter } from "../src/service/oidc-adapter.js";
import { LoginRecords } from "../src/service/oidc-login-record.js";
import { openOrCreateOidcKeys } from "../src/service/oidc-keys.js";
import { PostgresVerifierStore } from "../src/service/postgres-store.js";
import { SqliteVerifierStore } from "../src/service/sqlite-store.js";
import type { VerifierStore } from "../src/service/store.js";
import { ownTestDatabase } from "./helpers/postgres.js";

let dir: string;
let postgres: Awaited<ReturnType<typeof ownTestDatabase>>;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "realdid-oidc-store-"));
  postgres = await ownTestDatabase("realdid_oidc_store");
});
afterAll(async () => {
  rmSync(dir, { recursive: true, force: true });
  await postgres?.drop();
});

describe.each([
  ["SQLite", async () => [SqliteVerifierStore.open(join(dir, "sqlite")), SqliteVerifierStore.open(join(dir, "sqlite"))]],
  ["PostgreSQL", async () => [await PostgresVerifierStore.open(postgres.url), await PostgresVerifierStore.open(postgres.url)]],
] as const)("OpenID Provider records in the %s store, shared by two instances", (_, open) => {
  let stores: VerifierStore[];
  let now = new Date("2026-11-25T12:00:00Z");
  const adapters = (model: string) => stores.map((store) => new (storeAdapter(store, () => now))(model));
  beforeAll(async () => {
    stores = await open();
  });
  afterAll(async () => Promise.all(stores.map((store) => store.close())));

  it("finds what another instance stored, by id, uid and user code, until it expires", async () => {
    const [a, b] = adapters("Interaction");
    await a.upsert("i-1", { uid: "u-1", userCode: "UC-1", params: { client_id: "shop-web" } }, 60);
    expect(await b.find("i-1")).toEqual({ uid: "u-1", userCode: "UC-1", params: { client_id: "shop-web" } });
    expect(await b.findByUid("u-1")).toMatchObject({ params: { client_id: "shop-web" } });
    expect(await b.findByUserCode("UC-1")).toMatchObject({ uid: "u-1" });
    expect(await adapters("Session")[1].find("i-1")).toBeUndefined(); // models are apart
    await a.upsert("i-1", { uid: "u-1", result: { login: { accountId: "did" } } }, 60);
    expect(await b.find("i-1")).toEqual({ uid: "u-1", result: { login: { accountId: "did" } } });
    now = new Date(now.getTime() + 61_000);
    expect(await b.find("i-1")).toBeUndefined();
    expect(await stores[0].pruneOidcRecords(now)).toBeGreaterThanOrEqual(1);
  });

  it("lets exactly one instance consume an authorization code; the loser's replay revokes the grant", async () => {
    const [a, b] = adapters("AuthorizationCode");
    for (let round = 0; round < 50; round++) {
      await a.upsert(`code-${round}`, { grantId: `grant-${round}`, clientId: "shop-web" }, 60);
      const results = await Promise.allSettled([a.consume(`code-${round}`), b.consume(`code-${round}`)]);
      expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(1);
      const lost = results.find((r) => r.status === "rejected") as PromiseRejectedResult;
      expect(lost.reason).toBeInstanceOf(errors.InvalidGrant);
      expect(await a.find(`code-${round}`)).toBeUndefined(); // revoked with its grant
    }
    await a.upsert("kept", { grantId: "grant-kept" }, 60);
    await b.consume("kept");
    expect((await a.find("kept"))?.consumed).toBe(Math.floor(now.getTime() / 1000));
    await a.upsert("kept", { grantId: "grant-kept", touched: true }, 60); // a later save keeps it consumed
    expect((await b.find("kept"))?.consumed).toBeDefined();
  });

  it("revokes every record of a grant, and destroys one record", async () => {
    const [code, token] = [adapters("AuthorizationCode")[0], adapters("AccessToken")[1]];
    await code.upsert("c", { grantId: "g-revoke" }, 60);
    await token.upsert("t", { grantId: "g-revoke" }, 60);
    await token.upsert("other", { grantId: "g-other" }, 60);
    await code.revokeByGrantId("g-revoke");
    expect(await code.find("c")).toBeUndefined();
    expect(await token.find("t")).toBeUndefined();
    expect(await token.find("other")).toBeDefined();
    await token.destroy("other");
    expect(await token.find("other")).toBeUndefined();
  });

  it("takes one wallet answer per sign-in across instances, and gives its outcome once, to the holder of its token", async () => {
    const [a, b] = stores.map((store) => new LoginRecords(store, () => now));
    const login = { format: "realdid-login-request/1", request: {}, client: { name: "Shop", uri: "http://127.0.0.1:9" }, returnUrl: "http://127.0.0.1:9/oidc/interaction/u/answer" } as unknown as LoginRequest;
    for (let round = 0; round < 20; round++) {
      const uid = `login-${round}`;
      await a.open(uid, login, new Date(now.getTime() + 60_000));
      expect(await b.find(uid)).toEqual({ login, answered: false });
      const claims = await Promise.all([a.claimAnswer(uid), b.claimAnswer(uid)]);
      expect(claims.filter(Boolean)).toHaveLength(1);
      expect(await a.find(uid)).toEqual({ login, answered: true });
    }
    const token = await a.keepOutcome("login-0", login, { login: { accountId: "did:realdid:pairwise:00" } }, new Date(now.getTime() + 60_000));
    expect(await b.find("login-0")).toEqual({ login, answered: true }); // kept, still answered
    expect(await b.claimAnswer("login-0")).toBe(false);
    expect(await b.redeem("login-0", "not the token")).toBeUndefined();
    expect(await b.redeem("login-0", token)).toEqual({ login: { accountId: "did:realdid:pairwise:00" } });
    expect(await a.redeem("login-0", token)).toBeUndefined();
  });

  it("keeps a site's receipts by DID, oldest first", async () => {
    const did = `did:realdid:pairwise:${"ab".repeat(32)}`;
    await stores[0].addReceipt({ site: "shop", did, time: new Date("2026-11-25T10:00:01Z"), receipt: { n: 2 } });
    await stores[1].addReceipt({ site: "shop", did, time: new Date("2026-11-25T10:00:00Z"), receipt: { n: 1 } });
    await stores[1].addReceipt({ site: "news", did, time: new Date("2026-11-25T10:00:00Z"), receipt: { n: 3 } });
    expect((await stores[1].receipts("shop", did)).map((r) => r.receipt)).toEqual([{ n: 1 }, { n: 2 }]);
    expect(await stores[0].receipts("shop", `did:realdid:pairwise:${"cd".repeat(32)}`)).toEqual([]);
  });
});

describe("OpenID Provider keys file", () => {
  const PASSPHRASE = "oidc keys passphrase (test only, insecure)";

  it("is created once (mode 600) and read back the same by every instance", () => {
    const path = join(dir, "clear-keys.json");
    const first = openOrCreateOidcKeys(path, undefined, "oidc.keysPassphraseEnv");
    expect(first.created).toBe(true);
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(openOrCreateOidcKeys(path, undefined, "oidc.keysPassphraseEnv")).toEqual({ secrets: first.secrets, created: false });
  });

  it("is sealed with a passphrase: no private key readable on disk, the wrong or a missing passphrase refused", () => {
    const path = join(dir, "sealed-keys.json");
    const { secrets } = openOrCreateOidcKeys(path, PASSPHRASE, "oidc.keysPassphraseEnv");
    const onDisk = readFileSync(path, "utf8");
    expect(onDisk).not.toContain(secrets.signingKeys[0].d);
    expect(onDisk).not.toContain(secrets.cookieKeys[0]);
    expect(openOrCreateOidcKeys(path, PASSPHRASE, "oidc.keysPassphraseEnv").secrets).toEqual(secrets);
    expect(() => openOrCreateOidcKeys(path, "wrong", "oidc.keysPassphraseEnv")).toThrow(/passphrase does not open/);
    expect(() => openOrCreateOidcKeys(path, undefined, "oidc.keysPassphraseEnv")).toThrow(/sealed: give their passphrase with oidc.keysPassphraseEnv/);
  });
});
