/**
 * Atomicity of install.py: SIGINT/SIGTERM halfway through building a new release remove its temp
 * dir and the lock; SIGKILL cannot, so the next run removes the stale temp dir and lock and
 * succeeds; a live run's lock is refused (and --check says so); a full filesystem (a small tmpfs)
 * fails with E_NO_SPACE, predicted by --check, and leaves the current release intact.
 */
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildBundle } from "../helpers/bundle-builder.js";
import { DEFAULT_PYTHON as PY, leftovers, pureWheel, releases, run, runInstaller, toolWheel } from "./harness.js";

const root = mkdtempSync(join(tmpdir(), "wb-inst-atomic-"));
const TARGET = { platform: "manylinux_2_17_x86_64", python: PY.version };
let big: string;
let small: string;

beforeAll(async () => {
  // big enough that a signal sent once wheel installation has begun lands before it ends
  const files: Record<string, string | Buffer> = { "big_pkg/__init__.py": "" };
  for (let i = 0; i < 3000; i++) files[`big_pkg/m${i}.py`] = `VALUE = ${i}\n`;
  files["big_pkg/blob.bin"] = randomBytes(24 << 20);
  big = (await buildBundle({ name: "shop", version: "1.0", target: TARGET, wheels: [{ spec: { name: "big-pkg", version: "1.0", files } }, { spec: toolWheel() }, { spec: pureWheel() }] }, join(root, "big"))).dir;
  small = (await buildBundle({ name: "shop", version: "0.9", target: TARGET, wheels: [{ spec: toolWheel() }, { spec: pureWheel() }] }, join(root, "small"))).dir;
}, 120_000);
afterAll(() => rmSync(root, { recursive: true, force: true }));

interface Finished {
  code: number | null;
  signal: string | null;
  stderr: string;
}

/** Start an install of the big bundle, send `sig` once the temp dir holds the first installed wheel files. */
async function interrupt(dest: string, sig: NodeJS.Signals): Promise<Finished> {
  const child = spawn(PY.exe, [join(big, "install.py"), dest], { stdio: ["ignore", "pipe", "pipe"] });
  let stderr = "";
  child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
  const done = new Promise<Finished>((resolve) => child.on("exit", (code, signal) => resolve({ code, signal, stderr })));
  const tmp = join(dest, `.tmp-${child.pid}`, "venv", "lib", `python${PY.version}`, "site-packages", "big_pkg");
  const started = Date.now();
  while (!existsSync(tmp)) {
    if (Date.now() - started > 30_000) throw new Error("the install never started writing wheels");
    await new Promise((r) => setTimeout(r, 2));
  }
  child.kill(sig);
  return done;
}

/** A DEST with the small bundle installed and an operator file in shared/. */
function existing(): string {
  const parent = mkdtempSync(join(root, "dest-"));
  const dest = join(parent, "shop");
  const r = runInstaller(PY.exe, small, [dest, "--no-compile"]);
  expect(r.code, r.stderr).toBe(0);
  writeFileSync(join(dest, "shared", ".env"), "KEY=old\n");
  return dest;
}

function intact(dest: string): void {
  expect(readFileSync(join(dest, "shared", ".env"), "utf8")).toBe("KEY=old\n");
  expect(readFileSync(join(dest, "current", "manifest.json"), "utf8")).toBe(readFileSync(join(small, "manifest.json"), "utf8"));
  expect(run(join(dest, "current", "venv", "bin", "python"), ["-c", "import tool_pkg; print(tool_pkg.VALUE)"]).stdout).toBe("42\n");
}

