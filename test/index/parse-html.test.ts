import { describe, expect, it } from "vitest";
import { decodeEntities, parseHtmlPage } from "../../src/index/parse-html.js";
import { htmlPageFiles, splitHashFragment, fileBelongsTo } from "../../src/index/links.js";
import type { SourceInfo } from "../../src/model/source-info.js";
import { SafeUrl } from "../../src/text/safe-url.js";

const SRC: SourceInfo = { name: "t", url: SafeUrl.of("https://idx.example/simple/"), kind: "index" };
const id = (u: string) => u;

describe("decodeEntities", () => {
  it.each([
    ["&gt;=3.8", ">=3.8"],
    ["&gt;=3.8,&lt;4", ">=3.8,<4"],
    ["a&amp;b", "a&b"],
    ["&#62;=3.6", ">=3.6"],
    ["&#x3E;=3.6", ">=3.6"],
    ["&quot;x&quot; &apos;y&apos;", `"x" 'y'`],
    ["&unknown; stays", "&unknown; stays"],
    ["plain", "plain"],
  ])("%s", (i, o) => expect(decodeEntities(i)).toBe(o));
});

describe("parseHtmlPage", () => {
  const page = `<!DOCTYPE html>
<html><head>
<meta name="pypi:repository-version" content="1.1">
<!-- <a href="commented-out-1.0.tar.gz">no</a> -->
<script>var x = "<a href='fake-1.0.whl'>";</script>
<title>Links for demo</title></head>
<body>
<a href="../../packages/demo-1.0-py3-none-any.whl#sha256=ABABABABABABABABABABABABABABABABABABABABABABABABABABABABABABABAB" data-requires-python="&gt;=3.8" data-core-metadata="sha256=CCDD">demo-1.0-py3-none-any.whl</a><br/>
<a href='../../packages/demo-0.9.tar.gz#md5=eeeeeeeeeeeeeeeeeeeeeeeeeeeeeeee' data-yanked>demo-0.9.tar.gz</a>
<a data-yanked="broken build" href=../../packages/demo-0.8-py3-none-any.whl data-dist-info-metadata=true>x</a>
<A HREF="../../packages/demo-0.7-py3-none-any.whl" data-requires-python=">=3.6,<4">raw gt inside quotes</A>
</body></html>`;

  it("reads meta version, links, attributes (quoted, unquoted, valueless), skipping comments and scripts", () => {
    const p = parseHtmlPage(page);
    expect(p.apiVersion).toBe("1.1");
    expect(p.baseHref).toBeUndefined();
    expect(p.links.map((l) => l.href)).toEqual([
      "../../packages/demo-1.0-py3-none-any.whl#sha256=ABABABABABABABABABABABABABABABABABABABABABABABABABABABABABABABAB",
      "../../packages/demo-0.9.tar.gz#md5=eeeeeeeeeeeeeeeeeeeeeeeeeeeeeeee",
      "../../packages/demo-0.8-py3-none-any.whl",
      "../../packages/demo-0.7-py3-none-any.whl",
    ]);
    expect(p.links[0]!.attrs["data-requires-python"]).toBe(">=3.8");
    expect(p.links[1]!.attrs["data-yanked"]).toBeNull();
    expect(p.links[2]!.attrs["data-yanked"]).toBe("broken build");
    expect(p.links[3]!.attrs["data-requires-python"]).toBe(">=3.6,<4");
  });

  it("turns links into files against the final URL after redirects", () => {
    const files = htmlPageFiles(parseHtmlPage(page), "https://idx.example/api/pypi/simple/demo/", SRC, id);
    expect(files.map((f) => [f.filename, f.url.reveal(), f.hashes, f.requiresPython, f.yanked, f.coreMetadata])).toEqual([
      ["demo-1.0-py3-none-any.whl", "https://idx.example/api/pypi/packages/demo-1.0-py3-none-any.whl", { sha256: "abababababababababababababababababababababababababababababababab" }, ">=3.8", false, { sha256: "ccdd" }],
      ["demo-0.9.tar.gz", "https://idx.example/api/pypi/packages/demo-0.9.tar.gz", { md5: "eeeeeeeeeeeeeeeeeeeeeeeeeeeeeeee" }, undefined, "", false],
      ["demo-0.8-py3-none-any.whl", "https://idx.example/api/pypi/packages/demo-0.8-py3-none-any.whl", {}, undefined, "broken build", true],
      ["demo-0.7-py3-none-any.whl", "https://idx.example/api/pypi/packages/demo-0.7-py3-none-any.whl", {}, ">=3.6,<4", false, false],
    ]);
  });

  it("honours <base href> (itself relative to the page) and decodes %2B in file names", () => {
    const html = `<html><head><base href="/files/"></head><body>
<a href="torch-2.3.0%2Bcpu-cp311-cp311-linux_x86_64.whl#sha256=0f">t</a>
<a href="https://elsewhere.example/x/torch-2.3.0-cp311-cp311-win_amd64.whl">abs</a>
<a href="readme.txt">not a distribution</a></body></html>`;
    const files = htmlPageFiles(parseHtmlPage(html), "https://idx.example/simple/torch/", SRC, id);
    expect(files.map((f) => [f.filename, f.url.reveal()])).toEqual([
      ["torch-2.3.0+cpu-cp311-cp311-linux_x86_64.whl", "https://idx.example/files/torch-2.3.0%2Bcpu-cp311-cp311-linux_x86_64.whl"],
      ["torch-2.3.0-cp311-cp311-win_amd64.whl", "https://elsewhere.example/x/torch-2.3.0-cp311-cp311-win_amd64.whl"],
    ]);
  });

  it("prefers data-core-metadata over the legacy data-dist-info-metadata (PEP 714)", () => {
    const html = `<a href="a-1.0-py3-none-any.whl" data-core-metadata="sha256=11" data-dist-info-metadata="sha256=22">a</a><a href="a-2.0-py3-none-any.whl" data-core-metadata="false">b</a>`;
    const files = htmlPageFiles(parseHtmlPage(html), "https://h/simple/a/", SRC, id);
    expect(files.map((f) => f.coreMetadata)).toEqual([{ sha256: "11" }, false]);
  });
});

describe("links", () => {
  it("a #sha256= fragment becomes a lowercase hash and leaves the URL without its fragment", () => {
    expect(splitHashFragment(`https://h/f.whl#sha256=${"AB".repeat(32)}&egg=x`)).toEqual({ url: "https://h/f.whl", hashes: { sha256: "ab".repeat(32) } });
    expect(splitHashFragment("https://h/f.whl")).toEqual({ url: "https://h/f.whl", hashes: {} });
  });

  it.each([
    ["zope.interface-6.0-cp311-cp311-win_amd64.whl", "zope-interface", true],
    ["zope_interface-6.0.tar.gz", "zope-interface", true],
    ["Django-5.0-py3-none-any.whl", "django", true],
    ["django-rest-framework-1.0.tar.gz", "django", false],
    ["django-rest-framework-1.0.tar.gz", "django-rest-framework", true],
    ["demo-1.0.exe", "demo", false],
  ])("%s belongs to %s: %s", (f, p, want) => expect(fileBelongsTo(f, p)).toBe(want));
});
