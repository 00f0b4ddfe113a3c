import { randomBytes } from "node:crypto";
import type { PersonAttributes } from "../attributes/attributes.js";
import { aesGcmOpenPacked, packedSealerOf } from "../crypto/aes-gcm.js";
import { RealDidError } from "../errors.js";
import type { SqlTransaction } from "./registrar-database.js";
import type { RegistrarKeyProvider } from "./registrar-keys.js";

/** What the registrar keeps about a person, sealed: nothing of it is stored in the clear. */
export interface SealedPerson {
  name: string;
  nationalId: string;
  attributes: PersonAttributes;
  /** Sealed too: with the public leaf, a commitment in the clear would let anyone search the attributes. */
  commitment: string;
}

const recordAad = (leafIndex: number) => `realdid-record/1:${leafIndex}`;

/** Stores a wrapped data key under the master key that wrapped it; returns its id. */
export const INSERT_DATA_KEY = "INSERT INTO data_keys (master_key_id, wrapped) VALUES (?, ?) RETURNING id";

/** A fresh data key, wrapped by the provider's current master key (to store), and sealing records under it. */
export function newWrappedDataKey(keys: RegistrarKeyProvider): { wrapped: Buffer; seal(leafIndex: number, record: object): Buffer } {
  const dataKey = randomBytes(32);
  const seal = packedSealerOf(dataKey); // the only sealer of this fresh key
  return { wrapped: keys.wrapDataKey(dataKey), seal: (leafIndex, record) => seal(Buffer.from(JSON.stringify(record), "utf8"), recordAad(leafIndex)) };
}

/**
 * Seals and opens the registrar's records. Each record is AES-256-GCM under its change's
 * data key, bound to its leaf index (rows cannot be swapped); data keys are wrapped by the
 * provider's master key, so rotating the master key re-wraps data keys, never records.
 */
export class RecordVault {
  private readonly opened = new Map<number, Buffer>();

  constructor(private readonly keys: RegistrarKeyProvider) {}

  /** Within a change's transaction: a new data key for the records (a person's, an enterprise's, a mandate's) this change writes. */
  async newDataKey(tx: SqlTransaction): Promise<{ id: number; seal(leafIndex: number, record: object): Buffer }> {
    const { wrapped, seal } = newWrappedDataKey(this.keys);
    const { id } = (await tx.get<{ id: number }>(INSERT_DATA_KEY, [this.keys.masterKeyId, wrapped]))!;
    return { id, seal };
  }

  /** Opens the record at `leafIndex` (whose kind the caller's table says: leaf indexes are unique across kinds). */
  async open<R = SealedPerson>(tx: SqlTransaction, leafIndex: number, dataKeyId: number, sealed: Uint8Array): Promise<R> {
    const record = aesGcmOpenPacked(await this.dataKey(tx, dataKeyId), sealed, recordAad(leafIndex));
    if (record === undefined) throw new RealDidError("store_tampered", `the record at leaf ${leafIndex} does not open: the store was altered`);
    return JSON.parse(record.toString("utf8")) as R;
  }

  /** Re-wraps every data key not under the provider's current master key; returns how many. */
  async rewrap(tx: SqlTransaction): Promise<number> {
    const stale = await tx.all<{ id: number; master_key_id: string; wrapped: Buffer }>("SELECT id, master_key_id, wrapped FROM data_keys WHERE master_key_id != ?", [this.keys.masterKeyId]);
    for (const row of stale) {
      const dataKey = this.keys.unwrapDataKey(row.wrapped, row.master_key_id);
      await tx.run("UPDATE data_keys SET master_key_id = ?, wrapped = ? WHERE id = ?", [this.keys.masterKeyId, this.keys.wrapDataKey(dataKey), row.id]);
      dataKey.fill(0);
    }
    this.opened.clear();
    return stale.length;
  }

  private async dataKey(tx: SqlTransaction, id: number): Promise<Buffer> {
    let key = this.opened.get(id);
    if (key === undefined) {
      const row = await tx.get<{ master_key_id: string; wrapped: Buffer }>("SELECT master_key_id, wrapped FROM data_keys WHERE id = ?", [id]);
      if (row === undefined) throw new RealDidError("store_tampered", `data key ${id} is missing from the store`);
      key = this.keys.unwrapDataKey(row.wrapped, row.master_key_id);
      this.opened.set(id, key);
    }
    return key;
  }
}
