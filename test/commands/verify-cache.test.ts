/**
 * What a cache hit trusts. A wheel in the cache was hash-verified when it was written, so a
 * later run uses it without re-hashing it; a damaged entry is still caught, by the archive
 * writer's sha256 check as it copies the wheel (E_INTEGRITY, nothing in --out). --verify-cache
 * re-hashes each entry before use: the damaged one is dropped and downloaded again.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Cache } from "../../src/store/cache.js";
import { startIndexServer, type IndexServer } from "../helpers/index-server.js";
import { buildWheel, type BuiltWheel } from "../helpers/wheel-builder.js";
import { runCli } from "../helpers/run-cli.js";

let dir: string;
let server: IndexServer;
let wheel: BuiltWheel;
let req: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "wb-verify-cache-"));
  wheel = await buildWheel({ name: "alpha", version: "1.0", files: { "alpha/__init__.py": "x = 1\n" } }, join(dir, "wheels"));
  server = await startIndexServer({ files: [wheel] });
  req = join(dir, "req.txt");
  writeFileSync(req, "alpha==1.0\n");
});
afterAll(async () => {
  await server.close();
  rmSync(dir, { recursive: true, force: true });
});

const args = (out: string, ...more: string[]) => ["bundle", "-r", req, "--index-url", server.indexUrl, "--cache-dir", join(dir, "cache"), "--out", out, "--target", "linux-x86_64@3.11", "--quiet", ...more];
const downloads = () => server.requests.filter((q) => q.url === `/packages/${wheel.filename}`).length;

describe("cache hits", () => {
  it("are trusted without --verify-cache; a damaged entry still fails the bundle; --verify-cache downloads it again", async () => {
    expect((await runCli(args(join(dir, "a")))).code).toBe(0);
    expect(downloads()).toBe(1);
    const entry = new Cache(join(dir, "cache")).wheelPath(wheel.sha256);
    const good = readFileSync(entry);
    const bad = Buffer.from(good);
    bad[bad.length - 10] = bad[bad.length - 10]! ^ 0xff; // same size, different bytes
    writeFileSync(entry, bad);

    const r = await runCli(args(join(dir, "b"), "--json"));
    expect(r.code).toBe(1);
    const err = (JSON.parse(r.stdout) as { error: { code: string; message: string; hints: string[] } }).error;
    expect(err.code).toBe("E_INTEGRITY");
    expect(err.message).toContain(`${entry} changed while it was being bundled: expected sha256 ${wheel.sha256}`);
    // The hint names the option that repairs it (used just below).
    expect(err.hints).toEqual(["the cached file is damaged: bundle again with --verify-cache (every cache entry is re-hashed and a damaged one downloaded anew), or remove it from the cache"]);
    expect(existsSync(join(dir, "b")) ? readdirSync(join(dir, "b")).filter((n) => !n.startsWith(".")) : []).toEqual([]);
    expect(downloads()).toBe(1); // the hit was trusted: no new request

    const v = await runCli(args(join(dir, "c"), "--verify-cache"));
    expect(v.code).toBe(0);
    expect(downloads()).toBe(2);
    expect(readFileSync(entry).equals(good)).toBe(true);
    expect((await runCli(["verify", join(dir, "c", readdirSync(join(dir, "c")).find((n) => n.endsWith(".tar.gz"))!)])).code).toBe(0);
  });
});
