/**
 * A wheel named by URL or path in a requirements file has no index: its source is recorded as
 * `<file>:<line>` (manifest `index`), but the bundle's pylock.toml gives it no `index` key (PEP 751:
 * only the wheel) and its SBOM purl no `repository_url`. packaging's Pylock reads the lock (from the
 * machine's python3 with packaging >= 25; skipped with the reason otherwise) and verify passes.
 */
import { pylockPackagingVersion } from "../helpers/packaging.js";
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { parsePylock } from "../../src/pypa/pylock.js";
import { bundleInput, makeInstallerDir, makePackages, removeTempDirs, tempDir } from "./helpers.js";
import { verifyBundle, writeBundle } from "../helpers/bundle-api.js";

const packaging = pylockPackagingVersion();
afterAll(removeTempDirs);

async function bundleWithDirectWheel(): Promise<string> {
  const root = tempDir("wb-direct-records-");
  const packages = (await makePackages(join(root, "cache"))).map((p) => (p.name === "helper" ? { ...p, index: "requirements.txt:3", url: `https://files.example/${p.filename}` } : p));
  return (await writeBundle(bundleInput({ packages, installerDir: makeInstallerDir(root), format: "dir", outDir: join(root, "out") }))).path;
}

describe("a direct wheel in the bundle's records", () => {
  it("pylock.toml has no index for it, the others keep theirs; the SBOM purl has no repository_url; verify passes", async () => {
    const dir = await bundleWithDirectWheel();
    const text = readFileSync(join(dir, "pylock.toml"), "utf8");
    const lock = parsePylock(text, "pylock.toml");
    expect(lock.packages.map((p) => [p.name, p.index ?? null])).toEqual([
      ["helper", null],
      ["markupsafe-lite", "https://pypi.org/simple"],
      ["tinyweb", "https://pypi.org/simple"],
    ]);
    expect(text).not.toContain("requirements.txt:3");
    const manifest = JSON.parse(readFileSync(join(dir, "manifest.json"), "utf8")) as { packages: { name: string; index: string }[] };
    expect(manifest.packages.find((p) => p.name === "helper")!.index).toBe("requirements.txt:3");
    const sbom = JSON.parse(readFileSync(join(dir, "sbom.cdx.json"), "utf8")) as { components: { name: string; purl: string }[] };
    expect(sbom.components.find((c) => c.name === "helper")!.purl).toBe("pkg:pypi/helper@0.3?file_name=helper-0.3-py3-none-any.whl");
    await expect(verifyBundle(dir)).resolves.toMatchObject({ packages: 3 });
  });

  it.skipIf(!packaging)(`packaging's Pylock reads it: index None for the direct wheel (packaging ${packaging ?? "absent or < 25"})`, async () => {
    const dir = await bundleWithDirectWheel();
    const py = "import json, tomllib; from packaging.pylock import Pylock; p = Pylock.from_dict(tomllib.load(open('pylock.toml', 'rb'))); print(json.dumps({x.name: [x.index, x.wheels[0].path] for x in p.packages}))";
    const got = JSON.parse(execFileSync("python3", ["-c", py], { cwd: dir, encoding: "utf8" })) as Record<string, [string | null, string]>;
    expect(got).toEqual({
      helper: [null, "wheels/helper-0.3-py3-none-any.whl"],
      "markupsafe-lite": ["https://pypi.org/simple", "wheels/markupsafe_lite-2.0-py3-none-any.whl"],
      tinyweb: ["https://pypi.org/simple", "wheels/tinyweb-1.0-py3-none-any.whl"],
    });
  });
});
