import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { WbError } from "../../src/errors.js";
import { parseTarget } from "../../src/targets/parse-target.js";
import { TARGET_FILE_MAX_BYTES, parseProbe, parseTargetFile, splitTargetFileArg, targetFromProbe, type ProbedMachine } from "../../src/targets/target-file.js";

const FIXTURE = join(import.meta.dirname, "..", "..", "fixtures", "probe", "debian12-x86_64-pyenv.json");

/** A probed python whose tags are what packaging lists there: the model's plus the host-only linux_* ones. */
function python(version: string, over: Record<string, unknown> = {}, platform = "manylinux_2_36_x86_64"): Record<string, unknown> {
  const [maj, min] = version.split(".");
  // Python 3.6 is not a target: its entry gets the markers of another and no tags (only the version matters there)
  const targetable = Number(min) >= 8;
  const t = parseTarget(`${platform}@${targetable ? version : "3.8"}`);
  const arch = t.arch;
  const linuxTags = t.os === "linux" ? t.tags.flatMap((tag) => (tag.endsWith(`-${t.platforms.at(-1)}`) ? [tag, tag.replace(/-[^-]+$/, `-linux_${arch}`)] : [tag])) : t.tags;
  return {
    path: `/usr/bin/python${maj}.${min}`,
    executable: `/usr/bin/python${maj}.${min}`,
    version,
    implementation: "cpython",
    freeThreaded: false,
    bits: 64,
    markerEnvironment: {
      implementation_name: "cpython",
      implementation_version: version,
      os_name: t.markerEnv["os_name"],
      platform_machine: t.markerEnv["platform_machine"],
      platform_python_implementation: "CPython",
      platform_release: "6.1.0-18-amd64",
      platform_system: t.markerEnv["platform_system"],
      platform_version: "#1 SMP PREEMPT_DYNAMIC Debian 6.1.76-1 (2024-02-01)",
      python_full_version: version,
      python_version: `${maj}.${min}`,
      sys_platform: t.markerEnv["sys_platform"],
    },
    tags: targetable ? linuxTags : [],
    ...over,
  };
}

function machine(over: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    wheelbarrowProbe: 1,
    os: "Linux",
    release: "6.1.0-18-amd64",
    version: "#1 SMP PREEMPT_DYNAMIC Debian 6.1.76-1 (2024-02-01)",
    arch: "x86_64",
    libc: { family: "glibc", version: "2.36" },
    macos: null,
    pythons: [python("3.11.2")],
    skipped: [],
    ...over,
  };
}

function parse(doc: unknown, python?: string, embedPython = false) {
  return parseTargetFile(JSON.stringify(doc), { file: "target.json", input: python ? `target.json@${python}` : "target.json", python, embedPython });
}

function errorOf(f: () => unknown): WbError {
  try {
    f();
  } catch (e) {
    if (e instanceof WbError) return e;
    throw e;
  }
  throw new Error("expected a WbError");
}

describe("a real probe of this kind of machine (fixtures/probe)", () => {
  const text = readFileSync(FIXTURE, "utf8");

  it("passes over Python 2.7 and 3.6 (not targetable) and plans for the first python that is: CPython 3.11.7 on glibc 2.36", () => {
    const r = parseTargetFile(text, { file: "t.json", input: "t.json", embedPython: false });
    expect(r.target.spec).toBe("manylinux_2_36_x86_64@3.11.7");
    expect(r.target.pythonFullVersion).toBe("3.11.7");
    expect(r.python?.path).toMatch(/3\.11\.7\/bin\/python$/);
  });

  it("the tags each interpreter computed there are the target model's, once its linux_x86_64 tags are left out (no warning)", () => {
    for (const py of ["3.11", "3.13"]) {
      const r = parseTargetFile(text, { file: "t.json", input: `t.json@${py}`, python: py, embedPython: false });
      expect(r.warnings).toEqual([]);
      const probed = r.python!.tags!;
      expect(probed.filter((t) => !t.endsWith("-linux_x86_64"))).toEqual(r.target.tags);
      expect(probed.some((t) => t.endsWith("-linux_x86_64"))).toBe(true);
      expect(r.target.tags.some((t) => t.includes("linux_x86_64") && !t.includes("manylinux"))).toBe(false);
    }
  });

  it("markers are the probed interpreter's own: platform_release and platform_version are set", () => {
    const r = parseTargetFile(text, { file: "t.json", input: "t.json@3.13", python: "3.13", embedPython: false });
    const probe = parseProbe(text, "t.json");
    expect(r.target.markerEnv).toEqual(probe.pythons.find((p) => p.version === "3.13.0")!.markerEnv);
    expect(r.target.markerEnv["platform_release"]).toBe(probe.release);
    expect(r.target.markerEnv["platform_version"]).toBe(probe.version);
  });

  it("keeps the python 2.7 entry valid: its marker environment follows PEP 508 for Python 2 (empty implementation_name, version 0)", () => {
    const probe = parseProbe(text, "t.json");
    const py27 = probe.pythons.find((p) => p.version === "2.7.18")!;
    expect(py27.markerEnv.implementation_name).toBe("");
    expect(py27.markerEnv.implementation_version).toBe("0");
    expect(py27.tags?.[0]).toBe("cp27-cp27mu-manylinux_2_36_x86_64");
  });
});

