import { spawn } from "node:child_process";
import { join } from "node:path";
import Database from "better-sqlite3";
import { expect } from "vitest";
import { PROJECT_ROOT } from "../../src/artifacts/paths.js";
import { RootLedger } from "../../src/ledger/root-ledger.js";
import { SHARD_LEAVES } from "../../src/registry/province-shards.js";
import { PostgresRegistrarDatabase } from "../../src/registrar/postgres-registrar-database.js";
import { Registrar, type StoreLocation } from "../../src/registrar/registrar.js";
import type { RegistrarDatabase } from "../../src/registrar/registrar-database.js";
import { SqliteRegistrarDatabase } from "../../src/registrar/sqlite-registrar-database.js";
import { DB_FILE } from "../../src/registrar/store-schema.js";

/** A registrar front end in a process of its own (test/helpers/enroll-batches.ts). */
export interface Enroller {
  /** "committed <first leaf index> <tree size>" per committed batch. */
  readonly lines: string[];
  /** With waitForGo: resolves once it has opened the registrar. */
  readonly ready: Promise<void>;
  go(): void;
  readonly done: Promise<{ signal: NodeJS.Signals | null; code: number | null; errors: string }>;
  kill(): void;
}

/**
 * Starts a process that enrolls `batches` batches (0: until killed) of distinct people from
 * person number `firstPerson` on. With `waitForGo` it opens the registrar, then waits for go().
 */
export function enroller(
  dataDir: string,
  { database }: StoreLocation,
  batch: number,
  batches: number,
  firstPerson: number,
  { onCommit, waitForGo = false }: { onCommit?: (lines: string[]) => void; waitForGo?: boolean } = {},
): Enroller {
  const args = [dataDir, database ?? "sqlite", String(batch), String(batches), String(firstPerson)];
  const child = spawn(process.execPath, ["--import", "tsx", join(PROJECT_ROOT, "test/helpers/enroll-batches.ts"), ...args], {
    cwd: PROJECT_ROOT,
    stdio: ["pipe", "pipe", "pipe"],
    env: { ...process.env, ENROLL_ON_GO: waitForGo ? "1" : "0" },
  });
  const lines: string[] = [];
  let errors = "";
  let markReady: () => void;
  const ready = new Promise<void>((resolve) => (markReady = resolve));
  child.stderr.on("data", (d) => (errors += d));
  child.stdout.on("data", (chunk: Buffer) => {
    const text = chunk.toString();
    if (text.includes("ready")) markReady();
    lines.push(...text.split("\n").filter((line) => line.startsWith("committed")));
    onCommit?.(lines);
  });
  return {
    lines,
    ready,
    go: () => child.stdin.write("go\n"),
    done: new Promise((resolve) => child.on("exit", (code, signal) => resolve({ code, signal, errors }))),
    kill: () => child.kill("SIGKILL"),
  };
}

/** The store itself, read-only in spirit, for counting rows behind the registrar's back. */
async function openStore(dataDir: string, { database }: StoreLocation): Promise<RegistrarDatabase> {
  if (database !== undefined) return PostgresRegistrarDatabase.open(database);
  const path = join(dataDir, DB_FILE);
  return new SqliteRegistrarDatabase(new Database(path, { readonly: true }), path);
}

/**
 * Expects a store that is whole: the ledger verifies as one chain and its head is the stored
 * tree's root and size, the stored tree equals one computed from the records, every slot up
 * to the size holds a person and every person's leaf is an issued leaf. Returns the size.
 */
export async function expectWholeStore(dataDir: string, location: StoreLocation): Promise<number> {
  const registrar = await Registrar.open(dataDir, location); // refuses a ledger head that is not the stored root
  let size: number;
  try {
    const tree = await registrar.treeInfo();
    size = tree.size;
    expect(registrar.ledger.head!.treeSize).toBe(size);
    expect(registrar.ledger.head!.root).toBe(tree.root.toString());
    expect(RootLedger.fromJsonLines(registrar.ledger.toJsonLines(), registrar.publicKey).length).toBe(registrar.ledger.length);
  } finally {
    await registrar.close();
  }
  const { recomputedRoot, storedRoot, ledgerRoot } = await Registrar.checkTree(dataDir, location);
  expect([storedRoot, ledgerRoot]).toEqual([recomputedRoot, recomputedRoot]);
  const store = await openStore(dataDir, location);
  try {
    const counts = await store.read(async (tx) => ({
      people: (await tx.get<{ n: number }>("SELECT count(*) AS n FROM people"))!.n,
      // Per province shard, one more than its highest slot: equal to the people only when no shard has a gap.
      slots: (await tx.get<{ n: number }>(`SELECT CAST(coalesce(sum(top), 0) AS BIGINT) AS n FROM (SELECT max(leaf_index) % ${SHARD_LEAVES} + 1 AS top FROM people GROUP BY leaf_index / ${SHARD_LEAVES}) AS shards`))!.n,
      unissued: (await tx.get<{ n: number }>("SELECT count(*) AS n FROM people p WHERE NOT EXISTS (SELECT 1 FROM issued_leaves i WHERE i.leaf = p.leaf)"))!.n,
    }));
    expect(counts).toEqual({ people: size, slots: size, unissued: 0 }); // no gaps, no record without its issued leaf
  } finally {
    await store.close();
  }
  return size;
}
