/**
 * `--target-file` end to end: probe.sh run on this machine -> target.json -> `bundle`, `lock` and
 * `targets` plan for exactly this machine (its glibc, its python, its kernel in the markers), and
 * `wheelbarrow probe --script` prints the script every bundle ships.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, truncateSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildWheel } from "../helpers/wheel-builder.js";
import { runCli } from "../helpers/run-cli.js";
import { parseTarget } from "../../src/targets/parse-target.js";

const root = resolve(import.meta.dirname, "..", "..");
const PROBE = join(root, "src", "installer", "probe.sh");
let dir: string;
let wheels: string;
let targetJson: string;
let probe: { release: string; libc: { family: string; version: string } | null; pythons: { version: string; implementation: string; markerEnvironment: Record<string, string> }[] };
const glibc = (process.report?.getReport() as { header?: { glibcVersionRuntime?: string } } | undefined)?.header?.glibcVersionRuntime;
const arch = execFileSync("uname", ["-m"], { encoding: "utf8" }).trim();

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "wb-e2e-target-file-"));
  const r = spawnSync("sh", [PROBE], { encoding: "utf8", env: { PATH: process.env["PATH"], HOME: process.env["HOME"] } });
  expect(r.status, r.stderr).toBe(0);
  targetJson = join(dir, "target.json");
  writeFileSync(targetJson, r.stdout);
  probe = JSON.parse(r.stdout) as typeof probe;
  wheels = join(dir, "wheels");
  await buildWheel({ name: "hello", version: "1.0", files: { "hello.py": "def main():\n    print('hello')\n" } }, wheels);
  await buildWheel({ name: "thiskernel", version: "1.0", files: { "thiskernel.py": "" } }, wheels);
  await buildWheel({ name: "otherkernel", version: "1.0", files: { "otherkernel.py": "" } }, wheels);
  // platform_release is not fixed by a --target; a probed machine fixes it
  writeFileSync(join(dir, "requirements.txt"), `hello==1.0\nthiskernel==1.0 ; platform_release == "${probe.release}"\notherkernel==1.0 ; platform_release == "0.0-not-this-kernel"\n`);
}, 300_000);

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const targetable = () => probe.pythons.find((p) => p.implementation === "cpython" && /^3\.(8|9|1[0-5])\./.test(p.version));

describe.skipIf(process.platform !== "linux" || !glibc)("bundle --target-file: probe this machine, bundle for it", () => {
  it("the probe found this machine's glibc and a python to plan for", () => {
    expect(probe.libc).toEqual({ family: "glibc", version: glibc });
    expect(targetable()?.version).toMatch(/^3\.(8|9|1[0-5])\./);
  });

  it("the manifest's target is this machine: its glibc as the floor, its python's full version, the model's tags; markers are the machine's", async () => {
    const py = targetable()!;
    const out = join(dir, "out");
    const r = await runCli(["bundle", "-r", join(dir, "requirements.txt"), "--no-index", "-f", wheels, "--target-file", targetJson, "--name", "hello", "--version", "1.0", "--out", out, "--cache-dir", join(dir, "cache"), "--format", "dir", "--json"]);
    // no warning: the tags the probed python computed agree with the model's
    expect(r.stderr).not.toMatch(/warning|error/);
    expect(r.code).toBe(0);
    const [maj, min] = glibc!.split(".");
    const spec = `manylinux_${maj}_${min}_${arch}@${py.version}`;
    const bundle = (JSON.parse(r.stdout) as { bundles: { path: string; target: string }[] }).bundles[0]!;
    expect(bundle.target).toBe(spec);
    const manifest = JSON.parse(readFileSync(join(bundle.path, "manifest.json"), "utf8")) as { target: Record<string, unknown>; packages: { name: string }[] };
    const model = parseTarget(spec);
    expect(manifest.target).toEqual({
      spec,
      platform: `manylinux_${maj}_${min}_${arch}`,
      python: py.version,
      implementation: "cpython",
      pythonTag: model.pythonTag,
      freeThreaded: false,
      os: "linux",
      arch,
      libc: { family: "glibc", version: `${maj}.${min}` },
      macos: null,
      tags: model.tags,
    });
    expect(manifest.packages.map((p) => p.name)).toEqual(["hello", "thiskernel"]);
    expect(readFileSync(join(bundle.path, "probe.sh"), "utf8")).toBe(readFileSync(PROBE, "utf8"));
  });

  it("a --target beside it that is the same machine is planned once", async () => {
    const py = targetable()!;
    const [maj, min] = glibc!.split(".");
    const r = await runCli(["targets", `manylinux_${maj}_${min}_${arch}@${py.version}`, "--target-file", targetJson, "--json"]);
    expect(r.code).toBe(0);
    const t = (JSON.parse(r.stdout) as { targets: { spec: string; markerEnv: Record<string, string | null> }[] }).targets;
    expect(t.map((x) => x.spec)).toEqual([`manylinux_${maj}_${min}_${arch}@${py.version}`]);
  });

  it("targets --target-file shows the probed markers, platform_release included", async () => {
    const r = await runCli(["targets", "--target-file", targetJson, "--json"]);
    expect(r.code).toBe(0);
    const t = (JSON.parse(r.stdout) as { targets: { markerEnv: Record<string, string | null>; input: string }[] }).targets[0]!;
    expect(t.input).toBe(targetJson);
    expect(t.markerEnv).toEqual(targetable()!.markerEnvironment);
  });
});

describe("--target-file errors", () => {
  const noPython = () => {
    const p = join(dir, "no-python.json");
    writeFileSync(p, JSON.stringify({ wheelbarrowProbe: 1, os: "Linux", release: "6.1.0", version: "#1", arch: "x86_64", libc: { family: "glibc", version: "2.36" }, macos: null, pythons: [], skipped: [] }));
    return p;
  };

  it("lock for a machine with no Python: E_TARGET_MISMATCH naming --embed-python, as one JSON document", async () => {
    const file = noPython();
    const r = await runCli(["lock", "-r", join(dir, "requirements.txt"), "--no-index", "-f", wheels, "--target-file", file, "-o", join(dir, "pylock.toml"), "--json"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^error\[E_TARGET_MISMATCH\]: .*no-python\.json: that machine has no Python; a bundle made with --embed-python carries its own$/m);
    expect((JSON.parse(r.stdout) as { error: { code: string } }).error.code).toBe("E_TARGET_MISMATCH");
    expect(existsSync(join(dir, "pylock.toml"))).toBe(false);
  });

  it("lock --embed-python plans for the version carried, where the machine has none", async () => {
    const out = join(dir, "pylock.embed.toml");
    const r = await runCli(["lock", "-r", join(dir, "requirements.txt"), "--no-index", "-f", wheels, "--target-file", `${noPython()}@3.12`, "--embed-python", "-o", out, "--json"]);
    expect(r.stderr).toBe("");
    const doc = JSON.parse(r.stdout) as { targets: { target: string; packages: { name: string }[] }[] };
    expect(doc.targets.map((t) => t.target)).toEqual(["manylinux_2_36_x86_64@3.12"]);
    // the machine's kernel (6.1.0) is neither marker's release
    expect(doc.targets[0]!.packages.map((p) => p.name)).toEqual(["hello"]);
  });

  it("a missing file, a directory and an oversized file are each E_USAGE, before any work", async () => {
    const big = join(dir, "big.json");
    writeFileSync(big, "");
    truncateSync(big, 9 * 1024 * 1024);
    mkdirSync(join(dir, "a-dir"), { recursive: true });
    for (const [file, msg] of [
      [join(dir, "absent.json"), /cannot read --target-file .*absent\.json: ENOENT/],
      [join(dir, "a-dir"), /--target-file .*a-dir is not a file/],
      [big, /--target-file .*big\.json has 9437184 bytes; a target description from probe\.sh is far smaller/],
    ] as const) {
      const r = await runCli(["targets", "--target-file", file]);
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/^error\[E_USAGE\]: /);
      expect(r.stderr).toMatch(msg);
    }
  });
});

describe("wheelbarrow probe", () => {
  it("--script prints probe.sh exactly", async () => {
    const r = await runCli(["probe", "--script"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(readFileSync(PROBE, "utf8"));
  });

  it("without --script it is E_USAGE saying how the probe is used", async () => {
    const r = await runCli(["probe"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe("error[E_USAGE]: wheelbarrow probe prints the probe script: give --script\nhint: wheelbarrow probe --script > probe.sh; on the target: sh probe.sh > target.json; here: wheelbarrow bundle --target-file target.json ...\n");
  });
});
