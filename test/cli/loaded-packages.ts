/**
 * Preloaded (`node --import`) by lazy-loading.test.ts: on exit, writes to stderr one line naming
 * every package loaded through the CommonJS loader (all of the CLI's heavy dependencies are
 * CommonJS, and an ES `import` of one lands in the same cache).
 */
import { createRequire } from "node:module";

const cache = createRequire(import.meta.url).cache;
process.on("exit", () => {
  const names = new Set<string>();
  for (const path of Object.keys(cache)) {
    const m = /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(path);
    if (m) names.add(m[1]!);
  }
  process.stderr.write(`loaded-packages: ${[...names].sort().join(" ")}\n`);
});