describe("targetFromProbe: platform floor", () => {
  it("glibc X.Y gives manylinux_X_Y, with the probed interpreter's full version", () => {
    const r = parse(machine());
    expect(r.target.spec).toBe("manylinux_2_36_x86_64@3.11.2");
    expect(r.target.input).toBe("target.json");
    expect(r.target.libc).toEqual({ family: "glibc", major: 2, minor: 36 });
    expect(r.target.tags).toEqual(parseTarget("manylinux_2_36_x86_64@3.11.2").tags);
  });

  it("musl 1.2 gives musllinux_1_2", () => {
    const r = parse(machine({ arch: "aarch64", libc: { family: "musl", version: "1.2.4" }, pythons: [python("3.12.3", {}, "musllinux_1_2_aarch64")] }));
    expect(r.target.spec).toBe("musllinux_1_2_aarch64@3.12.3");
    expect(r.warnings).toEqual([]);
  });

  it("macOS 14.2 on arm64 gives macosx_14_2_arm64", () => {
    const py = python("3.12.1", { tags: parseTarget("macosx_14_2_arm64@3.12.1").tags }, "macosx_14_2_arm64");
    const r = parse(machine({ os: "Darwin", arch: "arm64", libc: null, macos: "14.2.1", pythons: [py] }));
    expect(r.target.spec).toBe("macosx_14_2_arm64@3.12.1");
    expect(r.warnings).toEqual([]);
  });

  it("Git Bash / MSYS on Windows (uname MINGW64_NT-…) gives win_amd64, AMD64 in the markers", () => {
    const py = python("3.12.4", { tags: parseTarget("win_amd64@3.12.4").tags }, "win_amd64");
    const r = parse(machine({ os: "MINGW64_NT-10.0-19045", arch: "x86_64", libc: null, pythons: [py] }));
    expect(r.target.spec).toBe("win_amd64@3.12.4");
    expect(r.target.markerEnv["platform_machine"]).toBe("AMD64");
  });

  it("a 32-bit python on an x86_64 kernel plans for i686, which is what it can load", () => {
    const r = parse(machine({ pythons: [python("3.11.2", { bits: 32, tags: null })] }));
    expect(r.target.platform).toBe("manylinux_2_36_i686");
  });

  it("Linux with no libc found, or no libc version, is E_USAGE naming the file and what to do instead", () => {
    const none = errorOf(() => parse(machine({ libc: null })));
    expect(none.code).toBe("E_USAGE");
    expect(none.message).toMatch(/^target\.json: the probe found neither glibc nor musl/);
    expect(none.hints.join("\n")).toContain("--target manylinux_2_<glibc minor>_<arch>@PYTHON");
    const noVersion = errorOf(() => parse(machine({ libc: { family: "musl", version: null } })));
    expect(noVersion.message).toMatch(/found musl on that machine but not its version/);
  });

  it("an OS wheelbarrow does not target is E_USAGE", () => {
    const e = errorOf(() => parse(machine({ os: "FreeBSD" })));
    expect([e.code, e.message]).toEqual(["E_USAGE", "target.json: the machine runs 'FreeBSD'; wheelbarrow targets Linux, macOS and Windows"]);
  });
});

