/**
 * Where index options come from: flags > spec file > requirements-file options > defaults,
 * decided in one function (decideIndexes) and applied end to end: a requirements file's
 * `--no-index -f DIR` does not override `--index-url` on the command line.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { decideIndexes, type IndexChoice, type IndexLayer } from "../../src/commands/settings.js";
import { serveStatic, writeStaticIndex, type StaticServer } from "../../scripts/lib/static-index.js";
import { buildWheel } from "../helpers/wheel-builder.js";
import { runCli } from "../helpers/run-cli.js";

const A = "https://a.example/simple/";
const B = "https://b.example/simple/";
const C = "https://c.example/simple/";
const X = "https://extra.example/simple/";

// [name, flags, spec, requirements file, expected]
const table: [string, IndexLayer, IndexLayer, IndexLayer, IndexChoice][] = [
  ["nothing anywhere: the default index", {}, {}, {}, { indexUrl: undefined, extraIndexUrls: [], findLinks: [], noIndex: false }],
  ["the file alone decides", {}, {}, { indexUrl: C }, { indexUrl: C, extraIndexUrls: [], findLinks: [], noIndex: false }],
  ["flag -i beats the spec and the file", { indexUrl: A }, { indexUrl: B }, { indexUrl: C }, { indexUrl: A, extraIndexUrls: [], findLinks: [], noIndex: false }],
  ["spec beats the file", {}, { indexUrl: B }, { indexUrl: C }, { indexUrl: B, extraIndexUrls: [], findLinks: [], noIndex: false }],
  ["flag -i beats the file's --no-index; find-links add up", { indexUrl: A }, {}, { noIndex: true, findLinks: ["/w"] }, { indexUrl: A, extraIndexUrls: [], findLinks: ["/w"], noIndex: false }],
  ["spec index beats the file's --no-index", {}, { indexUrl: B }, { noIndex: true }, { indexUrl: B, extraIndexUrls: [], findLinks: [], noIndex: false }],
  ["flag --extra-index-url beats the file's --no-index (default primary)", { extraIndexUrls: [X] }, {}, { noIndex: true }, { indexUrl: undefined, extraIndexUrls: [X], findLinks: [], noIndex: false }],
  ["flag --no-index beats the spec's and the file's indexes", { noIndex: true, findLinks: ["/f"] }, { indexUrl: B, extraIndexUrls: [X] }, { indexUrl: C, findLinks: ["/w"] }, { indexUrl: undefined, extraIndexUrls: [], findLinks: ["/f", "/w"], noIndex: true }],
  ["the file's --no-index applies when no higher layer names an index", { findLinks: ["/f"] }, {}, { noIndex: true, extraIndexUrls: [X] }, { indexUrl: undefined, extraIndexUrls: [], findLinks: ["/f"], noIndex: true }],
  ["extra indexes add up, flags first, deduplicated", { extraIndexUrls: [X] }, { extraIndexUrls: [B] }, { extraIndexUrls: [X, C] }, { indexUrl: undefined, extraIndexUrls: [X, B, C], findLinks: [], noIndex: false }],
  ["a file's -i under a flag -i is ignored, its extras kept", { indexUrl: A }, {}, { indexUrl: C, extraIndexUrls: [X] }, { indexUrl: A, extraIndexUrls: [X], findLinks: [], noIndex: false }],
];

describe("decideIndexes", () => {
  for (const [name, flags, spec, file, expected] of table) {
    it(name, () => expect(decideIndexes([flags, spec, file])).toEqual(expected));
  }
});

describe("precedence end to end", () => {
  let dir: string;
  let server: StaticServer;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "wb-precedence-"));
    writeStaticIndex([await buildWheel({ name: "tiny", version: "1.0" }, join(dir, "wheels"))], join(dir, "index"));
    server = await serveStatic(join(dir, "index"));
    mkdirSync(join(dir, "empty-wheelhouse"));
  });
  afterAll(async () => {
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("--index-url on the command line wins over a requirements file's --no-index -f DIR", async () => {
    const req = join(dir, "req.txt");
    writeFileSync(req, `--no-index\n-f ${join(dir, "empty-wheelhouse")}\ntiny==1.0\n`);
    server.requests.length = 0;
    const r = await runCli(["lock", "-r", req, "--index-url", `${server.url}/simple/`, "--target", "linux-x86_64@3.11", "--out", join(dir, "pylock.toml"), "--cache-dir", join(dir, "cache"), "--json"]);
    expect(r.stderr).not.toContain("error[");
    expect(r.code).toBe(0);
    expect(server.requests).toContain("GET /simple/tiny/");
    // without the flag the file's --no-index holds: the empty wheelhouse has no tiny
    const alone = await runCli(["lock", "-r", req, "--target", "linux-x86_64@3.11", "--out", join(dir, "pylock2.toml"), "--cache-dir", join(dir, "cache")]);
    expect(alone.code).toBe(1);
    expect(alone.stderr).toContain("error[E_NO_SUCH_PACKAGE]");
  });
});
