// `npm run bench:national -- [--people N] [--batch B] [--provinces P] [--front-ends F] [--data DIR] [--database URL]`:
// the registrar at national scale on this machine (SQLite, or an empty PostgreSQL database).
// Enrolls N people (default 1,000,000) in batches of B (default 10,000; one ledger entry
// each), sealed as in production, batch k registered in province k mod P (default 1), with
// progress on stderr; with F front ends (PostgreSQL only) front end f enrolls batches
// f, f + F, …, all at once (with P = F each in its own province's shard). Then reports
// throughput, peak memory, the store's size per million people, the time and memory to
// open it, and the time of a Merkle path and a bucket at that size.
// Longer than `npm run bench` (10 million people take tens of minutes): a separate target.
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import pg from "pg";
import { PROVINCE_CODES } from "../../src/attributes/attributes.js";
import { loadNativePoseidon } from "../../src/crypto/native-poseidon.mjs";
import { PoseidonPool } from "../../src/crypto/poseidon-pool.js";
import { BUCKET_LEAVES } from "../../src/registry/registry-tree.js";
import { Registrar } from "../../src/registrar/registrar.js";
import { DB_FILE, POSTGRES_SCHEMA_NAME } from "../../src/registrar/store-schema.js";
import { personRecord } from "../../test/helpers/people.js";
import { BenchTable, type Timing, timeRuns } from "./table.js";

/** The registrar schema's size in PostgreSQL: every table with its indexes and TOAST. */
async function postgresSchemaBytes(url: string): Promise<number> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const sql = "SELECT sum(pg_total_relation_size(c.oid)) AS bytes FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = $1 AND c.relkind = 'r'";
    return Number((await client.query(sql, [POSTGRES_SCHEMA_NAME])).rows[0].bytes);
  } finally {
    await client.end();
  }
}

const { values } = parseArgs({
  options: {
    people: { type: "string", default: "1000000" },
    batch: { type: "string", default: "10000" },
    provinces: { type: "string", default: "1" },
    "front-ends": { type: "string", default: "1" },
    data: { type: "string" },
    database: { type: "string" },
  },
});
const location = values.database === undefined ? {} : { database: values.database };
const storeName = values.database === undefined ? "SQLite" : "PostgreSQL";
const people = Number(values.people);
const batch = Number(values.batch);
const provinces = Number(values.provinces);
const frontEndCount = Number(values["front-ends"]);
if (!Number.isSafeInteger(people) || people < batch || !Number.isSafeInteger(batch) || batch < 1) {
  console.error("bench:national: --people and --batch must be whole numbers with people >= batch");
  process.exit(1);
}
if (!Number.isSafeInteger(provinces) || provinces < 1 || provinces > PROVINCE_CODES.length || !Number.isSafeInteger(frontEndCount) || frontEndCount < 1 || (frontEndCount > 1 && values.database === undefined)) {
  console.error(`bench:national: --provinces must be 1 to ${PROVINCE_CODES.length}, --front-ends a whole number (more than 1 only with --database)`);
  process.exit(1);
}
const work = values.data ?? mkdtempSync(join(tmpdir(), "realdid-national-"));
const dataDir = join(work, "registrar");
const unlock = { keyFile: join(work, "registrar.bench-key.json") }; // a throwaway, insecure key file
const MiB = (bytes: number) => `${(bytes / 2 ** 20).toFixed(0)} MiB`;
const peakRss = () => process.resourceUsage().maxRSS * 1024;
/** In milliseconds to three decimals: a path query is well under one. */
const timing = (t: Timing) => `${t.median.toFixed(3)} ms (${t.min.toFixed(3)}..${t.max.toFixed(3)}, n=${t.runs})`;