describe("targetFromProbe: which Python", () => {
  const rhel8 = () => machine({ libc: { family: "glibc", version: "2.28" }, pythons: [python("3.6.8", { path: "/usr/bin/python3" }, "manylinux_2_28_x86_64"), python("3.11.5", {}, "manylinux_2_28_x86_64"), python("3.12.1", {}, "manylinux_2_28_x86_64")] });

  it("@PYTHON picks the probed interpreter of that version", () => {
    expect(parse(rhel8(), "3.12").target.spec).toBe("manylinux_2_28_x86_64@3.12.1");
    expect(parse(rhel8(), "3.11.5").target.spec).toBe("manylinux_2_28_x86_64@3.11.5");
    expect(parse(rhel8(), "3.12").target.input).toBe("target.json@3.12");
  });

  it("without @PYTHON: the first one listed that wheelbarrow can target (3.6 is passed over)", () => {
    expect(parse(rhel8()).target.spec).toBe("manylinux_2_28_x86_64@3.11.5");
  });

  it("@PYTHON that the machine does not have is E_TARGET_MISMATCH naming what it has and --embed-python", () => {
    const e = errorOf(() => parse(rhel8(), "3.13"));
    expect(e.code).toBe("E_TARGET_MISMATCH");
    expect(e.message).toBe("target.json: that machine has no Python 3.13 (found: /usr/bin/python3 (3.6.8), /usr/bin/python3.11 (3.11.5), /usr/bin/python3.12 (3.12.1)); a bundle made with --embed-python carries its own");
    expect(e.hints).toEqual(["carry one in the bundle: wheelbarrow bundle --embed-python --target-file target.json@3.13 ...", "or plan for one it has: --target-file target.json@3.11"]);
  });

  it("a machine with only Python 3.6, or none at all, is E_TARGET_MISMATCH naming --embed-python", () => {
    const old = errorOf(() => parse(machine({ pythons: [python("3.6.8", { path: "/usr/bin/python3" }, "manylinux_2_28_x86_64")] })));
    expect(old.code).toBe("E_TARGET_MISMATCH");
    expect(old.message).toMatch(/^target\.json: that machine has no Python wheelbarrow can target \(CPython 3\.8-3\.15, PyPy 3\.8-3\.11\); found: \/usr\/bin\/python3 \(3\.6\.8\); a bundle made with --embed-python carries its own$/);
    const none = errorOf(() => parse(machine({ pythons: [] })));
    expect([none.code, none.message]).toEqual(["E_TARGET_MISMATCH", "target.json: that machine has no Python; a bundle made with --embed-python carries its own"]);
    expect(none.hints[0]).toContain("--embed-python --target-file target.json@3.12");
  });

  it("with --embed-python, @PYTHON is the version carried: the machine needs no Python; markers are the model's plus the machine's kernel", () => {
    const r = parse(machine({ pythons: [] }), "3.12", true);
    expect(r.target.spec).toBe("manylinux_2_36_x86_64@3.12");
    expect(r.python).toBeUndefined();
    const model = parseTarget("manylinux_2_36_x86_64@3.12").markerEnv;
    expect(r.target.markerEnv).toEqual({ ...model, platform_release: "6.1.0-18-amd64", platform_version: "#1 SMP PREEMPT_DYNAMIC Debian 6.1.76-1 (2024-02-01)" });
  });

  it("with --embed-python and no @PYTHON, the minor of the machine's python is carried; with none there, E_USAGE asks for @PYTHON", () => {
    expect(parse(machine(), undefined, true).target.spec).toBe("manylinux_2_36_x86_64@3.11");
    const e = errorOf(() => parse(machine({ pythons: [] }), undefined, true));
    expect(e.code).toBe("E_USAGE");
    expect(e.message).toMatch(/^target\.json: name the Python to carry: --target-file target\.json@3\.12/);
  });

  it("a malformed @PYTHON is E_USAGE", () => {
    expect(errorOf(() => parse(machine(), "3.99")).code).toBe("E_USAGE");
  });
});

describe("targetFromProbe: cross-check with the probed tags", () => {
  it("tags the python supports beyond the model, and model tags it lacks, are each a warning", () => {
    const py = python("3.11.2");
    const tags = (py["tags"] as string[]).filter((t) => !t.startsWith("cp311-abi3-"));
    tags.unshift("cp311-cp311-manylinux_2_99_x86_64");
    const r = parse(machine({ pythons: [{ ...py, tags }] }));
    expect(r.warnings).toHaveLength(2);
    expect(r.warnings[0]).toBe("target.json: /usr/bin/python3.11 (3.11.2) supports 1 wheel tag(s) that manylinux_2_36_x86_64@3.11.2 does not (cp311-cp311-manylinux_2_99_x86_64); wheels with only those tags are not chosen");
    expect(r.warnings[1]).toMatch(/^target\.json: manylinux_2_36_x86_64@3\.11\.2 takes 35 wheel tag\(s\) that \/usr\/bin\/python3\.11 \(3\.11\.2\) does not support \(cp311-abi3-manylinux_2_36_x86_64, cp311-abi3-manylinux_2_35_x86_64, cp311-abi3-manylinux_2_34_x86_64, …\)/);
    // the tag list stays the model's
    expect(r.target.tags).toEqual(parseTarget("manylinux_2_36_x86_64@3.11.2").tags);
  });

  it("the same tags in another order are a warning naming the first difference", () => {
    const py = python("3.11.2");
    const tags = [...(py["tags"] as string[])];
    [tags[0], tags[1]] = [tags[1]!, tags[0]!];
    const r = parse(machine({ pythons: [{ ...py, tags }] }));
    expect(r.warnings).toEqual(["target.json: /usr/bin/python3.11 (3.11.2) ranks its wheel tags in another order than manylinux_2_36_x86_64@3.11.2 (first at #1: cp311-cp311-manylinux_2_35_x86_64 there, cp311-cp311-manylinux_2_36_x86_64 here)"]);
  });

  it("a python that could not list its tags is a warning, and markers that disagree with the model are named", () => {
    const py = python("3.11.2", { tags: null, error: "computing tags: OSError: boom" });
    (py["markerEnvironment"] as Record<string, string>)["sys_platform"] = "cygwin";
    const r = parse(machine({ pythons: [py] }));
    expect(r.warnings).toEqual([
      "target.json: /usr/bin/python3.11 (3.11.2) reports sys_platform=cygwin where the target model has sys_platform=linux; markers are evaluated with that python's values",
      "target.json: /usr/bin/python3.11 (3.11.2) could not list its wheel tags (computing tags: OSError: boom); the tags of manylinux_2_36_x86_64@3.11.2 are not cross-checked",
    ]);
    expect(r.target.markerEnv["sys_platform"]).toBe("cygwin");
  });
});

