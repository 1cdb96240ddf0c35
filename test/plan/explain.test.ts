/**
 * Resolution failures name the chain from a top-level requirement, the real cause's code, the
 * versions considered and why each was rejected, and the index that was asked.
 */
import { describe, expect, it } from "vitest";
import { planTargets } from "../../src/plan/plan-targets.js";
import { nearestTargets } from "../../src/plan/select-file.js";
import { parseWheelFilename } from "../../src/pypa/dist-filename.js";
import { parseTarget } from "../../src/targets/parse-target.js";
import type { CandidateFile, PlanSource } from "../../src/plan/types.js";
import { inputs, memorySource, type Dist } from "../helpers/memory-source.js";
import { SafeUrl } from "../../src/text/safe-url.js";

const opts = { pre: false, resolve: true, maxSteps: 10_000 };
const linux39 = parseTarget("manylinux_2_31_x86_64@3.9");
const linux = parseTarget("manylinux_2_28_x86_64@3.11");

async function failure(world: Dist[], reqs: string[], target = linux) {
  const { errors } = await planTargets(inputs(...reqs), [target], memorySource(world), opts);
  expect(errors).toHaveLength(1);
  return errors[0]!;
}

describe("resolution failures", () => {
  it("a dependency with wheels only for another Python: E_NO_COMPATIBLE_WHEEL with the chain, the files and their tags", async () => {
    const e = await failure(
      [
        { name: "requests", version: "2.34.2", requires: ["charset_normalizer<4,>=2", "idna>=2"] },
        { name: "idna", version: "3.10" },
        { name: "charset-normalizer", version: "3.4.4", tag: "cp311-cp311-manylinux_2_17_x86_64" },
        { name: "charset-normalizer", version: "3.4.3", tag: "cp311-cp311-manylinux_2_17_x86_64" },
      ],
      ["requests"],
      linux39,
    );
    expect(e.code).toBe("E_NO_COMPATIBLE_WHEEL");
    expect(e.message).toContain("chain: requests (requirements.txt:1) -> requests 2.34.2 requires charset_normalizer<4,>=2");
    expect(e.message).toContain("3.4.4: no wheel for manylinux_2_31_x86_64@3.9's tags");
    expect(e.message).toContain("charset_normalizer-3.4.4-cp311-cp311-manylinux_2_17_x86_64.whl  [cp311-cp311-manylinux_2_17_x86_64]");
    expect(e.message).toContain("index http://127.0.0.1/simple/");
    expect(e.hints.join("\n")).toContain("manylinux_2_17_x86_64@3.11");
  });

  it("a requirement no version on the index matches: E_NO_SUCH_PACKAGE naming the index and what it has", async () => {
    const e = await failure([{ name: "django", version: "5.2.17" }, { name: "django", version: "5.1.4" }], ["django>=6.0"]);
    expect(e.code).toBe("E_NO_SUCH_PACKAGE");
    expect(e.message).toContain("no version of django on http://127.0.0.1/simple/ matches django>=6.0 (asked by requirements.txt:1); the index has 5.2.17, 5.1.4");
  });

  it("every version excluded by Requires-Python: E_REQUIRES_PYTHON with the range", async () => {
    const e = await failure(
      [
        { name: "lib", version: "2.1", requiresPython: ">=3.12" },
        { name: "lib", version: "2.0", requiresPython: ">=3.12" },
        { name: "lib", version: "1.0" },
      ],
      ["lib>=2"],
    );
    expect(e.code).toBe("E_REQUIRES_PYTHON");
    expect(e.message).toContain("2.1: Requires-Python >=3.12 (in its METADATA) excludes Python 3.11");
    expect(e.message).toContain("2.0: Requires-Python >=3.12 (in its METADATA) excludes Python 3.11");
    expect(e.message).toContain("lib>=2 (requirements.txt:1)");
  });

  it("only source distributions: E_SDIST_ONLY", async () => {
    const src = { name: "fixture", url: SafeUrl.of("http://127.0.0.1/simple/"), kind: "index" as const };
    const file: CandidateFile = { filename: "legacy-1.0.tar.gz", url: SafeUrl.of("http://127.0.0.1/f/legacy-1.0.tar.gz"), hashes: {}, yanked: false, coreMetadata: false, source: src };
    const source: PlanSource = {
      getProject: async (n) => (n === "legacy" ? { name: "legacy", files: [file], source: src } : null),
      fetchMetadata: async () => "",
    };
    const { errors } = await planTargets(inputs("legacy"), [linux], source, opts);
    expect(errors.map((e) => e.code)).toEqual(["E_SDIST_ONLY"]);
    expect(errors[0]!.message).toContain("1.0: only a source distribution (legacy-1.0.tar.gz)");
  });

  it("E_CONFLICT only for a true conflict, listing each competing requirement and who asked for it", async () => {
    const e = await failure(
      [
        { name: "a", version: "1.0", requires: ["shared>=2"] },
        { name: "b", version: "1.0", requires: ["shared<2"] },
        { name: "shared", version: "2.0" },
        { name: "shared", version: "1.0" },
      ],
      ["a", "b"],
    );
    expect(e.code).toBe("E_CONFLICT");
    expect(e.message).toMatch(/a 1\.0 requires shared>=2 \(allows 2\.0\)/);
    expect(e.message).toMatch(/b 1\.0 requires shared<2 \(allows 1\.0\)/);
  });

  it("an abi3 wheel's hint keeps the target's Python (3.11 already accepts cp39-abi3)", () => {
    const w = parseWheelFilename("fast-1.0-cp39-abi3-manylinux_2_17_x86_64.whl");
    expect(nearestTargets([w], parseTarget("win_amd64@3.11"))).toEqual(["manylinux_2_17_x86_64@3.11"]);
    expect(nearestTargets([w], parseTarget("manylinux_2_17_aarch64@3.8"))).toEqual(["manylinux_2_17_x86_64@3.9"]);
  });
});
