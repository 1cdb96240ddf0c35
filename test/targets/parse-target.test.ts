// --target PLATFORM@PYTHON: forms, canonical specs, aliases, tag lists (against packaging's
// vectors) and pinned error messages.
import { readdirSync, readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { WbError } from "../../src/errors.js";
import { TARGET_FORM_HINTS, hostTarget, parseTarget, parseTargets } from "../../src/targets/parse-target.js";
import { describeTarget } from "../../src/targets/target.js";

const dir = new URL("../../fixtures/vectors/tags/", import.meta.url);
const vectors = readdirSync(dir)
  .filter((f) => f.endsWith(".json") && f !== "best-wheel.json")
  .map((f) => JSON.parse(readFileSync(new URL(f, dir), "utf8")) as { spec: string; platforms: string[]; tags: string[] });

function usageError(input: string): WbError {
  try {
    parseTarget(input);
  } catch (e) {
    if (e instanceof WbError) return e;
    throw e;
  }
  throw new Error(`expected '${input}' to be rejected`);
}

describe("targets reproduce packaging's tag lists", () => {
  for (const v of vectors) {
    it(v.spec, () => {
      const t = parseTarget(v.spec);
      expect(t.spec).toBe(v.spec);
      expect(t.platforms).toEqual(v.platforms);
      expect(t.tags).toEqual(v.tags);
      expect(t.tagIndex.get(v.tags[0] ?? "")).toBe(0);
      expect(t.tagIndex.size).toBe(v.tags.length);
    });
  }
  it("the three done-when targets", () => {
    expect(parseTarget("manylinux_2_28_x86_64@3.12").tags).toHaveLength(744);
    expect(parseTarget("macosx_14_0_arm64@3.12").platforms).toHaveLength(21);
    expect(parseTarget("win_amd64@3.11").platforms).toEqual(["win_amd64"]);
  });
});

describe("PYTHON forms", () => {
  it.each([
    ["3.11", "@3.11", "3.11", "3.11.0", "cp311", "cpython", false],
    ["3.11.4", "@3.11.4", "3.11.4", "3.11.4", "cp311", "cpython", false],
    ["cp311", "@3.11", "3.11", "3.11.0", "cp311", "cpython", false],
    ["3.13t", "@3.13t", "3.13", "3.13.0", "cp313t", "cpython", true],
    ["3.13.2t", "@3.13.2t", "3.13.2", "3.13.2", "cp313t", "cpython", true],
    ["cp313t", "@3.13t", "3.13", "3.13.0", "cp313t", "cpython", true],
    ["3.14.0rc1", "@3.14.0rc1", "3.14.0rc1", "3.14.0rc1", "cp314", "cpython", false],
    ["pp3.10", "@pp3.10", "3.10", "3.10.0", "pp310", "pypy", false],
    ["pp310", "@pp3.10", "3.10", "3.10.0", "pp310", "pypy", false],
    ["pypy3.10", "@pp3.10", "3.10", "3.10.0", "pp310", "pypy", false],
    ["PP3.9.18", "@pp3.9.18", "3.9.18", "3.9.18", "pp39", "pypy", false],
  ])("%s", (python, specSuffix, version, full, tag, impl, ft) => {
    const t = parseTarget(`win_amd64@${python}`);
    expect(t.spec).toBe(`win_amd64${specSuffix}`);
    expect(t.pythonVersion).toBe(version);
    expect(t.pythonFullVersion).toBe(full);
    expect(t.pythonTag).toBe(tag);
    expect(t.implementation).toBe(impl);
    expect(t.freeThreaded).toBe(ft);
  });
  it("PyPy targets use the pypy3X_pp73 ABI", () => {
    expect(parseTarget("manylinux_2_17_x86_64@pp3.10").tags[0]).toBe("pp310-pypy310_pp73-manylinux_2_17_x86_64");
  });
});

describe("PLATFORM forms", () => {
  it("reads platform tags, case-insensitively, with packaging's normalisation", () => {
    const t = parseTarget("MANYLINUX_2_28_X86_64@3.11");
    expect(t).toMatchObject({ platform: "manylinux_2_28_x86_64", os: "linux", arch: "x86_64", libc: { family: "glibc", major: 2, minor: 28 } });
    expect(t.input).toBe("MANYLINUX_2_28_X86_64@3.11");
    expect(parseTarget("macosx-14.0-arm64@3.12")).toMatchObject({ platform: "macosx_14_0_arm64", os: "macos", arch: "arm64", macos: { major: 14, minor: 0 } });
    expect(parseTarget("musllinux_1_2_aarch64@3.12")).toMatchObject({ libc: { family: "musl", major: 1, minor: 2 }, arch: "aarch64" });
    expect(parseTarget("win32@3.12")).toMatchObject({ os: "windows", arch: "x86" });
    expect(parseTarget("win_arm64@3.12")).toMatchObject({ os: "windows", arch: "arm64" });
    expect(parseTarget("win_amd64@3.12")).toMatchObject({ os: "windows", arch: "x86_64" });
    expect(parseTarget("win_amd64@3.12").libc).toBeUndefined();
  });
  it("rewrites legacy manylinux names to PEP 600", () => {
    expect(parseTarget("manylinux2014_aarch64@3.11").spec).toBe("manylinux_2_17_aarch64@3.11");
    expect(parseTarget("manylinux2010_x86_64@3.8").spec).toBe("manylinux_2_12_x86_64@3.8");
    expect(parseTarget("manylinux1_i686@3.8").spec).toBe("manylinux_2_5_i686@3.8");
  });
  it("keeps a macOS minor but ranks like packaging (11+ minors count as .0)", () => {
    const t = parseTarget("macosx_14_2_arm64@3.12");
    expect(t.platform).toBe("macosx_14_2_arm64");
    expect(t.platforms).toEqual(parseTarget("macosx_14_0_arm64@3.12").platforms);
  });
  it.each([
    ["linux-x86_64", "manylinux_2_17_x86_64"],
    ["linux-aarch64", "manylinux_2_17_aarch64"],
    ["linux-musl-x86_64", "musllinux_1_2_x86_64"],
    ["macos-arm64", "macosx_11_0_arm64"],
    ["macos-x86_64", "macosx_10_13_x86_64"],
    ["windows-amd64", "win_amd64"],
    ["windows-x86", "win32"],
    ["x86_64-manylinux_2_28", "manylinux_2_28_x86_64"],
    ["x86_64-unknown-linux-gnu", "manylinux_2_28_x86_64"],
    ["aarch64-unknown-linux-musl", "musllinux_1_2_aarch64"],
    ["aarch64-apple-darwin", "macosx_13_0_arm64"],
    ["x86_64-pc-windows-msvc", "win_amd64"],
    ["Linux-X86_64", "manylinux_2_17_x86_64"],
  ])("alias %s = %s", (alias, platform) => {
    const t = parseTarget(`${alias}@3.12`);
    expect(t.platform).toBe(platform);
    expect(t.spec).toBe(`${platform}@3.12`);
    expect(t.input).toBe(`${alias}@3.12`);
    expect(t.tags).toEqual(parseTarget(`${platform}@3.12`).tags);
  });
});

describe("errors (E_USAGE, pinned)", () => {
  it.each([
    ["manylinux_2_28_x86_64", "invalid target 'manylinux_2_28_x86_64': expected PLATFORM@PYTHON", "did you mean manylinux_2_28_x86_64@3.12?"],
    ["@3.12", "invalid target '@3.12': the PLATFORM part before '@' is empty", undefined],
    ["win_amd64@", "invalid target 'win_amd64@': the PYTHON part after '@' is empty", undefined],
    ["foo@3.11", "invalid target 'foo@3.11': unknown platform 'foo'", undefined],
    ["linux-x86_46@3.11", "invalid target 'linux-x86_46@3.11': unknown platform 'linux-x86_46'", "did you mean linux-x86_64@3.11?"],
    ["linux_x86_64@3.11", "invalid target 'linux_x86_64@3.11': 'linux_x86_64' only describes the machine a wheel was built on; name the oldest glibc (manylinux_2_<minor>_x86_64) or musl (musllinux_1_<minor>_x86_64) the bundle must run on", "did you mean manylinux_2_17_x86_64@3.11?"],
    ["3.11", "invalid target '3.11': expected PLATFORM@PYTHON", "did you mean linux-x86_64@3.11?"],
    ["macos-arm64", "invalid target 'macos-arm64': expected PLATFORM@PYTHON", "did you mean macos-arm64@3.12?"],
    ["nonsense", "invalid target 'nonsense': expected PLATFORM@PYTHON", undefined],
    ["manylinux_2_16_aarch64@3.12", "invalid target 'manylinux_2_16_aarch64@3.12': 'manylinux_2_16_aarch64' names glibc 2.16; manylinux for aarch64 covers glibc 2.17 to 2.50", undefined],
    ["manylinux_2_28_sparc@3.12", "invalid target 'manylinux_2_28_sparc@3.12': unknown manylinux architecture 'sparc' in 'manylinux_2_28_sparc' (known: x86_64, i686, aarch64, armv7l, ppc64le, ppc64, s390x, riscv64, loongarch64)", undefined],
    ["manylinux2010_aarch64@3.12", "invalid target 'manylinux2010_aarch64@3.12': manylinux2010 has no 'aarch64' platform (it covers x86_64, i686)", undefined],
    ["musllinux_2_1_x86_64@3.12", "invalid target 'musllinux_2_1_x86_64@3.12': 'musllinux_2_1_x86_64' names musl 2.1; musllinux covers musl 1.0 to 1.9", undefined],
    ["macosx_10_15_arm64@3.12", "invalid target 'macosx_10_15_arm64@3.12': 'macosx_10_15_arm64' names macOS 10.15; a macOS arm64 target needs 11.0 or newer", undefined],
    ["macosx_11_0_universal2@3.12", "invalid target 'macosx_11_0_universal2@3.12': 'macosx_11_0_universal2' is not a machine: a macOS target's architecture is arm64 or x86_64 (universal2, intel and fat wheels are matched automatically)", undefined],
    ["win_amd64@3.7", "invalid target 'win_amd64@3.7': CPython 3.7 is not supported (wheelbarrow knows CPython 3.8 to 3.15) in '3.7'", undefined],
    ["win_amd64@3.12t", "invalid target 'win_amd64@3.12t': free-threaded CPython starts at 3.13; '3.12t' asks for 3.12t", undefined],
    ["win_amd64@pp3.7", "invalid target 'win_amd64@pp3.7': PyPy 3.7 is not supported (wheelbarrow knows PyPy 3.8 to 3.11) in 'pp3.7'", undefined],
    ["win_amd64@python3", "invalid target 'win_amd64@python3': unknown Python version 'python3'", undefined],
    ["win_amd64@3", "invalid target 'win_amd64@3': unknown Python version '3'", undefined],
  ])("%s", (input, message, suggestion) => {
    const e = usageError(input);
    expect(e.code).toBe("E_USAGE");
    expect(e.message).toBe(message);
    expect(e.hints).toEqual(suggestion ? [suggestion, ...TARGET_FORM_HINTS] : [...TARGET_FORM_HINTS]);
    expect(e.details).toEqual({ target: input });
  });
  it("names every valid form in its hints", () => {
    expect(TARGET_FORM_HINTS).toEqual([
      "a target is PLATFORM@PYTHON, for example manylinux_2_28_x86_64@3.11, macosx_12_0_arm64@3.12, win_amd64@3.13t, linux-x86_64@pp3.10",
      "PLATFORM: manylinux_2_<glibc minor>_<arch>, musllinux_1_<musl minor>_<arch>, macosx_<major>_<minor>_<arm64|x86_64>, win32, win_amd64, win_arm64, or an alias (`wheelbarrow targets` lists them)",
      "PYTHON: 3.X or 3.X.Y (CPython 3.8-3.15), 3.Xt (free-threaded, 3.13+), pp3.X (PyPy 3.8-3.11)",
    ]);
  });
});

describe("parseTargets", () => {
  it("dedupes by canonical spec, keeps order, splits commas", () => {
    const ts = parseTargets(["linux-x86_64@3.12", "manylinux_2_17_x86_64@3.12", "win_amd64@3.12, macos-arm64@3.12", "win_amd64@3.12"]);
    expect(ts.map((t) => t.spec)).toEqual(["manylinux_2_17_x86_64@3.12", "win_amd64@3.12", "macosx_11_0_arm64@3.12"]);
    expect(ts[0]?.input).toBe("linux-x86_64@3.12");
    expect(parseTargets([])).toEqual([]);
  });
  it("fails on the first bad one", () => {
    expect(() => parseTargets(["win_amd64@3.12", "nope@3.12"])).toThrow("invalid target 'nope@3.12': unknown platform 'nope'");
  });
});

describe("describeTarget", () => {
  it.each([
    ["manylinux_2_28_x86_64@3.12", "CPython 3.12 on Linux x86_64 (glibc 2.28 or newer)"],
    ["musllinux_1_2_aarch64@3.11.4", "CPython 3.11.4 on Linux aarch64 (musl 1.2 or newer)"],
    ["macosx_11_0_arm64@pp3.10", "PyPy 3.10 on macOS arm64 (11.0 or newer)"],
    ["win_amd64@3.13t", "CPython 3.13 free-threaded on Windows x86_64"],
  ])("%s", (spec, text) => {
    expect(describeTarget(parseTarget(spec))).toBe(text);
  });
});

describe("hostTarget", () => {
  it("describes a machine the way Python reports it", () => {
    expect(hostTarget({ system: "Linux", machine: "x86_64", implementation: "cpython", pythonVersion: "3.10.12", glibc: { major: 2, minor: 35 } }).spec).toBe("manylinux_2_35_x86_64@3.10.12");
    expect(hostTarget({ system: "Linux", machine: "aarch64", implementation: "cpython", pythonVersion: "3.12.3", musl: { major: 1, minor: 2 } }).spec).toBe("musllinux_1_2_aarch64@3.12.3");
    expect(hostTarget({ system: "Windows", machine: "AMD64", implementation: "cpython", pythonVersion: "3.13.1", freeThreaded: true }).spec).toBe("win_amd64@3.13.1t");
    expect(hostTarget({ system: "Darwin", machine: "arm64", implementation: "pypy", pythonVersion: "3.10.14", macos: { major: 14, minor: 4 } }).spec).toBe("macosx_14_4_arm64@pp3.10.14");
  });
  it("refuses what it cannot describe", () => {
    expect(() => hostTarget({ system: "FreeBSD", machine: "amd64", implementation: "cpython", pythonVersion: "3.11.0" })).toThrow(
      "unsupported operating system 'FreeBSD' (wheelbarrow targets Linux, macOS and Windows)",
    );
    expect(() => hostTarget({ system: "Linux", machine: "x86_64", implementation: "cpython", pythonVersion: "3.11.0" })).toThrow(
      "cannot describe this linux machine as a target (machine 'x86_64', no glibc or musl version)",
    );
  });
});
