// `npm start`: a development verifier service on a fresh checkout. Creates (once) under
// data/dev/ a registrar, a regulator key and a service config with one site, and serves on
// http://127.0.0.1:8080 (or $PORT, which always wins over the stored config).
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { PROJECT_ROOT } from "../src/artifacts/paths.js";
import { closeOnSignals } from "../src/cli/commands/serve.js";
import { Registrar } from "../src/registrar/registrar.js";
import { writeThresholdKey } from "../src/regulator/key-files.js";
import { parseServiceConfig } from "../src/service/config.js";
import { startVerifierService } from "../src/service/server.js";

const dev = join(PROJECT_ROOT, "data", "dev");
const say = (line: string) => console.log(`[dev] ${line}`);

// A development key file beside the registrar's folder, not in it: insecure by design (anyone with this checkout has it).
const devKeyFile = join(dev, "registrar.dev-key.json");
if (!existsSync(join(dev, "registrar", "registrar.sqlite"))) {
  say("creating a development registrar in data/dev/registrar, its keys sealed by the development key file data/dev/registrar.dev-key.json (insecure)");
  await (await Registrar.init(join(dev, "registrar"), { keyFile: devKeyFile })).close();
}
if (!existsSync(join(dev, "regulator", "regulator-public.json"))) {
  say("creating a development regulator key in data/dev/regulator (one share, passphrase 'development')");
  writeThresholdKey(join(dev, "regulator"), 1, 1, ["development"]);
}
const configFile = join(dev, "verifier.json");
if (!existsSync(configFile)) {
  const { x, y } = JSON.parse(readFileSync(join(dev, "regulator", "regulator-public.json"), "utf8"));
  const regulatorKey = { x, y };
  const config = {
    host: "127.0.0.1",
    database: "verifier",
    ledger: { source: "registrar" },
    sites: { demo: { scope: "demo.localhost", minAge: 18, checkExpiry: true, regulatorKey, actions: { "poll-1": { onePerPerson: true } } } },
  };
  writeFileSync(configFile, JSON.stringify(config, null, 2) + "\n");
  say(`wrote ${configFile}`);
}
const config = parseServiceConfig(JSON.parse(readFileSync(configFile, "utf8")), dev);
const port = process.env.PORT === undefined ? config.port : Number(process.env.PORT);
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  console.error(`[dev] PORT must be a port number, received ${JSON.stringify(process.env.PORT)}`);
  process.exit(1);
}
const service = await startVerifierService({ ...config, port }, say);
closeOnSignals(service.close);
say(`verifier service listening on ${service.url}  (try: curl -s -XPOST -H 'content-type: application/json' -d '{"site":"demo"}' ${service.url}/v1/challenges)`);
say("enroll people with: npx realdid registrar enroll --data data/dev/registrar --key-file data/dev/registrar.dev-key.json …");
