/**
 * The planner's pick for every (pinned project, target) of the multi-platform fixture index equals
 * what pypa/packaging's tag order gives (fixtures/vectors/selection.json, made by
 * scripts/vectors/selection.py), or fails with the code the rules give.
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { parseTarget } from "../../src/targets/parse-target.js";
import { selectFile } from "../../src/plan/select-file.js";
import type { CandidateFile, ProjectFiles } from "../../src/plan/types.js";
import { SafeUrl } from "../../src/text/safe-url.js";

interface Case {
  project: string;
  version: string;
  target: string;
  pick?: string;
  error?: string;
  yankedWarning?: boolean;
}
const data = JSON.parse(readFileSync(new URL("../../fixtures/vectors/selection.json", import.meta.url), "utf8")) as {
  projects: Record<string, { filename: string; requires_python?: string; yanked?: string }[]>;
  cases: Case[];
};

const source = { name: "fixture", url: SafeUrl.of("http://127.0.0.1/simple/"), kind: "index" as const };
function project(name: string): ProjectFiles {
  const files: CandidateFile[] = data.projects[name]!.map((f) => ({
    filename: f.filename,
    url: SafeUrl.of(`http://127.0.0.1/files/${encodeURIComponent(f.filename)}`),
    hashes: {},
    requiresPython: f.requires_python,
    yanked: f.yanked ?? false,
    coreMetadata: true,
    source,
  }));
  return { name, files, source };
}

describe("per-target file selection agrees with packaging's tag order", () => {
  it("has the fixture cases", () => {
    expect(data.cases.length).toBeGreaterThanOrEqual(140);
  });
  for (const c of data.cases) {
    it(`${c.project}==${c.version} on ${c.target} -> ${c.pick ?? c.error}`, () => {
      const r = selectFile(project(c.project), c.version, parseTarget(c.target), { hashes: [], what: `${c.project}==${c.version}`, chain: [`${c.project}==${c.version}`] });
      if (c.error) {
        expect("error" in r && r.error.code).toBe(c.error);
      } else {
        expect("file" in r && r.file.filename).toBe(c.pick);
        expect("file" in r && r.warnings.some((w) => w.includes("yanked"))).toBe(Boolean(c.yankedWarning));
      }
    });
  }
});

describe("selection error messages", () => {
  const t = parseTarget("win_arm64@3.11");
  it("E_NO_COMPATIBLE_WHEEL lists the files with their tags and the nearest target", () => {
    const r = selectFile(project("numpy-like"), "2.0.0", t, { hashes: [], what: "numpy-like==2.0.0 (r.txt:1)", chain: ["numpy-like==2.0.0 (r.txt:1)"] });
    if (!("error" in r)) throw new Error("expected an error");
    expect(r.error.code).toBe("E_NO_COMPATIBLE_WHEEL");
    expect(r.error.message).toContain("numpy-like 2.0.0 has no wheel for win_arm64@3.11; the files that exist:");
    expect(r.error.message).toContain("numpy_like-2.0.0-cp311-cp311-win_amd64.whl  [cp311-cp311-win_amd64]");
    expect(r.error.hints[0]).toBe("a target that would take one of them: win32@3.11, win_amd64@3.11, macosx_10_9_intel@3.11");
  });
  it("E_SDIST_ONLY says a bundle ships wheels", () => {
    const r = selectFile(project("sdist-only"), "0.1", t, { hashes: [], what: "sdist-only==0.1", chain: ["sdist-only==0.1"] });
    if (!("error" in r)) throw new Error("expected an error");
    expect(r.error.format()).toBe(
      "error[E_SDIST_ONLY]: sdist-only 0.1 has no wheel, only source distributions: sdist-only-0.1.tar.gz\n" +
        "hint: a bundle ships wheels; build one (pip wheel sdist-only==0.1) and add its directory with --find-links\n" +
        "hint: or pin a version of sdist-only that publishes wheels",
    );
  });
  it("E_REQUIRES_PYTHON names the target's Python", () => {
    const r = selectFile(project("gated"), "4.0", parseTarget("manylinux_2_28_x86_64@3.11"), { hashes: [], what: "gated==4.0", chain: ["gated==4.0"] });
    if (!("error" in r)) throw new Error("expected an error");
    expect(r.error.message).toBe("gated 4.0 requires Python >=3.12, but manylinux_2_28_x86_64@3.11 has Python 3.11.0");
  });
  it("E_NO_SUCH_PACKAGE for a version the index does not have lists what it has", () => {
    const r = selectFile(project("built"), "9.9", t, { hashes: [], what: "built==9.9 (r.txt:4)", chain: ["built==9.9 (r.txt:4)"] });
    if (!("error" in r)) throw new Error("expected an error");
    expect(r.error.format()).toBe("error[E_NO_SUCH_PACKAGE]: built 9.9 is not on http://127.0.0.1/simple/\nhint: check the pin built==9.9 (r.txt:4); the index lists 3.0");
  });
  it("a --hash that matches no listed file is E_INTEGRITY", () => {
    const p = project("built");
    for (const f of p.files) f.hashes = { sha256: "a".repeat(64) };
    const r = selectFile(p, "3.0", t, { hashes: ["sha256:" + "b".repeat(64)], what: "built==3.0", chain: ["built==3.0"] });
    expect("error" in r && r.error.code).toBe("E_INTEGRITY");
  });
});
