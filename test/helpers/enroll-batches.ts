// Child process for the crash and concurrency tests: enrolls batches of distinct people into
// a registrar (SQLite in the data folder, or the PostgreSQL database given), printing the
// first leaf index and the tree size after each committed batch.
//   args: <dataDir> <database URL or "sqlite"> <batch size> <batches, 0: until killed> <first person number>
import { Registrar } from "../../src/registrar/registrar.js";
import { enrollmentRequests } from "./people.js";
import { TEST_UNLOCK } from "./registrar-keys.js";

const [dataDir, database, batchSize, batches, firstPerson] = [process.argv[2], process.argv[3], Number(process.argv[4]), Number(process.argv[5]), Number(process.argv[6])];
const registrar = await Registrar.open(dataDir, { unlock: TEST_UNLOCK, ...(database !== "sqlite" && { database }) });
// Told to (ENROLL_ON_GO=1), wait for a line on stdin: a test starts several at once, after all have opened.
if (process.env.ENROLL_ON_GO === "1") {
  process.stdout.write("ready\n");
  await new Promise((resolve) => process.stdin.once("data", resolve));
  process.stdin.pause();
}
for (let k = 0; batches === 0 || k < batches; k++) {
  const { requests } = enrollmentRequests(batchSize, firstPerson + k * batchSize);
  const [first] = await registrar.enroll(requests);
  process.stdout.write(`committed ${first.index} ${(await registrar.treeInfo()).size}\n`);
}
await registrar.close();
