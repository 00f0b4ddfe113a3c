#!/usr/bin/env node
// In a checkout, the CLI runs from the TypeScript sources through tsx's loader (no build
// step); installed from the package, it runs the compiled JavaScript in dist/.
import { existsSync } from "node:fs";

const sources = new URL("../src/cli/main.ts", import.meta.url);
if (existsSync(sources)) {
  const { register } = await import("tsx/esm/api");
  register();
  await import(sources.href);
} else {
  await import(new URL("../dist/cli/main.js", import.meta.url).href);
}
