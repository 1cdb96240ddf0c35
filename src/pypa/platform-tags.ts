/**
 * Platform compatibility tags (PEP 425, 600, 656; packaging.python.org "Platform compatibility tags") with the semantics and the
 * order of pypa/packaging's `tags` module, computed for a described machine instead of the
 * running one. Pure: every input is an argument.
 *
 * - Platform lists: manylinux (PEP 600, legacy aliases right after their equivalent), musllinux,
 *   macOS (packaging's mac_platforms), Windows (the single platform). The host-only
 *   `linux_<arch>` tag is never produced: a target is not the build host.
 * - Interpreter tags: `cpythonTags` = packaging's cpython_tags (specific ABI, abi3 or abi3t,
 *   none, older abi3/abi3t), `pypyTags` = generic_tags for PyPy, `compatibleTags` = its
 *   compatible_tags, `supportedTags` = what sys_tags() yields on such an interpreter.
 * - Checked against packaging by test/pypa/platform-tags.test.ts (fixtures/vectors/tags/).
 */

/** glibc minor assumed as the last one of an older glibc major (packaging's _LAST_GLIBC_MINOR). */
const LAST_GLIBC_MINOR = 50;

const LEGACY_MANYLINUX: Record<string, string> = {
  "2_17": "manylinux2014",
  "2_12": "manylinux2010",
  "2_5": "manylinux1",
};

/**
 * `manylinux_<glibc>_<arch>` from the given glibc down to 2.17 (2.5 on x86_64 and i686), each
 * legacy alias (manylinux2014/2010/1) right after its PEP 600 equivalent.
 */
export function manylinuxPlatforms(arch: string, glibcMajor: number, glibcMinor: number): string[] {
  const out: string[] = [];
  const tooOld = arch === "x86_64" || arch === "i686" ? { major: 2, minor: 4 } : { major: 2, minor: 16 };
  const maxima: { major: number; minor: number }[] = [{ major: glibcMajor, minor: glibcMinor }];
  for (let major = glibcMajor - 1; major > 1; major--) maxima.push({ major, minor: LAST_GLIBC_MINOR });
  for (const max of maxima) {
    const minMinor = max.major === tooOld.major ? tooOld.minor : -1;
    for (let minor = max.minor; minor > minMinor; minor--) {
      out.push(`manylinux_${max.major}_${minor}_${arch}`);
      const legacy = LEGACY_MANYLINUX[`${max.major}_${minor}`];
      if (legacy) out.push(`${legacy}_${arch}`);
    }
  }
  return out;
}

/** `musllinux_<major>_<minor>_<arch>` from the given musl minor down to 0 (PEP 656). */
export function musllinuxPlatforms(arch: string, muslMajor: number, muslMinor: number): string[] {
  const out: string[] = [];
  for (let minor = muslMinor; minor >= 0; minor--) out.push(`musllinux_${muslMajor}_${minor}_${arch}`);
  return out;
}

/** Binary formats a macOS version runs for one CPU arch (packaging's _mac_binary_formats). */
function macBinaryFormats(major: number, minor: number, arch: string): string[] {
  const before = (m: number, n: number) => major < m || (major === m && minor < n);
  const after = (m: number, n: number) => major > m || (major === m && minor > n);
  const formats = [arch];
  if (arch === "x86_64") {
    if (before(10, 4)) return [];
    formats.push("intel", "fat64", "fat32");
  } else if (arch === "i386") {
    if (before(10, 4)) return [];
    formats.push("intel", "fat32", "fat");
  } else if (arch === "ppc64") {
    if (after(10, 5) || before(10, 4)) return [];
    formats.push("fat64");
  } else if (arch === "ppc") {
    if (after(10, 6)) return [];
    formats.push("fat32", "fat");
  }
  if (arch === "arm64" || arch === "x86_64") formats.push("universal2");
  if (["x86_64", "i386", "ppc64", "ppc", "intel"].includes(arch)) formats.push("universal");
  return formats;
}

/**
 * macOS platforms for a machine running `major.minor` on `arch`: 10.x -> 10.x … 10.0;
 * 11+ -> X_0 … 11_0 (minor always 0), then 10.16 … 10.4 (x86_64: every format; arm64:
 * universal2 only).
 */
export function macosPlatforms(arch: string, major: number, minor: number): string[] {
  const out: string[] = [];
  const emit = (ma: number, mi: number, formats: string[]) => {
    for (const f of formats) out.push(`macosx_${ma}_${mi}_${f}`);
  };
  if (major === 10) {
    for (let m = minor; m >= 0; m--) emit(10, m, macBinaryFormats(10, m, arch));
  }
  if (major >= 11) {
    for (let ma = major; ma > 10; ma--) emit(ma, 0, macBinaryFormats(ma, 0, arch));
    for (let m = 16; m > 3; m--) emit(10, m, arch === "x86_64" ? macBinaryFormats(10, m, arch) : ["universal2"]);
  }
  return out;
}

