/**
 * What `bundle` may and may not do to --out: two targets with one archive name are refused
 * before any work; `--format dir` replaces only a directory bundle it wrote for the same stem;
 * temp files left by killed runs are swept (ours and live owners' are kept).
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { serveStatic, writeStaticIndex, type StaticServer } from "../../scripts/lib/static-index.js";
import { buildWheel } from "../helpers/wheel-builder.js";
import { runCli } from "../helpers/run-cli.js";
import { isStaleTemp, STALE_AFTER_MS } from "../../src/store/temp-files.js";

let dir: string;
let server: StaticServer;
let req: string;
const stem = "bundle-0.0.0-manylinux_2_17_x86_64-cp311";

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "wb-outputs-"));
  const wheels = [await buildWheel({ name: "tiny", version: "1.0", files: { "tiny/__init__.py": "" } }, join(dir, "wheels"))];
  writeStaticIndex(wheels, join(dir, "index"));
  server = await serveStatic(join(dir, "index"));
  req = join(dir, "req.txt");
  writeFileSync(req, "tiny==1.0\n");
});
afterAll(async () => {
  await server.close();
  rmSync(dir, { recursive: true, force: true });
});

const args = (out: string, ...more: string[]) => ["bundle", "-r", req, "--index-url", `${server.url}/simple/`, "--cache-dir", join(dir, "cache"), "--out", out, "--quiet", ...more];

function deadPid(): number {
  const p = spawnSync(process.execPath, ["-e", ""]);
  return p.pid!;
}

describe("bundle outputs", () => {
  it("two targets giving the same archive name are E_USAGE before any request", async () => {
    server.requests.length = 0;
    const out = join(dir, "dup");
    const r = await runCli(args(out, "--target", "linux-x86_64@3.11", "--target", "linux-x86_64@3.11.9"));
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^error\[E_USAGE\]: --target linux-x86_64@3\.11 and --target linux-x86_64@3\.11\.9 both give bundle-0\.0\.0-manylinux_2_17_x86_64-cp311\.tar\.gz/m);
    expect(server.requests).toEqual([]);
    expect(existsSync(out)).toBe(false);
    // different formats of the same stem are different names, and allowed
    const ok = await runCli(args(join(dir, "dup-ok"), "--target", "linux-x86_64@3.11", "--target", "win_amd64@3.11"));
    expect(ok.code).toBe(0);
  });

  it("--format dir refuses to replace a directory it did not write, and deletes nothing", async () => {
    const out = join(dir, "dir-user");
    mkdirSync(join(out, stem), { recursive: true });
    writeFileSync(join(out, stem, "precious.txt"), "keep me");
    const r = await runCli(args(out, "--target", "linux-x86_64@3.11", "--format", "dir", "--json"));
    expect(r.code).toBe(1);
    const doc = JSON.parse(r.stdout) as { error: { code: string; message: string; path: string } };
    expect(doc.error.code).toBe("E_USAGE");
    expect(doc.error.message).toContain("does not hold a wheelbarrow manifest");
    expect(doc.error.path).toBe(join(out, stem));
    expect(readFileSync(join(out, stem, "precious.txt"), "utf8")).toBe("keep me");
    expect(readdirSync(out)).toEqual([stem]);
    // a manifest of another bundle does not count either
    writeFileSync(join(out, stem, "manifest.json"), JSON.stringify({ createdBy: { tool: "wheelbarrow" }, app: { name: "other", version: "1" }, target: { platform: "manylinux_2_17_x86_64", pythonTag: "cp311" } }));
    expect((await runCli(args(out, "--target", "linux-x86_64@3.11", "--format", "dir"))).code).toBe(1);
    expect(readFileSync(join(out, stem, "precious.txt"), "utf8")).toBe("keep me");
    // a file where the directory goes is refused too
    const out2 = join(dir, "dir-file");
    mkdirSync(out2);
    writeFileSync(join(out2, stem), "a file");
    expect((await runCli(args(out2, "--target", "linux-x86_64@3.11", "--format", "dir"))).code).toBe(1);
    expect(readFileSync(join(out2, stem), "utf8")).toBe("a file");
  });

  it("--format dir replaces its own earlier bundle of the same stem", async () => {
    const out = join(dir, "dir-own");
    expect((await runCli(args(out, "--target", "linux-x86_64@3.11", "--format", "dir"))).code).toBe(0);
    writeFileSync(join(out, stem, "stray.txt"), "from the old one");
    const again = await runCli(args(out, "--target", "linux-x86_64@3.11", "--format", "dir"));
    expect(again.stderr).toBe("");
    expect(again.code).toBe(0);
    expect(existsSync(join(out, stem, "stray.txt"))).toBe(false);
    expect(readdirSync(out)).toEqual([stem]);
    expect((await runCli(["verify", join(out, stem)])).code).toBe(0);
  });

  it("a later run removes temps of dead runs in --out and the cache, and keeps live ones", async () => {
    const out = join(dir, "sweep");
    const cache = join(dir, "cache");
    const incoming = join(cache, "wheels-v1", "sha256");
    mkdirSync(out, { recursive: true });
    mkdirSync(incoming, { recursive: true });
    const dead = deadPid();
    mkdirSync(join(out, `.${stem}.tmp-${dead}-0a1b2c`));
    writeFileSync(join(out, `.${stem}.tmp-${dead}-0a1b2c`, "x"), "partial");
    writeFileSync(join(out, `.${stem}.tmp-${dead}-3d4e5f-old`), "");
    writeFileSync(join(incoming, `incoming.tmp-${dead}-abcdef`), "partial download");
    const live = `.${stem}.tmp-${process.ppid}-123456`; // the test runner's parent: alive
    writeFileSync(join(out, live), "");
    writeFileSync(join(out, ".hidden-user-file"), "not a temp");
    const r = await runCli(args(out, "--target", "linux-x86_64@3.11"));
    expect(r.code).toBe(0);
    expect(readdirSync(out).sort()).toEqual([live, ".hidden-user-file", `${stem}.tar.gz`].sort());
    expect(readdirSync(incoming).filter((n) => n.startsWith("incoming."))).toEqual([]);
  });

  it("staleness: a dead owner, or older than STALE_AFTER_MS whoever owns it; never our own or foreign names", () => {
    const now = Date.now();
    const alive = () => true;
    const gone = () => false;
    expect(isStaleTemp(".s.tmp-4242-ab12", now, now, gone)).toBe(true);
    expect(isStaleTemp(".s.tmp-4242-ab12", now, now, alive)).toBe(false);
    expect(isStaleTemp(".s.tmp-4242-ab12", now - STALE_AFTER_MS - 1, now, alive)).toBe(true);
    expect(isStaleTemp(`.s.tmp-${process.pid}-ab12`, 0, now, gone)).toBe(false);
    expect(isStaleTemp(".s.tmp-ab12", 0, now, gone)).toBe(false);
    expect(isStaleTemp("notes.txt", 0, now, gone)).toBe(false);
  });
});
