import { IdbRecords } from "../../wallet/app/idb-records.js";
import type { OutstandingCode } from "../desk-check.js";
import type { DeskReceipt } from "../desk-receipt.js";

/** A code the desk showed; `usedAt` once a person's QR code answered it (a code is used once). */
export interface ShownCode extends OutstandingCode {
  readonly usedAt?: string;
}

/**
 * The desk page's data in this browser's IndexedDB (idb-keyval): the last snapshot (checked
 * again whenever it is opened), the codes it showed, and the receipts not yet uploaded to
 * the desk server. Verifying needs nothing else, so it works with the network down.
 */
export class DeskStore {
  private constructor(private readonly records: IdbRecords) {}

  static open(): DeskStore {
    return new DeskStore(IdbRecords.open("realdid-desk", "desk"));
  }

  private read = <T>(key: string) => this.records.read<T>(key);
  private write = (key: string, value: unknown) => this.records.write(key, value);

  snapshot = () => this.read<unknown>("snapshot");
  saveSnapshot = (snapshot: unknown) => this.write("snapshot", snapshot);
  codes = async () => (await this.read<ShownCode[]>("codes")) ?? [];
  saveCodes = (codes: readonly ShownCode[]) => this.write("codes", codes);
  pendingReceipts = async () => (await this.read<DeskReceipt[]>("pending-receipts")) ?? [];
  savePendingReceipts = (receipts: readonly DeskReceipt[]) => this.write("pending-receipts", receipts);
}
