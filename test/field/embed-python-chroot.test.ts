/**
 * The case embedding exists for: a Debian minbase root with no Python at all, entered with chroot
 * (with its own /proc) inside `unshare -n -m` (no network, private mounts). The plain bundle stops
 * with "no python found on PATH"; the bundle carrying the interpreter installs, and its app runs.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildWheel, sha256File } from "../helpers/wheel-builder.js";
import { buildPbsArchive, pbsUnavailable, type PbsArchive } from "../helpers/pbs-archive.js";
import { minbaseRoot } from "../helpers/minbase-root.js";
import { runCli } from "../helpers/run-cli.js";
import { scanDist } from "../../src/python-dist/scan-dist.js";

const pbsWhy = pbsUnavailable("3.12");
const rootInfo = pbsWhy ? { reason: pbsWhy } : minbaseRoot();
const why = "reason" in rootInfo ? rootInfo.reason : null;
const root = "root" in rootInfo ? rootInfo.root : "";

let dir: string;
let pbs: PbsArchive;
let target: string;
let inRoot: string;

/** Runs a sh script inside the root: no network, its own /proc, a clean PATH without python. */
function inChroot(script: string): { status: number | null; stdout: string; stderr: string } {
  const outer = `mount -t proc proc '${root}/proc' && exec chroot '${root}' /usr/bin/env -i PATH=/usr/local/bin:/usr/bin:/bin HOME=/root /bin/sh -c "$1"`;
  const r = spawnSync("unshare", ["-n", "-m", "--propagation", "private", "sh", "-c", outer, "sh", script], { encoding: "utf8", timeout: 300_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

beforeAll(async () => {
  if (why) return;
  dir = mkdtempSync(join(tmpdir(), "wb-chroot-"));
  pbs = buildPbsArchive("3.12");
  const g = (await scanDist(pbs.path)).glibc!;
  target = `manylinux_${g[0]}_${g[1]}_x86_64@3.12`;
  const wheels = join(dir, "wheels");
  await buildWheel({ name: "hello", version: "1.0", files: { "hello.py": "import sys\n\ndef main():\n    print('hello from', sys.version_info[:2], sys.base_prefix)\n" } }, wheels);
  writeFileSync(join(dir, "requirements.txt"), "hello==1.0\n");
  const base = (out: string) => ["bundle", "-r", join(dir, "requirements.txt"), "--no-index", "-f", wheels, "--target", target, "--name", "hello", "--version", "1.0", "--entry", "hello:main", "--out", out, "--cache-dir", join(dir, "cache"), "--quiet"];
  const plain = await runCli(base(join(dir, "plain")));
  expect(plain.stderr).toBe("");
  const embedded = await runCli([...base(join(dir, "embedded")), "--python-dist", pbs.path]);
  expect(embedded.stderr).toBe("");
  const rel = `tmp/wb-chroot-${process.pid}`;
  inRoot = `/${rel}`;
  mkdirSync(join(root, rel, "plain"), { recursive: true });
  mkdirSync(join(root, rel, "embedded"), { recursive: true });
  const stem = `hello-1.0-${target.split("@")[0]}-cp312`;
  copyFileSync(join(dir, "plain", `${stem}.tar.gz`), join(root, rel, "plain", "bundle.tar.gz"));
  copyFileSync(join(dir, "embedded", `${stem}.tar.gz`), join(root, rel, "embedded", "bundle.tar.gz"));
  execFileSync("tar", ["-xzf", join(root, rel, "plain", "bundle.tar.gz"), "-C", join(root, rel, "plain")]);
  execFileSync("tar", ["-xzf", join(root, rel, "embedded", "bundle.tar.gz"), "-C", join(root, rel, "embedded")]);
}, 300_000);

afterAll(() => {
  if (root && inRoot) rmSync(join(root, inRoot), { recursive: true, force: true });
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe.skipIf(why !== null)(`install where no python exists${why ? ` (skipped: ${why})` : ""}`, () => {
  it("the root has no python, and no network inside unshare -n", () => {
    const r = inChroot("command -v python3 || command -v python || echo none; cat /proc/net/dev | tail -n +3 | cut -d: -f1 | tr -d ' '");
    expect(r.stdout).toBe("none\nlo\n");
  });

  it("the plain bundle stops: no python found on PATH", () => {
    const stem = `hello-1.0-${target.split("@")[0]}-cp312`;
    const r = inChroot(`cd ${inRoot}/plain && sh ${stem}/install.sh ${inRoot}/app-plain`);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/^error\[E_TARGET_MISMATCH\]: no python found on PATH/m);
  });

  it("the bundle with the embedded interpreter installs offline and its app runs", () => {
    const stem = `hello-1.0-${target.split("@")[0]}-cp312`;
    const r = inChroot(`cd ${inRoot}/embedded && sh ${stem}/install.sh ${inRoot}/app && ${inRoot}/app/bin/hello`);
    expect(r.stderr).not.toMatch(/error/);
    expect(r.status).toBe(0);
    const home = `${inRoot}/.app.python/${sha256File(pbs.path).slice(0, 16)}/python`;
    expect(r.stdout).toContain(`installed hello 1.0 in ${inRoot}/app (release `);
    expect(r.stdout.endsWith(`\nhello from (3, 12) ${home}\n`)).toBe(true);
  }, 300_000);
});
