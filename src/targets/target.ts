/**
 * The target model (README "Targets"): implementation + Python version + ABI flavour + OS + arch +
 * OS baseline. Everything that depends on where a bundle will run (the ordered supported-tag
 * list, the marker environment, the version Requires-Python is checked against) comes from
 * here, never from the build host.
 *
 * Decisions:
 * - `arch` is spelled the way the platform tag spells it: Linux uses the uname arch (x86_64,
 *   aarch64, i686, armv7l, ppc64le, s390x, riscv64, loongarch64, ppc64); macOS arm64/x86_64;
 *   Windows x86_64 (win_amd64), arm64 (win_arm64), x86 (win32). The marker environment carries
 *   Python's own `platform_machine` spelling (AMD64, ARM64, x86 on Windows).
 * - `platform` is the canonical platform tag the user asked for (legacy manylinux2014/2010/1 are
 *   rewritten to their PEP 600 names); a macOS minor is kept (macosx_14_2_arm64) although
 *   packaging, and so the tag list, treats 11+ minors as .0.
 * - The host-only `linux_<arch>` tag is never in a target's list.
 */
import type { MarkerEnvironment } from "../pypa/markers.js";
import { supportedTags, tagIndexOf } from "../pypa/platform-tags.js";
import { targetMarkerEnvironment } from "./marker-env.js";
import type { TargetOs, TargetPlatform, TargetPython } from "./target-parts.js";

export type { TargetOs, TargetPlatform, TargetPython } from "./target-parts.js";

export interface Target {
  /** Canonical `PLATFORM@PYTHON`, e.g. "manylinux_2_28_x86_64@3.11", "win_amd64@3.13t", "macosx_11_0_arm64@pp3.10". */
  spec: string;
  /** As the user wrote it. */
  input: string;
  /** Canonical platform tag: manylinux_2_28_x86_64, musllinux_1_2_x86_64, macosx_14_0_arm64, win_amd64 … */
  platform: string;
  os: TargetOs;
  arch: string;
  libc?: { family: "glibc" | "musl"; major: number; minor: number };
  macos?: { major: number; minor: number };
  implementation: "cpython" | "pypy";
  /** "3.11" or "3.11.4" as given (without the `t` or `pp` markers). */
  pythonVersion: string;
  /** Padded for Requires-Python: "3.11.0", "3.11.4", "3.14.0rc1". */
  pythonFullVersion: string;
  freeThreaded: boolean;
  /** "cp311", "cp313t", "pp310": used in bundle file names. */
  pythonTag: string;
  /** The compatible platforms, best first (the inner loop of `tags`). */
  platforms: string[];
  /** Ordered supported tags, best first. */
  tags: string[];
  tagIndex: Map<string, number>;
  /** platform_release and platform_version are undefined: a target does not fix them. */
  markerEnv: MarkerEnvironment;
}

export function pythonVersionString(py: TargetPython): string {
  return py.micro === undefined ? `${py.major}.${py.minor}` : `${py.major}.${py.minor}.${py.micro}${py.pre ?? ""}`;
}

export function pythonFullVersionString(py: TargetPython): string {
  return `${py.major}.${py.minor}.${py.micro ?? 0}${py.pre ?? ""}`;
}

/** The PYTHON part of a canonical spec: "3.11", "3.11.4", "3.13t", "pp3.10". */
export function pythonSpecString(py: TargetPython): string {
  return `${py.implementation === "pypy" ? "pp" : ""}${pythonVersionString(py)}${py.freeThreaded ? "t" : ""}`;
}

export function pythonTagOf(py: TargetPython): string {
  return `${py.implementation === "pypy" ? "pp" : "cp"}${py.major}${py.minor}${py.freeThreaded ? "t" : ""}`;
}

/** Assemble a target from its two parsed halves. */
export function makeTarget(input: string, plat: TargetPlatform, py: TargetPython): Target {
  const tags = supportedTags({ implementation: py.implementation, pyMajor: py.major, pyMinor: py.minor, freeThreaded: py.freeThreaded }, plat.platforms);
  const target: Target = {
    spec: `${plat.platform}@${pythonSpecString(py)}`,
    input,
    platform: plat.platform,
    os: plat.os,
    arch: plat.arch,
    implementation: py.implementation,
    pythonVersion: pythonVersionString(py),
    pythonFullVersion: pythonFullVersionString(py),
    freeThreaded: py.freeThreaded,
    pythonTag: pythonTagOf(py),
    platforms: plat.platforms,
    tags,
    tagIndex: tagIndexOf(tags),
    markerEnv: targetMarkerEnvironment(plat, py),
  };
  if (plat.libc) target.libc = { ...plat.libc };
  if (plat.macos) target.macos = { ...plat.macos };
  return target;
}

const OS_NAMES: Record<TargetOs, string> = { linux: "Linux", macos: "macOS", windows: "Windows" };

/** "CPython 3.12 on Linux x86_64 (glibc 2.28 or newer)", "PyPy 3.10 on macOS arm64 (11.0 or newer)". */
export function describeTarget(t: Target): string {
  const impl = `${t.implementation === "pypy" ? "PyPy" : "CPython"} ${t.pythonVersion}${t.freeThreaded ? " free-threaded" : ""}`;
  let baseline = "";
  if (t.libc) baseline = ` (${t.libc.family} ${t.libc.major}.${t.libc.minor} or newer)`;
  else if (t.macos) baseline = ` (${t.macos.major}.${t.macos.minor} or newer)`;
  return `${impl} on ${OS_NAMES[t.os]} ${t.arch}${baseline}`;
}
