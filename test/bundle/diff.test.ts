import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { formatDiff } from "../../src/bundle/diff.js";
import { formatInspect } from "../../src/bundle/inspect.js";
import { type BundlePackage, type BundleResult } from "../../src/bundle/write-bundle.js";
import type { WheelSpec } from "../helpers/wheel-builder.js";
import { bundleInput, makeApp, makeInstallerDir, makePackages, removeTempDirs, tempDir, WINDOWS } from "./helpers.js";
import { diffBundles, inspectBundle, writeBundle } from "../helpers/bundle-api.js";

let root: string;
let oldB: BundleResult;
let newB: BundleResult;
let oldPkgs: BundlePackage[];
let newPkgs: BundlePackage[];

const OLD: WheelSpec[] = [
  { name: "tinyweb", version: "1.0", files: { "tinyweb/__init__.py": "v = 1\n" } },
  { name: "markupsafe_lite", version: "2.0", files: { "markupsafe_lite/__init__.py": "x = 1\n" } },
  { name: "helper", version: "0.3", files: { "helper/__init__.py": "y = 2\n" } },
  { name: "pinned", version: "3.0", files: { "pinned/__init__.py": "z = 3\n" } },
  { name: "stable", version: "1.2.0", files: { "stable/__init__.py": "s = 1\n" } },
];
const NEW: WheelSpec[] = [
  { name: "tinyweb", version: "1.10", files: { "tinyweb/__init__.py": "v = 110\n" } }, // upgraded (PEP 440: 1.10 > 1.9 > 1.0)
  { name: "markupsafe_lite", version: "2.0", files: { "markupsafe_lite/__init__.py": "x = 1  # rebuilt\n" } }, // rebuilt
  { name: "pinned", version: "2.9", files: { "pinned/__init__.py": "z = 2\n" } }, // downgraded
  { name: "stable", version: "1.2.0", files: { "stable/__init__.py": "s = 1\n" } }, // unchanged
  { name: "newdep", version: "0.1", files: { "newdep/__init__.py": "" } }, // added; helper removed
];

beforeAll(async () => {
  root = tempDir("wb-diff-");
  oldPkgs = await makePackages(join(root, "cache-old"), OLD);
  newPkgs = await makePackages(join(root, "cache-new"), NEW);
  const installerDir = makeInstallerDir(root);
  const app = makeApp(root);
  oldB = await writeBundle(bundleInput({ packages: oldPkgs, installerDir, appDir: app, format: "tar.gz", outDir: join(root, "old") }));
  writeFileSync(join(app, "run.py"), "print('v2')\n");
  writeFileSync(join(app, "CHANGELOG.md"), "2.4.0\n");
  newB = await writeBundle(bundleInput({ packages: newPkgs, installerDir, appDir: app, version: "2.4.0", format: "zip", outDir: join(root, "new") }));
});
afterAll(removeTempDirs);

