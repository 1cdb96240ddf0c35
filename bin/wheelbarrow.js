#!/usr/bin/env node
// Runs the compiled CLI (dist/, built by `npm run build`, which `npm ci` runs via `prepare`).
// In a checkout without dist/ it falls back to the TypeScript sources through tsx.
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { setFlagsFromString } from "node:v8";

// Memory (README "Memory"; docs/architecture.md): V8's size-over-speed heuristics (a smaller young
// generation, slower heap growth, earlier code flushing), set here before any module of the CLI is
// loaded, so that a bundle stays well below the default heap's peak. This flag takes effect when
// set at run time; a re-exec with node options would cost a second process start. Users who pass
// their own V8 flags (NODE_OPTIONS) keep them: this only adds one.
setFlagsFromString("--optimize-for-size");

const compiled = new URL("../dist/cli/entry.js", import.meta.url);
if (existsSync(fileURLToPath(compiled)) && !process.env.WHEELBARROW_FROM_SOURCE) {
  await import(compiled.href);
} else {
  const { register } = await import("tsx/esm/api");
  register();
  await import(new URL("../src/cli/entry.ts", import.meta.url).href);
}
