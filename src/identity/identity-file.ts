import { RealDidError } from "../errors.js";
import type { Identity } from "./identity.js";
import { FILE_FORMAT, type IdentityFile, identityFileDocument, identityInFile } from "./identity-file-format.js";
import { seal, unseal } from "./passphrase-seal.js";

// The identity file in Node: written and opened with scrypt + node:crypto AES-GCM. Its
// format is platform-neutral (identity-file-format.ts: the wallet imports these files too).

const fileJson = (identity: Identity, holding: Pick<IdentityFile, "secret" | "sealed">): string => {
  const file: IdentityFile = { format: FILE_FORMAT, commitment: identity.commitment.toString(), ...holding };
  return JSON.stringify(file, null, 2) + "\n";
};

/** JSON for the identity file, the secret sealed with the passphrase (scrypt + AES-256-GCM). */
export const exportIdentity = (identity: Identity, passphrase: string): string =>
  fileJson(identity, { sealed: seal(new TextEncoder().encode(identity.secret.toString()), passphrase) });

/** JSON for an identity file anyone who can read it can prove with: for tests and throwaway identities only. */
export const exportIdentityInsecurePlaintext = (identity: Identity): string => fileJson(identity, { secret: identity.secret.toString() });

/** Reads an identity file; `plaintext` says its secret was stored readable (callers warn). */
export function parseIdentityFile(json: string, passphrase?: string): { identity: Identity; plaintext: boolean } {
  const file = identityFileDocument(json);
  if (file.sealed === undefined) return { identity: identityInFile(file, file.secret!), plaintext: true };
  if (passphrase === undefined) throw new RealDidError("wrong_passphrase", "the identity file is encrypted: a passphrase is needed (--passphrase-env)");
  return { identity: identityInFile(file, new TextDecoder().decode(unseal(file.sealed, passphrase))), plaintext: false };
}

/** The identity in an identity file (sealed files need the passphrase). */
export const importIdentity = (json: string, passphrase?: string): Identity => parseIdentityFile(json, passphrase).identity;
