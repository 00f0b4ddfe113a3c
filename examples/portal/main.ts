// The tax portal from the command line:
//   npm run example:portal -- --issuer http://127.0.0.1:8080/oidc --client-id tax --port 8402
// (--client-secret-env NAME for a confidential client.) Its redirect URI, http://127.0.0.1:<port>/callback,
// must be registered for a client of a business site in the verifier's config (config/verifier.example.json: "tax").
import { parseArgs } from "node:util";
import { startTaxPortal } from "./portal.js";

const { values } = parseArgs({
  options: {
    issuer: { type: "string", default: "http://127.0.0.1:8080/oidc" },
    "client-id": { type: "string", default: "tax" },
    "client-secret-env": { type: "string" },
    port: { type: "string", default: "8402" },
  },
});
const secretEnv = values["client-secret-env"];
const clientSecret = secretEnv === undefined ? undefined : process.env[secretEnv];
if (secretEnv !== undefined && !clientSecret) {
  console.error(`environment variable ${secretEnv} (--client-secret-env) is not set`);
  process.exit(1);
}
const portal = await startTaxPortal({ issuer: values.issuer, clientId: values["client-id"], clientSecret, port: Number(values.port) });
console.log(`tax portal at ${portal.url} (redirect URI ${portal.redirectUri}); signing in through ${values.issuer}`);
const stop = () => void portal.close().then(() => process.exit(0));
process.once("SIGINT", stop);
process.once("SIGTERM", stop);
