/**
 * METADATA without downloading the wheel: the PEP 658 sidecar (hash-verified; a 404 on
 * advertised metadata is an error), HTTP range reads of the zip's central directory against a
 * server that supports Range, a full download into the cache against one that does not, file://
 * wheels in place, and the cache for --offline.
 */
import { createHash, randomBytes } from "node:crypto";
import { existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Cache } from "../../src/store/cache.js";
import { Sources } from "../../src/index/sources.js";
import type { IndexFile } from "../../src/model/index-file.js";
import { buildWheel, type BuiltWheel } from "../helpers/wheel-builder.js";
import { startIndexServer, type IndexServer, type IndexServerOptions } from "../helpers/index-server.js";
import { wrongBody } from "../helpers/http-faults.js";
import { rejection, tempDir, testNet } from "../net/net-helpers.js";
import { SafeUrl } from "../../src/text/safe-url.js";

let big: BuiltWheel;
const servers: IndexServer[] = [];

beforeAll(async () => {
  // Incompressible content so the wheel is far larger than one range read (64 KiB).
  big = await buildWheel(
    { name: "big-pkg", version: "3.1", requiresDist: ["requests>=2", 'pywin32; sys_platform == "win32"'], files: { "big_pkg/__init__.py": "", "big_pkg/blob.bin": randomBytes(400_000) } },
    tempDir("wb-md-"),
  );
});
afterAll(async () => {
  await Promise.all(servers.map((s) => s.close()));
});

async function setup(o: Partial<IndexServerOptions>, cache = new Cache(tempDir("wb-cache-"))) {
  const srv = await startIndexServer({ files: [big], ...o });
  servers.push(srv);
  const net = testNet();
  const s = new Sources({ indexUrl: srv.indexUrl, extraIndexUrls: [], findLinks: [], noIndex: false }, net, cache, { cwd: "/" });
  const file = (await s.getProject("big-pkg"))!.files[0]!;
  return { srv, net, s, cache, file, fileRequests: () => srv.requests.filter((r) => r.url.startsWith("/packages/")) };
}

describe("PEP 658 sidecar", () => {
  it("fetches <url>.metadata, verified, without touching the wheel", async () => {
    const { net, s, file, fileRequests } = await setup({ metadata: "sidecar" });
    expect(typeof file.coreMetadata).toBe("object");
    expect(await s.fetchMetadata(file)).toBe(big.metadata);
    expect(fileRequests().map((r) => r.url)).toEqual([`/packages/${encodeURIComponent(big.filename)}.metadata`]);
    await net.close();
  });

  it("a sidecar that does not match the advertised hash is E_INTEGRITY with expected and found", async () => {
    const { net, s, file } = await setup({ metadata: "sidecar", faults: [wrongBody(/\.metadata$/, "Metadata-Version: 2.1\nName: evil\n")] });
    const e = await rejection(s.fetchMetadata(file));
    expect(e.code).toBe("E_INTEGRITY");
    const expected = (file.coreMetadata as Record<string, string>)["sha256"];
    expect(e.message).toMatch(new RegExp(`^the core metadata of ${big.filename.replace(/\./g, "\\.")} \\(.*\\.metadata\\) does not match the hash the index gives: expected sha256:${expected}, found sha256:[0-9a-f]{64}$`));
    expect(e.details["expected"]).toBe(`sha256:${expected}`);
    await net.close();
  });

  it("a 404 on advertised metadata is an error, not a silent fallback", async () => {
    const { net, s, file, fileRequests } = await setup({ metadata: "broken" });
    const e = await rejection(s.fetchMetadata(file));
    expect(e.code).toBe("E_NETWORK");
    expect(e.message).toBe(`the index advertises core metadata for ${big.filename}, but ${file.url.display}.metadata answered HTTP 404`);
    expect(fileRequests()).toHaveLength(1);
    await net.close();
  });
});

