import type { Identity } from "../identity/identity.js";
import { identityFileDocument, identityInFile } from "../identity/identity-file-format.js";
import { unsealWithWebCrypto } from "../identity/sealed-data.js";
import { RealDidError } from "../errors.js";

/** The identity in a `realdid identity new` file (realdid-identity/1), opened in the browser. */
export async function readIdentityFile(json: string, passphrase: string): Promise<Identity> {
  const file = identityFileDocument(json);
  if (file.sealed === undefined) return identityInFile(file, file.secret!);
  if (passphrase === "") throw new RealDidError("wrong_passphrase", "this identity file is sealed: give its passphrase");
  return identityInFile(file, new TextDecoder().decode(await unsealWithWebCrypto(file.sealed, passphrase)));
}
