/**
 * The Simple API client against the test index server: JSON (PEP 691) and HTML (PEP 503) give
 * the same files; relative hrefs resolve against the final URL after redirects; `<base href>`;
 * entities; yanked; requires-python; core-metadata; `%2B` local versions; PEP 629 versions;
 * content types; 404; the page cache (ETag revalidation, --offline).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Cache } from "../../src/store/cache.js";
import { ACCEPT, fetchProjectPage, parseProjectPage } from "../../src/index/simple-api.js";
import { Sources } from "../../src/index/sources.js";
import { RecordingReporter } from "../helpers/recording-reporter.js";
import type { IndexFile } from "../../src/model/index-file.js";
import type { SourceInfo } from "../../src/model/source-info.js";
import { buildWheel, type BuiltWheel } from "../helpers/wheel-builder.js";
import { startIndexServer, type IndexServer, type IndexServerOptions } from "../helpers/index-server.js";
import { redirect } from "../helpers/http-faults.js";
import { rejection, tempDir, testNet } from "../net/net-helpers.js";
import { SafeUrl } from "../../src/text/safe-url.js";

let wheels: BuiltWheel[];
const servers: IndexServer[] = [];

beforeAll(async () => {
  const dir = tempDir("wb-idx-");
  wheels = [
    await buildWheel({ name: "demo", version: "1.0" }, dir),
    await buildWheel({ name: "demo", version: "2.0", requiresPython: ">=3.8" }, dir),
    await buildWheel({ name: "demo", version: "2.0", tag: "cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64" }, dir),
    await buildWheel({ name: "local-ver", version: "1.0+cpu" }, dir),
  ];
});
afterAll(async () => {
  await Promise.all(servers.map((s) => s.close()));
});

async function serve(o: Partial<IndexServerOptions> = {}): Promise<IndexServer> {
  const s = await startIndexServer({
    files: wheels,
    yanked: { [wheels[0]!.filename]: "broken <build>" },
    requiresPython: { [wheels[1]!.filename]: ">=3.8,<4" },
    ...o,
  });
  servers.push(s);
  return s;
}

function sources(indexUrl: string, o: { offline?: boolean; cache?: Cache; reporter?: RecordingReporter } = {}) {
  const net = testNet({ offline: o.offline });
  const cache = o.cache ?? new Cache(tempDir("wb-cache-"));
  return { s: new Sources({ indexUrl, extraIndexUrls: [], findLinks: [], noIndex: false }, net, cache, { cwd: "/", reporter: o.reporter }), net, cache };
}

/** The fields both formats carry (JSON adds size and upload-time). */
function common(f: IndexFile) {
  return { filename: f.filename, url: f.url.reveal(), hashes: f.hashes, requiresPython: f.requiresPython, yanked: f.yanked, coreMetadata: f.coreMetadata };
}

