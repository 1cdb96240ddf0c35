/**
 * The planner at PyPI scale, in memory: pages with thousands of versions are indexed once, and
 * the resolver picks the file select-file would install (build tag included).
 */
import { describe, expect, it } from "vitest";
import { planTargets } from "../../src/plan/plan-targets.js";
import { parseTarget } from "../../src/targets/parse-target.js";
import { inputs, memorySource, type Dist } from "../helpers/memory-source.js";

const opts = { pre: false, preferBinary: false, onlyBinary: [], resolve: true, maxSteps: 100_000 };
const linux = parseTarget("manylinux_2_28_x86_64@3.11");
const win = parseTarget("win_amd64@3.11");

describe("planning at scale", () => {
  it("a project with 3,000 versions resolves to the newest one its pins allow, for two targets", async () => {
    const world: Dist[] = [];
    for (let i = 0; i < 3000; i++) world.push({ name: "big", version: `1.${i}.0` });
    const src = memorySource(world);
    const { plan, errors } = await planTargets(inputs("big<1.2500"), [linux, win], src, opts);
    expect(errors).toEqual([]);
    expect(plan.targets.map((t) => t.packages.map((p) => p.version))).toEqual([["1.2499.0"], ["1.2499.0"]]);
    expect(new Set(src.metadataReads)).toEqual(new Set(["big-1.2499.0-py3-none-any.whl"]));
  });

  it("the resolver reads the METADATA of the wheel with the highest build tag, the one that is installed", async () => {
    const world: Dist[] = [
      { name: "app", version: "1.0", tag: "1-py3-none-any", requires: ["dep>=1"] },
      { name: "app", version: "1.0", tag: "2-py3-none-any", requires: ["dep>=2"] },
      { name: "dep", version: "1.5" },
      { name: "dep", version: "2.0" },
    ];
    const src = memorySource(world);
    const { plan, errors } = await planTargets(inputs("app"), [linux], src, opts);
    expect(errors).toEqual([]);
    expect(plan.targets[0]!.packages.map((p) => `${p.name} ${p.version} ${p.file.filename}`)).toEqual(["app 1.0 app-1.0-2-py3-none-any.whl", "dep 2.0 dep-2.0-py3-none-any.whl"]);
    expect(src.metadataReads.filter((f) => f.startsWith("app"))).toEqual(["app-1.0-2-py3-none-any.whl"]);
  });
});
