import { createStore, get, set, type UseStore } from "idb-keyval";
import { RealDidError } from "../../errors.js";

/** Records in one IndexedDB object store (idb-keyval), the browser's failures said in words. The wallet's and the desk page's stores. */
export class IdbRecords {
  private constructor(private readonly store: UseStore) {}

  static open(database: string, storeName: string): IdbRecords {
    return new IdbRecords(createStore(database, storeName));
  }

  async read<T>(key: string): Promise<T | undefined> {
    try {
      return await get<T>(key, this.store);
    } catch (error) {
      throw new RealDidError("io_error", `this browser's storage could not be read (${(error as Error).message}); nothing was changed`);
    }
  }

  async write(key: string, value: unknown): Promise<void> {
    try {
      await set(key, value, this.store);
    } catch (error) {
      throw new RealDidError("io_error", `this browser's storage could not be written (${(error as Error).message})`);
    }
  }
}
