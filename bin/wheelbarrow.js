#!/usr/bin/env node
// Runs the compiled CLI (dist/, built by `npm run build`, which `npm ci` runs via `prepare`).
// In a checkout without dist/ it falls back to the TypeScript sources through tsx.
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";

const compiled = new URL("../dist/cli/entry.js", import.meta.url);
if (existsSync(fileURLToPath(compiled)) && !process.env.WHEELBARROW_FROM_SOURCE) {
  await import(compiled.href);
} else {
  const { register } = await import("tsx/esm/api");
  register();
  await import(new URL("../src/cli/entry.ts", import.meta.url).href);
}
