// Business identity through the command line, as four parties would: the registrar enrolls an
// enterprise and its legal representative's mandate; the representative grants an agent a
// mandate at the registrar's server by proving with their own identity; the agent proves to a
// portal for the enterprise and the portal verifies; they log into a site through its verifier
// service and the regulator unmasks both the agent and the enterprise from the site's receipt;
// the representative revokes the mandate at once and the agent's next proof is refused;
// an agent cannot grant; bad input gets one line.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { withCreditCodeCheck } from "../src/business/credit-code.js";
import { type CliRun, enrollThroughCli, expectOneLineFailure, expectSuccess, realdid, TEST_PASSPHRASES } from "./helpers/cli.js";
import { NAMED_PEOPLE, NAMED_SLOTS } from "./helpers/people.js";
import { type RunningChild, spawnRealdid, stopChild } from "./helpers/service-process.js";

const ENV = { PASS: "citizen passphrase (test only, insecure)", REG1: "regulator share passphrase (test only, insecure)" };
const [representative, , agent, stranger] = NAMED_PEOPLE;
const people = [representative, agent, stranger];
/** Their leaf slots, each in their province's shard (the named people's, without Zhang Min). */
const slots = [NAMED_SLOTS[0], NAMED_SLOTS[2], NAMED_SLOTS[3]];
const CODE = withCreditCodeCheck("91440300MA5DC1234");
/** A grant runs at most five years: a year from today. */
const UNTIL = new Date(Date.now() + 365 * 86_400_000).toISOString().slice(0, 10);
let dir: string;
let registrar: RunningChild;
let service: RunningChild | undefined;
let regulatorKey: { x: string; y: string };
const cli = (...args: string[]): CliRun => realdid(dir, ["--json", ...args], ENV);
const citizen = (i: number) => ["--identity", `person${i}.identity.json`, "--passphrase-env", "PASS", "--credential", `credentials/credential-${slots[i]}.json`, "--regulator-key", "regulator/regulator-public.json"];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "realdid-business-cli-"));
  enrollThroughCli(cli, dir, people, "person");
  ({ publicKey: regulatorKey } = expectSuccess(cli("regulator", "keygen", "--out-dir", "regulator", "--passphrases-env", "REG")));
  expectSuccess(cli("regulator", "audit", "init", "--dir", "audit", "--passphrase-env", "AUDIT_PASS"));
  Object.assign(process.env, TEST_PASSPHRASES); // the registrar server unlocks its keys from $REGISTRAR_PASS
  registrar = await spawnRealdid(["registrar", "serve", "--data", "registrar", "--port", "0", "--passphrase-env", "REGISTRAR_PASS", "--regulator-key", "regulator/regulator-public.json"], dir);
}, 120_000);

afterAll(async () => {
  await stopChild(service?.child);
  await stopChild(registrar?.child);
  rmSync(dir, { recursive: true, force: true });
});

