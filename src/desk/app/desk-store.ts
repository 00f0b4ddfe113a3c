import { createStore, get, set, type UseStore } from "idb-keyval";
import { RealDidError } from "../../errors.js";
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
  private constructor(private readonly store: UseStore) {}

  static open(): DeskStore {
    return new DeskStore(createStore("realdid-desk", "desk"));
  }

  private async read<T>(key: string): Promise<T | undefined> {
    try {
      return await get<T>(key, this.store);
    } catch (error) {
      throw new RealDidError("io_error", `this browser's storage could not be read (${(error as Error).message})`);
    }
  }

  private async write(key: string, value: unknown): Promise<void> {
    try {
      await set(key, value, this.store);
    } catch (error) {
      throw new RealDidError("io_error", `this browser's storage could not be written (${(error as Error).message})`);
    }
  }

  snapshot = () => this.read<unknown>("snapshot");
  saveSnapshot = (snapshot: unknown) => this.write("snapshot", snapshot);
  codes = async () => (await this.read<ShownCode[]>("codes")) ?? [];
  saveCodes = (codes: readonly ShownCode[]) => this.write("codes", codes);
  pendingReceipts = async () => (await this.read<DeskReceipt[]>("pending-receipts")) ?? [];
  savePendingReceipts = (receipts: readonly DeskReceipt[]) => this.write("pending-receipts", receipts);
}
