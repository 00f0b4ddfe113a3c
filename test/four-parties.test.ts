// Four parties, four folders, no shared files: a registrar serving over HTTP, a website's
// verifier service in its own process, a citizen on a second install (the packed tarball,
// installed from the registry into an empty project) and a regulator. Everything that
// passes between them goes over HTTP or as a document one hands to another.
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadArtifacts } from "../src/artifacts/load.js";
import { withCreditCodeCheck } from "../src/business/credit-code.js";
import { RootLedger } from "../src/ledger/root-ledger.js";
import { ledgerSource } from "../src/service/ledger-source.js";
import { todayIso } from "../src/attributes/calendar.js";
import { contractArtifact } from "../src/chain/contract-artifacts.js";
import { verifierCall } from "../src/chain/realdid-verifier.js";
import { parsePolicy, policyRequest } from "../src/policy/policy.js";
import { parseProofDocument } from "../src/proof/proof-document.js";
import { type CliRun, expectSuccess as ok, realdid, realdidConcurrently, TEST_PASSPHRASES } from "./helpers/cli.js";
import { createAddressFromString } from "@ethereumjs/util";
import { InProcessChain, TEST_CHAIN_KEYS } from "./helpers/evm.js";
import { packedInstall, run } from "./helpers/packed-install.js";
import { registrarDid } from "../src/did/did-uri.js";
import { NAMED_PEOPLE, personRecord } from "./helpers/people.js";
import { type RunningChild, spawnRealdid, stopChild } from "./helpers/service-process.js";

let root: string;
let installedBin: string;
let installedProject: string;
let registrarServer: RunningChild;
let verifierService: RunningChild;
let registrarKey: string;
const folder = (party: string) => join(root, party);
const ENV = { PASS: "citizen passphrase", REG_1: "holder one", REG_2: "holder two", REG_3: "holder three" };
/** A party's command: the checkout's CLI, or the second install's for the citizen. */
const as = (party: string, bin?: string) => (...args: string[]) => realdid(folder(party), ["--json", ...args], ENV, bin);
const registrar = as("registrar");
const regulator = as("regulator");
let citizen: ReturnType<typeof as>;
let agent: ReturnType<typeof as>;
const [liWei, ...others] = NAMED_PEOPLE;
const enroll = (person: (typeof NAMED_PEOPLE)[number], commitment: string, out: string) =>
  ok(registrar("registrar", "enroll", "--data", ".", "--passphrase-env", "REGISTRAR_PASS", "--name", person.name, "--national-id", person.nationalId, "--birth-date", person.birthDate, "--region", person.region, "--expiry", person.expiry, "--document-type", person.documentType, "--commitment", commitment, "--out", out));

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), "realdid-four-parties-"));
  for (const party of ["registrar", "site", "citizen", "agent", "regulator", "second-install"]) mkdirSync(folder(party));
  ({ bin: installedBin, project: installedProject } = packedInstall(folder("second-install")));
  citizen = as("citizen", installedBin);
  agent = as("agent", installedBin);

  // Regulator: a 2-of-3 key and the audit log; the public key is published (to citizens, sites and the registrar).
  ok(regulator("regulator", "keygen", "--threshold", "2", "--shares", "3", "--passphrases-env", "REG_", "--out-dir", "key"));
  ok(regulator("regulator", "audit", "init", "--dir", "audit", "--passphrase-env", "AUDIT_PASS"));
  const { x, y } = JSON.parse(readFileSync(join(folder("regulator"), "key", "regulator-public.json"), "utf8"));
  for (const party of ["citizen", "agent", "registrar"]) writeFileSync(join(folder(party), "regulator-public.json"), readFileSync(join(folder("regulator"), "key", "regulator-public.json")));

  // Registrar: a store and its public server, which also takes legal representatives' grants.
  ({ publicKey: registrarKey } = ok(registrar("registrar", "init", "--data", ".", "--passphrase-env", "REGISTRAR_PASS"))); // published by the registrar
  Object.assign(process.env, TEST_PASSPHRASES); // the server unlocks its keys from $REGISTRAR_PASS
  registrarServer = await spawnRealdid(["registrar", "serve", "--data", ".", "--port", "0", "--passphrase-env", "REGISTRAR_PASS", "--regulator-key", "regulator-public.json"], folder("registrar"));

  // Site: its verifier service, pulling the ledger from the registrar's server; a shop and a tax office.
  const shop = { scope: "shop.example", minAge: 18, checkExpiry: true, regulatorKey: { x, y } };
  const tax = { scope: "tax.example.gov", checkExpiry: true, regulatorKey: { x, y }, business: { roles: ["legal_representative", "agent"], task: "tax_filing", revealEnterprise: true } };
  writeFileSync(join(folder("site"), "shop.policy.json"), JSON.stringify({ ...shop, registrarKey }));
  writeFileSync(join(folder("site"), "verifier.json"), JSON.stringify({ port: 0, database: "data", workers: 1, ledger: { source: registrarServer.url, registrarKey, syncSeconds: 1 }, sites: { shop, tax } }));
  verifierService = await spawnRealdid(["serve", "--config", "verifier.json"], folder("site"));
});

