// Child process for the crash test: enrolls batches into a registrar until it is killed,
// printing the tree size after each committed batch.
import { Registrar } from "../../src/registrar/registrar.js";
import { enrollmentRequests } from "./people.js";
import { TEST_UNLOCK } from "./registrar-keys.js";

const [dataDir, batchSize] = [process.argv[2], Number(process.argv[3])];
const registrar = await Registrar.open(dataDir, { unlock: TEST_UNLOCK });
for (;;) {
  const { requests } = enrollmentRequests(batchSize, registrar.size);
  registrar.enroll(requests);
  process.stdout.write(`committed ${registrar.size}\n`);
}
