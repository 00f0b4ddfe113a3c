// The example website from the command line:
//   npm run example:website -- --issuer http://127.0.0.1:8080/oidc --client-id shop --port 8400 --policy "age >= 18"
// (--client-secret-env NAME for a confidential client: the secret is read from that variable.)
// Its redirect URI, http://127.0.0.1:<port>/callback, must be registered for the client in the verifier's config.
import { parseArgs } from "node:util";
import { startExampleSite } from "./site.js";

const { values } = parseArgs({
  options: {
    issuer: { type: "string", default: "http://127.0.0.1:8080/oidc" },
    "client-id": { type: "string", default: "shop" },
    "client-secret-env": { type: "string" },
    port: { type: "string", default: "8400" },
    policy: { type: "string", default: "age >= 18" },
  },
});
const secretEnv = values["client-secret-env"];
const clientSecret = secretEnv === undefined ? undefined : process.env[secretEnv];
if (secretEnv !== undefined && !clientSecret) {
  console.error(`environment variable ${secretEnv} (--client-secret-env) is not set`);
  process.exit(1);
}
const site = await startExampleSite({ issuer: values.issuer, clientId: values["client-id"], clientSecret, port: Number(values.port), policyWords: values.policy });
console.log(`example website at ${site.url} (redirect URI ${site.redirectUri}); signing in through ${values.issuer}`);
const stop = () => void site.close().then(() => process.exit(0));
process.once("SIGINT", stop);
process.once("SIGTERM", stop);
