/**
 * Source policy: the first source that has a project is the only one used (dependency-confusion
 * safe), pinned projects ask only their index, a failing source fails the run, find-links
 * directories / HTML files / URLs, file:// indexes (PEP 503 trees and flat project dirs).
 */
import { copyFileSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Cache } from "../../src/store/cache.js";
import { Sources, type SourcesOptions } from "../../src/index/sources.js";
import { buildWheel, type BuiltWheel } from "../helpers/wheel-builder.js";
import { startIndexServer, startStaticServer, type IndexServer, type StaticServer } from "../helpers/index-server.js";
import { rejection, tempDir, testNet } from "../net/net-helpers.js";

let internal: BuiltWheel; // "shared" 1.0, on the internal index
let publicW: BuiltWheel; // "shared" 99.0, on the public index
let onlyPublic: BuiltWheel;
let flW: BuiltWheel; // find-links only
let a: IndexServer;
let b: IndexServer;
let locked: IndexServer;
let stat: StaticServer;
let flDir: string;

beforeAll(async () => {
  const d = tempDir("wb-src-");
  internal = await buildWheel({ name: "shared", version: "1.0" }, join(d, "a"));
  publicW = await buildWheel({ name: "shared", version: "99.0" }, join(d, "b"));
  onlyPublic = await buildWheel({ name: "only-public", version: "1.0" }, join(d, "b"));
  flW = await buildWheel({ name: "fl-pkg", version: "0.1" }, join(d, "fl"));
  a = await startIndexServer({ files: [internal] });
  b = await startIndexServer({ files: [publicW, onlyPublic] });
  locked = await startIndexServer({ files: [internal], auth: { username: "u", password: "right" } });
  flDir = join(d, "fl");
  // An HTML file in the find-links directory linking to a file elsewhere (relative to the page).
  mkdirSync(join(d, "elsewhere"));
  const other = await buildWheel({ name: "fl-linked", version: "2.0" }, join(d, "elsewhere"));
  writeFileSync(join(flDir, "links.html"), `<html><body><a href="../elsewhere/${other.filename}#sha256=${other.sha256}">x</a></body></html>`);
  stat = await startStaticServer(d);
});
afterAll(async () => {
  await Promise.all([a.close(), b.close(), locked.close(), stat.close()]);
});

function make(o: Partial<SourcesOptions>, env: Record<string, string> = {}) {
  const net = testNet({ env });
  const cache = new Cache(tempDir("wb-cache-"));
  const s = new Sources({ extraIndexUrls: [], findLinks: [], noIndex: false, ...o }, net, cache, { cwd: flDir });
  return { s, net };
}

describe("first source wins", () => {
  it("an internal project is never taken from the public extra index, even with a higher version", async () => {
    const { s, net } = make({ indexUrl: a.indexUrl, extraIndexUrls: [b.indexUrl] });
    const before = b.requests.length;
    const shared = (await s.getProject("shared"))!;
    expect(shared.files.map((f) => f.filename)).toEqual([internal.filename]);
    expect(shared.source.name).toBe("index-url");
    expect(b.requests.length).toBe(before);
    const op = (await s.getProject("only_public"))!;
    expect(op.files.map((f) => f.filename)).toEqual([onlyPublic.filename]);
    expect({ ...op.source, url: op.source.url.display }).toEqual({ name: "extra-index-url", url: b.indexUrl, kind: "index" });
    expect(s.sources.map((x) => x.name)).toEqual(["index-url", "extra-index-url"]);
    await net.close();
  });

  it("memoises per run: one request per project and index", async () => {
    const { s, net } = make({ indexUrl: a.indexUrl });
    const before = a.requests.length;
    await Promise.all([s.getProject("shared"), s.getProject("Shared"), s.getProject("SHARED")]);
    expect(a.requests.length).toBe(before + 1);
    await net.close();
  });

  it("a pinned project asks only its named index", async () => {
    const { s, net } = make({
      indexUrl: a.indexUrl,
      namedIndexes: [
        { name: "internal", url: a.indexUrl },
        { name: "public", url: b.indexUrl },
      ],
      pinned: { shared: "public" },
    });
    const before = a.requests.length;
    const shared = (await s.getProject("shared"))!;
    expect(shared.files.map((f) => f.filename)).toEqual([publicW.filename]);
    expect(shared.source.name).toBe("public");
    expect(a.requests.length).toBe(before);
    await net.close();
  });

  it("pinning to an undefined index is a usage error", async () => {
    const { s, net } = make({ indexUrl: a.indexUrl, pinned: { shared: "nope" } });
    const e = await rejection(s.getProject("shared"));
    expect(e.code).toBe("E_USAGE");
    expect(e.message).toBe("shared is pinned to the index 'nope', which is not defined");
    await net.close();
  });

  it("a failing source fails the run instead of falling through to the next one", async () => {
    const { s, net } = make({ indexUrl: locked.indexUrl, extraIndexUrls: [b.indexUrl] });
    const e = await rejection(s.getProject("shared"));
    expect(e.code).toBe("E_AUTH");
    expect(e.message).toBe(`${locked.indexUrl}shared/ needs credentials (HTTP 401)`);
    await net.close();
  });
});

