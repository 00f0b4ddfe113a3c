import type Database from "better-sqlite3";
import { FIELD_BYTES, readFieldElement, writeFieldElement } from "../crypto/field.js";
import type { MemoryTreeNodes, TreeNodes } from "../registry/registry-tree.js";

const toBlob = (value: bigint): Buffer => {
  const blob = Buffer.alloc(FIELD_BYTES);
  writeFieldElement(new DataView(blob.buffer, blob.byteOffset, FIELD_BYTES), 0, value);
  return blob;
};
const fromBlob = (blob: Buffer): bigint => readFieldElement(new DataView(blob.buffer, blob.byteOffset, FIELD_BYTES), 0);

/** A RegistryTree's nodes in the registrar's SQLite store (table tree_nodes, store-schema.ts): a path reads eleven short ranges, opening reads nothing. */
export class SqliteTreeNodes implements TreeNodes {
  private readonly rangeQuery: Database.Statement<[number, number, number]>;
  private readonly sizeQuery: Database.Statement<[]>;
  private readonly upsert: Database.Statement<[number, number, Buffer]>;

  constructor(db: Database.Database) {
    this.rangeQuery = db.prepare("SELECT idx, hash FROM tree_nodes WHERE level = ? AND idx BETWEEN ? AND ?");
    this.sizeQuery = db.prepare("SELECT max(idx) FROM tree_nodes WHERE level = 0");
    this.upsert = db.prepare("INSERT OR REPLACE INTO tree_nodes (level, idx, hash) VALUES (?, ?, ?)");
  }

  get size(): number {
    const highest = this.sizeQuery.pluck().get() as number | null;
    return highest === null ? 0 : highest + 1;
  }

  read(level: number, first: number, last: number): (bigint | undefined)[] {
    const nodes: (bigint | undefined)[] = Array(last - first + 1).fill(undefined);
    for (const [idx, hash] of this.rangeQuery.raw().iterate(level, first, last) as Iterable<[number, Buffer]>) nodes[idx - first] = fromBlob(hash);
    return nodes;
  }

  write(level: number, first: number, values: readonly bigint[]): void {
    values.forEach((value, k) => this.upsert.run(level, first + k, toBlob(value)));
  }

  /** Writes every node of a tree built in memory (a store's first open after an upgrade). */
  copyFrom(memory: MemoryTreeNodes): void {
    memory.filledLevels().forEach((values, level) => this.write(level, 0, values));
  }
}
