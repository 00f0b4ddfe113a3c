import { join } from "node:path";
import { ensureFolder, writeAtomically } from "../cli/files.js";
import { generateRegulatorKeyPair } from "../crypto/escrow.js";

export interface RegulatorKeyFiles {
  readonly publicKey: { x: string; y: string };
  readonly publicFile: string;
  readonly secretFile: string;
}

/**
 * Makes a single regulator key pair and writes regulator-public.json (for site policies)
 * and regulator-secret.json (mode 600) into `dir`; neither file is ever overwritten.
 */
export function writeRegulatorKeyPair(dir: string): RegulatorKeyFiles {
  ensureFolder(dir);
  const { secretKey, publicKey } = generateRegulatorKeyPair();
  const publicJson = { x: publicKey.x.toString(), y: publicKey.y.toString() };
  const publicFile = join(dir, "regulator-public.json");
  const secretFile = join(dir, "regulator-secret.json");
  writeAtomically(secretFile, JSON.stringify({ format: "realdid-regulator-secret/1", secretKey: secretKey.toString(), publicKey: publicJson }, null, 2) + "\n", { overwrite: false, mode: 0o600 });
  writeAtomically(publicFile, JSON.stringify(publicJson, null, 2) + "\n", { overwrite: false });
  return { publicKey: publicJson, publicFile, secretFile };
}
