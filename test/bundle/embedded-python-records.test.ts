/**
 * The embedded interpreter in the reading commands: inspect shows what it is and its archive
 * (implementation, version, triple, path, sha256, size), diff reports a change of interpreter
 * between two bundles, verify fails a bundle whose python/ archive differs from the manifest.
 * The archive is a small PBS-shaped tar.gz (every entry under python/) made with tar here; the
 * writer ships it verbatim, so nothing needs a real interpreter.
 */
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdirSync, readFileSync, truncateSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { diffManifests, formatDiff } from "../../src/bundle/diff.js";
import { formatInspect, manifestOf } from "../../src/bundle/inspect.js";
import type { Manifest } from "../../src/bundle/manifest.js";
import { openBundle } from "../../src/bundle/read-bundle.js";
import { type BundlePackage, type BundlePython, type BundleResult } from "../../src/bundle/write-bundle.js";
import { LINUX, bundleInput, makeInstallerDir, makePackages, removeTempDirs, tempDir } from "./helpers.js";
import { diffBundles, inspectBundle, verifyBundle, writeBundle } from "../helpers/bundle-api.js";

const BUILD_OLD = "20240726";
const BUILD_NEW = "20240814";
const pbsName = (version: string, build: string): string => `cpython-${version}+${build}-x86_64-unknown-linux-gnu-install_only_stripped.tar.gz`;

/** A tar.gz shaped like a PBS install_only archive: python/bin/python3, python/lib/python3.12/. */
function pbsArchive(dir: string, version: string, build: string, marker: string): BundlePython {
  const work = join(dir, `work-${version}-${build}-${marker}`);
  mkdirSync(join(work, "python", "bin"), { recursive: true });
  mkdirSync(join(work, "python", "lib", "python3.12"), { recursive: true });
  writeFileSync(join(work, "python", "bin", "python3"), `#!/bin/sh\necho ${marker}\n`, { mode: 0o755 });
  writeFileSync(join(work, "python", "lib", "python3.12", "os.py"), `# ${version}+${build}\n`);
  const filename = pbsName(version, build);
  const cachePath = join(dir, `${marker}-${filename}`);
  execFileSync("tar", ["--sort=name", "--owner=0", "--group=0", "--numeric-owner", "--mtime=@315532800", "-C", work, "-czf", cachePath, "python"]);
  const data = readFileSync(cachePath);
  return {
    implementation: "cpython",
    version,
    build,
    triple: "x86_64-unknown-linux-gnu",
    filename,
    sha256: createHash("sha256").update(data).digest("hex"),
    size: data.length,
    source: filename,
    floor: { glibc: "2.17", macos: null },
    cachePath,
  };
}

let root: string;
let packages: BundlePackage[];
let installerDir: string;
let pyOld: BundlePython;
let withOld: BundleResult;

async function bundleWith(python: BundlePython | undefined, out: string, format: "tar.gz" | "dir" = "tar.gz"): Promise<BundleResult> {
  return writeBundle(bundleInput({ packages, python, installerDir, target: LINUX, format, outDir: join(root, out) }));
}

beforeAll(async () => {
  root = tempDir("wb-embedded-records-");
  const cache = join(root, "cache");
  mkdirSync(cache, { recursive: true });
  packages = await makePackages(cache);
  installerDir = makeInstallerDir(root);
  pyOld = pbsArchive(cache, "3.12.4", BUILD_OLD, "old");
  withOld = await bundleWith(pyOld, "with-old");
});
afterAll(removeTempDirs);

describe("inspect with an embedded interpreter", () => {
  it("the JSON report carries the manifest's python entry; the text names implementation, version, triple, archive, sha256 and size", async () => {
    const r = await inspectBundle(withOld.path);
    expect(r.python).toEqual({
      implementation: "cpython",
      version: "3.12.4",
      build: BUILD_OLD,
      triple: "x86_64-unknown-linux-gnu",
      path: `python/${pyOld.filename}`,
      sha256: pyOld.sha256,
      size: pyOld.size,
      source: pyOld.filename,
      floor: { glibc: "2.17", macos: null },
    });
    const lines = formatInspect(r).split("\n");
    expect(lines).toContain(`python         cpython 3.12.4+${BUILD_OLD} x86_64-unknown-linux-gnu, ${pyOld.size} B, floor glibc 2.17 (python/${pyOld.filename})`);
    expect(lines).toContain(`python sha256  ${pyOld.sha256} (${pyOld.size} bytes, from ${pyOld.filename})`);
  });

  it("a bundle without one has no python rows", async () => {
    const plain = await bundleWith(undefined, "plain");
    const r = await inspectBundle(plain.path);
    expect(r.python).toBeUndefined();
    expect(formatInspect(r)).not.toMatch(/^python/m);
  });
});

