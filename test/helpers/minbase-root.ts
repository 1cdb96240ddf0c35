/**
 * A minimal Debian root with no Python in it, for installing bundles "on a machine that has
 * none": `debootstrap --variant=minbase bookworm`, built once under WHEELBARROW_FIELD_ROOT
 * (default /var/tmp/wheelbarrow-field/bookworm-minbase) and reused. Needs root, debootstrap and a
 * reachable Debian mirror (WHEELBARROW_DEBIAN_MIRROR, default http://deb.debian.org/debian);
 * `minbaseRoot()` returns the path, or why there is none so tests skip with that reason.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, renameSync, rmSync } from "node:fs";
import { dirname } from "node:path";

export const DEFAULT_ROOT = "/var/tmp/wheelbarrow-field/bookworm-minbase";

function has(cmd: string): boolean {
  return spawnSync("sh", ["-c", `command -v ${cmd}`], { stdio: "ignore" }).status === 0;
}

export function minbaseRoot(env: Record<string, string | undefined> = process.env): { root: string } | { reason: string } {
  const root = env["WHEELBARROW_FIELD_ROOT"] || DEFAULT_ROOT;
  if (process.platform !== "linux") return { reason: "needs Linux" };
  if (process.getuid?.() !== 0) return { reason: "needs root (chroot, mount, unshare)" };
  for (const c of ["chroot", "unshare", "mount"]) if (!has(c)) return { reason: `no ${c}` };
  if (existsSync(`${root}/usr/bin/tar`)) return { root };
  if (!has("debootstrap")) return { reason: "no debootstrap (apt-get install debootstrap)" };
  const tmp = `${root}.tmp-${process.pid}`;
  mkdirSync(dirname(root), { recursive: true });
  try {
    execFileSync("debootstrap", ["--variant=minbase", "bookworm", tmp, env["WHEELBARROW_DEBIAN_MIRROR"] || "http://deb.debian.org/debian"], { stdio: "ignore", timeout: 20 * 60_000 });
    renameSync(tmp, root);
  } catch (e) {
    rmSync(tmp, { recursive: true, force: true });
    return { reason: `debootstrap failed (${(e as Error).message.split("\n")[0]})` };
  }
  return { root };
}

/**
 * Runs a sh script inside `root`: no network (unshare -n), private mounts with the root's own
 * /proc, a clean environment whose PATH has no python.
 */
export function runInRoot(root: string, script: string): { status: number | null; stdout: string; stderr: string } {
  const outer = `mount -t proc proc '${root}/proc' && exec chroot '${root}' /usr/bin/env -i PATH=/usr/local/bin:/usr/bin:/bin HOME=/root /bin/sh -c "$1"`;
  const r = spawnSync("unshare", ["-n", "-m", "--propagation", "private", "sh", "-c", outer, "sh", script], { encoding: "utf8", timeout: 300_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}
