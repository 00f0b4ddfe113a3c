// Child process of bench:national: opens a registrar once, as a fresh process would (with its
// key file if one is given), and prints {ms, rssMiB} as JSON (the memory a just-opened
// registrar holds, Node included).
import { Registrar } from "../../src/registrar/registrar.js";

const [dataDir, keyFile] = process.argv.slice(2);
const start = performance.now();
const registrar = await Registrar.open(dataDir, keyFile ? { unlock: { keyFile } } : {});
const ms = performance.now() - start;
registrar.path(0);
console.log(JSON.stringify({ ms, rssMiB: process.memoryUsage().rss / 2 ** 20 }));
registrar.close();
