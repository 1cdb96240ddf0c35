/**
 * Targets whose lock markers coincide (two glibc floors of one arch and Python) are resolved
 * together, so the written pylock.toml has one version per package for them; the lock passes
 * packaging's Pylock validation and select() for every target (packaging >= 25 from the
 * machine's python3; skipped with a reason otherwise).
 */
import { pylockPackagingVersion } from "../helpers/packaging.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { writeSyntheticIndex, type SyntheticWorld } from "../../scripts/lib/synthetic-index.js";
import { serveStatic, type StaticServer } from "../../scripts/lib/static-index.js";
import { parseTarget } from "../../src/targets/parse-target.js";
import { runCli } from "../helpers/run-cli.js";

const packaging = pylockPackagingVersion();

const TARGETS = ["manylinux_2_17_x86_64@3.11", "manylinux_2_28_x86_64@3.11", "win_amd64@3.11"];
let dir: string;
let server: StaticServer;
let extra: StaticServer;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "wb-joint-"));
  const world: SyntheticWorld = new Map();
  world.set("fastlib", [
    { version: "2.0", files: [{ tag: "cp311-cp311-manylinux_2_28_x86_64" }, { tag: "cp311-cp311-win_amd64" }] },
    { version: "1.0", files: [{ tag: "cp311-cp311-manylinux_2_17_x86_64" }, { tag: "cp311-cp311-win_amd64" }] },
  ]);
  world.set("newonly", [{ version: "1.0", files: [{ tag: "cp311-cp311-manylinux_2_28_x86_64" }] }]);
  await writeSyntheticIndex(world, join(dir, "index"));
  server = await serveStatic(join(dir, "index"));
  const later: SyntheticWorld = new Map([["fastlib", [{ version: "3.0", files: [{ tag: "cp311-cp311-manylinux_2_17_x86_64" }] }]]]);
  await writeSyntheticIndex(later, join(dir, "extra"));
  extra = await serveStatic(join(dir, "extra"));
});

afterAll(async () => {
  await server?.close();
  await extra?.close();
  rmSync(dir, { recursive: true, force: true });
});

async function lock(req: string, out: string, targets = TARGETS, more: string[] = []) {
  writeFileSync(join(dir, "req.txt"), `${req}\n`);
  const args = ["lock", "-r", join(dir, "req.txt"), "--index-url", `${server.url}/simple/`, "--cache-dir", join(dir, "cache"), "-o", out, "--no-progress", "--json", ...more];
  for (const t of targets) args.push("--target", t);
  return runCli(args);
}

describe("multi-target locks", () => {
  it("two glibc floors of one platform get one version; another platform keeps its own", async () => {
    const out = join(dir, "pylock.toml");
    const r = await lock("fastlib", out);
    expect(r.stderr).toBe("");
    const j = JSON.parse(r.stdout) as { targets: { packages: { filename: string }[] }[] };
    expect(j.targets.map((t) => t.packages.map((p) => p.filename))).toEqual([
      ["fastlib-1.0-cp311-cp311-manylinux_2_17_x86_64.whl"],
      ["fastlib-1.0-cp311-cp311-manylinux_2_17_x86_64.whl"],
      ["fastlib-2.0-cp311-cp311-win_amd64.whl"],
    ]);
    expect(readFileSync(out, "utf8")).toContain('version = "1.0"');
  });

  it.skipIf(!packaging)(`every target selects exactly its packages from the lock with packaging's Pylock (packaging ${packaging ?? "absent or < 25"})`, async () => {
    const out = join(dir, "pylock.toml");
    expect((await lock("fastlib", out)).code).toBe(0);
    for (const spec of TARGETS) {
      const t = parseTarget(spec);
      const py = `
import json, sys, tomllib
from packaging.pylock import Pylock
from packaging.tags import Tag
env = json.loads(sys.argv[2]); tags = [Tag(*x.split("-")) for x in json.loads(sys.argv[3])]
lock = Pylock.from_dict(tomllib.load(open(sys.argv[1], "rb")))
lock.validate() if hasattr(lock, "validate") else None
print(json.dumps(sorted(f"{p.name}=={p.version} {w.name}" for p, w in lock.select(environment=env, tags=tags))))
`;
      const picked = JSON.parse(execFileSync("python3", ["-c", py, out, JSON.stringify(t.markerEnv), JSON.stringify(t.tags)], { encoding: "utf8" })) as string[];
      expect(picked).toEqual([spec.startsWith("win") ? "fastlib==2.0 fastlib-2.0-cp311-cp311-win_amd64.whl" : "fastlib==1.0 fastlib-1.0-cp311-cp311-manylinux_2_17_x86_64.whl"]);
    }
  });

  it("a project only one of the joint targets can install fails for the group with the reason and the way out", async () => {
    const r = await lock("newonly", join(dir, "pylock.newonly.toml"));
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("error[E_NO_COMPATIBLE_WHEEL]");
    expect(r.stderr).toContain("manylinux_2_17_x86_64@3.11 + manylinux_2_28_x86_64@3.11");
    expect(r.stderr).toContain("one lock file per target");
  });

  it("lock -o warns unless the name is pylock.toml or pylock.<name>.toml", async () => {
    const bad = await lock("fastlib", join(dir, "requirements.lock.toml"));
    expect(bad.code).toBe(0);
    expect(bad.stderr).toContain("warning: ");
    expect(bad.stderr).toContain("only read lock files named pylock.toml or pylock.<name>.toml");
    const good = await lock("fastlib", join(dir, "pylock.prod.toml"));
    expect(good.stderr).toBe("");
  });

  it("--keep-going writes the targets that plan, reports the others and exits 1; without it nothing is written", async () => {
    const targets = ["manylinux_2_28_x86_64@3.11", "win_amd64@3.11"];
    const out = join(dir, "pylock.keep.toml");
    const strict = await lock("newonly", out, targets);
    expect(strict.code).toBe(1);
    expect(existsSync(out)).toBe(false);
    const r = await lock("newonly", out, targets, ["--keep-going"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("error[E_NO_COMPATIBLE_WHEEL]");
    expect(r.stderr).toContain("win_amd64@3.11");
    const written = readFileSync(out, "utf8");
    expect(written).toContain('name = "newonly"');
    expect(written).toContain('"manylinux_2_28_x86_64@3.11"');
    expect(written).not.toContain('"win_amd64@3.11"');
  });

  it("--index-strategy: first-index keeps a project on the first index that has it; unsafe-best-match takes the best version of all", async () => {
    const targets = ["manylinux_2_17_x86_64@3.11"];
    const pick = async (more: string[]) => {
      const r = await lock("fastlib", join(dir, "pylock.toml"), targets, ["--extra-index-url", `${extra.url}/simple/`, ...more]);
      expect(r.code).toBe(0);
      return (JSON.parse(r.stdout) as { targets: { packages: { version: string; index: string }[] }[] }).targets[0]!.packages.map((p) => `${p.version} ${p.index}`);
    };
    expect(await pick([])).toEqual([`1.0 ${server.url}/simple/`]);
    expect(await pick(["--index-strategy", "first-index"])).toEqual([`1.0 ${server.url}/simple/`]);
    expect(await pick(["--index-strategy", "unsafe-best-match"])).toEqual([`3.0 ${extra.url}/simple/`]);
  });
});
