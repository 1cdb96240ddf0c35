// Best-wheel choice: tag rank, then build tag. Cases computed with packaging's tag lists and
// parse_wheel_filename build tags (fixtures/vectors/tags/best-wheel.json).
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { pickBestWheel, rankWheels, tagRank } from "../../src/pypa/best-wheel.js";
import { manylinuxPlatforms, supportedTags, tagIndexOf } from "../../src/pypa/platform-tags.js";
import { parseTarget } from "../../src/targets/parse-target.js";

const { cases } = JSON.parse(readFileSync(new URL("../../fixtures/vectors/tags/best-wheel.json", import.meta.url), "utf8")) as {
  cases: { target: string; files: string[]; best: string | null }[];
};

describe("pickBestWheel against the reference", () => {
  for (const c of cases) {
    it(`${c.target}: ${c.best ?? "nothing fits"}`, () => {
      const target = parseTarget(c.target);
      const files = c.files.map((filename) => ({ filename }));
      expect(pickBestWheel(files, target)?.filename ?? null).toBe(c.best);
      // The order of the listing does not matter.
      expect(pickBestWheel([...files].reverse(), target)?.filename ?? null).toBe(c.best);
    });
  }
});

describe("tagRank", () => {
  const tags = supportedTags({ implementation: "cpython", pyMajor: 3, pyMinor: 12 }, manylinuxPlatforms("x86_64", 2, 28));
  it("is the lowest index of any supported tag, from a list or an index", () => {
    const wheelTags = ["py3-none-any", "cp312-abi3-manylinux_2_17_x86_64", "cp312-cp312-win_amd64"];
    const expected = tags.indexOf("cp312-abi3-manylinux_2_17_x86_64");
    expect(expected).toBeGreaterThan(0);
    expect(tagRank(wheelTags, tags)).toBe(expected);
    expect(tagRank(wheelTags, tagIndexOf(tags))).toBe(expected);
    expect(tagRank(["cp312-cp312-manylinux_2_28_x86_64"], tags)).toBe(0);
  });
  it("is null when no tag is supported", () => {
    expect(tagRank(["cp312-cp312-win_amd64", "cp312-cp312-linux_x86_64"], tags)).toBeNull();
    expect(tagRank([], tags)).toBeNull();
  });
});

describe("rankWheels", () => {
  const target = parseTarget("manylinux_2_28_x86_64@3.12");
  it("orders by rank, then the higher build tag, then input order; drops what does not fit", () => {
    const files = [
      "pkg-1.0-py3-none-any.whl",
      "pkg-1.0-3-py3-none-any.whl",
      "pkg-1.0-cp312-cp312-win_amd64.whl",
      "not-a-wheel.tar.gz",
      "pkg-1.0-1-cp312-cp312-manylinux_2_17_x86_64.whl",
      "pkg-1.0-20-py3-none-any.whl",
      "Pkg-1.0-py3-none-any.whl",
    ].map((filename, i) => ({ filename, i }));
    const ranked = rankWheels(files, target);
    expect(ranked.map((r) => r.file.filename)).toEqual([
      "pkg-1.0-1-cp312-cp312-manylinux_2_17_x86_64.whl",
      "pkg-1.0-20-py3-none-any.whl",
      "pkg-1.0-3-py3-none-any.whl",
      "pkg-1.0-py3-none-any.whl",
      "Pkg-1.0-py3-none-any.whl",
    ]);
    expect(ranked[0]?.rank).toBe(target.tagIndex.get("cp312-cp312-manylinux_2_17_x86_64"));
    expect(ranked[1]?.wheel.build?.raw).toBe("20");
  });
  it("returns null when nothing fits", () => {
    expect(pickBestWheel([{ filename: "pkg-1.0-cp311-cp311-manylinux_2_28_x86_64.whl" }, { filename: "pkg-1.0.tar.gz" }], target)).toBeNull();
    expect(pickBestWheel([], target)).toBeNull();
  });
});
