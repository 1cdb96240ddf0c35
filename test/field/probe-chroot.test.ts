/**
 * probe.sh where there is no Python: a Debian minbase root (test/helpers/minbase-root.ts) entered
 * with chroot, no network. The probe reports the root's glibc and "pythons": []; bundling for that
 * description needs --embed-python, and with it the bundle installs there and its app runs.
 */
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildWheel } from "../helpers/wheel-builder.js";
import { buildPbsArchive, pbsUnavailable, type PbsArchive } from "../helpers/pbs-archive.js";
import { minbaseRoot, runInRoot } from "../helpers/minbase-root.js";
import { runCli } from "../helpers/run-cli.js";

const PROBE = resolve(import.meta.dirname, "..", "..", "src", "installer", "probe.sh");
const rootInfo = minbaseRoot();
const why = "reason" in rootInfo ? rootInfo.reason : null;
const root = "root" in rootInfo ? rootInfo.root : "";
const rel = `tmp/wb-probe-${process.pid}`;

let dir: string;
let probe: { os: string; arch: string; libc: { family: string; version: string } | null; pythons: unknown[]; skipped: unknown[] };
let targetJson: string;

beforeAll(() => {
  if (why) return;
  dir = mkdtempSync(join(tmpdir(), "wb-probe-chroot-"));
  mkdirSync(join(root, rel), { recursive: true });
  copyFileSync(PROBE, join(root, rel, "probe.sh"));
  const r = runInRoot(root, `sh /${rel}/probe.sh > /${rel}/target.json`);
  expect(r.stderr).toBe("");
  expect(r.status).toBe(0);
  targetJson = join(dir, "target.json");
  copyFileSync(join(root, rel, "target.json"), targetJson);
  probe = JSON.parse(runInRoot(root, `cat /${rel}/target.json`).stdout) as typeof probe;
}, 300_000);

afterAll(() => {
  if (root) rmSync(join(root, rel), { recursive: true, force: true });
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe.skipIf(why !== null)(`probe.sh in a root with no python${why ? ` (skipped: ${why})` : ""}`, () => {
  it("finds no python there, and says so with an empty list", () => {
    expect(runInRoot(root, "command -v python3 || command -v python || echo none").stdout).toBe("none\n");
    expect(probe.pythons).toEqual([]);
    expect(probe.skipped).toEqual([]);
    expect(probe.os).toBe("Linux");
  });

  it("reports the root's glibc version: the one its libc6 package is", () => {
    const pkg = runInRoot(root, "dpkg-query -W -f='${Version}' libc6").stdout;
    expect(probe.libc?.family).toBe("glibc");
    expect(pkg.startsWith(`${probe.libc!.version}-`)).toBe(true);
  });

  it("bundle --target-file for it without --embed-python is E_TARGET_MISMATCH naming the option", async () => {
    const r = await runCli(["bundle", "--no-index", "-f", join(dir, "none"), "--target-file", targetJson, "--out", join(dir, "nothing")]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^error\[E_TARGET_MISMATCH\]: .*target\.json: that machine has no Python; a bundle made with --embed-python carries its own$/m);
    expect(r.stderr).toMatch(/^hint: carry one in the bundle: wheelbarrow bundle --embed-python --target-file .*target\.json@3\.12/m);
  });

  const pbsWhy = pbsUnavailable("3.12");
  it.skipIf(pbsWhy !== null)(`bundle --embed-python --target-file FILE@3.12 installs there offline and the app runs${pbsWhy ? ` (skipped: ${pbsWhy})` : ""}`, async () => {
    const pbs: PbsArchive = buildPbsArchive("3.12");
    const wheels = join(dir, "wheels");
    await buildWheel({ name: "hello", version: "1.0", files: { "hello.py": "import sys\n\ndef main():\n    print('hello from', sys.version_info[:2])\n" } }, wheels);
    writeFileSync(join(dir, "requirements.txt"), "hello==1.0\n");
    const out = join(dir, "out");
    const r = await runCli(["bundle", "-r", join(dir, "requirements.txt"), "--no-index", "-f", wheels, "--target-file", `${targetJson}@3.12`, "--python-dist", pbs.path, "--name", "hello", "--version", "1.0", "--entry", "hello:main", "--out", out, "--cache-dir", join(dir, "cache"), "--json", "--quiet"]);
    expect(r.stderr).toBe("");
    const bundle = (JSON.parse(r.stdout) as { bundles: { path: string; stem: string; target: string }[] }).bundles[0]!;
    const [maj, min] = probe.libc!.version.split(".");
    expect(bundle.target).toBe(`manylinux_${maj}_${min}_${probe.arch}@3.12`);
    copyFileSync(bundle.path, join(root, rel, "bundle.tar.gz"));
    const run = runInRoot(root, `cd /${rel} && tar -xzf bundle.tar.gz && sh ${bundle.stem}/install.sh /${rel}/app && /${rel}/app/bin/hello`);
    expect(run.stderr).not.toMatch(/error/);
    expect(run.status).toBe(0);
    expect(run.stdout.endsWith("hello from (3, 12)\n")).toBe(true);
  }, 600_000);
});