describe("an enterprise, its representative and an agent, through the CLI", () => {
  let agentMandateIndex: number;

  it("enrolls the enterprise and its legal representative's mandate; refuses a mistyped credit code saying which check failed", () => {
    const wrong = CODE.slice(0, 17) + (CODE[17] === "0" ? "1" : "0");
    expectOneLineFailure(realdid(dir, ["enterprise", "enroll", "--data", "registrar", "--passphrase-env", "REGISTRAR_PASS", "--credit-code", wrong, "--name", "Acme", "--representative-id", representative.nationalId, "--out", "x.json"], ENV), /fails its check: the check character is/);
    const enrolled = expectSuccess(cli("enterprise", "enroll", "--data", "registrar", "--passphrase-env", "REGISTRAR_PASS", "--credit-code", CODE, "--name", "Acme Trading Co., Ltd.", "--representative-id", representative.nationalId, "--out", "rep.mandate.json"));
    expect(enrolled).toMatchObject({ creditCode: CODE, representativeMandate: { file: "rep.mandate.json" } });
  });

  it("the representative grants the agent a tax-filing mandate at the registrar's server, proving with their own identity", () => {
    const granted = expectSuccess(
      cli("enterprise", "mandate", "grant", "--registrar", registrar.url, ...citizen(0), "--mandate", "rep.mandate.json", "--agent-id", agent.nationalId, "--role", "agent", "--tasks", "tax_filing,annual_report", "--until", UNTIL, "--out", "agent.mandate.json"),
    );
    expect(granted).toMatchObject({ role: "agent", tasks: ["tax_filing", "annual_report"], validUntil: UNTIL });
    // The representative's copy does not carry the agent's identity commitment; the agent's own identity completes it.
    expect(JSON.parse(readFileSync(join(dir, "agent.mandate.json"), "utf8"))).not.toHaveProperty("agentCommitment");
    agentMandateIndex = granted.index;
  });

  it("an agent cannot grant", () => {
    expectOneLineFailure(
      realdid(dir, ["enterprise", "mandate", "grant", "--registrar", registrar.url, ...citizen(1), "--mandate", "agent.mandate.json", "--agent-id", stranger.nationalId, "--role", "agent", "--tasks", "tax_filing", "--until", UNTIL, "--out", "x.json"], ENV),
      /only the legal representative grants and revokes mandates/,
    );
  });

  it("the agent proves to a tax portal for the enterprise; the portal verifies against the registrar's ledger", () => {
    writeFileSync(
      join(dir, "portal.policy.json"),
      JSON.stringify({ scope: "tax.example.gov", checkExpiry: true, regulatorKey, business: { roles: ["legal_representative", "agent"], task: "tax_filing", revealEnterprise: true, enterprise: { authority: "9" } } }),
    );
    expectSuccess(cli("request", "--policy", "portal.policy.json", "--challenge", "4242", "--out", "portal.request.json"));
    const proved = expectSuccess(cli("enterprise", "prove", "--registrar", registrar.url, ...citizen(1), "--mandate", "agent.mandate.json", "--request", "portal.request.json", "--out", "agent.proof.json"));
    expect(proved.did).toMatch(/^did:realdid:pairwise:[0-9a-f]{64}$/);
    expectSuccess(cli("registrar", "export-ledger", "--data", "registrar", "--out", "ledger.jsonl"));
    const verdict = expectSuccess(cli("verify", "agent.proof.json", "--policy", "portal.policy.json", "--ledger", "ledger.jsonl", "--challenge", "4242"));
    expect(verdict).toMatchObject({ valid: true, did: proved.did, creditCode: CODE });
    expect(verdict.held).toContain("with a mandate for tax filing");
    // Someone else holding the agent's mandate file cannot prove with it.
    expectOneLineFailure(realdid(dir, ["enterprise", "prove", "--registrar", registrar.url, ...citizen(2), "--mandate", "agent.mandate.json", "--request", "portal.request.json", "--out", "x.json"], ENV), /not granted to this identity/);
    // A task the mandate does not cover is refused before proving, in words.
    writeFileSync(join(dir, "customs.policy.json"), JSON.stringify({ scope: "customs.example.gov", regulatorKey, business: { roles: ["agent"], task: "customs_declaration", revealEnterprise: false } }));
    expectSuccess(cli("request", "--policy", "customs.policy.json", "--challenge", "5", "--out", "customs.request.json"));
    expectOneLineFailure(realdid(dir, ["enterprise", "prove", "--registrar", registrar.url, ...citizen(1), "--mandate", "agent.mandate.json", "--request", "customs.request.json", "--out", "x.json"], ENV), /covers tax_filing, annual_report, not the requested task customs_declaration/);
  });

  it("the agent logs into the tax site through its verifier service; the regulator unmasks both the agent and the enterprise from the site's receipt", async () => {
    const registrarKey = JSON.parse(readFileSync(join(dir, "rep.mandate.json"), "utf8")).registrarKey;
    const tax = { scope: "tax.example.gov", checkExpiry: true, regulatorKey, business: { roles: ["agent"], task: "tax_filing", revealEnterprise: true } };
    writeFileSync(join(dir, "verifier.json"), JSON.stringify({ port: 0, database: "verifier-data", workers: 1, ledger: { source: registrar.url, registrarKey, syncSeconds: 1 }, sites: { tax } }));
    service = await spawnRealdid(["serve", "--config", "verifier.json"], dir);
    const login = expectSuccess(cli("enterprise", "login", service.url, "--site", "tax", "--registrar", registrar.url, ...citizen(1), "--mandate", "agent.mandate.json"));
    expect(login).toMatchObject({ valid: true, creditCode: CODE, did: expect.stringMatching(/^did:realdid:pairwise:/) });
    writeFileSync(join(dir, "receipt.json"), JSON.stringify(login.receipt)); // the site keeps it; handed over with a court order

    expectSuccess(cli("regulator", "open-case", "--receipt", "receipt.json", "--verifier-key", login.receipt.verifierKey, "--case-id", "tax-7", "--legal-basis", "Court order 21/2026 (tax fraud investigation)", "--audit", "audit", "--audit-passphrase-env", "AUDIT_PASS", "--out", "case.json"));
    expectSuccess(cli("regulator", "partial", "--share", "regulator/share-1.json", "--passphrase-env", "REG1", "--key", "regulator/regulator-public.json", "--case", "case.json", "--out", "partial-1.json"));
    const unmasked = expectSuccess(
      cli("regulator", "unmask", "--case", "case.json", "--key", "regulator/regulator-public.json", "--partials", "partial-1.json", "--audit", "audit", "--audit-passphrase-env", "AUDIT_PASS", "--registrar", "registrar", "--registrar-passphrase-env", "REGISTRAR_PASS"),
    );
    expect(unmasked.person).toMatchObject({ name: agent.name, nationalId: agent.nationalId, mandate: { enterprise: { creditCode: CODE, name: "Acme Trading Co., Ltd." }, mandate: { role: "agent", leafIndex: agentMandateIndex } } });
    expect(unmasked.mandateHandle).toMatch(/^\d+$/);
  });

  it("the representative revokes the mandate at once: the agent's next proof is refused", () => {
    const revoked = expectSuccess(cli("enterprise", "mandate", "revoke", "--index", String(agentMandateIndex), "--registrar", registrar.url, ...citizen(0), "--mandate", "rep.mandate.json"));
    expect(revoked.revoked).toBe(agentMandateIndex);
    expectOneLineFailure(
      realdid(dir, ["enterprise", "prove", "--registrar", registrar.url, ...citizen(1), "--mandate", "agent.mandate.json", "--request", "portal.request.json", "--out", "x.json"], ENV),
      new RegExp(`revoked leaf ${agentMandateIndex}`),
    );
  });
});
