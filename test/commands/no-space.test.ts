/**
 * A full disk under the cache or --out is E_NO_SPACE naming the directory and how much was
 * needed, never E_NETWORK or an internal error, and nothing of the run is left there. Real full
 * disks: 1 MiB tmpfs mounts (needs root; skipped with the reason otherwise).
 */
import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { serveStatic, writeStaticIndex, type StaticServer } from "../../scripts/lib/static-index.js";
import { noSpaceError } from "../../src/commands/no-space.js";
import { WbError } from "../../src/errors.js";
import { buildWheel } from "../helpers/wheel-builder.js";
import { runCli } from "../helpers/run-cli.js";

const dir = mkdtempSync(join(tmpdir(), "wb-nospace-"));
const mounts: string[] = [];

function tmpfs(name: string): string | null {
  const p = join(dir, name);
  mkdirSync(p);
  try {
    execFileSync("mount", ["-t", "tmpfs", "-o", "size=1m", "tmpfs", p], { stdio: "ignore" });
    mounts.push(p);
    return p;
  } catch {
    return null;
  }
}

const smallCache = tmpfs("small-cache");
const smallOut = tmpfs("small-out");
const canMount = smallCache !== null && smallOut !== null;
if (!canMount) console.warn("no-space tests skipped: cannot mount a tmpfs here (needs root and mount permission)");

let server: StaticServer;
let bigReq: string;
let mediumReq: string;

beforeAll(async () => {
  const w = join(dir, "wheels");
  writeStaticIndex([
    await buildWheel({ name: "big", version: "1.0", files: { "big/blob.bin": randomBytes(2 << 20) } }, w),
    await buildWheel({ name: "medium", version: "1.0", files: { "medium/blob.bin": randomBytes(600 << 10) } }, w),
  ], join(dir, "index"));
  server = await serveStatic(join(dir, "index"));
  bigReq = join(dir, "big.txt");
  writeFileSync(bigReq, "big==1.0\n");
  mediumReq = join(dir, "medium.txt");
  writeFileSync(mediumReq, "medium==1.0\n");
  mkdirSync(join(dir, "app"));
  writeFileSync(join(dir, "app", "payload.bin"), randomBytes(700 << 10));
}, 60_000);
afterAll(async () => {
  await server?.close();
  for (const m of mounts) execFileSync("umount", [m]);
  rmSync(dir, { recursive: true, force: true });
});

function bundle(req: string, out: string, cache: string, extra: string[] = []) {
  return runCli(["bundle", "-r", req, "--index-url", `${server.url}/simple/`, "--target", "linux-x86_64@3.11", "--out", out, "--cache-dir", cache, "--quiet", "--json", ...extra]);
}

describe.skipIf(!canMount)("disk full (tmpfs)", () => {
  it("a cache on a full disk: E_NO_SPACE with the cache directory, no partial download left", async () => {
    const cache = join(smallCache!, "c");
    const r = await bundle(bigReq, join(dir, "out-1"), cache);
    expect(r.code).toBe(1);
    const doc = JSON.parse(r.stdout) as { error: { code: string; message: string; path: string; errno: string } };
    expect(doc.error.code).toBe("E_NO_SPACE");
    expect(doc.error.path).toBe(cache);
    expect(doc.error.message).toMatch(/^no space left on the device writing the downloads to .*small-cache\/c \(.*free\)$/);
    expect(r.stderr).toContain("hint: free space there, or point --cache-dir");
    const incoming = join(cache, "wheels-v1", "sha256");
    expect(existsSync(incoming) ? readdirSync(incoming).filter((n) => n.includes(".tmp-")) : []).toEqual([]);
    expect(existsSync(join(dir, "out-1")) ? readdirSync(join(dir, "out-1")) : []).toEqual([]);
  });

  it("--out on a full disk, known before writing: E_NO_SPACE with how much is needed", async () => {
    const out = join(smallOut!, "o");
    const r = await bundle(bigReq, out, join(dir, "cache"));
    expect(r.code).toBe(1);
    const doc = JSON.parse(r.stdout) as { error: { code: string; message: string; needed: number; free: number } };
    expect(doc.error.code).toBe("E_NO_SPACE");
    expect(doc.error.message).toMatch(/writing the bundles to .*small-out\/o \(2\.1 MB needed, .* free\)/);
    expect(doc.error.needed).toBeGreaterThan(2 << 20);
    expect(existsSync(out) ? readdirSync(out) : []).toEqual([]);
  });

  it("--out filling up while the archive is written: E_NO_SPACE, the temp archive removed", async () => {
    const out = join(smallOut!, "o2");
    const r = await bundle(mediumReq, out, join(dir, "cache"), ["--app", join(dir, "app")]);
    expect(r.code).toBe(1);
    const doc = JSON.parse(r.stdout) as { error: { code: string; message: string; errno: string } };
    expect(doc.error.code).toBe("E_NO_SPACE");
    expect(doc.error.errno).toBe("ENOSPC");
    expect(doc.error.message).toContain("writing the bundles to");
    expect(existsSync(out) ? readdirSync(out) : []).toEqual([]);
    expect(readdirSync(smallOut!).filter((n) => n !== "o")).toEqual([]);
  });
});

describe("no-space classification", () => {
  it("EDQUOT and a download write failure the HTTP client reported as E_NETWORK both become E_NO_SPACE", () => {
    const quota = Object.assign(new Error("EDQUOT: disk quota exceeded, write"), { code: "EDQUOT", path: "/srv/out/x" });
    const e1 = noSpaceError(quota)!;
    expect(e1.code).toBe("E_NO_SPACE");
    expect(e1.message).toMatch(/^the disk quota is exhausted writing files to \/srv\/out\/x/);
    const wrapped = new WbError("E_NETWORK", "cannot fetch http://h/x.whl: ENOSPC: no space left on device, write (ENOSPC)", { cause: "ENOSPC: no space left on device, write" });
    expect(noSpaceError(wrapped, { path: "/c", what: "the downloads", needed: 10 })!.message).toMatch(/^no space left on the device writing the downloads to \/c \(10 B needed/);
    expect(noSpaceError(new WbError("E_NETWORK", "connection refused (ECONNREFUSED)"))).toBeNull();
    expect(noSpaceError(new Error("boom"))).toBeNull();
  });
});
