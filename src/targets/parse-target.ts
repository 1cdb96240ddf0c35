/**
 * `--target PLATFORM@PYTHON` -> Target (README "Targets"; PEP 425/600/656 platform tags).
 *
 * PLATFORM: a wheel platform tag naming the oldest system the bundle must run on
 *   manylinux_2_<minor>_<arch> (glibc 2.17+, 2.5+ on x86_64/i686; legacy manylinux2014/2010/1
 *   accepted and rewritten), musllinux_1_<minor>_<arch>, macosx_<major>_<minor>_<arm64|x86_64>
 *   (arm64 from 11.0, x86_64 from 10.4), win32, win_amd64, win_arm64; or an alias (aliases.ts).
 *   Case-insensitive. `linux_<arch>` is refused: it only describes the build host.
 * PYTHON: CPython `3.X` or `3.X.Y` (also `3.X.YrcN`, `cp3X`) for 3.8–3.15, `3.Xt` free-threaded
 *   (3.13+); PyPy `pp3.X` / `pp3X` / `pypy3.X` for 3.8–3.11 (ABI pypy3X_pp73). Versions outside
 *   these ranges are refused rather than guessed: their tag rules are not known to this release.
 */
import { WbError } from "../errors.js";
import { macosPlatforms, manylinuxPlatforms, musllinuxPlatforms } from "../pypa/platform-tags.js";
import { lookupAlias, suggestAlias } from "./aliases.js";
import { makeTarget, type Target, type TargetOs, type TargetPlatform, type TargetPython } from "./target.js";

export const CPYTHON_MINORS = { min: 8, max: 15 } as const;
export const PYPY_MINORS = { min: 8, max: 11 } as const;
export const MANYLINUX_ARCHS = ["x86_64", "i686", "aarch64", "armv7l", "ppc64le", "ppc64", "s390x", "riscv64", "loongarch64"] as const;
export const MUSLLINUX_ARCHS = ["x86_64", "i686", "aarch64", "armv7l", "ppc64le", "s390x", "riscv64", "loongarch64"] as const;
const MANYLINUX2014_ARCHS = ["x86_64", "i686", "aarch64", "armv7l", "ppc64", "ppc64le", "s390x"];
const LEGACY_GLIBC: Record<string, number> = { manylinux2014: 17, manylinux2010: 12, manylinux1: 5 };
const MAX_GLIBC_MINOR = 50;
const MAX_MUSL_MINOR = 9;
const MAX_MACOS_MAJOR = 30;

export const TARGET_FORM_HINTS: readonly string[] = [
  "a target is PLATFORM@PYTHON, for example manylinux_2_28_x86_64@3.11, macosx_12_0_arm64@3.12, win_amd64@3.13t, linux-x86_64@pp3.10",
  "PLATFORM: manylinux_2_<glibc minor>_<arch>, musllinux_1_<musl minor>_<arch>, macosx_<major>_<minor>_<arm64|x86_64>, win32, win_amd64, win_arm64, or an alias (`wheelbarrow targets` lists them)",
  `PYTHON: 3.X or 3.X.Y (CPython 3.${CPYTHON_MINORS.min}-3.${CPYTHON_MINORS.max}), 3.Xt (free-threaded, 3.13+), pp3.X (PyPy 3.${PYPY_MINORS.min}-3.${PYPY_MINORS.max})`,
];

class PartError extends Error {
  constructor(
    message: string,
    readonly suggestion?: string,
  ) {
    super(message);
  }
}

function linux(platform: string, arch: string, family: "glibc" | "musl", major: number, minor: number, platforms: string[]): TargetPlatform {
  return { platform, os: "linux", arch, libc: { family, major, minor }, platforms };
}

