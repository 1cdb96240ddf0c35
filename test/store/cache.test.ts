import { existsSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { Cache, defaultCacheDir, hashFile, sha256Hex } from "../../src/store/cache.js";
import { tempDir } from "../net/net-helpers.js";

const SHA = "ab" + "c".repeat(62);

describe("defaultCacheDir", () => {
  it.each([
    [{ WHEELBARROW_CACHE_DIR: "/x/cache", HOME: "/home/u" }, "linux", "/x/cache"],
    [{ HOME: "/home/u" }, "linux", "/home/u/.cache/wheelbarrow"],
    [{ HOME: "/home/u", XDG_CACHE_HOME: "/var/cache/u" }, "linux", "/var/cache/u/wheelbarrow"],
    [{ HOME: "/home/u", XDG_CACHE_HOME: "relative" }, "linux", "/home/u/.cache/wheelbarrow"],
    [{ HOME: "/Users/u" }, "darwin", "/Users/u/Library/Caches/wheelbarrow"],
  ] as const)("%j on %s -> %s", (env, platform, want) => {
    expect(defaultCacheDir(env, platform)).toBe(want);
  });

  it("on Windows the default cache is under LOCALAPPDATA", () => {
    expect(defaultCacheDir({ LOCALAPPDATA: "C:\\Users\\u\\AppData\\Local" }, "win32")).toContain(join("wheelbarrow", "Cache"));
  });
});

describe("Cache", () => {
  it("lays files out by sha256 under versioned directories", () => {
    const c = new Cache("/root");
    expect(c.wheelPath(SHA.toUpperCase())).toBe(`/root/wheels-v1/sha256/ab/${SHA}`);
    expect(c.metadataPath(SHA)).toBe(`/root/metadata-v2/wheel/ab/${SHA}`);
    expect(() => c.wheelPath("../../etc/passwd")).toThrow("internal: not a sha256 hex digest");
  });

  it("commits a temp file by rename, and tolerates an identical file already there", async () => {
    const c = new Cache(tempDir("wb-cache-"));
    const body = Buffer.from("wheel bytes");
    const sha = sha256Hex(body);
    const t1 = c.downloadTempPath();
    writeFileSync(t1, body);
    const p = c.commitWheel(t1, sha);
    expect(c.hasWheel(sha)).toBe(true);
    expect(await hashFile(p)).toEqual({ sha256: sha, size: body.length });
    const t2 = c.downloadTempPath();
    writeFileSync(t2, body);
    c.commitWheel(t2, sha);
    expect(existsSync(t1) || existsSync(t2)).toBe(false);
    expect(readdirSync(join(c.root, "wheels-v1", "sha256", sha.slice(0, 2)))).toEqual([sha]);
  });

  it("verifyWheel removes a damaged entry", async () => {
    const c = new Cache(tempDir("wb-cache-"));
    const sha = sha256Hex("good");
    const t = c.downloadTempPath();
    writeFileSync(t, "good");
    c.commitWheel(t, sha);
    expect(await c.verifyWheel(sha)).toBe(true);
    writeFileSync(c.wheelPath(sha), "bad!");
    expect(await c.verifyWheel(sha)).toBe(false);
    expect(c.hasWheel(sha)).toBe(false);
  });

  it("keeps index pages, METADATA and url -> sha256 records", () => {
    const c = new Cache(tempDir("wb-cache-"));
    const page = { url: "https://h/simple/a/", finalUrl: "https://h/simple/a/", status: 200, contentType: "text/html", etag: '"1"', body: "<a>", fetchedAt: "2024-01-01T00:00:00Z" };
    expect(c.readPage(page.url)).toBeNull();
    c.writePage(page);
    expect(c.readPage(page.url)).toEqual(page);
    c.writeMetadata(SHA, "Metadata-Version: 2.1\n");
    expect(c.readMetadata(SHA)).toBe("Metadata-Version: 2.1\n");
    c.recordUrlSha("https://h/f.whl", SHA);
    expect(c.shaForUrl("https://h/f.whl")).toBe(SHA);
    expect(c.shaForUrl("https://h/other.whl")).toBeNull();
    const dirs = readdirSync(c.root).sort();
    expect(dirs).toEqual(["metadata-v2", "simple-v1", "urls-v1"]);
  });
});