describe("diff", () => {
  test("added, removed, upgraded, downgraded, rebuilt and unchanged packages; changed app files", async () => {
    const d = await diffBundles(oldB.path, newB.path);
    const sha = (ps: BundlePackage[], name: string): string => ps.find((p) => p.name === name)!.sha256;
    expect(d.packages).toEqual({
      added: [{ name: "newdep", version: "0.1", filename: "newdep-0.1-py3-none-any.whl", sha256: sha(newPkgs, "newdep") }],
      removed: [{ name: "helper", version: "0.3", filename: "helper-0.3-py3-none-any.whl", sha256: sha(oldPkgs, "helper") }],
      upgraded: [{ name: "tinyweb", from: "1.0", to: "1.10", oldFilename: "tinyweb-1.0-py3-none-any.whl", newFilename: "tinyweb-1.10-py3-none-any.whl" }],
      downgraded: [{ name: "pinned", from: "3.0", to: "2.9", oldFilename: "pinned-3.0-py3-none-any.whl", newFilename: "pinned-2.9-py3-none-any.whl" }],
      rebuilt: [
        {
          name: "markupsafe-lite",
          version: "2.0",
          oldFilename: "markupsafe_lite-2.0-py3-none-any.whl",
          newFilename: "markupsafe_lite-2.0-py3-none-any.whl",
          oldSha256: sha(oldPkgs, "markupsafe-lite"),
          newSha256: sha(newPkgs, "markupsafe-lite"),
        },
      ],
      unchanged: 1,
    });
    expect(d.files).toEqual({ added: ["app/CHANGELOG.md"], removed: [], changed: ["app/run.py"] });
    expect(d.old).toEqual({ bundle: oldB.path, stem: oldB.stem, name: "shop", version: "2.3.0", target: "manylinux_2_28_x86_64@3.11" });
    expect(d.new.version).toBe("2.4.0");
    expect(d.targetChanged).toBe(false);

    const text = formatDiff(d);
    const m = sha(oldPkgs, "markupsafe-lite").slice(0, 12);
    const m2 = sha(newPkgs, "markupsafe-lite").slice(0, 12);
    expect(text).toBe(
      [
        `old: ${oldB.stem} (shop 2.3.0, manylinux_2_28_x86_64@3.11)`,
        `new: ${newB.stem} (shop 2.4.0, manylinux_2_28_x86_64@3.11)`,
        "",
        "packages: 1 added, 1 removed, 1 upgraded, 1 downgraded, 1 rebuilt, 1 unchanged",
        "  added       newdep           0.1",
        "  removed     helper           0.3",
        "  upgraded    tinyweb          1.0 -> 1.10",
        "  downgraded  pinned           3.0 -> 2.9",
        `  rebuilt     markupsafe-lite  2.0 (sha256 ${m}… -> ${m2}…)`,
        "files: 1 added, 0 removed, 1 changed",
        "  added    app/CHANGELOG.md",
        "  changed  app/run.py",
        "",
      ].join("\n"),
    );
  });

  test("a bundle compared with itself has no changes; different targets are noted", async () => {
    const same = await diffBundles(oldB.path, oldB.path);
    expect(same.packages).toMatchObject({ added: [], removed: [], upgraded: [], downgraded: [], rebuilt: [], unchanged: 5 });
    expect(same.files).toEqual({ added: [], removed: [], changed: [] });
    const win = await writeBundle(bundleInput({ packages: oldPkgs, installerDir: makeInstallerDir(root), target: WINDOWS, format: "dir", outDir: join(root, "win") }));
    const d = await diffBundles(oldB.path, win.path);
    expect(d.targetChanged).toBe(true);
    expect(formatDiff(d)).toContain("note: the bundles are for different targets\n");
    // The Windows bundle has no app: every app file is removed.
    expect(d.files.removed).toEqual(["app/README.md", "app/bin/start", "app/data/debug.log", "app/data/seed.json", "app/notes.tmp", "app/run.py", "app/shop/__init__.py", "app/shop/server.py"]);
  });
});

describe("inspect", () => {
  test("JSON report and human table", async () => {
    const r = await inspectBundle(oldB.path);
    expect(r.stem).toBe(oldB.stem);
    expect(r.format).toBe("tar.gz");
    expect(r.target.spec).toBe("manylinux_2_28_x86_64@3.11");
    expect(r.packages.map((p) => [p.name, p.version, p.requested, p.index])).toEqual([
      ["helper", "0.3", false, "https://pypi.org/simple"],
      ["markupsafe-lite", "2.0", false, "https://pypi.org/simple"],
      ["pinned", "3.0", false, "https://pypi.org/simple"],
      ["stable", "1.2.0", false, "https://pypi.org/simple"],
      ["tinyweb", "1.0", true, "https://pypi.org/simple"],
    ]);
    expect(r.sizes.wheels).toBe(oldPkgs.reduce((a, p) => a + p.size, 0));
    expect(r.sizes.appFiles).toBe(8);
    expect(r.sizes.archive).toBe(oldB.size);
    const text = formatInspect(r);
    const lines = text.split("\n");
    expect(lines[0]).toBe(`bundle     ${oldB.path} (tar.gz, ${(oldB.size / 1000).toFixed(1)} kB)`);
    expect(lines.slice(1, 6)).toEqual([
      "app        shop 2.3.0, entry shop.server:main",
      "target     manylinux_2_28_x86_64@3.11: cpython 3.11, linux x86_64, glibc 2.28, 5 tags",
      "made by    wheelbarrow 0.1.0 (format 1.0.0)",
      `packages   5 wheels, ${(r.sizes.wheels / 1000).toFixed(1)} kB`,
      `app files  8 files, ${r.sizes.app} B`,
    ]);
    expect(lines[7]).toBe("NAME             VERSION  SIZE    REQUESTED  INDEX                    FILE");
    expect(lines[12]).toMatch(/^tinyweb {10}1\.0 {6}\d+ B {3}yes {8}https:\/\/pypi\.org\/simple {2}tinyweb-1\.0-py3-none-any\.whl$/);
  });
});