function parseManylinux(arch: string, major: number, minor: number, what: string): TargetPlatform {
  if (!(MANYLINUX_ARCHS as readonly string[]).includes(arch)) throw new PartError(`unknown manylinux architecture '${arch}' in '${what}' (known: ${MANYLINUX_ARCHS.join(", ")})`);
  const oldest = arch === "x86_64" || arch === "i686" ? 5 : 17;
  if (major !== 2 || minor < oldest || minor > MAX_GLIBC_MINOR) {
    throw new PartError(`'${what}' names glibc ${major}.${minor}; manylinux for ${arch} covers glibc 2.${oldest} to 2.${MAX_GLIBC_MINOR}`);
  }
  return linux(`manylinux_2_${minor}_${arch}`, arch, "glibc", 2, minor, manylinuxPlatforms(arch, 2, minor));
}

function parsePlatformTag(tag: string, written: string): TargetPlatform {
  let m = /^manylinux_(\d+)_(\d+)_([a-z0-9_]+)$/.exec(tag);
  if (m) return parseManylinux(m[3] ?? "", Number(m[1]), Number(m[2]), tag);
  m = /^(manylinux2014|manylinux2010|manylinux1)_([a-z0-9_]+)$/.exec(tag);
  if (m) {
    const legacy = m[1] ?? "";
    const arch = m[2] ?? "";
    const archs = legacy === "manylinux2014" ? MANYLINUX2014_ARCHS : ["x86_64", "i686"];
    if (!archs.includes(arch)) throw new PartError(`${legacy} has no '${arch}' platform (it covers ${archs.join(", ")})`);
    return parseManylinux(arch, 2, LEGACY_GLIBC[legacy] ?? 17, tag);
  }
  m = /^musllinux_(\d+)_(\d+)_([a-z0-9_]+)$/.exec(tag);
  if (m) {
    const [major, minor, arch] = [Number(m[1]), Number(m[2]), m[3] ?? ""];
    if (!(MUSLLINUX_ARCHS as readonly string[]).includes(arch)) throw new PartError(`unknown musllinux architecture '${arch}' in '${tag}' (known: ${MUSLLINUX_ARCHS.join(", ")})`);
    if (major !== 1 || minor > MAX_MUSL_MINOR) throw new PartError(`'${tag}' names musl ${major}.${minor}; musllinux covers musl 1.0 to 1.${MAX_MUSL_MINOR}`);
    return linux(`musllinux_1_${minor}_${arch}`, arch, "musl", 1, minor, musllinuxPlatforms(arch, 1, minor));
  }
  m = /^macosx_(\d+)_(\d+)_([a-z0-9_]+)$/.exec(tag);
  if (m) {
    const [major, minor, arch] = [Number(m[1]), Number(m[2]), m[3] ?? ""];
    if (arch !== "arm64" && arch !== "x86_64") {
      throw new PartError(`'${tag}' is not a machine: a macOS target's architecture is arm64 or x86_64 (universal2, intel and fat wheels are matched automatically)`);
    }
    const valid = major === 10 ? minor >= (arch === "x86_64" ? 4 : 99) && minor <= 15 : major >= 11 && major <= MAX_MACOS_MAJOR && minor <= 20;
    if (!valid) {
      const range = arch === "arm64" ? "11.0 or newer" : "10.4 to 10.15, or 11.0 or newer";
      throw new PartError(`'${tag}' names macOS ${major}.${minor}; a macOS ${arch} target needs ${range}`);
    }
    return { platform: `macosx_${major}_${minor}_${arch}`, os: "macos", arch, macos: { major, minor }, platforms: macosPlatforms(arch, major, minor) };
  }
  const windows: Record<string, string> = { win32: "x86", win_amd64: "x86_64", win_arm64: "arm64" };
  const winArch = windows[tag];
  if (winArch) return { platform: tag, os: "windows", arch: winArch, platforms: [tag] };
  m = /^linux_([a-z0-9_]+)$/.exec(tag);
  if (m && (MANYLINUX_ARCHS as readonly string[]).includes(m[1] ?? "")) {
    const arch = m[1] ?? "";
    throw new PartError(
      `'${tag}' only describes the machine a wheel was built on; name the oldest glibc (manylinux_2_<minor>_${arch}) or musl (musllinux_1_<minor>_${arch}) the bundle must run on`,
      `manylinux_2_17_${arch}`,
    );
  }
  throw new PartError(`unknown platform '${written}'`, suggestAlias(written));
}

