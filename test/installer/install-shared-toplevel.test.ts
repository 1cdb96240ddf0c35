/**
 * Packages that share a top-level directory: two single-module wheels (like `six` and
 * `typing_extensions`) both get their bytecode in site-packages/__pycache__/. The install with
 * bytecode verifies (neither package's .pyc is "unexpected" for the other), and a file no RECORD
 * lists in that shared directory is still reported as drift, once.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { buildBundle } from "../helpers/bundle-builder.js";
import { DEFAULT_PYTHON as PY, run, runInstaller } from "./harness.js";

const root = mkdtempSync(join(tmpdir(), "wb-inst-shared-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe("packages sharing a top-level directory", () => {
  it("installs two single-module wheels with bytecode, verifies clean, and reports a planted .pyc once", async () => {
    const built = await buildBundle(
      {
        name: "app",
        version: "1.0",
        entry: null,
        target: { platform: "manylinux_2_17_x86_64", python: PY.version },
        wheels: [
          { spec: { name: "alpha", version: "1.0", files: { "alpha.py": "A = 1\n" } } },
          { spec: { name: "beta", version: "2.0", files: { "beta.py": "B = 2\n" } } },
        ],
      },
      join(root, "bundle"),
    );
    const dest = join(root, "site");
    const r = runInstaller(PY.exe, built.dir, [dest]);
    expect(r.stderr).not.toContain("error[");
    expect(r.code).toBe(0);
    expect(run(PY.exe, [join(dest, "install.py"), "verify", dest]).code).toBe(0);

    const site = join(dest, "current", "venv", "lib", `python${PY.version}`, "site-packages");
    writeFileSync(join(site, "__pycache__", "planted.cpython-311.pyc"), "");
    const v = run(PY.exe, [join(dest, "install.py"), "verify", dest, "--json"]);
    expect(v.code).toBe(1);
    const drift = (JSON.parse(v.stdout) as { error: { drift: { packages: Record<string, { unexpected?: string[] }> } } }).error.drift.packages;
    expect(Object.values(drift).flatMap((p) => p.unexpected ?? [])).toEqual(["__pycache__/planted.cpython-311.pyc"]);
  }, 120_000);
});
