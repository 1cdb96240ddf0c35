/**
 * A multi-target plan written as one pylock.toml: round trip, markers only where needed, `index`
 * only for files found on an index (checked with packaging's Pylock from the machine's python3
 * when it has packaging >= 25; skipped with the reason otherwise).
 */
import { pylockPackagingVersion } from "../helpers/packaging.js";
import { execFileSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { parseMetadata } from "../../src/pypa/metadata.js";
import { parsePylock, writePylock } from "../../src/pypa/pylock.js";
import { evaluateMarker, parseMarker } from "../../src/pypa/markers.js";
import { planToPylock, targetMarker } from "../../src/plan/to-pylock.js";
import { parseTarget } from "../../src/targets/parse-target.js";
import type { CandidateFile, Plan, PlannedPackage } from "../../src/plan/types.js";
import { SafeUrl } from "../../src/text/safe-url.js";

const packaging = pylockPackagingVersion();

const src = { name: "pypi", url: SafeUrl.of("https://pypi.example/simple/"), kind: "index" as const };
function pkg(name: string, version: string, filename: string, sha: string, source: CandidateFile["source"] = src): PlannedPackage {
  return {
    name,
    version,
    file: { filename, url: SafeUrl.of(`https://user:secret@pypi.example/files/${filename}`), hashes: { sha256: sha }, yanked: false, coreMetadata: true, size: 10, source },
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
  it("writes wheel URLs without the index credentials they were fetched with", () => {
    expect(text).not.toContain("secret");
    expect(text).toContain("https://pypi.example/files/six-1.17.0-py2.py3-none-any.whl");
  });
});

describe("planToPylock: index only where the files came from an index (PEP 751)", () => {
  const linux = parseTarget("manylinux_2_28_x86_64@3.11");
  const plan: Plan = {
    targets: [
      {
        target: linux,
        warnings: [],
        packages: [
          pkg("six", "1.17.0", "six-1.17.0-py2.py3-none-any.whl", "b".repeat(64)),
          pkg("direct", "1.0", "direct-1.0-py3-none-any.whl", "e".repeat(64), { name: "direct", url: SafeUrl.of("requirements.txt:3"), kind: "direct" }),
          pkg("locked", "2.0", "locked-2.0-py3-none-any.whl", "f".repeat(64), { name: "lock", url: SafeUrl.of("old/pylock.toml"), kind: "lock" }),
          pkg("relocked", "3.0", "relocked-3.0-py3-none-any.whl", "0".repeat(64), { name: "lock", url: SafeUrl.of("https://mirror.example/simple/"), kind: "lock" }),
        ],
      },
    ],
  };
  const text = writePylock(planToPylock(plan, "wheelbarrow 0.1.0"));
  const lock = parsePylock(text, "pylock.toml");
  const byName = (n: string) => lock.packages.find((p) => p.name === n)!;

  it("a wheel named by URL in a requirements file has its wheel url and no index; an index's package keeps its index", () => {
    expect(byName("direct").index).toBeUndefined();
    expect(byName("direct").wheels[0]!.url).toBe("https://pypi.example/files/direct-1.0-py3-none-any.whl");
    expect(text).not.toContain("requirements.txt:3");
    expect(byName("six").index).toBe("https://pypi.example/simple/");
  });

  it("a package from an input lock keeps that lock's index URL, and gets none when the lock named none", () => {
    expect(byName("locked").index).toBeUndefined();
    expect(text).not.toContain("old/pylock.toml");
    expect(byName("relocked").index).toBe("https://mirror.example/simple/");
  });

  it.skipIf(!packaging)(`packaging's Pylock reads the lock: the same index per package (packaging ${packaging ?? "absent or < 25"})`, () => {
    const py = `
import json, sys, tomllib
from packaging.pylock import Pylock
lock = Pylock.from_dict(tomllib.loads(sys.stdin.read()))
print(json.dumps({p.name: [p.index, [w.url for w in p.wheels]] for p in lock.packages}))
`;
    const got = JSON.parse(execFileSync("python3", ["-c", py], { input: text, encoding: "utf8" })) as Record<string, [string | null, string[]]>;
    expect(got).toEqual({
      direct: [null, ["https://pypi.example/files/direct-1.0-py3-none-any.whl"]],
      locked: [null, ["https://pypi.example/files/locked-2.0-py3-none-any.whl"]],
      relocked: ["https://mirror.example/simple/", ["https://pypi.example/files/relocked-3.0-py3-none-any.whl"]],
      six: ["https://pypi.example/simple/", ["https://pypi.example/files/six-1.17.0-py2.py3-none-any.whl"]],
    });
  });
});
