// The whole "Sign in with RealDID" demo on one machine: a registrar (and its public server),
// a regulator key, the verifier service as OpenID Provider, the citizen's wallet, two
// example websites, a tax portal for people acting for an enterprise and a hotel's front desk that checks QR codes offline. Every key here is a DEVELOPMENT key, insecure by design: the registrar's
// keys are sealed by a key file beside its folder, the regulator key is dealt by one process.
import { existsSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { join } from "node:path";
import { publishedKeysDir } from "../../src/artifacts/paths.js";
import { REALDID_CIRCUIT } from "../../src/artifacts/circuit-id.js";
import { Registrar } from "../../src/registrar/registrar.js";
import { startRegistrarServer } from "../../src/registrar/registrar-server.js";
import { pino } from "pino";
import { parseDeskConfig } from "../../src/desk/desk-config.js";
import { startDeskServer } from "../../src/desk/desk-server.js";
import { ensureFolder, readJson } from "../../src/files.js";
import { parseRegulatorPublicKey, writeThresholdKey } from "../../src/regulator/key-files.js";
import { parseServiceConfig } from "../../src/service/config.js";
import { startVerifierService } from "../../src/service/server.js";
import { startWalletServer } from "../../src/wallet/wallet-server.js";
import { startExampleSite } from "../website/site.js";
import { startTaxPortal } from "../portal/portal.js";

export interface DemoPorts {
  registrar: number;
  verifier: number;
  wallet: number;
  shop: number;
  forum: number;
  portal: number;
  desk: number;
}

export const DEFAULT_DEMO_PORTS: DemoPorts = { registrar: 8090, verifier: 8080, wallet: 8300, shop: 8400, forum: 8401, portal: 8402, desk: 8500 };

export interface RunningDemo {
  readonly urls: { registrar: string; verifier: string; issuer: string; wallet: string; shop: string; forum: string; portal: string; desk: string };
  /** The registrar's data folder and its development key file (for `realdid registrar enroll`). */
  readonly registrarData: string;
  readonly registrarKeyFile: string;
  readonly registrarKey: string;
  close(): Promise<void>;
}

/** Free ports on 127.0.0.1 (tests run the demo beside other servers). */
export async function freePorts(): Promise<DemoPorts> {
  const one = () =>
    new Promise<number>((resolve, reject) => {
      const server = createServer().listen(0, "127.0.0.1", () => {
        const { port } = server.address() as { port: number };
        server.close(() => resolve(port));
      });
      server.once("error", reject);
    });
  return { registrar: await one(), verifier: await one(), wallet: await one(), shop: await one(), forum: await one(), portal: await one(), desk: await one() };
}

const HOST = "127.0.0.1";

/**
 * Starts every party in this process, with its data under `dir` (created on first start, kept
 * after). `say` hears one line per step; the services' JSON logs go to `log`.
 */
export async function startDemo(dir: string, { ports = DEFAULT_DEMO_PORTS, say = (_: string) => {}, log = (_: string) => {} } = {}): Promise<RunningDemo> {
  const url = (port: number) => `http://${HOST}:${port}`;
  const registrarData = join(dir, "registrar");
  const registrarKeyFile = join(dir, "registrar.dev-key.json"); // beside the folder, not in it: insecure by design
  ensureFolder(dir);
  if (!existsSync(join(registrarData, "registrar.sqlite"))) {
    say("creating a development registrar (keys sealed by the development key file registrar.dev-key.json: insecure)");
    await (await Registrar.init(registrarData, { keyFile: registrarKeyFile })).close();
  }
  const regulatorDir = join(dir, "regulator");
  if (!existsSync(join(regulatorDir, "regulator-public.json"))) {
    say("creating a development regulator key (one share, passphrase 'development': insecure)");
    writeThresholdKey(regulatorDir, 1, 1, ["development"]);
  }
  const regulator = parseRegulatorPublicKey(readJson(join(regulatorDir, "regulator-public.json"), "regulator key"));
  const regulatorKey = { x: regulator.publicKey.x.toString(), y: regulator.publicKey.y.toString() };
  const closers: (() => Promise<void>)[] = [];
  const close = async () => {
    for (const closer of closers.reverse()) await closer().catch(() => undefined);
  };
  try {
    const registrar = await startRegistrarServer(registrarData, { host: HOST, port: ports.registrar, log: pino({ level: "silent" }) });
    closers.push(() => registrar.close());
    const issuer = `${url(ports.verifier)}/oidc`;
    const walletUrl = `${url(ports.wallet)}/`;
    const client = (clientId: string, name: string, site: string, port: number) => ({ clientId, name, site, redirectUris: [`${url(port)}/callback`] });
    const config = parseServiceConfig(
      {
        host: HOST,
        port: ports.verifier,
        database: "verifier",
        logLevel: "warn",
        ledger: { source: url(ports.registrar), registrarKey: registrar.publicKey, syncSeconds: 2 },
        sites: {
          shop: { scope: "shop.example", minAge: 18, checkExpiry: true, regulatorKey },
          forum: { scope: "forum.example", checkExpiry: true, regulatorKey },
          // A business site: a legal representative, or an agent with a mandate for tax filing, of an enterprise registered by market regulation (9); its credit code is shown.
          tax: { scope: "tax.example.gov", minAge: 18, regulatorKey, business: { roles: ["legal_representative", "agent"], task: "tax_filing", revealEnterprise: true, enterprise: { authority: "9" } } },
        },
        oidc: { issuer, walletUrl, clients: [client("shop", "Example Shop", "shop", ports.shop), client("forum", "Example Forum", "forum", ports.forum), client("tax", "Tax Portal", "tax", ports.portal)] },
      },
      dir,
    );
    const verifier = await startVerifierService(config, log);
    closers.push(() => verifier.close());
    const wallet = await startWalletServer(
      { registrarUrl: url(ports.registrar), registrarKey: registrar.publicKey, regulatorKeys: [regulatorKey], trustedVerifiers: [url(ports.verifier)], keysDir: publishedKeysDir(REALDID_CIRCUIT) },
      { host: HOST, port: ports.wallet },
    );
    closers.push(() => wallet.close());
    const shop = await startExampleSite({ issuer, clientId: "shop", name: "Example Shop", host: HOST, port: ports.shop, policyWords: "age >= 18, identity document not expired" });
    closers.push(() => shop.close());
    const forum = await startExampleSite({ issuer, clientId: "forum", name: "Example Forum", host: HOST, port: ports.forum, policyWords: "identity document not expired" });
    closers.push(() => forum.close());
    const portal = await startTaxPortal({ issuer, clientId: "tax", host: HOST, port: ports.portal });
    closers.push(() => portal.close());
    const deskConfig = parseDeskConfig({
      format: "realdid-desk-config/1",
      name: "Hotel Example, front desk",
      scope: "hotel.example/front-desk",
      predicates: { minAge: 18, notExpired: true },
      regulatorKeys: [regulatorKey],
      registrar: { ledger: url(ports.registrar), key: registrar.publicKey },
    });
    const desk = await startDeskServer(deskConfig, join(dir, "desk"), { host: HOST, port: ports.desk });
    closers.push(() => desk.close());
    writeFileSync(join(dir, "regulator-key.json"), JSON.stringify(regulatorKey) + "\n");
    return {
      urls: { registrar: url(ports.registrar), verifier: url(ports.verifier), issuer, wallet: wallet.url, shop: shop.url, forum: forum.url, portal: portal.url, desk: desk.url },
      registrarData,
      registrarKeyFile,
      registrarKey: registrar.publicKey,
      close,
    };
  } catch (error) {
    await close();
    throw error;
  }
}