describe("JSON and HTML", () => {
  it("negotiates JSON first and reads every field", async () => {
    const srv = await serve();
    const { s, net } = sources(srv.indexUrl);
    const listing = (await s.getProject("Demo"))!;
    expect(srv.requests[0]!.headers["accept"]).toBe(ACCEPT);
    expect(listing.name).toBe("demo");
    expect(listing.apiVersion).toBe("1.1");
    expect({ ...listing.source, url: listing.source.url.display }).toEqual({ name: "index-url", url: srv.indexUrl, kind: "index" });
    const byName = new Map(listing.files.map((f) => [f.filename, f]));
    expect([...byName.keys()].sort()).toEqual([wheels[0]!.filename, wheels[1]!.filename, wheels[2]!.filename].sort());
    const w0 = byName.get(wheels[0]!.filename)!;
    expect(w0.url.reveal()).toBe(`${srv.origin}/packages/${wheels[0]!.filename}`);
    expect(w0.hashes).toEqual({ sha256: wheels[0]!.sha256 });
    expect(w0.yanked).toBe("broken <build>");
    expect(w0.size).toBe(wheels[0]!.size);
    expect(w0.uploadTime).toBe("2024-01-02T03:04:05.000000Z");
    expect(typeof w0.coreMetadata).toBe("object");
    expect(byName.get(wheels[1]!.filename)!.requiresPython).toBe(">=3.8,<4");
    await net.close();
  });

  it("HTML gives the same files: relative hrefs, entities, data-yanked, data-core-metadata", async () => {
    const json = await serve({ format: "json" });
    const html = await serve({ format: "html" });
    const a = sources(json.indexUrl);
    const b = sources(html.indexUrl);
    const fromJson = (await a.s.getProject("demo"))!.files.map(common);
    const fromHtml = (await b.s.getProject("demo"))!.files.map(common);
    const rebase = (f: ReturnType<typeof common>) => ({ ...f, url: f.url.replace(/^http:\/\/127\.0\.0\.1:\d+/, "") });
    expect(fromHtml.map(rebase)).toEqual(fromJson.map(rebase));
    expect(fromHtml.find((f) => f.filename === wheels[1]!.filename)!.requiresPython).toBe(">=3.8,<4");
    await a.net.close();
    await b.net.close();
  });

  it("links of a page with <base href> resolve against the base", async () => {
    const srv = await serve({ format: "html", baseHref: true });
    const { s, net } = sources(srv.indexUrl);
    const files = (await s.getProject("demo"))!.files;
    expect(files.map((f) => f.url.reveal()).sort()).toEqual(wheels.slice(0, 3).map((w) => `${srv.origin}/packages/${w.filename}`).sort());
    await net.close();
  });

  it("%2B in local versions: the URL keeps %2B, the file name has +", async () => {
    for (const format of ["json", "html"] as const) {
      const srv = await serve({ format });
      const { s, net } = sources(srv.indexUrl);
      const [f] = (await s.getProject("local_ver"))!.files;
      expect(f!.filename).toBe("local_ver-1.0+cpu-py3-none-any.whl");
      expect(f!.url.reveal()).toBe(`${srv.origin}/packages/local_ver-1.0%2Bcpu-py3-none-any.whl`);
      await net.close();
    }
  });

  it("relative URLs resolve against the final URL after redirects (Artifactory-style paths)", async () => {
    for (const format of ["json", "html"] as const) {
      const srv = await serve({ format, faults: [redirect(/^\/api\/pypi\/legacy\/simple\//, (req) => req.url!.replace("/api/pypi/legacy", ""), 301)] });
      const { s, net } = sources(`${srv.origin}/api/pypi/legacy/simple/`);
      const files = (await s.getProject("demo"))!.files;
      expect(files.map((f) => f.url.reveal())).toContain(`${srv.origin}/packages/${wheels[0]!.filename}`);
      await net.close();
    }
  });

  it("a project the index does not have is null (404)", async () => {
    const srv = await serve();
    const { s, net } = sources(srv.indexUrl);
    expect(await s.getProject("nothere")).toBeNull();
    await net.close();
  });
});

describe("versions and content types", () => {
  it("API major version 2 is refused (PEP 629)", async () => {
    for (const format of ["json", "html"] as const) {
      const srv = await serve({ format, apiVersion: "2.0" });
      const { s, net } = sources(srv.indexUrl);
      const e = await rejection(s.getProject("demo"));
      expect(e.code).toBe("E_NETWORK");
      expect(e.message).toBe(`${srv.indexUrl}demo/ serves Simple API version 2.0; wheelbarrow reads version 1.x`);
      await net.close();
    }
  });

  it("a newer minor version warns once and is read", async () => {
    const srv = await serve({ apiVersion: "1.9" });
    const reporter = new RecordingReporter();
    const { s, net } = sources(srv.indexUrl, { reporter });
    expect((await s.getProject("demo"))!.files).toHaveLength(3);
    expect(reporter.messages("warn")).toEqual([`${srv.indexUrl}demo/ serves Simple API version 1.9, newer than the 1.4 wheelbarrow knows; reading what it understands`]);
    await net.close();
  });

  it("an unexpected Content-Type is an error naming it", async () => {
    const srv = await serve({ contentType: "application/octet-stream" });
    const { s, net } = sources(srv.indexUrl);
    const e = await rejection(s.getProject("demo"));
    expect(e.code).toBe("E_NETWORK");
    expect(e.message).toBe(`${srv.indexUrl}demo/ answered with Content-Type 'application/octet-stream', which is not a Simple API page`);
    expect(e.hints).toEqual(["check that the index URL points at the Simple API root (it usually ends in /simple)"]);
    await net.close();
  });

  it("application/vnd.pypi.simple.v1+html is read as HTML", () => {
    const src: SourceInfo = { name: "x", url: SafeUrl.of("https://h/simple/"), kind: "index" };
    const listing = parseProjectPage(
      { url: "https://h/simple/a/", finalUrl: "https://h/simple/a/", status: 200, contentType: "application/vnd.pypi.simple.v1+html; charset=utf-8", body: '<a href="../../f/a-1.0-py3-none-any.whl#sha256=00">a</a>', fetchedAt: "" },
      "a",
      src,
      { displayUrl: (u) => u },
      () => undefined,
    );
    expect(listing.files.map((f) => f.url.reveal())).toEqual(["https://h/f/a-1.0-py3-none-any.whl"]);
  });
});

describe("page cache", () => {
  it("revalidates with the ETag online, and serves --offline from the cache", async () => {
    const srv = await serve();
    const cache = new Cache(tempDir("wb-cache-"));
    const net = testNet();
    const deps = { net, cache };
    const first = await fetchProjectPage(srv.indexUrl, "demo", deps);
    const second = await fetchProjectPage(srv.indexUrl, "demo", deps);
    expect(second).toEqual(first);
    expect(srv.requests[1]!.headers["if-none-match"]).toMatch(/^"/);
    expect(await fetchProjectPage(srv.indexUrl, "nothere", deps)).toBeNull();
    await net.close();
    await srv.close();

    // The server is gone: --offline still answers from the cache, 404s included.
    const offline = sources(srv.indexUrl, { offline: true, cache });
    expect((await offline.s.getProject("demo"))!.files).toHaveLength(3);
    expect(await offline.s.getProject("nothere")).toBeNull();
    const e = await rejection(offline.s.getProject("never-fetched"));
    expect(e.code).toBe("E_NETWORK");
    expect(e.message).toBe(`--offline: the index page of never-fetched from ${srv.indexUrl}never-fetched/ is not in the cache (${cache.root})`);
    await offline.net.close();
  });
});
