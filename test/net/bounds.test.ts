/**
 * Every input from the network is bounded: a download stops at the size the index declared
 * (E_INTEGRITY, nothing in the cache), a body with no declared size at the download cap, project
 * pages and PEP 658 sidecars at their caps (a coded error naming the URL), and an index that
 * does not answer Range requests is probed once per run, not once per wheel.
 */
import { randomBytes } from "node:crypto";
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Cache } from "../../src/store/cache.js";
import { Sources } from "../../src/index/sources.js";
import { fetchToCache } from "../../src/download/downloader.js";
import { buildWheel, type BuiltWheel } from "../helpers/wheel-builder.js";
import { startIndexServer, type IndexServer, type IndexServerOptions } from "../helpers/index-server.js";
import { endlessBody, wrongBody } from "../helpers/http-faults.js";
import { rejection, tempDir, testNet } from "./net-helpers.js";
import { SafeUrl } from "../../src/text/safe-url.js";

let wheels: BuiltWheel[];
const servers: IndexServer[] = [];

beforeAll(async () => {
  const dir = tempDir("wb-bounds-");
  wheels = [];
  for (const name of ["alpha", "beta", "gamma"]) {
    wheels.push(await buildWheel({ name, version: "1.0", files: { [`${name}/__init__.py`]: "", [`${name}/blob.bin`]: randomBytes(200_000) } }, dir));
  }
});
afterAll(async () => {
  await Promise.all(servers.map((s) => s.close()));
});

async function serve(o: Partial<IndexServerOptions>): Promise<IndexServer> {
  const s = await startIndexServer({ files: wheels, ...o });
  servers.push(s);
  return s;
}

function filesIn(root: string): string[] {
  const out: string[] = [];
  const walk = (d: string): void => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      if (e.isDirectory()) walk(join(d, e.name));
      else out.push(join(d, e.name));
    }
  };
  walk(root);
  return out;
}

describe("range probing", () => {
  it("an index without Range support is probed once per run: every other wheel is requested once", async () => {
    const srv = await serve({ metadata: "none", ranges: false });
    const net = testNet();
    const cache = new Cache(tempDir("wb-cache-"));
    const s = new Sources({ indexUrl: srv.indexUrl, extraIndexUrls: [], findLinks: [], noIndex: false }, net, cache, { cwd: "/" });
    for (const w of wheels) {
      const file = (await s.getProject(w.filename.split("-")[0]!))!.files[0]!;
      expect(await s.fetchMetadata(file)).toBe(w.metadata);
    }
    const fileReqs = srv.requests.filter((r) => r.url.startsWith("/packages/"));
    // One probe (answered 200, not read) for the first wheel, then one full download per wheel.
    expect(fileReqs).toHaveLength(wheels.length + 1);
    expect(fileReqs.filter((r) => r.headers["range"] !== undefined)).toHaveLength(1);
    for (const w of wheels) expect(fileReqs.filter((r) => decodeURIComponent(r.url).endsWith(w.filename) && r.headers["range"] === undefined)).toHaveLength(1);
    await net.close();
  });

  it("an index with Range support keeps using ranges for every wheel", async () => {
    const srv = await serve({ metadata: "none", ranges: true });
    const net = testNet();
    const s = new Sources({ indexUrl: srv.indexUrl, extraIndexUrls: [], findLinks: [], noIndex: false }, net, new Cache(tempDir("wb-cache-")), { cwd: "/" });
    for (const w of wheels) expect(await s.fetchMetadata((await s.getProject(w.filename.split("-")[0]!))!.files[0]!)).toBe(w.metadata);
    const fileReqs = srv.requests.filter((r) => r.url.startsWith("/packages/"));
    expect(fileReqs.every((r) => typeof r.headers["range"] === "string")).toBe(true);
    await net.close();
  });
});