const poseidonKind = loadNativePoseidon() === undefined ? "WebAssembly Poseidon" : "native Poseidon";
const table = new BenchTable();
try {
  const registrar = await Registrar.init(dataDir, unlock, location);
  const frontEnds = [registrar, ...(await Promise.all(Array.from({ length: frontEndCount - 1 }, () => Registrar.open(dataDir, { unlock, ...location }))))];
  const pool = await PoseidonPool.create(2);
  const batches = Math.ceil(people / batch);
  const batchOf = (k: number) =>
    Array.from({ length: Math.min(batch, people - k * batch) }, (_, j) => ({ record: personRecord(k * batch + j, { region: `${PROVINCE_CODES[k % provinces]}0101` }), commitment: BigInt(k * batch + j + 1) * 104729n }));
  const start = performance.now();
  let enrolled = 0;
  // Each front end's workers hash its next batch's leaves while it seals and writes this one.
  await Promise.all(
    frontEnds.map(async (frontEnd, f) => {
      let next = frontEnd.prepareEnrollment(batchOf(f), pool);
      for (let k = f; k < batches; k += frontEndCount) {
        const prepared = await next;
        if (k + frontEndCount < batches) next = frontEnd.prepareEnrollment(batchOf(k + frontEndCount), pool);
        // Not `enrolled += await …`: that reads the count before the wait, and front ends enrolling at once would lose each other's.
        const credentials = await frontEnd.enroll(prepared);
        enrolled += credentials.length;
        const seconds = (performance.now() - start) / 1000;
        process.stderr.write(`\renrolled ${enrolled} of ${people}: ${Math.round(enrolled / seconds)} people/s, ${seconds.toFixed(0)} s, peak ${MiB(peakRss())}   `);
      }
    }),
  );
  const seconds = (performance.now() - start) / 1000;
  process.stderr.write("\n");
  if (enrolled !== people) throw new Error(`enrolled ${enrolled} people, not ${people}`);
  await pool.close();
  const { root } = await registrar.treeInfo();
  for (const frontEnd of frontEnds) await frontEnd.close();
  const spread = `${provinces} province${provinces === 1 ? "" : "s"}, ${frontEndCount} front end${frontEndCount === 1 ? "" : "s"}`;
  table.add(`enroll ${people} people in batches of ${batch} (${storeName}, ${spread}, records sealed, tree stored; leaves hashed on 2 workers; ${poseidonKind})`, `${seconds.toFixed(0)} s, ${Math.round(people / seconds)} people/s`);
  table.add("  peak memory (RSS) while enrolling", MiB(peakRss()));
  const bytes = values.database === undefined ? statSync(join(dataDir, DB_FILE)).size : await postgresSchemaBytes(values.database);
  table.add(`  store size (${values.database === undefined ? "after closing: WAL checkpointed" : "tables, indexes and TOAST of the schema"})`, `${MiB(bytes)}, ${MiB((bytes * 1_000_000) / people)} per million people`);

  const open = await timeRuns(5, async () => await (await Registrar.open(dataDir, location)).close());
  const opened = await Registrar.open(dataDir, location);
  table.add(`open the registrar at ${people} people to answer (no keys: ledger of ${opened.ledger.length} entries, root)`, timing(open));
  // In a fresh process, as a restarted server or an operator's command opens it.
  const fresh = (...keyFile: string[]) =>
    JSON.parse(execFileSync(process.execPath, ["--import", "tsx", join(import.meta.dirname, "open-registrar.ts"), dataDir, values.database ?? "sqlite", ...keyFile], { encoding: "utf8" }));
  const answering = fresh();
  table.add("  in a fresh process: open time, and the process's whole memory (RSS)", `${answering.ms.toFixed(0)} ms, ${MiB(answering.rssMiB * 2 ** 20)}`);
  const writing = fresh(unlock.keyFile);
  table.add(`  with its keys, to write (the key file read, the ${poseidonKind} set up)`, `${writing.ms.toFixed(0)} ms, ${MiB(writing.rssMiB * 2 ** 20)}`);
  if ((await opened.treeInfo()).root !== root) throw new Error("the reopened registrar's root is not the root it closed with");
  const { shards } = await opened.treeInfo();
  let picked = 0;
  /** A person somewhere in the tree: each province's shard in turn, a slot spread over it. */
  const someone = () => {
    picked = (picked + 7_777_777) % people;
    const shard = shards[picked % shards.length];
    return shard.firstLeaf + (picked % shard.size);
  };
  table.add(`Merkle path of a random person at ${people}`, timing(await timeRuns(200, () => opened.path(someone()))));
  table.add(`bucket of ${BUCKET_LEAVES} leaves and its path at ${people}`, timing(await timeRuns(50, () => opened.bucket(Math.floor(someone() / BUCKET_LEAVES)))));
  await opened.close();
  table.print();
} finally {
  if (!values.data) rmSync(work, { recursive: true, force: true });
}
