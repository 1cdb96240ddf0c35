/**
 * Shared pieces of the installer tests: which real pythons this machine has (pyenv versions and
 * the distro python3), running install.py / install.sh as a child process, the target tags of a
 * python (from its packaging, or pip's vendored copy), leftover temp dirs, and the fixture
 * wheels every installer test installs.
 */
import { execFileSync, spawnSync, type SpawnSyncReturns } from "node:child_process";
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import type { WheelSpec } from "../helpers/wheel-builder.js";
import type { BundleWheel } from "../helpers/bundle-builder.js";

export interface Python {
  label: string;
  exe: string;
  version: string; // "3.11"
  full: string; // "3.11.7"
}

function probe(exe: string): Python | null {
  if (!existsSync(exe)) return null;
  try {
    const full = execFileSync(exe, ["-c", "import sys; print('%d.%d.%d' % sys.version_info[:3])"], { encoding: "utf8" }).trim();
    return { label: exe, exe, full, version: full.split(".").slice(0, 2).join(".") };
  } catch {
    return null;
  }
}

function pyenvRoot(): string | null {
  try {
    return execFileSync("pyenv", ["root"], { encoding: "utf8" }).trim();
  } catch {
    return process.env.PYENV_ROOT ?? (existsSync("/root/.pyenv") ? "/root/.pyenv" : null);
  }
}

export const PYENV_VERSIONS = ["3.8.18", "3.9.18", "3.10.13", "3.11.7", "3.12.1", "3.13.0"];

/** pyenv's python for a version, or null when it is not installed here. */
export function pyenvPython(version: string): Python | null {
  const root = pyenvRoot();
  const bin = root ? join(root, "versions", version, "bin") : null;
  const p = bin ? (probe(join(bin, "python3")) ?? probe(join(bin, "python"))) : null; // 2.7 has no python3
  return p ? { ...p, label: `pyenv ${version}` } : null;
}

export function distroPython(): Python | null {
  const p = probe("/usr/bin/python3");
  return p ? { ...p, label: `distro python3 ${p.full}` } : null;
}

/** The python3 the rest of the test suite uses (3.11 with packaging). */
export const DEFAULT_PYTHON: Python = pyenvPython("3.11.7") ?? probe("python3") ?? { label: "python3", exe: "python3", version: "3.11", full: "3.11.0" };

export interface RunResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

function result(r: SpawnSyncReturns<string>): RunResult {
  if (r.error) throw r.error;
  return { code: r.status, signal: r.signal, stdout: r.stdout, stderr: r.stderr };
}

export function run(cmd: string, args: string[], opts: { cwd?: string; env?: Record<string, string | undefined> } = {}): RunResult {
  return result(spawnSync(cmd, args, { encoding: "utf8", cwd: opts.cwd, env: opts.env ?? process.env, timeout: 120_000 }));
}

/** `python bundle/install.py ...args`. */
export function runInstaller(python: string, bundleDir: string, args: string[], opts: { cwd?: string; env?: Record<string, string | undefined> } = {}): RunResult {
  return run(python, [join(bundleDir, "install.py"), ...args], opts);
}

/** The ordered supported tags of a python, from its packaging (or pip's vendored packaging). */
export function pythonTags(python: string): string[] {
  const code = `
try:
    from packaging import tags
except ImportError:
    try:
        from pip._vendor.packaging import tags
    except ImportError:
        tags = None
import json
print(json.dumps([str(t) for t in tags.sys_tags()] if tags else ["py3-none-any"]))
`;
  return JSON.parse(execFileSync(python, ["-c", code], { encoding: "utf8" })) as string[];
}

/** What an install run leaves only while it runs: temp dirs, the lock, half-written links, in DEST and releases/. */
export function leftovers(dest: string): string[] {
  const out: string[] = [];
  for (const dir of [dest, join(dest, "releases")]) {
    if (!existsSync(dir)) continue;
    out.push(...readdirSync(dir).filter((n) => /^\.(tmp|current|lock)-\d+|^\.wheelbarrow\.lock$|\.new-\d+$/.test(n)));
  }
  return out;
}

/** DEST/current/venv: the venv of the release `current` points to. */
export function currentVenv(dest: string): string {
  return join(dest, "current", "venv");
}

/** The release names in DEST/releases, sorted. */
export function releases(dest: string): string[] {
  return existsSync(join(dest, "releases")) ? readdirSync(join(dest, "releases")).filter((n) => !n.startsWith(".")).sort() : [];
}

/** A wheel with console_scripts, gui_scripts, .data/scripts (a #!python script), data and headers. */
export function toolWheel(extra: Partial<WheelSpec> = {}): WheelSpec {
  return {
    name: "tool-pkg",
    version: "2.0",
    files: {
      "tool_pkg/__init__.py": "VALUE = 42\n\ndef main():\n    import sys\n    print('tool', VALUE, sys.argv[1:])\n    return 0\n",
      "tool_pkg/cli.py": "def run():\n    print('cli ran')\n    return 5\n",
    },
    data: {
      "scripts/tool-script": "#!python\nimport sys\nprint('script ok', sys.executable)\n",
      "scripts/plain.sh": "#!/bin/sh\necho plain sh\n",
      "data/share/tool-pkg/readme.txt": "data file\n",
      "headers/tool.h": "int tool;\n",
    },
    entryPoints: { console_scripts: { tool: "tool_pkg:main", "tool-cli": "tool_pkg.cli:run" }, gui_scripts: { "tool-gui": "tool_pkg.cli:run" } },
    requiresDist: ["pure-lib>=1"],
    ...extra,
  };
}

export function pureWheel(extra: Partial<WheelSpec> = {}): WheelSpec {
  return {
    name: "pure-lib",
    version: "1.0",
    files: { "pure_lib/__init__.py": "X = 1\n", "pure_lib/sub/__init__.py": "", "pure_lib/sub/data.json": "{}\n" },
    ...extra,
  };
}

/** A non-pure wheel (Root-Is-Purelib: false) tagged with a platform tag this python supports. */
export function platWheel(tags: string[], version: string): WheelSpec {
  const nodot = version.replace(".", "");
  const tag = tags.find((t) => t === `cp${nodot}-cp${nodot}-manylinux_2_17_x86_64`) ?? tags.find((t) => t.startsWith(`cp${nodot}-abi3-`)) ?? "py3-none-any";
  return { name: "plat-lib", version: "0.3", tag, rootIsPurelib: false, files: { "plat_lib/__init__.py": "PLAT = True\n" } };
}

export function fixtureWheels(tags: string[], version: string): BundleWheel[] {
  return [{ spec: pureWheel(), requested: false }, { spec: toolWheel() }, { spec: platWheel(tags, version) }];
}

export const APP = {
  "shop/__init__.py": "",
  "shop/main.py":
    "import os, sys\nimport tool_pkg, pure_lib, plat_lib\n\ndef main():\n    print('shop', tool_pkg.VALUE, pure_lib.X, plat_lib.PLAT, os.environ.get('SHOP_MODE'), sys.argv[1:])\n    return 0\n",
  "scripts/hello.py": "import sys\nprint('hello from', sys.argv[0])\n",
};
