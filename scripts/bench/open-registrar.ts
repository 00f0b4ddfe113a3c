// Child process of bench:national: opens a registrar once (args: data folder, PostgreSQL URL or
// "sqlite", key file if any), as a fresh process would, and prints {ms, rssMiB} as JSON (the memory a just-opened
// registrar holds, Node included).
import { Registrar } from "../../src/registrar/registrar.js";

const [dataDir, database, keyFile] = process.argv.slice(2);
const start = performance.now();
const registrar = await Registrar.open(dataDir, { ...(keyFile && { unlock: { keyFile } }), ...(database !== "sqlite" && { database }) });
const ms = performance.now() - start;
await registrar.path(0);
console.log(JSON.stringify({ ms, rssMiB: process.memoryUsage().rss / 2 ** 20 }));
await registrar.close();
