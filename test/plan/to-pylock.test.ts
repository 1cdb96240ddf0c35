/** A multi-target plan written as one pylock.toml: round trip, markers only where needed. */
import { parseMetadata } from "../../src/pypa/metadata.js";
import { describe, expect, it } from "vitest";
import { parsePylock, writePylock } from "../../src/pypa/pylock.js";
import { evaluateMarker, parseMarker } from "../../src/pypa/markers.js";
import { planToPylock, targetMarker } from "../../src/plan/to-pylock.js";
import { parseTarget } from "../../src/targets/parse-target.js";
import type { Plan, PlannedPackage } from "../../src/plan/types.js";

const src = { name: "pypi", url: "https://pypi.example/simple/", kind: "index" as const };
function pkg(name: string, version: string, filename: string, sha: string): PlannedPackage {
  return {
    name,
    version,
    file: { filename, url: `https://user:secret@pypi.example/files/${filename}`, displayUrl: `https://pypi.example/files/${filename}`, hashes: { sha256: sha }, yanked: false, coreMetadata: true, size: 10, source: src },
    sha256: sha,
    requested: true,
    allowedHashes: [],
    extras: [],
    chain: [],
    metadata: parseMetadata(`Metadata-Version: 2.1\nName: ${name}\nVersion: ${version}\n`),
  };
}

describe("planToPylock", () => {
  const linux = parseTarget("manylinux_2_28_x86_64@3.11");
  const win = parseTarget("win_amd64@3.11");
  const plan: Plan = {
    targets: [
      { target: linux, warnings: [], packages: [pkg("numpy", "2.0.0", "numpy-2.0.0-cp311-cp311-manylinux_2_28_x86_64.whl", "a".repeat(64)), pkg("six", "1.17.0", "six-1.17.0-py2.py3-none-any.whl", "b".repeat(64))] },
      {
        target: win,
        warnings: [],
        packages: [pkg("numpy", "2.0.0", "numpy-2.0.0-cp311-cp311-win_amd64.whl", "c".repeat(64)), pkg("pywin32", "306", "pywin32-306-cp311-cp311-win_amd64.whl", "d".repeat(64)), pkg("six", "1.17.0", "six-1.17.0-py2.py3-none-any.whl", "b".repeat(64))],
      },
    ],
  };
  const text = writePylock(planToPylock(plan, "wheelbarrow 0.1.0"));
  const lock = parsePylock(text, "pylock.toml");

  it("lists each package once with the wheels of every target", () => {
    expect(lock.packages.map((p) => `${p.name} ${p.version} ${p.wheels.length}`)).toEqual(["numpy 2.0.0 2", "pywin32 306 1", "six 1.17.0 1"]);
  });
  it("puts a marker only on target-specific packages, and it selects the right target", () => {
    const pywin = lock.packages.find((p) => p.name === "pywin32")!;
    expect(pywin.marker).toBe(targetMarker(win));
    expect(evaluateMarker(parseMarker(pywin.marker!), win.markerEnv)).toBe(true);
    expect(evaluateMarker(parseMarker(pywin.marker!), linux.markerEnv)).toBe(false);
    expect(lock.packages.find((p) => p.name === "six")!.marker).toBeUndefined();
  });
  it("never writes credentials", () => {
    expect(text).not.toContain("secret");
    expect(text).toContain("https://pypi.example/files/six-1.17.0-py2.py3-none-any.whl");
  });
});
