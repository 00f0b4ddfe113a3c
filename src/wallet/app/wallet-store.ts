import { createStore, del, get, set, type UseStore } from "idb-keyval";
import { RealDidError } from "../../errors.js";
import type { SealedIdentity } from "../identity-vault.js";

/** A login the person consented to: the site and the DID address it sees. */
export interface LoginRecord {
  readonly siteName: string;
  readonly siteUri: string;
  readonly scope: string;
  readonly did: string;
  readonly at: string;
}

/**
 * The wallet's data in this browser's IndexedDB (idb-keyval): the sealed identity, the
 * credential file as the registrar issued it, and the logins. Nothing here is sent anywhere;
 * the identity secret is only ever stored sealed (identity-vault.ts).
 */
export class WalletStore {
  private constructor(private readonly store: UseStore) {}

  static open(): WalletStore {
    return new WalletStore(createStore("realdid-wallet", "wallet"));
  }

  private async read<T>(key: string): Promise<T | undefined> {
    try {
      return await get<T>(key, this.store);
    } catch (error) {
      throw new RealDidError("io_error", `this browser's storage could not be read (${(error as Error).message}); nothing was changed`);
    }
  }

  private async write(key: string, value: unknown): Promise<void> {
    try {
      await set(key, value, this.store);
    } catch (error) {
      throw new RealDidError("io_error", `this browser's storage could not be written (${(error as Error).message})`);
    }
  }

  /** The stored identity record as it is (checked by the vault when it is opened). */
  sealedIdentity = () => this.read<unknown>("identity");
  saveIdentity = (sealed: SealedIdentity) => this.write("identity", sealed);
  credentialText = () => this.read<string>("credential");
  saveCredentialText = (text: string) => this.write("credential", text);
  forgetCredential = () => del("credential", this.store);

  async logins(): Promise<LoginRecord[]> {
    const logins = await this.read<unknown>("logins");
    return Array.isArray(logins) ? (logins as LoginRecord[]) : [];
  }

  /** Records a login; one line per site scope, with its latest time. */
  async addLogin(login: LoginRecord): Promise<void> {
    const others = (await this.logins()).filter((known) => known.scope !== login.scope);
    await this.write("logins", [login, ...others]);
  }
}