describe("download size bounds", () => {
  it("a body longer than the size the index declared: E_INTEGRITY naming the URL, nothing in the cache", async () => {
    const w = wheels[0]!;
    const srv = await serve({ faults: [wrongBody(/\/packages\//, randomBytes(w.size + 5000))] });
    const net = testNet();
    const root = tempDir("wb-cache-");
    const cache = new Cache(root);
    const url = `${srv.origin}/packages/${w.filename}`;
    const e = await rejection(fetchToCache({ url: SafeUrl.of(url), filename: w.filename, sha256: w.sha256, size: w.size }, { net, cache }));
    expect(e.code).toBe("E_INTEGRITY");
    expect(e.message).toContain(url);
    expect(e.message).toContain(`the ${w.size} bytes the index declares`);
    expect(filesIn(root).filter((f) => f.includes("wheels-v1") || f.includes("incoming"))).toEqual([]);
    await net.close();
  });

  it("an endless body without a declared size stops at the download cap with E_INTEGRITY", async () => {
    const fault = endlessBody(/\/packages\//);
    const srv = await serve({ faults: [fault] });
    const net = testNet();
    const dest = join(tempDir(), "x.whl");
    const e = await rejection(net.download(`${srv.origin}/packages/endless.whl`, dest, { maxBytes: 3 * 1024 * 1024 }));
    expect(e.code).toBe("E_INTEGRITY");
    expect(e.message).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/packages\/endless\.whl sent more than the 3145728 bytes/);
    expect(fault.hits).toBe(1);
    await net.close();
  });
});

describe("page and sidecar caps", () => {
  it("an endless project page stops at the page cap: E_NETWORK naming the page", async () => {
    const srv = await serve({ faults: [endlessBody(/^\/simple\/alpha\//)] });
    const net = testNet();
    const s = new Sources({ indexUrl: srv.indexUrl, extraIndexUrls: [], findLinks: [], noIndex: false }, net, new Cache(tempDir("wb-cache-")), { cwd: "/" });
    const e = await rejection(s.getProject("alpha"));
    expect(e.code).toBe("E_NETWORK");
    expect(e.message).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/simple\/alpha\/ is larger than the 64 MiB allowed for the index page of alpha$/);
    await net.close();
  });

  it("an endless PEP 658 sidecar stops at 16 MiB (the METADATA cap): E_NETWORK naming the .metadata URL", async () => {
    const srv = await serve({ metadata: "sidecar", faults: [endlessBody(/\.metadata$/)] });
    const net = testNet();
    const s = new Sources({ indexUrl: srv.indexUrl, extraIndexUrls: [], findLinks: [], noIndex: false }, net, new Cache(tempDir("wb-cache-")), { cwd: "/" });
    const file = (await s.getProject("alpha"))!.files[0]!;
    const e = await rejection(s.fetchMetadata(file));
    expect(e.code).toBe("E_NETWORK");
    expect(e.message).toMatch(/\.whl\.metadata is larger than the 16 MiB allowed for the core metadata of alpha-1\.0-py3-none-any\.whl$/);
    await net.close();
  });

  it("a page that announces more than the cap is refused before its body is read", async () => {
    const srv = await serve({});
    const net = testNet();
    const e = await rejection(net.get(`${srv.origin}/packages/${wheels[1]!.filename}`, { maxBytes: 1000, what: "a test body" }));
    expect(e.code).toBe("E_NETWORK");
    expect(e.message).toMatch(/is larger than the 1000 bytes allowed for a test body \(it announces \d+ bytes\)$/);
    await net.close();
  });
});

describe("the lock's METADATA reader inflates with a limit", () => {
  it("a METADATA member that claims 1000 bytes but inflates to 64 MiB: E_INTEGRITY, read no further than the claim", async () => {
    const { execFileSync } = await import("node:child_process");
    const { zipFromFile, metadataFromZip } = await import("../../src/index/zip-metadata.js");
    const path = join(tempDir(), "bomb-1.0-py3-none-any.whl");
    // Python writes the zip; then both size fields of the member are patched down to 1000.
    execFileSync("python3", [
      "-c",
      `import zipfile,struct,sys
p=sys.argv[1]
with zipfile.ZipFile(p,"w",zipfile.ZIP_DEFLATED) as z:
    z.writestr("bomb-1.0.dist-info/METADATA", b"Metadata-Version: 2.1\\nName: bomb\\nVersion: 1.0\\n" + b"A"*(64<<20))
b=bytearray(open(p,"rb").read())
assert b[0:4]==b"PK\\x03\\x04"
struct.pack_into("<I", b, 22, 1000)
i=b.rfind(b"PK\\x01\\x02")
struct.pack_into("<I", b, i+24, 1000)
open(p,"wb").write(b)`,
      path,
    ]);
    const before = process.memoryUsage().rss;
    const e = await rejection(metadataFromZip(await zipFromFile(path), "bomb-1.0-py3-none-any.whl", "file:///bomb"));
    expect(e.code).toBe("E_INTEGRITY");
    expect(e.message).toMatch(/bomb-1\.0-py3-none-any\.whl \(file:\/\/\/bomb\): bomb-1\.0\.dist-info\/METADATA inflates to more than the 1000 bytes its zip header declares/);
    // Bounded: nothing near the 64 MiB the member would inflate to was kept.
    expect(process.memoryUsage().rss - before).toBeLessThan(48 * 1024 * 1024);
  });
});

describe("file:// pages", () => {
  it("a local page larger than the cap is refused without reading it", async () => {
    const { writeFileSync } = await import("node:fs");
    const { pathToFileURL } = await import("node:url");
    const p = join(tempDir(), "index.html");
    writeFileSync(p, "x".repeat(5000));
    const net = testNet();
    const e = await rejection(net.get(pathToFileURL(p).toString(), { maxBytes: 4096, what: "a find-links page" }));
    expect(e.code).toBe("E_NETWORK");
    expect(e.message).toMatch(/index\.html is larger than the 4096 bytes allowed for a find-links page \(it has 5000 bytes\)$/);
    expect((await net.get(pathToFileURL(p).toString(), { maxBytes: 5000 })).body.length).toBe(5000);
    await net.close();
  });
});
