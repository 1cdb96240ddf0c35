/**
 * SIGINT / SIGTERM during `bundle`, against a real child process: killed mid-download (a local
 * server that sends half a wheel and stalls) or while the archives are being written, the run
 * exits 130 / 143 with E_INTERRUPTED and leaves nothing in --out (no hidden temp, no archive of a
 * target finished earlier in the run) and no `incoming.tmp-*` in the cache.
 */
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { tmpdir } from "node:os";
import { dirname, join, normalize } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { writeStaticIndex } from "../../scripts/lib/static-index.js";
import { buildWheel } from "../helpers/wheel-builder.js";

const repo = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
let dir: string;
let server: Server;
let url: string;
let stall = true;
let bodyStarted: () => void = () => undefined;
const held: import("node:http").ServerResponse[] = [];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "wb-interrupt-"));
  const w = await buildWheel({ name: "big", version: "1.0", files: { "big/blob.bin": randomBytes(1 << 20) } }, join(dir, "wheels"));
  writeStaticIndex([w], join(dir, "index"));
  writeFileSync(join(dir, "req.txt"), "big==1.0\n");
  mkdirSync(join(dir, "app"));
  writeFileSync(join(dir, "app", "payload.bin"), randomBytes(16 << 20));
  writeFileSync(join(dir, "app", "main.py"), "print('hi')\n");
  server = createServer((req, res) => {
    const path = normalize(join(dir, "index", decodeURIComponent(new URL(req.url ?? "/", "http://x").pathname)));
    const file = existsSync(path) && statSync(path).isDirectory() ? join(path, "index.html") : path;
    if (!existsSync(file)) return void res.writeHead(404).end();
    const body = readFileSync(file);
    if (file.endsWith(".whl") && stall) {
      // half the wheel, then nothing: the client waits for the rest
      res.writeHead(200, { "content-type": "application/octet-stream", "content-length": body.length });
      res.write(body.subarray(0, body.length >> 1), () => bodyStarted());
      held.push(res);
      return;
    }
    res.writeHead(200, { "content-type": file.endsWith(".html") ? "text/html" : "application/octet-stream", "content-length": body.length }).end(body);
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const a = server.address();
  url = `http://127.0.0.1:${typeof a === "object" && a ? a.port : 0}/simple/`;
}, 60_000);
afterAll(async () => {
  for (const r of held) r.destroy();
  await new Promise<void>((r) => server.close(() => r()));
  rmSync(dir, { recursive: true, force: true });
});

function startBundle(out: string, cache: string, extra: string[] = []) {
  const child = spawn(process.execPath, [join(repo, "bin", "wheelbarrow.js"), "bundle", "-r", join(dir, "req.txt"), "--index-url", url, "--out", out, "--cache-dir", cache, "--target", "linux-x86_64@3.11", "--no-progress", "--json", ...extra], {
    cwd: dir,
    env: { ...process.env, WHEELBARROW_FROM_SOURCE: "1" },
  });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
  child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
  const done = new Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }>((res) => child.on("close", (code, signal) => res({ code, signal, stdout, stderr })));
  return { child, done };
}

function leftovers(out: string, cache: string): string[] {
  const inOut = existsSync(out) ? readdirSync(out) : [];
  const incoming = join(cache, "wheels-v1", "sha256");
  const inCache = existsSync(incoming) ? readdirSync(incoming).filter((n) => n.includes(".tmp-")) : [];
  return [...inOut.map((n) => `out/${n}`), ...inCache.map((n) => `cache/${n}`)];
}

describe("interrupting bundle", () => {
  for (const [signal, exit] of [["SIGINT", 130], ["SIGTERM", 143]] as const) {
    it(`${signal} mid-download: exit ${exit}, nothing in --out, no incoming temp in the cache`, async () => {
      stall = true;
      const out = join(dir, `out-${signal}`);
      const cache = join(dir, `cache-${signal}`);
      const started = new Promise<void>((r) => (bodyStarted = r));
      const { child, done } = startBundle(out, cache);
      await started;
      // the download temp exists before we interrupt
      const incoming = join(cache, "wheels-v1", "sha256");
      for (let i = 0; i < 200 && !(existsSync(incoming) && readdirSync(incoming).some((n) => n.startsWith("incoming.tmp-"))); i++) await new Promise((r) => setTimeout(r, 25));
      expect(readdirSync(incoming).some((n) => n.startsWith(`incoming.tmp-${child.pid}-`))).toBe(true);
      child.kill(signal);
      const r = await done;
      expect(r.code).toBe(exit);
      expect(r.stderr).toContain(`error[E_INTERRUPTED]: interrupted by ${signal}`);
      expect((JSON.parse(r.stdout) as { error: { code: string } }).error.code).toBe("E_INTERRUPTED");
      expect(leftovers(out, cache)).toEqual([]);
    }, 60_000);
  }

  it("SIGTERM while archives are written: no archive of an earlier target, no temp", async () => {
    stall = false;
    const out = join(dir, "out-writing");
    const cache = join(dir, "cache-writing");
    const { child, done } = startBundle(out, cache, ["--app", join(dir, "app"), "--target", "macos-arm64@3.11", "--target", "linux-aarch64@3.11"]);
    // wait until the first bundle is staged and the second is being written
    let seen: string[] = [];
    for (let i = 0; i < 2000; i++) {
      seen = existsSync(out) ? readdirSync(out).filter((n) => n.includes(".tmp-")) : [];
      if (seen.length >= 2) break;
      await new Promise((r) => setTimeout(r, 5));
    }
    expect(seen.length).toBeGreaterThanOrEqual(2);
    child.kill("SIGTERM");
    const r = await done;
    expect(r.code).toBe(143);
    expect(leftovers(out, cache)).toEqual([]);
  }, 60_000);
});