function product(interpreter: string, abi: string, platforms: readonly string[]): string[] {
  return platforms.map((p) => `${interpreter}-${abi}-${p}`);
}

/**
 * packaging.tags.cpython_tags for CPython `pyMajor.pyMinor` (default ABI `cp3X`, or `cp3Xt`
 * when free-threaded): specific ABI × platforms, then abi3 (free-threaded: abi3t) × platforms,
 * then none × platforms, then `cp3(X-1)` … `cp32` with abi3/abi3t × platforms.
 */
export function cpythonTags(pyMajor: number, pyMinor: number, platforms: readonly string[], opts: { freeThreaded?: boolean } = {}): string[] {
  const threaded = opts.freeThreaded === true;
  const interpreter = `cp${pyMajor}${pyMinor}`;
  const out = product(interpreter, `${interpreter}${threaded ? "t" : ""}`, platforms);
  const stableAbi = pyMajor > 3 || (pyMajor === 3 && pyMinor >= 2) ? (threaded ? "abi3t" : "abi3") : null;
  if (stableAbi) out.push(...product(interpreter, stableAbi, platforms));
  out.push(...product(interpreter, "none", platforms));
  if (stableAbi) {
    for (let minor = pyMinor - 1; minor > 1; minor--) out.push(...product(`cp${pyMajor}${minor}`, stableAbi, platforms));
  }
  return out;
}

/** The PyPy ABI tag: `pypy310_pp73` (PyPy 7.3 is the ABI every PyPy 3.7–3.11 release uses). */
export function pypyAbi(pyMajor: number, pyMinor: number, pypyAbiVersion = "73"): string {
  return `pypy${pyMajor}${pyMinor}_pp${pypyAbiVersion}`;
}

/** packaging's generic_tags for PyPy: `pp3X-<pypy abi>` × platforms, then `pp3X-none` × platforms. No abi3. */
export function pypyTags(pyMajor: number, pyMinor: number, platforms: readonly string[], abi = pypyAbi(pyMajor, pyMinor)): string[] {
  const interpreter = `pp${pyMajor}${pyMinor}`;
  return [...product(interpreter, abi, platforms), ...product(interpreter, "none", platforms)];
}

/** `py3X`, `py3`, `py3(X-1)` … `py30` (packaging's _py_interpreter_range). */
function pyInterpreterRange(pyMajor: number, pyMinor: number): string[] {
  const out = [`py${pyMajor}${pyMinor}`, `py${pyMajor}`];
  for (let minor = pyMinor - 1; minor >= 0; minor--) out.push(`py${pyMajor}${minor}`);
  return out;
}

/**
 * packaging.tags.compatible_tags: `py*-none-<platform>` (version outer, platform inner), then
 * `<interpreter>-none-any` when an interpreter is given, then `py*-none-any`.
 */
export function compatibleTags(pyMajor: number, pyMinor: number, platforms: readonly string[], interpreter?: string): string[] {
  const range = pyInterpreterRange(pyMajor, pyMinor);
  const out: string[] = [];
  for (const v of range) out.push(...product(v, "none", platforms));
  if (interpreter) out.push(`${interpreter}-none-any`);
  for (const v of range) out.push(`${v}-none-any`);
  return out;
}

export interface InterpreterSpec {
  implementation: "cpython" | "pypy";
  pyMajor: number;
  pyMinor: number;
  freeThreaded?: boolean;
}

/** Every tag such an interpreter supports on these platforms, best first (packaging's sys_tags). */
export function supportedTags(interp: InterpreterSpec, platforms: readonly string[]): string[] {
  const { pyMajor, pyMinor } = interp;
  if (interp.implementation === "pypy") {
    return [...pypyTags(pyMajor, pyMinor, platforms), ...compatibleTags(pyMajor, pyMinor, platforms, `pp${pyMajor}`)];
  }
  return [
    ...cpythonTags(pyMajor, pyMinor, platforms, { freeThreaded: interp.freeThreaded }),
    ...compatibleTags(pyMajor, pyMinor, platforms, `cp${pyMajor}${pyMinor}`),
  ];
}

/** Tag -> first index, for O(1) ranking. */
export function tagIndexOf(tags: readonly string[]): Map<string, number> {
  const index = new Map<string, number>();
  tags.forEach((t, i) => {
    if (!index.has(t)) index.set(t, i);
  });
  return index;
}
