// Platform lists and supported-tag order against pypa/packaging (fixtures/vectors/tags/*.json,
// made by scripts/vectors/tags_filenames.py), plus fixed counts computed with pypa/packaging.
import { readdirSync, readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import {
  compatibleTags,
  cpythonTags,
  macosPlatforms,
  manylinuxPlatforms,
  musllinuxPlatforms,
  pypyTags,
  supportedTags,
  tagIndexOf,
} from "../../src/pypa/platform-tags.js";

interface TagVector {
  spec: string;
  platform: string;
  python: string;
  platforms: string[];
  tags: string[];
}

const dir = new URL("../../fixtures/vectors/tags/", import.meta.url);
const vectors: TagVector[] = readdirSync(dir)
  .filter((f) => f.endsWith(".json") && f !== "best-wheel.json")
  .map((f) => JSON.parse(readFileSync(new URL(f, dir), "utf8")) as TagVector);

function platformsOf(platform: string): string[] {
  const p = platform.split("_");
  const arch = p.slice(3).join("_");
  if (platform.startsWith("manylinux_")) return manylinuxPlatforms(arch, Number(p[1]), Number(p[2]));
  if (platform.startsWith("musllinux_")) return musllinuxPlatforms(arch, Number(p[1]), Number(p[2]));
  if (platform.startsWith("macosx_")) return macosPlatforms(arch, Number(p[1]), Number(p[2]));
  return [platform];
}

function interpreterOf(python: string) {
  if (python.startsWith("pp")) {
    const [major, minor] = python.slice(2).split(".").map(Number);
    return { implementation: "pypy" as const, pyMajor: major ?? 0, pyMinor: minor ?? 0 };
  }
  const [major, minor] = python.replace(/t$/, "").split(".").map(Number);
  return { implementation: "cpython" as const, pyMajor: major ?? 0, pyMinor: minor ?? 0, freeThreaded: python.endsWith("t") };
}

describe("agreement with packaging.tags", () => {
  it("has the vectors the issue asks for", () => {
    expect(vectors.length).toBeGreaterThanOrEqual(15);
    const specs = vectors.map((v) => v.spec);
    for (const s of ["manylinux_2_28_x86_64@3.12", "macosx_14_0_arm64@3.12", "win_amd64@3.11", "manylinux_2_28_x86_64@3.13t", "manylinux_2_17_x86_64@pp3.10", "musllinux_1_1_x86_64@3.9", "win32@3.10", "win_arm64@3.12"]) {
      expect(specs).toContain(s);
    }
  });

  for (const v of vectors) {
    it(`${v.spec}: same platforms and the same ${v.tags.length} tags in the same order`, () => {
      expect(platformsOf(v.platform)).toEqual(v.platforms);
      expect(supportedTags(interpreterOf(v.python), v.platforms)).toEqual(v.tags);
    });
  }
});

describe("CPython 3.12 on manylinux_2_28_x86_64: platform count, legacy-alias order and tag count as pypa/packaging computes them", () => {
  const plats = manylinuxPlatforms("x86_64", 2, 28);
  const tags = supportedTags({ implementation: "cpython", pyMajor: 3, pyMinor: 12 }, plats);

  it("CPython 3.12 on glibc 2.28 x86_64: 27 platforms, 744 tags", () => {
    expect(plats).toHaveLength(27);
    expect(plats.indexOf("manylinux2014_x86_64")).toBe(plats.indexOf("manylinux_2_17_x86_64") + 1);
    expect(plats.indexOf("manylinux2010_x86_64")).toBe(plats.indexOf("manylinux_2_12_x86_64") + 1);
    expect(plats.at(-1)).toBe("manylinux1_x86_64");
    expect(plats.at(-2)).toBe("manylinux_2_5_x86_64");
    expect(tags).toHaveLength(744);
    expect(tags[0]).toBe("cp312-cp312-manylinux_2_28_x86_64");
    expect(tags[27]).toBe("cp312-abi3-manylinux_2_28_x86_64");
    expect(tags.slice(-15)).toEqual(["cp312-none-any", "py312-none-any", "py3-none-any", ...Array.from({ length: 12 }, (_, i) => `py3${11 - i}-none-any`)]);
  });

  it("ABI is the outer loop: any cp312 ABI tag outranks every abi3 tag", () => {
    const idx = tagIndexOf(tags);
    expect(idx.get("cp312-cp312-manylinux1_x86_64")).toBeLessThan(idx.get("cp312-abi3-manylinux_2_28_x86_64") ?? -1);
    expect(idx.get("py3-none-manylinux1_x86_64")).toBeLessThan(idx.get("py311-none-manylinux_2_28_x86_64") ?? -1);
    expect(tags.some((t) => t.startsWith("cp3-"))).toBe(false);
    expect(tags.filter((t) => /^cp\d+-none-any$/.test(t))).toEqual(["cp312-none-any"]);
  });

  it("aarch64 stops at glibc 2.17 with no older legacy alias", () => {
    const p = manylinuxPlatforms("aarch64", 2, 28);
    expect(p).toHaveLength(13);
    expect(p.slice(-2)).toEqual(["manylinux_2_17_aarch64", "manylinux2014_aarch64"]);
  });

  it("musl counts down to minor 0; no manylinux", () => {
    expect(musllinuxPlatforms("x86_64", 1, 2)).toEqual(["musllinux_1_2_x86_64", "musllinux_1_1_x86_64", "musllinux_1_0_x86_64"]);
  });

  it("macOS: 14.0 arm64 has 21 platforms, 14.0 x86_64 has 102; 11 x86_64 prefers 10.10 intel over 10.9 x86_64", () => {
    const arm = macosPlatforms("arm64", 14, 0);
    expect(arm).toHaveLength(21);
    expect(arm.slice(0, 3)).toEqual(["macosx_14_0_arm64", "macosx_14_0_universal2", "macosx_13_0_arm64"]);
    expect(arm.filter((p) => p.startsWith("macosx_10_")).every((p) => p.endsWith("universal2"))).toBe(true);
    expect(macosPlatforms("x86_64", 14, 0)).toHaveLength(102);
    const x86 = macosPlatforms("x86_64", 11, 0);
    expect(x86.indexOf("macosx_10_10_intel")).toBeLessThan(x86.indexOf("macosx_10_9_x86_64"));
    expect(macosPlatforms("x86_64", 10, 9).at(-1)).toBe("macosx_10_4_universal");
  });

  it("free-threaded CPython uses cp313t and abi3t, never abi3", () => {
    const t = cpythonTags(3, 13, ["win_amd64"], { freeThreaded: true });
    expect(t.slice(0, 3)).toEqual(["cp313-cp313t-win_amd64", "cp313-abi3t-win_amd64", "cp313-none-win_amd64"]);
    expect(t.some((x) => x.includes("-abi3-"))).toBe(false);
    expect(t.at(-1)).toBe("cp32-abi3t-win_amd64");
  });

  it("PyPy: its own ABI then none, no abi3; compatible tags with pp3-none-any", () => {
    expect(pypyTags(3, 10, ["win_amd64"])).toEqual(["pp310-pypy310_pp73-win_amd64", "pp310-none-win_amd64"]);
    const c = compatibleTags(3, 10, ["win_amd64"], "pp3");
    expect(c.slice(0, 3)).toEqual(["py310-none-win_amd64", "py3-none-win_amd64", "py39-none-win_amd64"]);
    expect(c).toContain("pp3-none-any");
  });
});