describe("range reads", () => {
  it("a server with Range: only ranged requests, a few of them, and the right METADATA", async () => {
    const { net, s, file, fileRequests, cache } = await setup({ metadata: "none" });
    expect(file.coreMetadata).toBe(false);
    expect(await s.fetchMetadata(file)).toBe(big.metadata);
    const reqs = fileRequests();
    expect(reqs.length).toBeGreaterThanOrEqual(1);
    expect(reqs.length).toBeLessThanOrEqual(3);
    expect(reqs.every((r) => typeof r.headers["range"] === "string")).toBe(true);
    expect(reqs[0]!.headers["range"]).toBe("bytes=-65536");
    // Not downloaded, but the METADATA is cached for --offline: for this URL only, as nobody verified it.
    expect(cache.hasWheel(big.sha256)).toBe(false);
    expect(cache.readMetadata(big.sha256)).toBeNull();
    expect(cache.readUnverifiedMetadata(file.url.key, big.sha256)).toBe(big.metadata);
    expect(cache.readUnverifiedMetadata("http://other.example/" + big.filename, big.sha256)).toBeNull();
    await net.close();
  });

  it("a server without Range: one full download into the cache, then read locally", async () => {
    const { net, s, file, fileRequests, cache } = await setup({ metadata: "none", ranges: false });
    expect(await s.fetchMetadata(file)).toBe(big.metadata);
    const reqs = fileRequests();
    expect(reqs.map((r) => r.headers["range"] ?? "full")).toEqual(["bytes=-65536", "full"]);
    expect(cache.hasWheel(big.sha256)).toBe(true);
    expect(cache.readMetadata(big.sha256)).toBe(big.metadata);
    await net.close();
  });

  it("a file that is not a zip is E_INTEGRITY, read by ranges", async () => {
    const dir = tempDir("wb-notzip-");
    const path = join(dir, "fake-1.0-py3-none-any.whl");
    const bytes = randomBytes(100_000);
    writeFileSync(path, bytes);
    const srv = await startIndexServer({ files: [{ filename: "fake-1.0-py3-none-any.whl", path, sha256: createHash("sha256").update(bytes).digest("hex") }] });
    servers.push(srv);
    const net = testNet();
    const s = new Sources({ indexUrl: srv.indexUrl, extraIndexUrls: [], findLinks: [], noIndex: false }, net, new Cache(tempDir("wb-cache-")), { cwd: "/" });
    const file = (await s.getProject("fake"))!.files[0]!;
    const e = await rejection(s.fetchMetadata(file));
    expect(e.code).toBe("E_INTEGRITY");
    expect(e.message).toBe(`fake-1.0-py3-none-any.whl from ${file.url.display} is not a readable wheel (zip): End of central directory record signature not found. Either not a zip file, or file is truncated.`);
    expect(srv.requests.filter((r) => r.url.startsWith("/packages/")).every((r) => r.headers["range"])).toBe(true);
    await net.close();
  });

  it("a wrong body on the fallback download is E_INTEGRITY after one retry", async () => {
    const { net, s, file, cache } = await setup({ metadata: "none", faults: [wrongBody(/^\/packages\//, randomBytes(70_000))] });
    // wrongBody answers 200 to the ranged request: the reader falls back to a download, whose hash fails.
    const e = await rejection(s.fetchMetadata(file));
    expect(e.code).toBe("E_INTEGRITY");
    expect(e.message).toMatch(new RegExp(`^${big.filename.replace(/\./g, "\\.")} from .* does not match its expected hash \\(2 attempts\\): expected sha256:${big.sha256}, found sha256:[0-9a-f]{64}$`));
    expect(cache.hasWheel(big.sha256)).toBe(false);
    await net.close();
  });
});

describe("local files and the cache", () => {
  it("file:// wheels are read in place", async () => {
    const cache = new Cache(tempDir("wb-cache-"));
    const net = testNet();
    const s = new Sources({ extraIndexUrls: [], findLinks: [], noIndex: true }, net, cache, { cwd: "/" });
    const file: IndexFile = { filename: big.filename, url: SafeUrl.of(pathToFileURL(big.path).toString(), big.path), hashes: {}, yanked: false, coreMetadata: false, source: { name: "fl", url: SafeUrl.of("x"), kind: "find-links" } };
    expect(await s.fetchMetadata(file)).toBe(big.metadata);
    await net.close();
  });

  it("--offline: served from the metadata cache; a miss names the file", async () => {
    const cache = new Cache(tempDir("wb-cache-"));
    const online = await setup({ metadata: "sidecar" }, cache);
    await online.s.fetchMetadata(online.file);
    await online.net.close();
    const net = testNet({ offline: true });
    const s = new Sources({ indexUrl: online.srv.indexUrl, extraIndexUrls: [], findLinks: [], noIndex: false }, net, cache, { cwd: "/" });
    const file = (await s.getProject("big-pkg"))!.files[0]!;
    expect(await s.fetchMetadata(file)).toBe(big.metadata);
    const other = { ...file, hashes: { sha256: "0".repeat(64) }, coreMetadata: { sha256: "1".repeat(64) } };
    const e = await rejection(s.fetchMetadata(other));
    expect(e.code).toBe("E_NETWORK");
    expect(e.message).toBe(`--offline: the METADATA of ${big.filename} is not in the cache (${cache.root})`);
    // Stored under the sidecar's own hash, not under the wheel hash the page claims.
    expect(cache.readSidecar((file.coreMetadata as Record<string, string>)["sha256"]!)?.toString()).toBe(big.metadata);
    expect(existsSync(cache.metadataPath(big.sha256))).toBe(false);
    await net.close();
  });
});