describe("diff of the embedded interpreter", () => {
  it("a newer build of the same version is an upgrade, named in the text", async () => {
    const pyNew = pbsArchive(join(root, "cache"), "3.12.4", BUILD_NEW, "new");
    const withNew = await bundleWith(pyNew, "with-new", "dir");
    const d = await diffBundles(withOld.path, withNew.path);
    expect(d.python).toEqual({
      change: "upgraded",
      old: { implementation: "cpython", version: "3.12.4", build: BUILD_OLD, triple: "x86_64-unknown-linux-gnu", path: `python/${pyOld.filename}`, sha256: pyOld.sha256, size: pyOld.size },
      new: { implementation: "cpython", version: "3.12.4", build: BUILD_NEW, triple: "x86_64-unknown-linux-gnu", path: `python/${pyNew.filename}`, sha256: pyNew.sha256, size: pyNew.size },
    });
    // The wheels are the same: only the interpreter changed.
    expect(d.packages.unchanged).toBe(packages.length);
    expect(formatDiff(d)).toContain(`python:  upgraded cpython 3.12.4+${BUILD_OLD} x86_64-unknown-linux-gnu -> cpython 3.12.4+${BUILD_NEW} x86_64-unknown-linux-gnu\n`);
    const back = await diffBundles(withNew.path, withOld.path);
    expect(back.python?.change).toBe("downgraded");
  });

  it("added, removed and unchanged between real bundles", async () => {
    const plain = await bundleWith(undefined, "plain2");
    expect((await diffBundles(plain.path, withOld.path)).python).toMatchObject({ change: "added", old: null, new: { version: "3.12.4" } });
    const removed = await diffBundles(withOld.path, plain.path);
    expect(removed.python).toMatchObject({ change: "removed", old: { version: "3.12.4" }, new: null });
    expect(formatDiff(removed)).toContain(`python:  removed cpython 3.12.4+${BUILD_OLD} x86_64-unknown-linux-gnu\n`);
    const same = await diffBundles(withOld.path, withOld.path);
    expect(same.python?.change).toBe("unchanged");
    expect((await diffBundles(plain.path, plain.path)).python).toBeNull();
    expect(formatDiff(await diffBundles(plain.path, plain.path))).not.toContain("python:");
  });

  it("orders versions by PEP 440, tells a rebuilt archive and another triple apart", async () => {
    const base = manifestOf(await openBundle(withOld.path, { hash: false }));
    const withPython = (over: Partial<NonNullable<Manifest["python"]>>): Manifest => ({ ...base, python: { ...base.python!, ...over } });
    const where = { old: { bundle: "a", stem: "a" }, new: { bundle: "b", stem: "b" } };
    const change = (a: Manifest, b: Manifest) => diffManifests(a, b, where).python?.change;
    // 3.12.10 > 3.12.9 (not string order), whatever the build dates say.
    expect(change(withPython({ version: "3.12.9", build: "20250101" }), withPython({ version: "3.12.10", build: "20240101" }))).toBe("upgraded");
    expect(change(withPython({ version: "3.13.0" }), withPython({ version: "3.12.7" }))).toBe("downgraded");
    expect(change(withPython({ sha256: "a".repeat(64) }), withPython({ sha256: "b".repeat(64) }))).toBe("rebuilt");
    expect(formatDiff(diffManifests(withPython({ sha256: "a".repeat(64) }), withPython({ sha256: "b".repeat(64) }), where))).toContain("(sha256 aaaaaaaaaaaa… -> bbbbbbbbbbbb…)");
    expect(change(withPython({}), withPython({ triple: "x86_64-unknown-linux-musl" }))).toBe("changed");
  });
});

describe("verify of the embedded interpreter", () => {
  it("a truncated python/ archive fails with its size and sha256 against the manifest; the intact copy verifies", async () => {
    const dir = await bundleWith(pyOld, "verify-dir", "dir");
    await expect(verifyBundle(dir.path)).resolves.toMatchObject({ name: "shop" });
    const archive = join(dir.path, "python", pyOld.filename);
    truncateSync(archive, pyOld.size - 10);
    const e = await verifyBundle(dir.path).then(
      () => null,
      (x: unknown) => x as { code: string; message: string },
    );
    expect(e?.code).toBe("E_BUNDLE");
    expect(e?.message).toContain(`python/${pyOld.filename}: content differs from SHA256SUMS and manifest.json`);
    expect(e?.message).toContain(`size differs from manifest.json (expected ${pyOld.size} bytes, found ${pyOld.size - 10})`);
    // The same bundle packed as a .tar.gz by another tar (top-level directory = the stem): the archive's
    // python/ entry fails the same way (besides the tar's own differences from wheelbarrow's).
    const packed = join(root, "verify-dir.tar.gz");
    execFileSync("tar", ["-czf", packed, "-C", join(root, "verify-dir"), dir.stem]);
    const esc = (x: string) => x.replace(/[.+]/g, "\\$&");
    await expect(verifyBundle(packed)).rejects.toThrow(new RegExp(`python/${esc(pyOld.filename)}: .*content differs from SHA256SUMS and manifest.json .*size differs from manifest\\.json \\(expected ${pyOld.size} bytes, found ${pyOld.size - 10}\\)`));
  });

  it("a manifest that names another sha256 for the archive fails even when SHA256SUMS agrees with the file", async () => {
    const dir = await bundleWith(pyOld, "verify-manifest", "dir");
    const mPath = join(dir.path, "manifest.json");
    writeFileSync(mPath, readFileSync(mPath, "utf8").replace(`"sha256": "${pyOld.sha256}"`, `"sha256": "${"0".repeat(64)}"`));
    await expect(verifyBundle(dir.path)).rejects.toThrow(`python/${pyOld.filename}: content differs from manifest.json`);
  });
});
