// Marker environment per target (PEP 508 marker variables).
import { describe, expect, it } from "vitest";
import { parseTarget } from "../../src/targets/parse-target.js";
import { platformMachine } from "../../src/targets/marker-env.js";

describe("marker environment", () => {
  it("a manylinux CPython target gets the posix/linux marker environment of its machine and Python", () => {
    expect(parseTarget("manylinux_2_28_aarch64@3.11").markerEnv).toEqual({
      os_name: "posix",
      sys_platform: "linux",
      platform_system: "Linux",
      platform_machine: "aarch64",
      platform_release: undefined,
      platform_version: undefined,
      python_version: "3.11",
      python_full_version: "3.11.0",
      implementation_name: "cpython",
      implementation_version: "3.11.0",
      platform_python_implementation: "CPython",
    });
  });

  it("a macOS arm64 target gives darwin/Darwin/arm64 markers and the full Python version as given", () => {
    expect(parseTarget("macosx_12_0_arm64@3.12.4").markerEnv).toMatchObject({
      os_name: "posix",
      sys_platform: "darwin",
      platform_system: "Darwin",
      platform_machine: "arm64",
      python_version: "3.12",
      python_full_version: "3.12.4",
      implementation_version: "3.12.4",
    });
    expect(parseTarget("macosx_10_13_x86_64@3.12").markerEnv["platform_machine"]).toBe("x86_64");
  });

  it.each([
    ["win_amd64", "AMD64"],
    ["win_arm64", "ARM64"],
    ["win32", "x86"],
  ])("Windows %s: platform_machine %s, sys_platform win32", (platform, machine) => {
    expect(parseTarget(`${platform}@3.12`).markerEnv).toMatchObject({ os_name: "nt", sys_platform: "win32", platform_system: "Windows", platform_machine: machine });
  });

  it("Linux machines are the uname arch", () => {
    for (const arch of ["x86_64", "i686", "armv7l", "ppc64le", "s390x"]) expect(parseTarget(`manylinux_2_17_${arch}@3.10`).markerEnv["platform_machine"]).toBe(arch);
    expect(parseTarget("musllinux_1_2_x86_64@3.12").markerEnv["sys_platform"]).toBe("linux");
    expect(platformMachine("linux", "aarch64")).toBe("aarch64");
  });

  it("PyPy: implementation pypy, implementation_version not fixed by the target", () => {
    const env = parseTarget("manylinux_2_17_x86_64@pp3.10").markerEnv;
    expect(env).toMatchObject({ implementation_name: "pypy", platform_python_implementation: "PyPy", python_version: "3.10", python_full_version: "3.10.0" });
    expect("implementation_version" in env).toBe(true);
    expect(env["implementation_version"]).toBeUndefined();
  });

  it("pre-release CPython: python_full_version as platform.python_version(), implementation_version as packaging formats it", () => {
    const env = parseTarget("win_amd64@3.14.0rc1").markerEnv;
    expect(env["python_full_version"]).toBe("3.14.0rc1");
    expect(env["implementation_version"]).toBe("3.14.0c1");
    expect(parseTarget("win_amd64@3.14.0b2").markerEnv["implementation_version"]).toBe("3.14.0b2");
  });

  it("free-threaded targets have the same markers as the default build", () => {
    expect(parseTarget("win_amd64@3.13t").markerEnv).toEqual(parseTarget("win_amd64@3.13").markerEnv);
  });
});

describe("with the marker evaluator", () => {
  it("evaluates real-world markers per target and reports what a target leaves open", async () => {
    const { evaluateMarker, parseMarker, UnknownMarkerValueError } = await import("../../src/pypa/markers.js");
    const ev = (marker: string, spec: string) => evaluateMarker(parseMarker(marker), { ...parseTarget(spec).markerEnv, extra: "" });
    expect(ev('sys_platform == "win32" and platform_machine == "AMD64"', "win_amd64@3.12")).toBe(true);
    expect(ev('sys_platform == "win32" and platform_machine == "AMD64"', "win_arm64@3.12")).toBe(false);
    expect(ev('platform_system == "Darwin" and platform_machine == "arm64"', "macos-arm64@3.11")).toBe(true);
    expect(ev('python_version >= "3.10" and implementation_name == "cpython"', "linux-x86_64@3.12")).toBe(true);
    expect(ev('python_full_version < "3.11.4"', "linux-x86_64@3.11")).toBe(true);
    expect(ev('platform_python_implementation == "PyPy"', "linux-x86_64@pp3.10")).toBe(true);
    expect(() => ev('platform_release >= "5.0"', "linux-x86_64@3.12")).toThrow(UnknownMarkerValueError);
  });
});
