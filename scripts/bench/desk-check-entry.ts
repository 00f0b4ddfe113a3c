// What the desk page verifies with (src/desk/app/desk-page.ts), as one browser module for the
// bench's page: the same modules, bundled under the same rules (buildForBrowser).
export { checkAtDesk } from "../../src/desk/desk-check.js";
export { openSnapshot } from "../../src/desk/desk-snapshot.js";
export { groth16Check } from "../../src/proof/groth16-check.js";