function parsePlatform(text: string): TargetPlatform {
  const name = text.trim().toLowerCase();
  const alias = lookupAlias(name);
  // Not an alias: a platform tag, normalised as packaging does (`.`, `-`, space -> `_`), so
  // sysconfig-style spellings such as macosx-14.0-arm64 or win-amd64 work too.
  return parsePlatformTag(alias ? alias.platform : name.replace(/[.\- ]/g, "_"), text.trim());
}

function checkMinor(impl: "CPython" | "PyPy", minor: number, range: { min: number; max: number }, text: string): void {
  if (minor < range.min || minor > range.max) {
    throw new PartError(`${impl} 3.${minor} is not supported (wheelbarrow knows ${impl} 3.${range.min} to 3.${range.max}) in '${text}'`);
  }
}

function parsePython(text: string): TargetPython {
  const s = text.trim().toLowerCase();
  let m = /^(?:pp|pypy)3\.(\d+)(?:\.(\d+))?$/.exec(s) ?? /^pp3(\d{1,2})$/.exec(s);
  if (m) {
    const minor = Number(m[1]);
    checkMinor("PyPy", minor, PYPY_MINORS, text);
    const py: TargetPython = { implementation: "pypy", major: 3, minor, freeThreaded: false };
    if (m[2] !== undefined) py.micro = Number(m[2]);
    return py;
  }
  m = /^(?:cp|cpython|python)?3\.(\d+)(?:\.(\d+)((?:a|b|rc)\d+)?)?(t)?$/.exec(s) ?? /^cp3(\d{1,2})()()(t)?$/.exec(s);
  if (m) {
    const minor = Number(m[1]);
    checkMinor("CPython", minor, CPYTHON_MINORS, text);
    const freeThreaded = m[4] === "t";
    if (freeThreaded && minor < 13) throw new PartError(`free-threaded CPython starts at 3.13; '${text}' asks for 3.${minor}t`);
    const py: TargetPython = { implementation: "cpython", major: 3, minor, freeThreaded };
    if (m[2] !== undefined && m[2] !== "") py.micro = Number(m[2]);
    if (m[3]) py.pre = m[3];
    return py;
  }
  throw new PartError(`unknown Python version '${text}'`);
}

/** The PYTHON half of a target alone ("3.11", "3.11.4", "3.13t", "pp3.10"); E_USAGE when malformed or unknown. */
export function parsePythonSpec(text: string): TargetPython {
  try {
    return parsePython(text);
  } catch (e) {
    if (e instanceof PartError) throw new WbError("E_USAGE", `invalid Python '${text}': ${e.message}`, { hint: [TARGET_FORM_HINTS[2]!] });
    throw e;
  }
}

/** For a half target: the whole one it probably meant. */
function completion(text: string): string | undefined {
  for (const [attempt, whole] of [
    [() => parsePlatform(text), `${text}@3.12`],
    [() => parsePython(text), `linux-x86_64@${text}`],
  ] as const) {
    try {
      attempt();
      return whole;
    } catch {
      // not this half
    }
  }
  return undefined;
}

function usage(input: string, reason: string, suggestion?: string): WbError {
  const hints = suggestion ? [`did you mean ${suggestion}?`, ...TARGET_FORM_HINTS] : [...TARGET_FORM_HINTS];
  return new WbError("E_USAGE", `invalid target '${input}': ${reason}`, { hint: hints, details: { target: input } });
}

