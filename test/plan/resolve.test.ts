/** The resolver: backtracking, diamonds, target-specific deps, pre-releases, failures. */
import { describe, expect, it } from "vitest";
import { planTargets } from "../../src/plan/plan-targets.js";
import { parseTarget } from "../../src/targets/parse-target.js";
import { inputs, memorySource, type Dist } from "../helpers/memory-source.js";

const opts = { pre: false, resolve: true, maxSteps: 10_000 };
const linux = parseTarget("manylinux_2_28_x86_64@3.11");
const win = parseTarget("win_amd64@3.11");

function versions(plan: Awaited<ReturnType<typeof planTargets>>["plan"], i = 0): string[] {
  return plan.targets[i]!.packages.map((p) => `${p.name}==${p.version}${p.requested ? "" : " (dep)"}`);
}

describe("resolver", () => {
  it("backtracks when the newest version of a package leads to a conflict", async () => {
    // web 3.0 needs core>=2, but plugin (any version) needs core<2: the resolver must fall back to web 2.0.
    const world: Dist[] = [
      { name: "web", version: "3.0", requires: ["core>=2"] },
      { name: "web", version: "2.0", requires: ["core>=1"] },
      { name: "plugin", version: "1.0", requires: ["core<2"] },
      { name: "core", version: "2.1" },
      { name: "core", version: "1.9" },
    ];
    const { plan, errors } = await planTargets(inputs("web", "plugin"), [linux], memorySource(world), opts);
    expect(errors.map((e) => e.message)).toEqual([]);
    expect(versions(plan)).toEqual(["core==1.9 (dep)", "plugin==1.0", "web==2.0"]);
  });

  it("a diamond settles on one version that satisfies both sides", async () => {
    const world: Dist[] = [
      { name: "left", version: "1.0", requires: ["base>=1.2"] },
      { name: "right", version: "1.0", requires: ["base<1.4"] },
      { name: "base", version: "1.5" },
      { name: "base", version: "1.3" },
      { name: "base", version: "1.1" },
    ];
    const { plan } = await planTargets(inputs("left", "right"), [linux], memorySource(world), opts);
    expect(versions(plan)).toEqual(["base==1.3 (dep)", "left==1.0", "right==1.0"]);
  });

  it("resolves each target on its own: a Windows-only dependency and a platform-only version", async () => {
    const world: Dist[] = [
      { name: "tool", version: "2.0", requires: ["colors; sys_platform == 'win32'"] },
      { name: "colors", version: "0.4" },
      { name: "fast", version: "5.0", tag: "cp311-cp311-manylinux_2_17_x86_64" },
      { name: "fast", version: "4.0" },
    ];
    const { plan } = await planTargets(inputs("tool", "fast"), [linux, win], memorySource(world), opts);
    expect(versions(plan, 0)).toEqual(["fast==5.0", "tool==2.0"]);
    expect(versions(plan, 1)).toEqual(["colors==0.4 (dep)", "fast==4.0", "tool==2.0"]);
  });

  it("honours existing pins, constraints and --pre", async () => {
    const world: Dist[] = [
      { name: "lib", version: "2.0b1" },
      { name: "lib", version: "1.5" },
      { name: "lib", version: "1.4" },
    ];
    const s = memorySource(world);
    expect(versions((await planTargets(inputs("lib"), [linux], s, opts)).plan)).toEqual(["lib==1.5"]);
    expect(versions((await planTargets(inputs("lib"), [linux], s, { ...opts, pre: true })).plan)).toEqual(["lib==2.0b1"]);
    expect(versions((await planTargets(inputs("lib>=1.0"), [linux], s, opts, inputs("lib<1.5"))).plan)).toEqual(["lib==1.4"]);
    expect(versions((await planTargets(inputs("lib==1.4", "other-thing-free>=0; python_version < '3'"), [linux], s, opts)).plan)).toEqual(["lib==1.4"]);
  });

  it("--exclude-newer ignores files uploaded after the date", async () => {
    const world: Dist[] = [
      { name: "lib", version: "2.0", uploadTime: "2025-06-01T00:00:00Z" },
      { name: "lib", version: "1.0", uploadTime: "2024-01-01T00:00:00Z" },
    ];
    const { plan } = await planTargets(inputs("lib"), [linux], memorySource(world), { ...opts, excludeNewer: new Date("2025-01-01") });
    expect(versions(plan)).toEqual(["lib==1.0"]);
  });

  it("stops after the step limit with a clear error", async () => {
    // Many versions of x, none compatible with y's requirement on z: exhaustive search is long.
    const world: Dist[] = [];
    for (let i = 0; i < 30; i++) world.push({ name: "x", version: `1.${i}`, requires: ["z>=2"] });
    world.push({ name: "y", version: "1.0", requires: ["z<2"] }, { name: "z", version: "2.0" }, { name: "z", version: "1.0" });
    const { errors } = await planTargets(inputs("y", "x"), [linux], memorySource(world), { ...opts, maxSteps: 5 });
    expect(errors[0]!.code).toBe("E_CONFLICT");
    expect(errors[0]!.message).toBe("resolution for manylinux_2_28_x86_64@3.11 did not finish within 5 steps");
  });
});

describe("resolver pre-release fallback", () => {
  it("takes a pre-release without --pre when nothing else satisfies (PEP 440)", async () => {
    const { plan, errors } = await planTargets(inputs("only-pre"), [linux], memorySource([{ name: "only-pre", version: "1.0rc1" }]), opts);
    expect(errors).toEqual([]);
    expect(versions(plan)).toEqual(["only-pre==1.0rc1"]);
  });
});