describe("install.py is atomic", () => {
  for (const sig of ["SIGINT", "SIGTERM"] as const) {
    it(`${sig} halfway removes the temp dir and the lock and leaves the current release`, async () => {
      const dest = existing();
      const r = await interrupt(dest, sig);
      expect(r.code).toBe(1);
      expect(r.stderr.trim().split("\n").at(-1)).toBe(`error[E_INSTALL]: interrupted by ${sig}; nothing was installed and the current release is unchanged`);
      expect(leftovers(dest)).toEqual([]);
      expect(releases(dest)).toHaveLength(1);
      intact(dest);
    });
  }

  it("SIGKILL halfway leaves a temp dir and a lock that the next run removes before it succeeds", async () => {
    const dest = existing();
    const r = await interrupt(dest, "SIGKILL");
    expect(r.signal).toBe("SIGKILL");
    const stale = leftovers(dest);
    expect(stale.sort()).toEqual([".tmp-" + /\.tmp-(\d+)/.exec(stale.join(" "))![1], ".wheelbarrow.lock"].sort());
    intact(dest);
    const check = runInstaller(PY.exe, big, [dest, "--check"]);
    expect(check.stdout).toContain("(after removing a stale lock left by an interrupted run)");
    const again = runInstaller(PY.exe, big, [dest, "--no-compile"]);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stderr).toContain("wheelbarrow: removing a stale lock left by an interrupted run (pid ");
    expect(again.stderr).toContain(`wheelbarrow: removing ${join(dest, stale.find((n) => n.startsWith(".tmp-"))!)}, left by an interrupted run (pid `);
    expect(leftovers(dest)).toEqual([]);
    expect(releases(dest)).toHaveLength(2);
    expect(readFileSync(join(dest, "shared", ".env"), "utf8")).toBe("KEY=old\n");
    expect(readdirSync(join(dest, "current", "venv", "lib", `python${PY.version}`, "site-packages", "big_pkg"))).toHaveLength(3002);
  });

  it("a live run's lock is refused, by --check too", () => {
    const dest = existing();
    const lock = join(dest, ".wheelbarrow.lock");
    mkdirSync(lock);
    writeFileSync(join(lock, "pid"), `${process.pid}\n`);
    const expected = `error[E_INSTALL]: another installation into ${dest} is running (pid ${process.pid})\nhint: wait for it to finish, or if no such process is an installer, remove ${lock}\n`;
    for (const args of [[dest], [dest, "--check"]]) {
      const busy = runInstaller(PY.exe, big, args);
      expect(busy.code).toBe(1);
      expect(busy.stderr).toContain(expected);
    }
    expect(releases(dest)).toHaveLength(1);
    intact(dest);
  });

  const canMount = process.getuid?.() === 0 && run("sh", ["-c", `mkdir -p ${root}/probe && mount -t tmpfs -o size=64k tmpfs ${root}/probe && umount ${root}/probe`]).code === 0;
  it.skipIf(!canMount)("a full filesystem fails with E_NO_SPACE, predicted by --check, and leaves the current release", async () => {
    const mnt = join(root, "tmpfs");
    mkdirSync(mnt);
    expect(run("mount", ["-t", "tmpfs", "-o", "size=1500k", "tmpfs", mnt]).code).toBe(0);
    try {
      const dest = join(mnt, "shop");
      expect(runInstaller(PY.exe, small, [dest, "--no-compile"]).code).toBe(0);
      writeFileSync(join(dest, "shared", ".env"), "KEY=old\n");
      const fat = (await buildBundle({ name: "shop", version: "2.0", target: TARGET, wheels: [{ spec: pureWheel({ files: { "pure_lib/__init__.py": "", "pure_lib/blob.bin": randomBytes(2 << 20) } }) }] }, join(root, "fat"))).dir;
      for (const args of [[dest, "--check"], [dest]]) {
        const r = runInstaller(PY.exe, fat, args);
        expect(r.code).toBe(1);
        expect(r.stderr.slice(r.stderr.indexOf("error["))).toMatch(
          new RegExp(`^error\\[E_NO_SPACE\\]: ${dest} needs about 3\\.\\d MB for release 2\\.0-[0-9a-f]{12} and its filesystem has \\d\\.\\d MB free\n` +
            `hint: free space there \\(old releases: \`python3 ${join(dest, "install.py")} prune ${dest}\`\\), or choose another DEST\n$`),
        );
      }
      expect(leftovers(dest)).toEqual([]);
      expect(releases(dest)).toHaveLength(1);
      intact(dest);
    } finally {
      run("umount", [mnt]);
    }
  });
});
