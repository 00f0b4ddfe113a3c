import type { KeyProtection } from "../../src/registrar/registrar-keys.js";

/** How library tests seal and open a registrar's keys: a passphrase that is insecure by design, for tests only. */
export const TEST_UNLOCK: KeyProtection = { passphrase: "registrar passphrase (test only, insecure)" };
