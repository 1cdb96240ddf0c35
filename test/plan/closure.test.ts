/**
 * Closure check per target: every Requires-Dist of every selected package, with
 * extras and markers evaluated for that target, must be covered by a pin that satisfies it. All
 * problems of all targets are reported at once, each with the chain that led to it.
 */
import { describe, expect, it } from "vitest";
import { planTargets } from "../../src/plan/plan-targets.js";
import { parseTarget } from "../../src/targets/parse-target.js";
import { memorySource, inputs as pins, type Dist } from "../helpers/memory-source.js";

const opts = { pre: false, resolve: false, maxSteps: 1000 };
const linux = parseTarget("manylinux_2_28_x86_64@3.11");
const win = parseTarget("win_amd64@3.11");
const arm = parseTarget("manylinux_2_28_aarch64@3.11");

const world: Dist[] = [
  { name: "app", version: "1.0", requires: ["lib>=2", "winonly; sys_platform == 'win32'", "armonly ; platform_machine == 'aarch64'", "extra-user[fancy]"] },
  { name: "lib", version: "2.1", requires: ["base<3"] },
  { name: "lib", version: "1.5" },
  { name: "base", version: "2.9" },
  { name: "base", version: "3.1" },
  { name: "winonly", version: "0.5" },
  { name: "armonly", version: "0.7" },
  { name: "extra-user", version: "1.0", extras: ["fancy", "selfref"], requires: ["shiny>=1; extra == 'fancy'", "extra-user[fancy]; extra == 'selfref'"] },
  { name: "shiny", version: "1.2" },
  { name: "cyc-a", version: "1.0", requires: ["cyc-b==1.0"] },
  { name: "cyc-b", version: "1.0", requires: ["cyc-a==1.0"] },
];

describe("closure check", () => {
  it("a complete pin set gives each target exactly its packages (target-specific deps only where they apply)", async () => {
    const s = memorySource(world);
    const { plan, errors } = await planTargets(
      pins("app==1.0", "lib==2.1", "base==2.9", "winonly==0.5 ; sys_platform == 'win32'", "armonly==0.7; platform_machine == 'aarch64'", "extra-user==1.0", "shiny==1.2"),
      [linux, win, arm],
      s,
      opts,
    );
    expect(errors.map((e) => e.format())).toEqual([]);
    const names = (i: number) => plan.targets[i]!.packages.map((p) => p.name);
    expect(names(0)).toEqual(["app", "base", "extra-user", "lib", "shiny"]);
    expect(names(1)).toEqual(["app", "base", "extra-user", "lib", "shiny", "winonly"]);
    expect(names(2)).toEqual(["app", "armonly", "base", "extra-user", "lib", "shiny"]);
    // One METADATA read per file, however many targets use it.
    expect(s.metadataReads.filter((f) => f.startsWith("app-")).length).toBe(1);
  });

  it("reports every problem of every target at once, each with its chain", async () => {
    const { errors } = await planTargets(pins("app==1.0", "lib==2.1", "base==3.1", "extra-user==1.0"), [linux, win], memorySource(world), opts);
    const lines = errors.map((e) => `${e.code} ${e.message.split("\n")[0]}`).sort();
    expect(lines).toEqual([
      "E_CONFLICT lib 2.1 requires base<3, but base==3.1 is pinned (requirements.txt:3) on manylinux_2_28_x86_64@3.11",
      "E_CONFLICT lib 2.1 requires base<3, but base==3.1 is pinned (requirements.txt:3) on win_amd64@3.11",
      "E_MISSING_DEPENDENCY app 1.0 requires winonly on win_amd64@3.11, but no pin covers it",
      "E_MISSING_DEPENDENCY extra-user 1.0 requires shiny>=1 on manylinux_2_28_x86_64@3.11, but no pin covers it",
      "E_MISSING_DEPENDENCY extra-user 1.0 requires shiny>=1 on win_amd64@3.11, but no pin covers it",
    ]);
    const shiny = errors.find((e) => e.message.startsWith("extra-user 1.0 requires shiny"))!;
    expect(shiny.message).toContain("chain: app==1.0 (requirements.txt:1) -> extra-user[fancy] -> shiny>=1");
    expect(shiny.hints).toEqual(["add a pin, e.g. shiny==1.2"]);
    const conflict = errors.find((e) => e.code === "E_CONFLICT")!;
    expect(conflict.hints[0]).toBe("change the pin of base to a version that satisfies '<3', or the pin of lib");
  });

  it("a self-referencing extra pulls in what the referenced extra needs", async () => {
    const { errors } = await planTargets(pins("extra-user[selfref]==1.0"), [linux], memorySource(world), opts);
    expect(errors.map((e) => e.message.split("\n")[0])).toEqual(["extra-user 1.0 requires shiny>=1 on manylinux_2_28_x86_64@3.11, but no pin covers it"]);
  });

  it("a dependency cycle terminates and is complete", async () => {
    const { plan, errors } = await planTargets(pins("cyc-a==1.0", "cyc-b==1.0"), [linux], memorySource(world), opts);
    expect(errors).toEqual([]);
    expect(plan.targets[0]!.packages.map((p) => p.name)).toEqual(["cyc-a", "cyc-b"]);
  });

  it("an unpinned requirement is E_NOT_PINNED when resolving is off", async () => {
    const { errors } = await planTargets(pins("lib>=2"), [linux], memorySource(world), opts);
    expect(errors[0]!.format()).toBe(
      "error[E_NOT_PINNED]: requirements.txt:1: lib>=2 is not pinned to one version (target manylinux_2_28_x86_64@3.11)\n" +
        "hint: pin it: lib==<version> (pip freeze, pip-compile or uv pip compile give a full pin set)\n" +
        "hint: or drop --pins-only to let wheelbarrow resolve it",
    );
  });

  it("a project no source has is E_NO_SUCH_PACKAGE", async () => {
    const { errors } = await planTargets(pins("nothere==1.0"), [linux], memorySource(world), opts);
    expect(errors[0]!.code).toBe("E_NO_SUCH_PACKAGE");
    expect(errors[0]!.message).toBe("nothere is not on any configured index or find-links source (nothere==1.0 (requirements.txt:1))");
  });

  it("a marker that needs a value the target cannot know is reported, not guessed", async () => {
    const { errors } = await planTargets(pins("lib==1.5 ; platform_release >= '5.0'"), [linux], memorySource(world), opts);
    expect(errors[0]!.code).toBe("E_REQUIREMENTS");
    expect(errors[0]!.message).toBe("requirements.txt:1: lib==1.5; platform_release >= \"5.0\": the marker needs platform_release, which target manylinux_2_28_x86_64@3.11 does not define");
  });

  it("Requires-Python in METADATA is checked against the target", async () => {
    const { errors } = await planTargets(pins("new==1.0"), [linux], memorySource([{ name: "new", version: "1.0", requiresPython: ">=3.12" }]), opts);
    expect(errors[0]!.code).toBe("E_REQUIRES_PYTHON");
  });
});
