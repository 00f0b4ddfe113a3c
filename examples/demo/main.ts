// `npm run demo`: the whole Sign in with RealDID demo on this machine, with its data in
// data/demo (kept between runs). DEVELOPMENT keys throughout: insecure by design.
import { join } from "node:path";
import { PROJECT_ROOT } from "../../src/artifacts/paths.js";
import { closeOnSignals } from "../../src/cli/commands/serve.js";
import { DEFAULT_DEMO_PORTS, startDemo } from "./start-demo.js";

const dir = join(PROJECT_ROOT, "data", "demo");
const demo = await startDemo(dir, { ports: DEFAULT_DEMO_PORTS, say: (line) => console.log(`[demo] ${line}`) }).catch((error) => {
  console.error(`[demo] could not start: ${(error as Error).message}`);
  process.exit(1);
});
closeOnSignals(demo.close);
const relative = (path: string) => path.slice(PROJECT_ROOT.length + 1);
console.log(`
Sign in with RealDID — every party runs on this machine (DEVELOPMENT keys, insecure by design):
  registrar server   ${demo.urls.registrar}
  verifier service   ${demo.urls.verifier}   (OpenID Provider ${demo.urls.issuer})
  citizen wallet     ${demo.urls.wallet}
  example shop       ${demo.urls.shop}   (requires age >= 18)
  example forum      ${demo.urls.forum}
  tax portal         ${demo.urls.portal}   (for a legal representative or a tax-filing agent of an enterprise)
  hotel front desk   ${demo.urls.desk}   (requires age >= 18; checks QR codes offline)

1. Open the wallet, ${demo.urls.wallet}, create your identity and copy its commitment.
2. Enroll yourself at the registrar (the registrar's operator does this after checking your papers):
     npx realdid registrar enroll --data ${relative(demo.registrarData)} --key-file ${relative(demo.registrarKeyFile)} \\
       --name "Li Wei" --national-id 11010519900314002X --birth-date 1990-03-14 --region 110105 \\
       --expiry 2031-05-01 --document-type national_id_card --commitment <your commitment> --out credential.json
3. Paste credential.json into the wallet ("Import credential").
4. Open ${demo.urls.shop} and click "Sign in with RealDID".
5. To act for an enterprise, enroll one with yourself as its legal representative and import the
   mandate into the wallet ("Import mandate"), then sign in at ${demo.urls.portal} and file a return:
     npx realdid enterprise enroll --data ${relative(demo.registrarData)} --key-file ${relative(demo.registrarKeyFile)} \\
       --credit-code 91440300MA5DC12341 --name "Example Trading Co., Ltd." --representative-id 11010519900314002X --out mandate.json
6. At the front desk: open ${demo.urls.desk}, then in the wallet "Show at a front desk" with a
   picture of the desk's request code (or its text), and hold the wallet's QR code up to the
   desk's camera (or give the desk a picture of it).
Stop with Ctrl-C.`);
