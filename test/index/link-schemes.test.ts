/**
 * Which links an index page may use: a remote (http/https) page never points wheelbarrow at a
 * file on this machine (file:// links are ignored with a warning), links with other schemes
 * (javascript:, data:, mailto:, ftp:) are never files, and local pages may link to local files.
 * HTML and JSON pages alike.
 */
import { describe, expect, it } from "vitest";
import { htmlPageFiles } from "../../src/index/links.js";
import { parseHtmlPage } from "../../src/index/parse-html.js";
import { parseProjectPage } from "../../src/index/simple-api.js";
import type { SourceInfo } from "../../src/model/source-info.js";
import { SafeUrl } from "../../src/text/safe-url.js";

const SRC: SourceInfo = { name: "t", url: SafeUrl.of("https://idx.example/simple/"), kind: "index" };
const id = (u: string) => u;
const W = "demo-1.0-py3-none-any.whl";

const html = `<a href="file:///etc/${W}">local</a>
<a href="javascript:alert(1)//${W}">js</a>
<a href="data:application/zip;base64,UEsFBg==#/${W}">data</a>
<a href="mailto:x@example.com?${W}">mail</a>
<a href="ftp://ftp.example/${W}">ftp</a>
<a href="https://files.example/${W}#sha256=${"a".repeat(64)}">ok</a>
<a href="../../packages/demo-1.1-py3-none-any.whl">relative ok</a>`;

describe("link schemes", () => {
  it("a remote HTML page: only http(s) links, file:// ignored with a warning", () => {
    const warnings: string[] = [];
    const files = htmlPageFiles(parseHtmlPage(html), "https://idx.example/simple/demo/", SRC, id, (m) => warnings.push(m));
    expect(files.map((f) => f.url.reveal())).toEqual([`https://files.example/${W}`, "https://idx.example/packages/demo-1.1-py3-none-any.whl"]);
    expect(warnings).toEqual([`https://idx.example/simple/demo/ links to a file on this machine (file:///etc/${W}); ignored: a remote index may not point at local files`]);
  });

  it("a local page (file:// index or find-links file) may link to local files, never to other schemes", () => {
    const warnings: string[] = [];
    const files = htmlPageFiles(parseHtmlPage(html), "file:///srv/simple/demo/index.html", SRC, id, (m) => warnings.push(m));
    expect(files.map((f) => f.url.reveal())).toEqual([`file:///etc/${W}`, `https://files.example/${W}`, "file:///srv/packages/demo-1.1-py3-none-any.whl"]);
    expect(warnings).toEqual([]);
  });

  it("a remote JSON page: the same rules", () => {
    const warnings: string[] = [];
    const body = JSON.stringify({
      meta: { "api-version": "1.1" },
      name: "demo",
      files: [
        { filename: W, url: `file:///etc/${W}`, hashes: {} },
        { filename: W, url: "javascript:alert(1)", hashes: {} },
        { filename: W, url: "data:application/zip;base64,UEsFBg==", hashes: {} },
        { filename: W, url: `/packages/${W}`, hashes: { sha256: "b".repeat(64) } },
      ],
    });
    const listing = parseProjectPage(
      { url: "https://idx.example/simple/demo/", finalUrl: "https://idx.example/simple/demo/", status: 200, contentType: "application/vnd.pypi.simple.v1+json", body, fetchedAt: "" },
      "demo",
      SRC,
      { displayUrl: id },
      (m) => warnings.push(m),
    );
    expect(listing.files.map((f) => f.url.reveal())).toEqual([`https://idx.example/packages/${W}`]);
    expect(warnings).toEqual([`https://idx.example/simple/demo/ links to a file on this machine (file:///etc/${W}); ignored: a remote index may not point at local files`]);
  });
});
