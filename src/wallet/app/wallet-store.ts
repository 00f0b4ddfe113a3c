import { IdbRecords } from "./idb-records.js";
import type { DeskRequest } from "../../desk/desk-request.js";
import { openRecord, type SealedIdentity, sealRecord, type UnlockedIdentity } from "../identity-vault.js";

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
 * credential file and the mandates as the registrar issued them (what the registrar and the
 * person already know), and the logins, sealed under the identity's key. Nothing here is sent anywhere.
 */
export class WalletStore {
  private constructor(private readonly records: IdbRecords) {}

  static open(): WalletStore {
    return new WalletStore(IdbRecords.open("realdid-wallet", "wallet"));
  }

  private read = <T>(key: string) => this.records.read<T>(key);
  private write = (key: string, value: unknown) => this.records.write(key, value);

  /** The stored identity record as it is (checked by the vault when it is opened). */
  sealedIdentity = () => this.read<unknown>("identity");
  saveIdentity = (sealed: SealedIdentity) => this.write("identity", sealed);
  credentialText = () => this.read<string>("credential");
  saveCredentialText = (text: string) => this.write("credential", text);
  /** The mandate credentials as the registrar issued them, like the credential (what the registrar and the person already know). */
  mandateTexts = async () => (await this.read<string[]>("mandates")) ?? [];
  saveMandateTexts = (texts: readonly string[]) => this.write("mandates", [...texts]);

  /** The sites signed in to (sealed: together they would link the person's DIDs). */
  async logins(unlocked: UnlockedIdentity): Promise<LoginRecord[]> {
    const sealed = await this.read<unknown>("logins");
    return sealed === undefined ? [] : ((await openRecord(unlocked, "logins", sealed)) as LoginRecord[]);
  }

  /** Records a login; one line per site scope, with its latest time. */
  async addLogin(unlocked: UnlockedIdentity, login: LoginRecord): Promise<void> {
    const others = (await this.logins(unlocked)).filter((known) => known.scope !== login.scope);
    await this.write("logins", await sealRecord(unlocked, "logins", [login, ...others]));
  }

  /** The last front desk the person showed a code at (sealed: where they went), so its next code can be typed. */
  async lastDesk(unlocked: UnlockedIdentity): Promise<DeskRequest | undefined> {
    const sealed = await this.read<unknown>("last-desk");
    return sealed === undefined ? undefined : ((await openRecord(unlocked, "last-desk", sealed)) as DeskRequest);
  }

  saveLastDesk = async (unlocked: UnlockedIdentity, desk: DeskRequest) => this.write("last-desk", await sealRecord(unlocked, "last-desk", desk));
}
