/**
 * The PEP 508 marker environment of a target (PEP 508 "Environment Markers"; values computed for the target, not the host).
 *
 * | variable         | Linux                       | macOS          | Windows               |
 * | os_name          | posix                       | posix          | nt                    |
 * | sys_platform     | linux                       | darwin         | win32 (also 64-bit)   |
 * | platform_system  | Linux                       | Darwin         | Windows               |
 * | platform_machine | uname arch (x86_64, aarch64, i686, armv7l, ppc64le, s390x …) | arm64, x86_64 | AMD64, ARM64, x86 |
 *
 * python_version `X.Y`; python_full_version padded (`3.11` -> `3.11.0`); implementation_name
 * cpython/pypy; platform_python_implementation CPython/PyPy; implementation_version is the padded
 * Python version on CPython (sys.implementation.version formatted as packaging does: a
 * release candidate `3.14.0rc1` gives `3.14.0c1`) and undefined on PyPy, where it is the PyPy
 * release (7.3.x), which a target does not fix. platform_release and platform_version are
 * undefined too: a marker that needs them must be reported, never guessed.
 */
import type { MarkerEnvironment } from "../pypa/markers.js";
import type { TargetOs, TargetPlatform, TargetPython } from "./target-parts.js";

const OS_VALUES: Record<TargetOs, { os_name: string; sys_platform: string; platform_system: string }> = {
  linux: { os_name: "posix", sys_platform: "linux", platform_system: "Linux" },
  macos: { os_name: "posix", sys_platform: "darwin", platform_system: "Darwin" },
  windows: { os_name: "nt", sys_platform: "win32", platform_system: "Windows" },
};

const WINDOWS_MACHINE: Record<string, string> = { x86_64: "AMD64", arm64: "ARM64", x86: "x86" };

/** `platform.machine()` on such a machine. */
export function platformMachine(os: TargetOs, arch: string): string {
  if (os === "windows") return WINDOWS_MACHINE[arch] ?? arch;
  return arch;
}

/** sys.implementation.version as packaging's format_full_version writes it (rc -> c). */
function implementationVersion(py: TargetPython): string | undefined {
  if (py.implementation !== "cpython") return undefined;
  const pre = py.pre ? py.pre.replace(/^rc/, "c") : "";
  return `${py.major}.${py.minor}.${py.micro ?? 0}${pre}`;
}

export function targetMarkerEnvironment(plat: Pick<TargetPlatform, "os" | "arch">, py: TargetPython): MarkerEnvironment {
  const osValues = OS_VALUES[plat.os];
  return {
    os_name: osValues.os_name,
    sys_platform: osValues.sys_platform,
    platform_system: osValues.platform_system,
    platform_machine: platformMachine(plat.os, plat.arch),
    platform_release: undefined,
    platform_version: undefined,
    python_version: `${py.major}.${py.minor}`,
    python_full_version: `${py.major}.${py.minor}.${py.micro ?? 0}${py.pre ?? ""}`,
    implementation_name: py.implementation,
    implementation_version: implementationVersion(py),
    platform_python_implementation: py.implementation === "pypy" ? "PyPy" : "CPython",
  };
}