export function parseTarget(input: string): Target {
  const text = input.trim();
  const at = text.lastIndexOf("@");
  if (at === -1) throw usage(input, "expected PLATFORM@PYTHON", completion(text));
  const platformText = text.slice(0, at);
  const pythonText = text.slice(at + 1);
  if (!platformText) throw usage(input, "the PLATFORM part before '@' is empty");
  if (!pythonText) throw usage(input, "the PYTHON part after '@' is empty");
  let plat: TargetPlatform;
  let py: TargetPython;
  try {
    plat = parsePlatform(platformText);
    py = parsePython(pythonText);
  } catch (e) {
    if (e instanceof PartError) {
      throw usage(input, e.message, e.suggestion ? `${e.suggestion}@${pythonText}` : undefined);
    }
    throw e;
  }
  return makeTarget(input, plat, py);
}

/** Parse many (each may also be a comma-separated list); the first of equal specs wins. */
export function parseTargets(inputs: readonly string[]): Target[] {
  const out: Target[] = [];
  const seen = new Set<string>();
  for (const input of inputs.flatMap((i) => i.split(","))) {
    if (!input.trim()) continue;
    const t = parseTarget(input.trim());
    if (seen.has(t.spec)) continue;
    seen.add(t.spec);
    out.push(t);
  }
  return out;
}

/** A machine as Python describes it (platform.system(), platform.machine(), libc, macOS version). */
export interface HostInfo {
  system: string;
  machine: string;
  implementation: "cpython" | "pypy";
  /** platform.python_version(): "3.11.4". */
  pythonVersion: string;
  freeThreaded?: boolean;
  glibc?: { major: number; minor: number };
  musl?: { major: number; minor: number };
  macos?: { major: number; minor: number };
}

const LINUX_MACHINES: Record<string, string> = { amd64: "x86_64", x86_64: "x86_64", arm64: "aarch64", aarch64: "aarch64", i386: "i686", i586: "i686", i686: "i686", armv7l: "armv7l", armv8l: "armv7l", ppc64le: "ppc64le", ppc64: "ppc64", s390x: "s390x", riscv64: "riscv64", loongarch64: "loongarch64" };
const WINDOWS_PLATFORMS: Record<string, string> = { amd64: "win_amd64", x86_64: "win_amd64", arm64: "win_arm64", x86: "win32", i386: "win32", i686: "win32" };

/** The target a described machine is: what `install.py` would compute there. */
export function hostTarget(info: HostInfo): Target {
  const machine = info.machine.toLowerCase();
  let os: TargetOs;
  let platform: string | undefined;
  if (info.system === "Linux") {
    os = "linux";
    const arch = LINUX_MACHINES[machine];
    if (arch && info.glibc) platform = `manylinux_${info.glibc.major}_${info.glibc.minor}_${arch}`;
    else if (arch && info.musl) platform = `musllinux_${info.musl.major}_${info.musl.minor}_${arch}`;
  } else if (info.system === "Darwin") {
    os = "macos";
    const arch = machine === "arm64" || machine === "aarch64" ? "arm64" : machine === "x86_64" ? "x86_64" : undefined;
    if (arch && info.macos) platform = `macosx_${info.macos.major}_${info.macos.minor}_${arch}`;
  } else if (info.system === "Windows") {
    os = "windows";
    platform = WINDOWS_PLATFORMS[machine];
  } else {
    throw new WbError("E_USAGE", `unsupported operating system '${info.system}' (wheelbarrow targets Linux, macOS and Windows)`);
  }
  if (!platform) throw new WbError("E_USAGE", `cannot describe this ${os} machine as a target (machine '${info.machine}'${os === "linux" ? ", no glibc or musl version" : ""})`);
  const [major, minor, ...rest] = info.pythonVersion.split(".");
  const python = `${info.implementation === "pypy" ? "pp" : ""}${[major, minor, ...rest].join(".")}${info.freeThreaded ? "t" : ""}`;
  return parseTarget(`${platform}@${python}`);
}
