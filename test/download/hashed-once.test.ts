/**
 * Each byte hashed once per run (docs/architecture.md "Hashes"): a download is verified against
 * every requested algorithm in the pass that streams it in; a cache hit is trusted without
 * reading it unless --verify-cache asks or a request needs an algorithm the cache does not key
 * by (then one pass computes all of them). Counted with src/util/multi-hasher.ts's byte counter.
 */
import { createHash } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { hashedBytes, resetHashedBytes } from "../../src/util/multi-hasher.js";
import { startIndexServer, type IndexServer } from "../helpers/index-server.js";
import { buildWheel, type BuiltWheel } from "../helpers/wheel-builder.js";
import { runCli } from "../helpers/run-cli.js";

let dir: string;
let alpha: BuiltWheel;
let beta: BuiltWheel;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "wb-hashed-once-"));
  alpha = await buildWheel({ name: "alpha", version: "1.0", files: { "alpha/__init__.py": "x = 1\n".repeat(5000) } }, join(dir, "wheels"));
  beta = await buildWheel({ name: "beta", version: "2.0", files: { "beta/__init__.py": "y = 2\n".repeat(3000) } }, join(dir, "wheels"));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));
beforeEach(() => resetHashedBytes());

const sha512 = (w: BuiltWheel) => createHash("sha512").update(readFileSync(w.path)).digest("hex");
function reqFile(name: string, text: string): string {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
}
// No sidecars, so the counter sees only the wheels' bytes. With Range, METADATA comes from range
// reads; without it the planner downloads each wheel whole, and that download is the one hashed.
describe.each([
  ["range reads", true],
  ["no Range: the planner downloads the wheels", false],
])("bytes hashed during one bundle run, METADATA by %s", (_how, ranges) => {
  let server: IndexServer;
  let cache: string;
  beforeAll(async () => {
    server = await startIndexServer({ files: [alpha, beta], metadata: "none", ranges });
    cache = join(dir, `cache-${String(ranges)}`);
  });
  afterAll(() => server.close());
  const bundle = (req: string, out: string, ...more: string[]) => runCli(["bundle", "-r", req, "--index-url", server.indexUrl, "--cache-dir", cache, "--out", join(dir, `${out}-${String(ranges)}`), "--target", "linux-x86_64@3.11", "--quiet", ...more]);

  it("a cold run hashes each downloaded file once per algorithm: sha256 for both, sha512 for the one a --hash asks it of", async () => {
    const req = reqFile("strong.txt", `alpha==1.0 --hash=sha256:${alpha.sha256} --hash=sha512:${sha512(alpha)}\nbeta==2.0 --hash=sha256:${beta.sha256}\n`);
    const r = await bundle(req, "cold");
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(hashedBytes()).toEqual({ sha256: alpha.size + beta.size, sha512: alpha.size });

    // A hit on the same inputs: the cache is keyed by sha256 only, so alpha's sha512 takes one
    // pass (computing sha256 with it); beta is trusted unread.
    resetHashedBytes();
    expect((await bundle(req, "warm-strong")).code).toBe(0);
    expect(hashedBytes()).toEqual({ sha256: alpha.size, sha512: alpha.size });
  });

  it("a cache hit with sha256 alone reads nothing; --verify-cache reads each file once", async () => {
    const req = reqFile("plain.txt", "alpha==1.0\nbeta==2.0\n");
    expect((await bundle(req, "first")).code).toBe(0);
    resetHashedBytes();
    expect((await bundle(req, "warm")).code).toBe(0);
    expect(hashedBytes()).toEqual({});
    expect((await bundle(req, "verified", "--verify-cache")).code).toBe(0);
    expect(hashedBytes()).toEqual({ sha256: alpha.size + beta.size });
  });
});
