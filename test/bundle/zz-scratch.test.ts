import { test } from "vitest";
import { join } from "node:path";
import { readFileSync, writeFileSync } from "node:fs";
import { writeBundle } from "../../src/bundle/write-bundle.js";
import { verifyBundle } from "../../src/bundle/verify.js";
import { bundleInput, makeApp, makeInstallerDir, makePackages, tempDir } from "./helpers.js";
test("scratch", async () => {
  const root = tempDir();
  const packages = await makePackages(join(root, "cache"));
  for (const format of ["tar.gz", "zip"] as const) {
    const r = await writeBundle(bundleInput({ packages, installerDir: makeInstallerDir(root), appDir: makeApp(root), format, outDir: join(root, "out") }));
    const b = readFileSync(r.path);
    let undetected = 0;
    const t0 = Date.now();
    for (let i = 0; i < b.length; i++) {
      const c = Buffer.from(b); c[i] ^= 1;
      const p = join(root, `x.${format}`);
      writeFileSync(p, c);
      const res = await verifyBundle(p).then(() => "OK", (e: Error) => e.message);
      if (res === "OK") { undetected++; if (undetected < 15) console.log(format, "undetected at", i, "of", b.length); }
    }
    console.log(format, "undetected", undetected, "of", b.length, Date.now() - t0, "ms");
  }
}, 600_000);
