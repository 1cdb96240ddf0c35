/**
 * Atomicity of install.py: SIGINT/SIGTERM halfway remove the temp dir; SIGKILL cannot, so the next
 * run removes the stale temp dir and succeeds; a --force run killed between its two renames is
 * restored; a concurrent run is refused; a full filesystem (a small tmpfs) fails with E_INSTALL and
 * leaves the existing install intact.
 */
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildBundle } from "../helpers/bundle-builder.js";
import { DEFAULT_PYTHON as PY, leftovers, pureWheel, run, runInstaller, toolWheel } from "./harness.js";

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

/** Start an install, send `sig` once the temp dir holds the first installed wheel files. */
async function interrupt(dest: string, sig: NodeJS.Signals): Promise<Finished> {
  const child = spawn(PY.exe, [join(big, "install.py"), dest, "--force"], { stdio: ["ignore", "pipe", "pipe"] });
  let stderr = "";
  child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
  const done = new Promise<Finished>((resolve) => child.on("exit", (code, signal) => resolve({ code, signal, stderr })));
  const tmp = join(dest, "..", `.shop.wb-${child.pid}.tmp`, "venv", "lib", `python${PY.version}`, "site-packages", "big_pkg");
  const started = Date.now();
  while (!existsSync(tmp)) {
    if (Date.now() - started > 30_000) throw new Error("the install never started writing wheels");
    await new Promise((r) => setTimeout(r, 2));
  }
  child.kill(sig);
  return done;
}

function existing(): [string, string] {
  const parent = mkdtempSync(join(root, "dest-"));
  const dest = join(parent, "shop");
  const r = runInstaller(PY.exe, small, [dest, "--no-compile"]);
  expect(r.code, r.stderr).toBe(0);
  writeFileSync(join(dest, "marker"), "old");
  return [parent, dest];
}

function intact(dest: string): void {
  expect(readFileSync(join(dest, "marker"), "utf8")).toBe("old");
  expect(readFileSync(join(dest, "manifest.json"), "utf8")).toBe(readFileSync(join(small, "manifest.json"), "utf8"));
}

describe("install.py is atomic", () => {
  for (const sig of ["SIGINT", "SIGTERM"] as const) {
    it(`${sig} halfway removes the temp dir and leaves the existing install`, async () => {
      const [parent, dest] = existing();
      const r = await interrupt(dest, sig);
      expect(r.code).toBe(1);
      expect(r.stderr.trim().split("\n").at(-1)).toBe(`error[E_INSTALL]: interrupted by ${sig}; nothing was installed and DEST is unchanged`);
      expect(leftovers(parent)).toEqual([]);
      intact(dest);
    });
  }

  it("SIGKILL halfway leaves a temp dir that the next run removes before it succeeds", async () => {
    const [parent, dest] = existing();
    const r = await interrupt(dest, "SIGKILL");
    expect(r.signal).toBe("SIGKILL");
    const stale = leftovers(parent);
    expect(stale).toHaveLength(1);
    intact(dest);
    const again = runInstaller(PY.exe, big, [dest, "--force", "--no-compile"]);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stderr).toContain(`wheelbarrow: removing ${join(parent, stale[0]!)}, left by an interrupted run (pid `);
    expect(leftovers(parent)).toEqual([]);
    expect(existsSync(join(dest, "marker"))).toBe(false);
    expect(readdirSync(join(dest, "venv", "lib", `python${PY.version}`, "site-packages", "big_pkg"))).toHaveLength(3002);
  });

  it("an old install set aside by a killed --force run is restored; a live run's temp dir is refused", () => {
    const [parent, dest] = existing();
    const aside = join(parent, ".shop.wb-99999999.old");
    renameSync(dest, aside);
    const r = runInstaller(PY.exe, small, [dest, "--json"]);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).action).toBe("unchanged");
    expect(leftovers(parent)).toEqual([]);
    intact(dest);
    const live = join(parent, `.shop.wb-${process.pid}.tmp`);
    mkdirSync(live);
    const busy = runInstaller(PY.exe, big, [dest, "--force"]);
    expect(busy.code).toBe(1);
    expect(busy.stderr).toContain(
      `error[E_INSTALL]: another installation into ${dest} is running (pid ${process.pid})\nhint: wait for it to finish, or if no such process is an installer, remove ${live}\n`,
    );
    intact(dest);
  });

  const canMount = process.getuid?.() === 0 && run("sh", ["-c", `mkdir -p ${root}/probe && mount -t tmpfs -o size=64k tmpfs ${root}/probe && umount ${root}/probe`]).code === 0;
  it.skipIf(!canMount)("a full filesystem fails with E_INSTALL and leaves the existing install", async () => {
    const mnt = join(root, "tmpfs");
    mkdirSync(mnt);
    expect(run("mount", ["-t", "tmpfs", "-o", "size=700k", "tmpfs", mnt]).code).toBe(0);
    try {
      const dest = join(mnt, "shop");
      expect(runInstaller(PY.exe, small, [dest, "--no-compile"]).code).toBe(0);
      writeFileSync(join(dest, "marker"), "old");
      const fat = (await buildBundle({ name: "shop", version: "2.0", target: TARGET, wheels: [{ spec: pureWheel({ files: { "pure_lib/__init__.py": "", "pure_lib/blob.bin": randomBytes(2 << 20) } }) }] }, join(root, "fat"))).dir;
      const r = runInstaller(PY.exe, fat, [dest, "--force"]);
      expect(r.code).toBe(1);
      expect(r.stderr.slice(r.stderr.indexOf("error["))).toBe(
        `error[E_INSTALL]: No space left on device while building the install next to ${dest}; nothing was installed and DEST is unchanged\n` +
          `hint: free space on the filesystem of ${mnt}, or choose another DEST\n`,
      );
      expect(leftovers(mnt)).toEqual([]);
      intact(dest);
    } finally {
      run("umount", [mnt]);
    }
  });
});
