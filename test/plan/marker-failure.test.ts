/**
 * A Requires-Dist marker the target cannot evaluate (a value no target knows, or a comparison
 * PEP 508 leaves undefined) is a coded E_REQUIREMENTS naming the package and the marker, the
 * same whether the planner resolves or checks a pin set; it is never an uncaught error.
 */
import { execFileSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { planTargets } from "../../src/plan/plan-targets.js";
import { evaluateMarker, parseMarker } from "../../src/pypa/markers.js";
import { parseTarget } from "../../src/targets/parse-target.js";
import { memorySource, inputs, type Dist } from "../helpers/memory-source.js";

const linux = parseTarget("linux-x86_64@3.11");
const base = { pre: false, maxSteps: 1000 };

const cases: { marker: string; why: string }[] = [
  // packaging has a platform_release for the running machine; a bundle target does not
  { marker: 'platform_release >= "5"', why: `needs platform_release, which target ${linux.spec} does not define` },
  { marker: 'os_name ~= "posix"', why: `cannot be evaluated on ${linux.spec}: undefined comparison '~='` },
];

function packagingEval(marker: string, release: string): string {
  try {
    return execFileSync("python3", ["-c", `from packaging.markers import Marker\nprint(Marker(${JSON.stringify(marker)}).evaluate({"platform_release": ${JSON.stringify(release)}}))`], { encoding: "utf8" }).trim();
  } catch {
    return "unavailable";
  }
}

function packagingSays(marker: string): string {
  try {
    return execFileSync("python3", ["-c", `from packaging.markers import Marker\ntry:\n  print(Marker(${JSON.stringify(marker)}).evaluate())\nexcept Exception as e:\n  print(type(e).__name__)`], { encoding: "utf8" }).trim();
  } catch {
    return "unavailable";
  }
}

describe("markers that cannot be evaluated for a target", () => {
  for (const c of cases) {
    for (const resolve of [true, false]) {
      it(`${c.marker} in a Requires-Dist is E_REQUIREMENTS naming the package (${resolve ? "resolving" : "pins only"})`, async () => {
        const world: Dist[] = [
          { name: "app", version: "1.0", requires: [`helper>=1; ${c.marker}`] },
          { name: "helper", version: "1.2" },
        ];
        const reqs = resolve ? inputs("app") : inputs("app==1.0", "helper==1.2");
        const { errors } = await planTargets(reqs, [linux], memorySource(world), { ...base, resolve });
        expect(errors.map((e) => e.code)).toEqual(["E_REQUIREMENTS"]);
        const msg = errors[0]!.message;
        expect(msg).toContain("app 1.0 Requires-Dist: helper>=1");
        expect(msg).toContain(c.marker.split(" ")[0]!);
        expect(msg).toContain(c.why);
      });
    }
  }

  it("the two planning paths give the same message", async () => {
    const world: Dist[] = [{ name: "app", version: "1.0", requires: ['helper; os_name ~= "posix"'] }, { name: "helper", version: "1.2" }];
    const a = await planTargets(inputs("app"), [linux], memorySource(world), { ...base, resolve: true });
    const b = await planTargets(inputs("app==1.0", "helper==1.2"), [linux], memorySource(world), { ...base, resolve: false });
    expect(a.errors.map((e) => e.format())).toEqual(b.errors.map((e) => e.format()));
  });

  it("a marker on an input line that cannot be evaluated is E_REQUIREMENTS with the file and line (both paths)", async () => {
    for (const resolve of [true, false]) {
      const { errors } = await planTargets(inputs('helper; os_name ~= "posix"'), [linux], memorySource([{ name: "helper", version: "1.2" }]), { ...base, resolve });
      expect(errors.map((e) => e.code)).toEqual(["E_REQUIREMENTS"]);
      expect(errors[0]!.message).toContain("requirements.txt:1: helper");
    }
  });

  it("with a known non-PEP 440 value, version comparisons fall back as packaging does (no error)", () => {
    const env = (release: string) => ({ ...linux.markerEnv, platform_release: release });
    const rows: [string, string][] = [
      ['platform_release >= "5"', "6.1.0-13-amd64"],
      ['platform_release >= "5"', "5.10"],
      ['platform_release == "6.1.0-13-amd64"', "6.1.0-13-amd64"],
      ['platform_release < "5"', "6.1.0-13-amd64"],
    ];
    const ours = rows.map(([m, r]) => evaluateMarker(parseMarker(m), env(r)));
    expect(ours).toEqual([false, true, true, false]);
    const ref = rows.map(([m, r]) => packagingEval(m, r));
    if (!ref.includes("unavailable")) expect(ref).toEqual(ours.map((b) => (b ? "True" : "False")));
  });

  it("packaging (the reference) refuses os_name ~= as well", () => {
    const got = packagingSays('os_name ~= "posix"');
    if (got === "unavailable") return; // python3 with packaging is not installed here
    expect(got).toBe("UndefinedComparison");
  });
});