afterAll(async () => {
  await stopChild(verifierService?.child);
  await stopChild(registrarServer?.child);
  rmSync(root, { recursive: true, force: true });
});

describe("four parties on four installs", () => {
  it("the second install compiled its native Poseidon when npm installed it (node-gyp, the package's install script)", () => {
    expect(existsSync(join(installedProject, "node_modules", "realdid", "build", "Release", "realdid_poseidon.node"))).toBe(true);
  });

  it("a citizen on the second install enrolls, others enroll after, and `realdid login` refreshes the path over HTTP and logs in", () => {
    const { commitment } = ok(citizen("identity", "new", "--out", "me.identity.json", "--passphrase-env", "PASS"));
    enroll(liWei, commitment, "li-wei.credential.json");
    writeFileSync(join(folder("citizen"), "me.credential.json"), readFileSync(join(folder("registrar"), "li-wei.credential.json"))); // handed over at the counter
    others.forEach((person, i) => enroll(person, ok(as("registrar")("identity", "new", "--out", `other-${i}.identity.json`, "--insecure-plaintext")).commitment, `other-${i}.credential.json`));

    const login = ok(citizen("login", "--regulator-key", "regulator-public.json", verifierService.url, "--site", "shop", "--identity", "me.identity.json", "--passphrase-env", "PASS", "--credential", "me.credential.json", "--registrar", registrarServer.url));
    expect(login).toMatchObject({ valid: true, site: "shop", keyId: loadArtifacts({ warn: () => {} }).keyId, predicates: ["age >= 18", "credential not expired"] });
    expect(login.ledgerEntry.treeSize).toBe(NAMED_PEOPLE.length); // proved under the root after everyone enrolled
    // The site keeps the receipt with the account.
    writeFileSync(join(folder("site"), `account-${login.didAddress}.receipt.json`), JSON.stringify(login.receipt));
    writeFileSync(join(folder("site"), "last-account"), login.didAddress);
    // What the citizen keeps is readable by them alone.
    ok(citizen("path", "refresh", "--registrar", registrarServer.url, "--credential", "me.credential.json", "--out", "me.path.json"));
    for (const file of ["me.identity.json", "me.path.json"]) expect(statSync(join(folder("citizen"), file)).mode & 0o777, file).toBe(0o600);
  });

  it("the registrar's request log shows buckets and ledger pulls, never a leaf index", async () => {
    const log = await registrarServer.stderrOnce(/\/v1\/tree\/buckets\/0/);
    const paths = log
      .split("\n")
      .filter(Boolean)
      .map((line) => JSON.parse(line).path as string);
    expect(paths.every((path) => /^\/v1\/(tree\/buckets\/\d+|ledger\?from=\d+)$/.test(path)), paths.join("\n")).toBe(true);
  });

  it("the regulator opens the case from the receipt the site stored, and two holders unmask Li Wei", () => {
    const account = readFileSync(join(folder("site"), "last-account"), "utf8");
    writeFileSync(join(folder("regulator"), "receipt.json"), readFileSync(join(folder("site"), `account-${account}.receipt.json`))); // handed over with the court order
    const opened = ok(regulator("regulator", "open-case", "--receipt", "receipt.json", "--verifier-key", verifierService.started.receiptKey, "--case-id", "2026-0001", "--legal-basis", "Court order 17/2026 (fraud investigation)", "--audit", "audit", "--audit-passphrase-env", "AUDIT_PASS", "--out", "case.json"));
    expect(opened.caseId).toBe("2026-0001");
    for (const holder of ["1", "3"]) ok(regulator("regulator", "partial", "--share", `key/share-${holder}.json`, "--passphrase-env", `REG_${holder}`, "--key", "key/regulator-public.json", "--case", "case.json", "--out", `partial-${holder}.json`));
    const unmasked = ok(regulator("regulator", "unmask", "--case", "case.json", "--key", "key/regulator-public.json", "--partials", "partial-1.json", "partial-3.json", "--audit", "audit", "--audit-passphrase-env", "AUDIT_PASS"));
    const audit = regulator("regulator", "audit", "verify", "audit/audit.jsonl");
    expect(ok(audit).entries).toBe(4);
    // The registrar resolves the handle only from the regulator's verified audit log.
    writeFileSync(join(folder("registrar"), "audit.jsonl"), readFileSync(join(folder("regulator"), "audit", "audit.jsonl")));
    const resolved = ok(registrar("registrar", "resolve", "--data", ".", "--passphrase-env", "REGISTRAR_PASS", "--case-id", "2026-0001", "--audit", "audit.jsonl", "--audit-key", ok(audit).publicKey));
    expect(resolved.person).toMatchObject({ name: "Li Wei", nationalId: liWei.nationalId });
    expect(unmasked.handle).toMatch(/^\d+$/);
  });

  it("two installs verify each other's proofs", async () => {
    writeFileSync(join(folder("site"), "ledger.jsonl"), await (await fetch(`${registrarServer.url}/v1/ledger`)).text());
    const proveWith = (bin: string | undefined, out: string, challenge: string) =>
      ok(as("citizen", bin)("prove", "--regulator-key", "regulator-public.json", "--identity", "me.identity.json", "--passphrase-env", "PASS", "--credential", "me.credential.json", "--registrar", registrarServer.url, "--request", `${verifierService.url}/v1/sites/shop`, "--challenge", challenge, "--out", out));
    const verifyWith = (bin: string | undefined, proofFile: string, challenge: string) => {
      writeFileSync(join(folder("site"), proofFile), readFileSync(join(folder("citizen"), proofFile)));
      return ok(as("site", bin)("verify", proofFile, "--policy", "shop.policy.json", "--ledger", "ledger.jsonl", "--challenge", challenge));
    };
    const byInstall = proveWith(installedBin, "by-install.proof.json", "99");
    expect(verifyWith(undefined, "by-install.proof.json", "99")).toMatchObject({ valid: true, didAddress: byInstall.didAddress });
    const byCheckout = proveWith(undefined, "by-checkout.proof.json", "98");
    expect(verifyWith(installedBin, "by-checkout.proof.json", "98")).toMatchObject({ valid: true, didAddress: byCheckout.didAddress });
    expect(byCheckout.didAddress).toBe(byInstall.didAddress);
  });

  it("the library works from the second install with plain Node (no TypeScript loader)", () => {
    const receipt = readFileSync(join(folder("regulator"), "receipt.json"), "utf8");
    const script = [
      'import { loadArtifacts, verificationKeyId, verifyReceipt } from "realdid";',
      "const keys = loadArtifacts({ warn: () => {} });",
      'const receipt = verifyReceipt(JSON.parse(process.argv[1]), "receipt", process.argv[2]);',
      "console.log(JSON.stringify({ keyId: keys.keyId, recomputed: verificationKeyId(keys.verificationKey), site: receipt.site }));",
    ].join("\n");
    const output = JSON.parse(run(process.execPath, ["--input-type=module", "-e", script, receipt, verifierService.started.receiptKey], installedProject));
    const keyId = loadArtifacts({ warn: () => {} }).keyId;
    expect(output).toEqual({ keyId, recomputed: keyId, site: "shop" });
  });

  it("the citizen's install writes the browser wallet from the package's built files (no bundler installed)", () => {
    ok(citizen("wallet", "--registrar", registrarServer.url, "--registrar-key", registrarKey, "--regulator-key", "regulator-public.json", "--verifier", "http://127.0.0.1:8080", "--static-out", "wallet"));
    for (const file of ["index.html", "wallet.js", "prover-worker.js", "wallet-config.json", "keys/realdid-32-4.zkey"]) expect(existsSync(join(folder("citizen"), "wallet", file)), file).toBe(true);
  });

  it("a front desk runs from the second install: its page from the package's built files, its snapshot from the registrar's server", async () => {
    const { x, y } = JSON.parse(readFileSync(join(folder("citizen"), "regulator-public.json"), "utf8"));
    const config = { format: "realdid-desk-config/1", name: "Hotel Example, front desk", scope: "hotel.example/front-desk", predicates: { minAge: 18 }, regulatorKeys: [{ x, y }], registrar: { ledger: registrarServer.url, key: registrarDid(registrarKey) } };
    writeFileSync(join(folder("second-install"), "desk.json"), JSON.stringify(config));
    const desk = await spawnRealdid(["desk", "--config", "desk.json", "--data", "desk-data", "--port", "0"], folder("second-install"), installedBin);
    try {
      expect(await (await fetch(desk.url)).text()).toMatch(/<title>RealDID front desk<\/title>/);
      expect((await fetch(new URL("desk.js", desk.url))).status).toBe(200);
      const snapshot = await (await fetch(new URL("snapshot", desk.url))).json();
      expect(snapshot).toMatchObject({ format: "realdid-desk-snapshot/1", scope: config.scope, registrarKey });
      expect(snapshot.ledger.length).toBeGreaterThan(1); // genesis and the enrollments above
    } finally {
      await stopChild(desk.child);
    }
  });

  it("bad input across the boundaries: one line and a code", () => {
    const oneLine = (run: ReturnType<typeof realdid>, code: string, message: RegExp) => {
      expect(run.status).toBe(1);
      expect(run.json.error).toMatchObject({ code });
      expect(run.stderr.trim().split("\n")).toHaveLength(1);
      expect(run.stderr).toMatch(message);
    };
    oneLine(citizen("prove", "--regulator-key", "regulator-public.json", "--identity", "me.identity.json", "--passphrase-env", "PASS", "--credential", "me.credential.json", "--registrar", registrarServer.url, "--request", `${verifierService.url}/v1/sites/nope`, "--challenge", "1", "--out", "x.json"), "remote_refused", /HTTP 404, unknown_site/);
    oneLine(citizen("path", "refresh", "--registrar", "http://127.0.0.1:9", "--credential", "me.credential.json", "--out", "x.json"), "io_error", /cannot reach the registrar/);
    const receipt = JSON.parse(readFileSync(join(folder("regulator"), "receipt.json"), "utf8"));
    writeFileSync(join(folder("regulator"), "forged.json"), JSON.stringify({ ...receipt, site: "another-site" }));
    const openCase = (file: string) => regulator("regulator", "open-case", "--receipt", file, "--verifier-key", verifierService.started.receiptKey, "--case-id", "2026-0002", "--legal-basis", "Court order 18/2026 (fraud investigation)", "--audit", "audit", "--audit-passphrase-env", "AUDIT_PASS", "--out", "case-2.json");
    oneLine(openCase("forged.json"), "receipt_invalid", /the signature is not the verifier service's/);
    writeFileSync(join(folder("regulator"), "malformed.json"), JSON.stringify({ ...receipt, proof: { ...receipt.proof, publicSignals: ["1"] } }));
    oneLine(openCase("malformed.json"), "receipt_invalid", /field 'proof.publicSignals'/);
  });
  it("business from the second install: the registrar enrolls an enterprise, its representative grants an agent a mandate at the registrar's server, the agent logs in for it, and the regulator unmasks both", () => {
    // Li Wei is the enterprise's legal representative; an agent on a machine of their own enrolls first.
    const code = withCreditCodeCheck("91110105MA01ABCDE");
    ok(registrar("enterprise", "enroll", "--data", ".", "--passphrase-env", "REGISTRAR_PASS", "--credit-code", code, "--name", "Example Software Co., Ltd.", "--representative-id", liWei.nationalId, "--out", "representative.mandate.json"));
    writeFileSync(join(folder("citizen"), "representative.mandate.json"), readFileSync(join(folder("registrar"), "representative.mandate.json"))); // handed to Li Wei
    const { name, nationalId, attributes } = personRecord(7);
    enroll({ name, nationalId, ...attributes }, ok(agent("identity", "new", "--out", "agent.identity.json", "--passphrase-env", "PASS")).commitment, "agent.credential.json");
    writeFileSync(join(folder("agent"), "agent.credential.json"), readFileSync(join(folder("registrar"), "agent.credential.json")));

    const until = new Date(Date.now() + 365 * 86_400_000).toISOString().slice(0, 10);
    const identityOf = (who: string) => ["--identity", `${who}.identity.json`, "--passphrase-env", "PASS", "--credential", `${who}.credential.json`, "--regulator-key", "regulator-public.json", "--registrar", registrarServer.url];
    const granted = ok(citizen("enterprise", "mandate", "grant", ...identityOf("me"), "--mandate", "representative.mandate.json", "--agent-id", nationalId, "--role", "agent", "--tasks", "tax_filing", "--until", until, "--out", "agent.mandate.json"));
    expect(granted).toMatchObject({ role: "agent", tasks: ["tax_filing"], validUntil: until });
    writeFileSync(join(folder("agent"), "agent.mandate.json"), readFileSync(join(folder("citizen"), "agent.mandate.json"))); // the representative hands it over

    const login = ok(agent("enterprise", "login", verifierService.url, "--site", "tax", ...identityOf("agent"), "--mandate", "agent.mandate.json"));
    expect(login).toMatchObject({ valid: true, creditCode: code, did: expect.stringMatching(/^did:realdid:pairwise:[0-9a-f]{64}$/) });
    writeFileSync(join(folder("regulator"), "business-receipt.json"), JSON.stringify(login.receipt)); // the site's receipt, handed over with a court order

    ok(regulator("regulator", "open-case", "--receipt", "business-receipt.json", "--verifier-key", verifierService.started.receiptKey, "--case-id", "2026-0003", "--legal-basis", "Court order 19/2026 (tax fraud investigation)", "--audit", "audit", "--audit-passphrase-env", "AUDIT_PASS", "--out", "business-case.json"));
    for (const holder of ["2", "3"]) ok(regulator("regulator", "partial", "--share", `key/share-${holder}.json`, "--passphrase-env", `REG_${holder}`, "--key", "key/regulator-public.json", "--case", "business-case.json", "--out", `business-partial-${holder}.json`));
    const unmasked = ok(regulator("regulator", "unmask", "--case", "business-case.json", "--key", "key/regulator-public.json", "--partials", "business-partial-2.json", "business-partial-3.json", "--audit", "audit", "--audit-passphrase-env", "AUDIT_PASS"));
    expect(unmasked.handle).toMatch(/^\d+$/);
    expect(unmasked.mandateHandle).toMatch(/^\d+$/);
    writeFileSync(join(folder("registrar"), "audit.jsonl"), readFileSync(join(folder("regulator"), "audit", "audit.jsonl")));
    const auditKey = ok(regulator("regulator", "audit", "verify", "audit/audit.jsonl")).publicKey;
    const resolved = ok(registrar("registrar", "resolve", "--data", ".", "--passphrase-env", "REGISTRAR_PASS", "--case-id", "2026-0003", "--audit", "audit.jsonl", "--audit-key", auditKey));
    expect(resolved.person).toMatchObject({ name, nationalId, mandate: { enterprise: { creditCode: code }, mandate: { role: "agent", leafIndex: granted.index } } });
  });

  it("on a chain, from the second install: the registrar anchors its ledger, a site deploys its verifier contract, which checks the citizen's CLI proof and accepts it once per person, and a verifier service that reads the ledger from the chain logs the citizen in", async () => {
    const chain = await InProcessChain.create();
    chain.time = BigInt(Math.floor(Date.now() / 1000)); // blocks at today's time, as the ledger's entries are
    const rpc = await chain.serve();
    let chainService: RunningChild | undefined;
    // The test chain's first two accounts: insecure, well-known test keys.
    const env = { ...ENV, PUBLISHER_KEY: TEST_CHAIN_KEYS[0], DEPLOYER_KEY: TEST_CHAIN_KEYS[1] };
    // Concurrently: the chain answers from this process, which a synchronous run would block.
    const party = (name: string, bin?: string) => (...args: string[]) => realdidConcurrently(folder(name), ["--json", ...args], env, bin);
    try {
      const registrarOnChain = (...args: string[]) => party("registrar", installedBin)("registrar", ...args, "--data", ".", "--rpc", rpc.url, "--publisher-key-env", "PUBLISHER_KEY");
      const { registry } = ok(await registrarOnChain("deploy-registry"));
      const anchored = ok(await registrarOnChain("anchor", "--registry", registry));
      expect(anchored.published).toBeGreaterThan(1);
      const entries = await ledgerSource(`chain+${rpc.url}/?registry=${registry}`).entriesFrom(0);
      expect(new RootLedger(registrarKey, entries).length).toBe(anchored.length);

      // The site deploys its verifier contract for the shop's policy (regulator key, root window).
      const site = party("site");
      const { verifier } = ok(await site("chain", "deploy-verifier", "--rpc", rpc.url, "--registry", registry, "--policy", "shop.policy.json", "--deployer-key-env", "DEPLOYER_KEY"));
      // The citizen proves with the CLI (second install) for the shop's challenge; the contract checks the proof file.
      const proved = ok(citizen("prove", "--regulator-key", "regulator-public.json", "--identity", "me.identity.json", "--passphrase-env", "PASS", "--credential", "me.credential.json", "--registrar", registrarServer.url, "--request", `${verifierService.url}/v1/sites/shop`, "--challenge", "4242", "--out", "chain.proof.json"));
      writeFileSync(join(folder("site"), "chain.proof.json"), readFileSync(join(folder("citizen"), "chain.proof.json")));
      const check = (challenge: string, bin?: string, proof = "chain.proof.json") => party("site", bin)("chain", "check", proof, "--rpc", rpc.url, "--verifier", verifier, "--policy", "shop.policy.json", "--challenge", challenge);
      expect(ok(await check("4242", installedBin))).toMatchObject({ valid: true, verifier, didAddress: proved.didAddress, did: proved.did, usedBefore: false });
      const refusal = async (run: Promise<CliRun>) => {
        const { status, json, stderr } = await run;
        expect(status, stderr).toBe(1);
        expect(stderr).not.toMatch(/\n\s+at /);
        return json.error?.code ?? stderr.trim();
      };
      expect(await refusal(check("4243"))).toBe("WrongChallenge");
      const document = JSON.parse(readFileSync(join(folder("site"), "chain.proof.json"), "utf8"));
      writeFileSync(join(folder("site"), "other-keys.proof.json"), JSON.stringify({ ...document, keyId: "0".repeat(32) }));
      expect(await refusal(check("4242", undefined, "other-keys.proof.json"))).toBe("key_mismatch");
      expect(await refusal(site("chain", "check", "chain.proof.json", "--rpc", rpc.url, "--verifier", "0x12", "--policy", "shop.policy.json", "--challenge", "4242"))).toBe("invalid_argument");
      expect(await refusal(site("chain", "check", "chain.proof.json", "--rpc", "http://127.0.0.1:9", "--verifier", verifier, "--policy", "shop.policy.json", "--challenge", "4242"))).toBe("chain_unavailable");
      // The registry given as the verifier: the chain's answer, not a verdict on the proof.
      expect(await refusal(site("chain", "check", "chain.proof.json", "--rpc", rpc.url, "--verifier", registry, "--policy", "shop.policy.json", "--challenge", "4242"))).toBe("chain_refused");
      // A verifier over no registry, or another registrar's, would refuse every proof for good: not deployed.
      const deployOver = (registryAddress: string, policy = "shop.policy.json") => site("chain", "deploy-verifier", "--rpc", rpc.url, "--registry", registryAddress, "--policy", policy, "--deployer-key-env", "DEPLOYER_KEY");
      expect(await refusal(deployOver(chain.accounts[2].hex))).toBe("chain_refused");
      const shopPolicy = JSON.parse(readFileSync(join(folder("site"), "shop.policy.json"), "utf8"));
      writeFileSync(join(folder("site"), "elsewhere.policy.json"), JSON.stringify({ ...shopPolicy, registrarKey: "ab".repeat(32) }));
      expect(await refusal(deployOver(registry, "elsewhere.policy.json"))).toBe("chain_ledger_mismatch");

      // A dApp's transaction: the same proof file accepted once for a one-per-person action, its escrow in the event.
      const request = policyRequest(parsePolicy(shopPolicy), 4242n, todayIso());
      const contract = { address: createAddressFromString(verifier), abi: contractArtifact("RealDidVerifier").abi };
      const call = verifierCall(request, parseProofDocument(document, "chain.proof.json"));
      const { events } = await chain.send(contract, "accept", [...call, true]);
      expect(events[0]).toMatchObject({ eventName: "ProofAccepted", args: { didAddress: BigInt(proved.didAddress), onePerPerson: true } });
      await expect(chain.send(contract, "accept", [...call, true])).rejects.toThrow("AlreadyUsed");
      expect(ok(await check("4242"))).toMatchObject({ valid: true, usedBefore: true });

      // A verifier service whose ledger source is the chain: the citizen logs in to it with the standard flow.
      const config = JSON.parse(readFileSync(join(folder("site"), "verifier.json"), "utf8"));
      writeFileSync(join(folder("site"), "chain-verifier.json"), JSON.stringify({ ...config, database: "chain-data", ledger: { source: `chain+${rpc.url}/?registry=${registry}`, registrarKey, syncSeconds: 1 }, sites: { shop: config.sites.shop } }));
      chainService = await spawnRealdid(["serve", "--config", "chain-verifier.json"], folder("site"));
      const login = ok(await party("citizen", installedBin)("login", "--regulator-key", "regulator-public.json", chainService.url, "--site", "shop", "--identity", "me.identity.json", "--passphrase-env", "PASS", "--credential", "me.credential.json", "--registrar", registrarServer.url));
      expect(login).toMatchObject({ valid: true, site: "shop", didAddress: proved.didAddress, ledgerEntry: { seq: anchored.length - 1 } });
    } finally {
      await stopChild(chainService?.child);
      await rpc.close();
    }
  });
});
