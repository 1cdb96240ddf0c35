/**
 * A python-build-standalone-shaped `install_only` archive made from one of this machine's pyenv
 * CPython builds: the prefix copied under `python/` (without test/, site-packages contents,
 * idlelib, tkinter, the static libpython in config-*, headers and docs), the executable's RUNPATH
 * set to `$ORIGIN/../lib` with patchelf so the shared libpython is found wherever the tree lands.
 * Like PBS (which links them statically), it needs nothing but glibc: the shared libraries the
 * extension modules use (zlib, libffi, OpenSSL, ...) are copied into python/lib, and the modules'
 * and those libraries' RUNPATHs point there. Packed with the system tar as
 * `cpython-X.Y.Z+20990101-x86_64-unknown-linux-gnu-install_only.tar.gz`.
 * Built once per machine under the OS temp dir and reused. `pbsUnavailable()` names what is missing.
 */
import { execFileSync } from "node:child_process";
import { chmodSync, copyFileSync, cpSync, existsSync, mkdirSync, readdirSync, renameSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export const PBS_BUILD = "20990101";

function has(cmd: string, args: string[]): boolean {
  try {
    execFileSync(cmd, args, { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

export function pyenvPrefix(minor: string): string | null {
  let root: string;
  try {
    root = execFileSync("pyenv", ["root"], { encoding: "utf8" }).trim();
  } catch {
    return null;
  }
  const dir = join(root, "versions");
  if (!existsSync(dir)) return null;
  const v = readdirSync(dir).filter((n) => n.startsWith(minor + ".") && /^\d+\.\d+\.\d+$/.test(n)).sort().pop();
  return v ? join(dir, v) : null;
}

/** Why a PBS-shaped archive cannot be built here, or null when it can. */
export function pbsUnavailable(minor = "3.12"): string | null {
  if (process.platform !== "linux" || process.arch !== "x64") return "needs linux x86_64";
  if (!pyenvPrefix(minor)) return `no pyenv CPython ${minor}`;
  if (!has("patchelf", ["--version"])) return "patchelf is not installed (apt-get install patchelf)";
  if (!has("tar", ["--version"])) return "no tar";
  return null;
}

/** glibc's own libraries: every target has them, PBS links against them too. */
const GLIBC = /^(libc|libm|libpthread|libdl|librt|libresolv|libutil|libnsl|ld-linux[-\w]*)\.so/;

function sharedDeps(file: string): string[] {
  const out = execFileSync("ldd", [file], { encoding: "utf8" });
  return [...out.matchAll(/^\s*(\S+) => (\/\S+)/gm)].filter((m) => !GLIBC.test(m[1]!) && !m[1]!.startsWith("libpython")).map((m) => m[2]!);
}

function bundleSharedLibraries(python: string, minor: string): void {
  const lib = join(python, "lib");
  const dynload = join(lib, `python${minor}`, "lib-dynload");
  const copied = new Set<string>();
  for (const so of readdirSync(dynload).filter((n) => n.endsWith(".so"))) {
    const deps = sharedDeps(join(dynload, so));
    if (deps.length === 0) continue;
    for (const d of deps) {
      const name = d.split("/").pop()!;
      if (copied.has(name)) continue;
      copyFileSync(d, join(lib, name));
      chmodSync(join(lib, name), 0o755);
      execFileSync("patchelf", ["--set-rpath", "$ORIGIN", join(lib, name)]);
      copied.add(name);
    }
    execFileSync("patchelf", ["--set-rpath", "$ORIGIN/../..", join(dynload, so)]);
  }
}

const SKIP = [/^lib\/python3\.\d+t?\/(test|idlelib|tkinter|lib2to3|turtledemo)(\/|$)/, /\/lib-dynload\/_tkinter/, /^lib\/python3\.\d+t?\/site-packages\/./, /^lib\/python3\.\d+t?\/config-/, /(^|\/)__pycache__(\/|$)/, /^(include|share|lib\/pkgconfig)(\/|$)/, /^bin\/(pip|idle|2to3|pydoc)/];

export interface PbsArchive {
  path: string;
  filename: string;
  version: string;
}

/** Builds (or reuses) the archive for pyenv's newest `minor` build. */
export function buildPbsArchive(minor = "3.12"): PbsArchive {
  const prefix = pyenvPrefix(minor);
  if (!prefix) throw new Error(`no pyenv CPython ${minor}`);
  const version = prefix.split("/").pop()!;
  const filename = `cpython-${version}+${PBS_BUILD}-x86_64-unknown-linux-gnu-install_only.tar.gz`;
  const dir = join(tmpdir(), "wheelbarrow-test-pbs-v2", version);
  const path = join(dir, filename);
  if (existsSync(path)) return { path, filename, version };
  mkdirSync(dir, { recursive: true });
  const work = join(dir, `work-${process.pid}`);
  rmSync(work, { recursive: true, force: true });
  try {
    cpSync(prefix, join(work, "python"), {
      recursive: true,
      verbatimSymlinks: true,
      filter: (src) => {
        const rel = src.slice(prefix.length + 1);
        return rel === "" || !SKIP.some((re) => re.test(rel));
      },
    });
    execFileSync("patchelf", ["--set-rpath", "$ORIGIN/../lib", join(work, "python", "bin", `python${minor}`)]);
    bundleSharedLibraries(join(work, "python"), minor);
    const tmp = `${path}.tmp-${process.pid}`;
    execFileSync("tar", ["--sort=name", "--owner=0", "--group=0", "--numeric-owner", "-C", work, "-czf", tmp, "python"]);
    renameSync(tmp, path);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  return { path, filename, version };
}