describe("credentials", () => {
  it("WHEELBARROW_INDEX_USERNAME/_PASSWORD go to the primary index only, never to an extra index", async () => {
    const { s, net } = make({ indexUrl: locked.indexUrl, extraIndexUrls: [b.indexUrl] }, { WHEELBARROW_INDEX_USERNAME: "u", WHEELBARROW_INDEX_PASSWORD: "right" });
    const before = b.requests.length;
    expect((await s.getProject("shared"))!.files.map((f) => f.filename)).toEqual([internal.filename]);
    expect((await s.getProject("only-public"))!.files).toHaveLength(1);
    expect(locked.requests.at(-1)!.headers["authorization"]).toBe(`Basic ${Buffer.from("u:right").toString("base64")}`);
    expect(b.requests.slice(before).map((r) => r.headers["authorization"])).toEqual([undefined]);
    await net.close();
  });

  it("credentials in an index URL are kept out of every URL and name it shows", async () => {
    const url = locked.indexUrl.replace("http://", "http://u:right@");
    const { s, net } = make({ indexUrl: url });
    const listing = (await s.getProject("shared"))!;
    expect(listing.source.url.display).toBe(locked.indexUrl);
    expect(listing.files[0]!.url.reveal()).not.toContain("right");
    expect(listing.files[0]!.url.display).not.toContain("right");
    await net.close();
  });
});

describe("find-links", () => {
  it("a local directory: its wheels and the links of its .html files; consulted after the indexes", async () => {
    const { s, net } = make({ indexUrl: a.indexUrl, findLinks: [flDir] });
    const fl = (await s.getProject("fl-pkg"))!;
    expect(fl.files.map((f) => [f.filename, f.url.reveal()])).toEqual([[flW.filename, pathToFileURL(join(flDir, flW.filename)).toString()]]);
    expect(fl.source.kind).toBe("find-links");
    const linked = (await s.getProject("fl-linked"))!;
    expect(linked.files[0]!.url.reveal()).toBe(pathToFileURL(join(flDir, "..", "elsewhere", linked.files[0]!.filename)).toString());
    expect(linked.files[0]!.hashes["sha256"]).toMatch(/^[0-9a-f]{64}$/);
    // The index has "shared": find-links is not merged in.
    expect((await s.getProject("shared"))!.source.kind).toBe("index");
    await net.close();
  });

  it("relative paths resolve against cwd; an HTML file; an http(s) page; --no-index", async () => {
    const rel = make({ noIndex: true, findLinks: ["."] });
    expect((await rel.s.getProject("fl-pkg"))!.files).toHaveLength(1);
    expect(rel.s.sources.map((x) => x.kind)).toEqual(["find-links"]);
    const html = make({ noIndex: true, findLinks: [join(flDir, "links.html")] });
    expect((await html.s.getProject("fl-linked"))!.files).toHaveLength(1);
    expect(await html.s.getProject("fl-pkg")).toBeNull();
    const url = make({ noIndex: true, findLinks: [`${stat.origin}/fl/links.html`] });
    const viaHttp = (await url.s.getProject("fl-linked"))!;
    expect(viaHttp.files[0]!.url.reveal()).toBe(`${stat.origin}/elsewhere/${viaHttp.files[0]!.filename}`);
    for (const x of [rel, html, url]) await x.net.close();
  });

  it("a missing find-links directory is an error", async () => {
    const { s, net } = make({ noIndex: true, findLinks: ["/nonexistent/wheels"] });
    const e = await rejection(s.getProject("x"));
    expect(e.code).toBe("E_USAGE");
    expect(e.message).toBe("--find-links /nonexistent/wheels: no such file or directory");
    await net.close();
  });
});

describe("file:// indexes", () => {
  it("reads <name>/index.html pages and flat project directories, matching names by normalization", async () => {
    const root = tempDir("wb-fileidx-");
    mkdirSync(join(root, "simple", "shared"), { recursive: true });
    mkdirSync(join(root, "files"));
    copyFileSync(internal.path, join(root, "files", internal.filename));
    writeFileSync(join(root, "simple", "shared", "index.html"), `<!DOCTYPE html><html><body><a href="../../files/${internal.filename}#sha256=${internal.sha256}" data-requires-python="&gt;=3.7">${internal.filename}</a></body></html>`);
    mkdirSync(join(root, "simple", "Only_Public"));
    copyFileSync(onlyPublic.path, join(root, "simple", "Only_Public", onlyPublic.filename));
    const { s, net } = make({ indexUrl: pathToFileURL(join(root, "simple")).toString() });
    const shared = (await s.getProject("shared"))!;
    expect(shared.files.map((f) => [f.url.reveal(), f.hashes, f.requiresPython])).toEqual([[pathToFileURL(join(root, "files", internal.filename)).toString(), { sha256: internal.sha256 }, ">=3.7"]]);
    const op = (await s.getProject("only-public"))!;
    expect(op.files.map((f) => f.filename)).toEqual([onlyPublic.filename]);
    expect(await s.getProject("absent")).toBeNull();
    await net.close();
  });
});
