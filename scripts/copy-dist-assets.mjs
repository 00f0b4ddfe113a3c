// After tsc: the plain-JavaScript modules under src/ (worker threads, and what they share
// with the TypeScript code) and their declarations go to dist/ as they are.
import { cpSync, readdirSync } from "node:fs";
import { join, relative } from "node:path";

const walk = (dir) => readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(join(dir, e.name)) : [join(dir, e.name)]));
for (const file of walk("src").filter((f) => f.endsWith(".mjs") || f.endsWith(".d.mts"))) cpSync(file, join("dist", relative("src", file)));
