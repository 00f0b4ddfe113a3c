// Kills a real registrar process (SIGKILL) in the middle of enrollment batches, on SQLite
// and on PostgreSQL, and checks that the store reopens consistent: whole batches only,
// records, stored tree and ledger in agreement, and the stored tree equal to one computed
// from the records.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { Registrar, type StoreLocation } from "../src/registrar/registrar.js";
import { ownTestDatabase } from "./helpers/postgres.js";
import { enroller, expectWholeStore } from "./helpers/registrar-processes.js";
import { TEST_UNLOCK } from "./helpers/registrar-keys.js";

const BATCH = 1000;
const dir = mkdtempSync(join(tmpdir(), "realdid-crash-"));
const cleanups: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const cleanup of cleanups) await cleanup();
  rmSync(dir, { recursive: true, force: true });
});

const STORES: [string, () => Promise<StoreLocation>][] = [
  ["SQLite", async () => ({})],
  [
    "PostgreSQL",
    async () => {
      const database = await ownTestDatabase("realdid_registrar_crash");
      cleanups.push(database.drop);
      return { database: database.url };
    },
  ],
];

describe.each(STORES)("a registrar on %s", (name, storeLocation) => {
  it("reopens consistent after SIGKILLs at different points of a batch", async () => {
    const location = await storeLocation();
    const dataDir = join(dir, name);
    await (await Registrar.init(dataDir, TEST_UNLOCK, location)).close();
    let sizeBefore = 0;
    for (const [k, extraMs] of [5, 60, 150, 300].entries()) {
      const front = enroller(dataDir, location, BATCH, 0, k * 100_000, {
        onCommit: (lines) => {
          if (lines.length === 1) setTimeout(() => front.kill(), extraMs);
        },
      });
      const { signal, errors } = await front.done;
      expect({ signal, errors }).toEqual({ signal: "SIGKILL", errors: "" });
      const size = await expectWholeStore(dataDir, location);
      expect(size % BATCH).toBe(0); // whole batches only
      expect(size).toBeGreaterThanOrEqual(sizeBefore + front.lines.length * BATCH); // nothing reported committed is lost
      sizeBefore = size;
    }
  }, 300_000);
});