describe("parseProbe: the file is checked before use", () => {
  const code = (text: string) => errorOf(() => parseProbe(text, "target.json"));

  it("not JSON, not an object, another probe format: E_USAGE naming the file, with how to make one", () => {
    const e = code("pythons: []");
    expect(e.code).toBe("E_USAGE");
    expect(e.message).toMatch(/^target\.json is not a target description from probe\.sh: it is not JSON/);
    expect(e.hints[0]).toContain("sh probe.sh > target.json");
    expect(code("[]").message).toMatch(/it is not a JSON object$/);
    expect(code(JSON.stringify(machine({ wheelbarrowProbe: 2 }))).message).toMatch(/it is probe format 2; this wheelbarrow reads format 1$/);
    expect(code(JSON.stringify({ os: "Linux" })).message).toMatch(/it has no "wheelbarrowProbe": 1$/);
  });

  it("each field is validated, and the message names it", () => {
    const bad = (over: Record<string, unknown>) => code(JSON.stringify(machine(over))).message.replace(/^.*from probe\.sh: /, "");
    expect(bad({ libc: { family: "bionic", version: "1" } })).toBe("libc.family must be glibc or musl, got 'bionic'");
    expect(bad({ arch: "x86 64" })).toBe("arch 'x86 64' is malformed");
    expect(bad({ macos: 14 })).toBe("macos must be a string or null");
    expect(bad({ pythons: {} })).toBe("pythons must be a list");
    expect(bad({ pythons: [python("3.11.2", { tags: ["cp311 cp311 any"] })] })).toBe("pythons[0].tags[0] is not a wheel tag");
    expect(bad({ pythons: [python("3.11.2", { version: "three" })] })).toBe("pythons[0].version 'three' is malformed");
    expect(bad({ pythons: [python("3.11.2", { freeThreaded: "no" })] })).toBe("pythons[0].freeThreaded must be true or false");
    const noMarker = python("3.11.2");
    delete (noMarker["markerEnvironment"] as Record<string, unknown>)["platform_release"];
    expect(bad({ pythons: [noMarker] })).toBe("pythons[0].markerEnvironment.platform_release must be a string");
    expect(bad({ pythons: Array.from({ length: 65 }, () => python("3.11.2")) })).toBe("pythons has more than 64 entries");
  });

  it("a text larger than the bound is refused before it is parsed", () => {
    expect(code(" ".repeat(TARGET_FILE_MAX_BYTES + 1)).message).toMatch(/it is larger than \d+ bytes$/);
  });

  it("a byte-order mark is accepted", () => {
    const m: ProbedMachine = parseProbe("\uFEFF" + JSON.stringify(machine()), "target.json");
    expect(targetFromProbe(m, { file: "target.json", input: "target.json", embedPython: false }).target.spec).toBe("manylinux_2_36_x86_64@3.11.2");
  });
});

describe("splitTargetFileArg", () => {
  it("splits FILE@PYTHON at an @ followed by a Python spelling, and leaves any other @ in the file name", () => {
    expect(splitTargetFileArg("target.json@3.11")).toEqual({ file: "target.json", python: "3.11" });
    expect(splitTargetFileArg("probes/web@1.json@pp3.10")).toEqual({ file: "probes/web@1.json", python: "pp3.10" });
    expect(splitTargetFileArg("probes/web@1.json")).toEqual({ file: "probes/web@1.json" });
    expect(splitTargetFileArg("target.json@3.13t")).toEqual({ file: "target.json", python: "3.13t" });
    expect(splitTargetFileArg("target.json@3.14.0rc1")).toEqual({ file: "target.json", python: "3.14.0rc1" });
    expect(splitTargetFileArg("target.json@cp312")).toEqual({ file: "target.json", python: "cp312" });
    expect(splitTargetFileArg("hosts/db@3rd-floor.json")).toEqual({ file: "hosts/db@3rd-floor.json" });
  });
});
