// Kills a real registrar process (SIGKILL) in the middle of enrollment batches and
// checks that the store reopens consistent: whole batches only, records, stored tree
// and ledger in agreement, and the stored tree equal to one computed from the records.
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { afterAll, expect, it } from "vitest";
import { PROJECT_ROOT } from "../src/artifacts/paths.js";
import { RootLedger } from "../src/ledger/root-ledger.js";
import { Registrar } from "../src/registrar/registrar.js";
import { TEST_UNLOCK } from "./helpers/registrar-keys.js";

const BATCH = 1000;
const dir = mkdtempSync(join(tmpdir(), "realdid-crash-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Starts the enrolling child, waits for `commits` committed batches plus `extraMs`, then SIGKILLs it. */
function enrollAndKill(dataDir: string, commits: number, extraMs: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--import", "tsx", join(PROJECT_ROOT, "test/helpers/enroll-until-killed.ts"), dataDir, String(BATCH)], { cwd: PROJECT_ROOT, stdio: ["ignore", "pipe", "pipe"] });
    let seen = 0;
    let errors = "";
    child.stderr.on("data", (d) => (errors += d));
    child.stdout.on("data", (chunk: Buffer) => {
      seen += chunk.toString().split("\n").filter((line) => line.startsWith("committed")).length;
      if (seen === commits) setTimeout(() => child.kill("SIGKILL"), extraMs);
    });
    child.on("exit", (_, signal) => (signal === "SIGKILL" ? resolve(seen) : reject(new Error(`child exited without being killed: ${errors}`))));
  });
}

it("reopens consistent after SIGKILLs at different points of a batch", async () => {
  const dataDir = join(dir, "registrar");
  (await Registrar.init(dataDir, TEST_UNLOCK)).close();
  let sizeBefore = 0;
  for (const extraMs of [5, 60, 150, 300]) {
    const committed = await enrollAndKill(dataDir, 1, extraMs);
    const registrar = await Registrar.open(dataDir, { unlock: TEST_UNLOCK }); // throws if the ledger head is not the tree's root
    try {
      expect(registrar.size % BATCH).toBe(0); // whole batches only
      expect(registrar.size).toBeGreaterThanOrEqual(sizeBefore + committed * BATCH); // nothing reported committed is lost
      sizeBefore = registrar.size;
      expect(registrar.ledger.head!.treeSize).toBe(registrar.size);
      expect(registrar.ledger.head!.root).toBe(registrar.root.toString());
      // The stored tree is the tree of the records, computed from scratch.
      const { recomputedRoot, storedRoot, ledgerRoot } = await Registrar.checkTree(dataDir);
      expect([storedRoot, ledgerRoot]).toEqual([recomputedRoot, recomputedRoot]);
      expect(RootLedger.fromJsonLines(registrar.ledger.toJsonLines(), registrar.publicKey).length).toBe(registrar.ledger.length);
    } finally {
      registrar.close();
    }
    const db = new Database(join(dataDir, "registrar.sqlite"), { readonly: true });
    const counts = db.prepare("SELECT (SELECT COUNT(*) FROM people) AS people, (SELECT COUNT(*) FROM issued_leaves) AS leaves, (SELECT MAX(leaf_index) FROM people) AS maxIndex").get() as { people: number; leaves: number; maxIndex: number };
    db.close();
    expect(counts.leaves).toBe(counts.people); // no leaf without its record
    expect(counts.maxIndex).toBe(counts.people - 1); // no gaps
  }
}, 300_000);
