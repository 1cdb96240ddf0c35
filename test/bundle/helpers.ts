/**
 * Shared fixtures for the bundle tests: three hand-written targets (linux, windows, macOS), a
 * stand-in installer directory, a small app with junk that must not ship, real wheels built by
 * test/helpers/wheel-builder.ts, and a BundleInput assembled from them.
 */
import { parseMetadata } from "../../src/pypa/metadata.js";
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { buildWheel, type WheelSpec } from "../helpers/wheel-builder.js";
import type { BundleInput, BundlePackage } from "../../src/bundle/write-bundle.js";
import type { TargetInfo } from "../../src/bundle/manifest.js";
import type { Context } from "../../src/context.js";

export const LINUX: TargetInfo = {
  spec: "manylinux_2_28_x86_64@3.11",
  platform: "manylinux_2_28_x86_64",
  python: "3.11",
  implementation: "cpython",
  pythonTag: "cp311",
  freeThreaded: false,
  os: "linux",
  arch: "x86_64",
  libc: { family: "glibc", version: "2.28" },
  macos: null,
  tags: ["cp311-cp311-manylinux_2_28_x86_64", "cp311-abi3-manylinux_2_28_x86_64", "py3-none-manylinux_2_28_x86_64", "cp311-none-any", "py3-none-any"],
};

export const WINDOWS: TargetInfo = {
  spec: "win_amd64@3.12",
  platform: "win_amd64",
  python: "3.12",
  implementation: "cpython",
  pythonTag: "cp312",
  freeThreaded: false,
  os: "windows",
  arch: "amd64",
  libc: null,
  macos: null,
  tags: ["cp312-cp312-win_amd64", "cp312-abi3-win_amd64", "cp312-none-any", "py3-none-any"],
};

export const MACOS: TargetInfo = {
  spec: "macosx_12_0_arm64@3.12",
  platform: "macosx_12_0_arm64",
  python: "3.12",
  implementation: "cpython",
  pythonTag: "cp312",
  freeThreaded: false,
  os: "macos",
  arch: "arm64",
  libc: null,
  macos: "12.0",
  tags: ["cp312-cp312-macosx_12_0_arm64", "cp312-cp312-macosx_11_0_arm64", "cp312-none-any", "py3-none-any"],
};

export const TARGETS = { linux: LINUX, windows: WINDOWS, macos: MACOS };

const made: string[] = [];

export function tempDir(prefix = "wb-bundle-"): string {
  const d = mkdtempSync(join(tmpdir(), prefix));
  made.push(d);
  return d;
}

/** For afterAll: remove every temp dir this test file made. */
export function removeTempDirs(): void {
  for (const d of made.splice(0)) rmSync(d, { recursive: true, force: true });
}

function write(root: string, rel: string, content: string | Buffer, mode?: number): void {
  const p = join(root, ...rel.split("/"));
  mkdirSync(join(p, ".."), { recursive: true });
  writeFileSync(p, content);
  if (mode !== undefined) chmodSync(p, mode);
}

export function makeInstallerDir(root: string): string {
  const dir = join(root, "installer");
  // Modes deliberately "wrong": the writer fixes them.
  write(dir, "install.py", "#!/usr/bin/env python3\nprint('stand-in installer')\n", 0o600);
  write(dir, "install.sh", "#!/bin/sh\nexec python3 \"$(dirname \"$0\")/install.py\" \"$@\"\n", 0o644);
  write(dir, "install.ps1", "python install.py @args\n", 0o755);
  write(dir, "probe.sh", "#!/bin/sh\necho '{}'\n", 0o600);
  return dir;
}

/** An app with files that ship and junk that must not. */
export function makeApp(root: string): string {
  const app = join(root, "app-src");
  write(app, "shop/__init__.py", "");
  write(app, "shop/server.py", "def main():\n    print('shop')\n");
  write(app, "run.py", "from shop.server import main\nmain()\n");
  write(app, "bin/start", "#!/bin/sh\nexec python3 run.py\n", 0o755);
  write(app, "README.md", "# shop\n");
  write(app, "data/seed.json", '{"items": []}\n');
  write(app, "data/debug.log", "noise\n");
  write(app, "notes.tmp", "scratch\n");
  write(app, ".git/config", "[core]\n");
  write(app, "__pycache__/run.cpython-311.pyc", "bytecode");
  write(app, "shop/__pycache__/server.cpython-311.pyc", "bytecode");
  write(app, "shop/stale.pyc", "bytecode");
  write(app, ".venv/pyvenv.cfg", "home = /usr/bin\n");
  write(app, "env/pyvenv.cfg", "home = /usr/bin\n");
  write(app, "env/lib/site.py", "");
  write(app, "node_modules/left-pad/index.js", "");
  write(app, ".DS_Store", "junk");
  write(app, ".mypy_cache/x.json", "{}");
  return app;
}

export const APP_EXCLUDES = ["*.log", "/notes.tmp"];
export const APP_SHIPPED = ["README.md", "bin/start", "data/seed.json", "run.py", "shop/__init__.py", "shop/server.py"];

export const WHEEL_SPECS: WheelSpec[] = [
  { name: "tinyweb", version: "1.0", files: { "tinyweb/__init__.py": "VERSION = '1.0'\n" }, license: "MIT", requiresDist: ["markupsafe-lite>=2"] },
  { name: "markupsafe_lite", version: "2.0", files: { "markupsafe_lite/__init__.py": "x = 1\n" }, metadataExtra: ["License-Expression: BSD-3-Clause OR Apache-2.0"] },
  { name: "helper", version: "0.3", files: { "helper/__init__.py": "y = 2\n" }, metadataExtra: ["Classifier: License :: OSI Approved :: MIT License"] },
];

export async function makePackages(dir: string, specs: WheelSpec[] = WHEEL_SPECS, index = "https://pypi.org/simple"): Promise<BundlePackage[]> {
  const out: BundlePackage[] = [];
  for (const s of specs) {
    const w = await buildWheel(s, dir);
    out.push({
      name: s.name.toLowerCase().replace(/[-_.]+/g, "-"),
      version: s.version,
      filename: w.filename,
      sha256: w.sha256,
      size: w.size,
      requested: s.name === "tinyweb",
      index,
      cachePath: w.path,
      metadata: parseMetadata(w.metadata),
      url: `${index.replace(/\/simple\/?$/, "")}/files/${w.filename}`,
    });
  }
  return out;
}

export function bundleInput(over: Partial<BundleInput> & Pick<BundleInput, "packages" | "outDir" | "installerDir">): BundleInput {
  return {
    name: "shop",
    version: "2.3.0",
    entry: "shop.server:main",
    target: LINUX,
    exclude: [],
    format: "tar.gz",
    sourceDateEpoch: 315532800,
    toolVersion: "0.1.0",
    ...over,
  };
}

/** A Context that captures stdout and stderr (for the command tests). */
export function fakeContext(cwd: string): { ctx: Context; out: () => string; err: () => string } {
  let out = "";
  let err = "";
  const ctx: Context = {
    cwd,
    env: {},
    stdout: { write: (t) => void (out += t), isTTY: false },
    stderr: { write: (t) => void (err += t), isTTY: false },
    now: () => new Date(0),
  };
  return { ctx, out: () => out, err: () => err };
}
