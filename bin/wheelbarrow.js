#!/usr/bin/env node
// Runs the compiled CLI (dist/, built by `npm run build`, which `npm ci` runs via `prepare`).
// In a checkout without dist/ it falls back to the TypeScript sources through tsx.
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { setFlagsFromString } from "node:v8";

// Memory (README "The bundle", docs/architecture.md "Memory"): V8 heap settings, set before any
// module of the CLI is loaded: a young generation that does not grow past its first size
// (`--semi-space-growth-factor=1`) and an old generation that grows by 50% at a time
// (`--heap-growing-percent=50`). Both take effect when set at run time (a re-exec with node
// options would cost a second process start). `--optimize-for-size` was measured and left out:
// it took ~0.7 s more on a 1.5 s bundle. Flags the user passes in NODE_OPTIONS are applied first.
setFlagsFromString("--semi-space-growth-factor=1 --heap-growing-percent=50");

const compiled = new URL("../dist/cli/entry.js", import.meta.url);
if (existsSync(fileURLToPath(compiled)) && !process.env.WHEELBARROW_FROM_SOURCE) {
  await import(compiled.href);
} else {
  const { register } = await import("tsx/esm/api");
  register();
  await import(new URL("../src/cli/entry.ts", import.meta.url).href);
}
