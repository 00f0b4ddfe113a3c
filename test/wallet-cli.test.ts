// `realdid wallet`: the citizen's wallet served, or written as static files, from the CLI.
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generateRegulatorKeyPair } from "../src/crypto/escrow.js";
import { parseWalletConfig } from "../src/wallet/wallet-config.js";
import { expectOneLineFailure, expectSuccess, realdid } from "./helpers/cli.js";

let dir: string;
const REGISTRAR_KEY = "ab".repeat(32);

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "realdid-wallet-cli-"));
  const { publicKey } = generateRegulatorKeyPair();
  writeFileSync(join(dir, "regulator.json"), JSON.stringify({ x: publicKey.x.toString(), y: publicKey.y.toString() }));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const walletArgs = ["wallet", "--registrar", "http://127.0.0.1:8090", "--registrar-key", REGISTRAR_KEY, "--regulator-key", "regulator.json", "--verifier", "http://127.0.0.1:8080/oidc"];

describe("realdid wallet", () => {
  it("writes the wallet as static files: the bundled page and worker, its configuration and the key set it proves with", () => {
    expectSuccess(realdid(dir, ["--json", ...walletArgs, "--static-out", "site"]));
    for (const file of ["index.html", "wallet.js", "prover-worker.js", "wallet.css"]) expect(existsSync(join(dir, "site", file)), file).toBe(true);
    const config = parseWalletConfig(JSON.parse(readFileSync(join(dir, "site", "wallet-config.json"), "utf8")));
    expect(config).toMatchObject({ registrarUrl: "http://127.0.0.1:8090", registrarKey: REGISTRAR_KEY, trustedVerifiers: ["http://127.0.0.1:8080"] });
    for (const path of Object.values(config.keys)) expect(existsSync(join(dir, "site", path)), path).toBe(true);
    // The bundle is for browsers: nothing in it reaches for Node.
    expect(readFileSync(join(dir, "site", "prover-worker.js"), "utf8")).not.toMatch(/require\("(node:)?(fs|crypto|worker_threads)"\)/);
  }, 60_000);

  it("refuses what it cannot serve, in one line", () => {
    expectOneLineFailure(realdid(dir, walletArgs.filter((arg, i, all) => arg !== "--regulator-key" && all[i - 1] !== "--regulator-key")), /--regulator-key/);
    expectOneLineFailure(realdid(dir, [...walletArgs.slice(0, 3), "--registrar-key", "xyz", ...walletArgs.slice(5)]), /--registrar-key must be the registrar's Ed25519 public key/);
    expectOneLineFailure(realdid(dir, [...walletArgs, "--verifier", "ftp://x"]), /--verifier must be an http\(s\) URL/);
    writeFileSync(join(dir, "not-a-key.json"), '{"x":"1","y":"2"}');
    expectOneLineFailure(realdid(dir, [...walletArgs.slice(0, 5), "--regulator-key", "not-a-key.json", ...walletArgs.slice(7)]), /regulator key not-a-key\.json/);
  }, 60_000);
});
