import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { fromPypaError, WbErrorList, type WbError } from "../../src/errors.js";
import { fsReader } from "../../src/io/read-requirements.js";
import {
  decodeRequirementsBytes,
  expandEnvVars,
  logicalLines,
  MAX_LINE_CHARS,
  parseRequirementsFile,
  shlexSplit,
  splitArgsOptions,
  type FileReader,
  type ParsedRequirements,
} from "../../src/pypa/requirements-txt.js";
import { parseOptionTokens, splitLines } from "../../src/pypa/requirements-txt-lines.js";
import { errorOf } from "../helpers/error-of.js";

const root = join(import.meta.dirname, "../../fixtures/requirements");
const oracle = JSON.parse(readFileSync(join(root, "pip-oracle.json"), "utf8")) as {
  pip: string;
  env: Record<string, string>;
  files: Record<string, OracleFile>;
};
interface OracleFile {
  lines: { file: string; line: number; requirement: string; constraint: boolean; hashes: string[] }[];
  index_urls: string[];
  find_links: string[];
  no_index: boolean;
  pre: boolean;
  prefer_binary: boolean;
  trusted_hosts: string[];
  only_binary: string[];
  no_binary: string[];
  require_hashes: boolean;
}

const parseFixture = (rel: string, env: Record<string, string | undefined> = oracle.env) => parseRequirementsFile(join(root, rel), fsReader, env, { cwd: root });

/** An in-memory file system: path -> content. */
function memory(files: Record<string, string | Uint8Array>): FileReader {
  return (path) => {
    const c = files[path];
    if (c === undefined) throw Object.assign(new Error(`ENOENT: ${path}`), { code: "ENOENT" });
    return typeof c === "string" ? { text: c } : { bytes: c };
  };
}


describe("bounded work on hostile requirements files", () => {
  it("200k backslash continuation lines join in one pass into one requirement", () => {
    const text = "pkg==1.0 \\\n" + "\\\n".repeat(200_000) + "  --hash=sha256:" + "a".repeat(64) + `\nnext==2 --hash=sha256:${"b".repeat(64)}\n`;
    const p = parseRequirementsFile("/r/a.txt", memory({ "/r/a.txt": text }), {});
    expect(p.requirements.map((l) => [l.requirement?.name, l.source.line, l.hashes])).toEqual([
      ["pkg", 1, [`sha256:${"a".repeat(64)}`]],
      ["next", 200_003, [`sha256:${"b".repeat(64)}`]],
    ]);
  });

  it("200k continuation lines that join into a giant line are E_REQUIREMENTS for its length", () => {
    const text = "pkg==1.0 \\\n" + "    \\\n".repeat(200_000) + "  --hash=sha256:" + "a".repeat(64) + "\n";
    const e = errorOf(() => parseRequirementsFile("/r/a.txt", memory({ "/r/a.txt": text }), {}));
    expect(e.code).toBe("E_REQUIREMENTS");
    expect(e.details).toMatchObject({ line: 1, length: 800_089, limit: MAX_LINE_CHARS });
  });

  it("a long whitespace run before a comment is stripped in one pass", () => {
    expect(logicalLines(`pkg==1.0${" ".repeat(300_000)}# comment\nx${"\t".repeat(300_000)}#\n`)).toEqual([
      { line: 1, text: "pkg==1.0" },
      { line: 2, text: "x" },
    ]);
  });

  it.each([
    ["a 10 MB version", `pkg==${"1.".repeat(5_000_000)}1\n`],
    ["a 10 MB name", `${"a".repeat(10_000_000)}\n`],
    ["10 MB of specifiers", `pkg${">=1,".repeat(2_500_000)}>=1\n`],
  ])("%s is E_REQUIREMENTS naming the line and the limit", (_what, text) => {
    const e = errorOf(() => parseRequirementsFile("/r/a.txt", memory({ "/r/a.txt": "ok==1\n" + text }), {}));
    expect(e.code).toBe("E_REQUIREMENTS");
    expect(e.message).toMatch(new RegExp(`^/r/a\\.txt:2: the line is \\d+ characters long, more than the ${MAX_LINE_CHARS} a requirement line may have: .{60}…$`));
    expect(e.details).toMatchObject({ file: "/r/a.txt", line: 2, limit: MAX_LINE_CHARS });
  });

  it.each([
    ["a version with 30k segments", `pkg==${"1.".repeat(30_000)}1`],
    ["a marker nested 20k deep", `pkg; ${"(".repeat(20_000)}python_version > "3"${")".repeat(20_000)}`],
    ["a local version with 30k parts", `pkg==1+${"a.".repeat(30_000)}a`],
  ])("%s under the line limit is parsed or refused as E_REQUIREMENTS, never a stack overflow", (_what, line) => {
    let result: unknown;
    try {
      result = parseRequirementsFile("/r/a.txt", memory({ "/r/a.txt": line + "\n" }), {}).requirements.length;
    } catch (e) {
      result = (fromPypaError(e) as WbError).code;
      expect((e as Error).message.length).toBeLessThan(400);
    }
    expect([1, "E_REQUIREMENTS"]).toContain(result);
  });
});

describe("lexing, as pip's req_file.py does it", () => {
  it("joins continuations and lets a comment line end one (pip test_comments_and_joins)", () => {
    expect(logicalLines("req1 \\\n# comment \\\nreq2\n")).toEqual([
      { line: 1, text: "req1" },
      { line: 3, text: "req2" },
    ]);
    expect(logicalLines("req1\\\n# comment\n")).toEqual([{ line: 1, text: "req1" }]);
    expect(logicalLines("req1 \\\n# comment\nreq2\n")).toEqual([
      { line: 1, text: "req1" },
      { line: 3, text: "req2" },
    ]);
  });

  it("numbers a joined line by its first physical line; a trailing backslash at EOF is dropped (pip test_join_lines)", () => {
    const text = ["line 1", "line 2:1 \\", "line 2:2", "line 3:1 \\", "line 3:2 \\", "line 3:3", "line 4", "line 5 \\"].join("\n");
    expect(logicalLines(text)).toEqual([
      { line: 1, text: "line 1" },
      { line: 2, text: "line 2:1 line 2:2" },
      { line: 4, text: "line 3:1 line 3:2 line 3:3" },
      { line: 7, text: "line 4" },
      { line: 8, text: "line 5" },
    ]);
  });

  it("strips comments only at line start or after whitespace, so url#sha256= survives", () => {
    expect(logicalLines("req # comment\n  # indented\n\nhttps://h/x.whl#sha256=ab\nfoo#bar\n")).toEqual([
      { line: 1, text: "req" },
      { line: 4, text: "https://h/x.whl#sha256=ab" },
      { line: 5, text: "foo#bar" },
    ]);
  });

  it("splits lines like str.splitlines (CRLF, CR, form feed, U+2028)", () => {
    expect(splitLines("a\r\nb\rc\fd\u2028e\n")).toEqual(["a", "b", "c", "d", "e"]);
    expect(splitLines("")).toEqual([]);
  });

  it("expands ${NAME} from the environment; unset, empty, lowercase and $NAME stay literal", () => {
    const env = { TOKEN: "s3cret", EMPTY: "", lower: "x" };
    expect(expandEnvVars("https://u:${TOKEN}@h/${TOKEN}", env)).toBe("https://u:s3cret@h/s3cret");
    expect(expandEnvVars("${UNSET} ${EMPTY} ${lower} $TOKEN", env)).toBe("${UNSET} ${EMPTY} ${lower} $TOKEN");
  });

  it("splits the requirement from the options at the first space-separated token starting with -", () => {
    expect(splitArgsOptions('foo >= 1.0 ; python_version < "3.8" --hash=sha256:ab')).toEqual(['foo >= 1.0 ; python_version < "3.8"', "--hash=sha256:ab"]);
    expect(splitArgsOptions("-r other.txt")).toEqual(["", "-r other.txt"]);
    expect(splitArgsOptions("foo-bar==1")).toEqual(["foo-bar==1", ""]);
  });

  it("shlex-splits options (POSIX quotes and escapes) and rejects an open quote", () => {
    expect(shlexSplit(`--a "b c" 'd e' f\\ g "h\\"i" 'j\\k'`)).toEqual(["--a", "b c", "d e", "f g", 'h"i', "j\\k"]);
    expect(() => shlexSplit('--a "b')).toThrow("cannot split the options: no closing quotation");
  });

  it("parses options like optparse: =value, separate value, attached short value, unique long prefixes", () => {
    expect(parseOptionTokens(["-rfile.txt", "-i", "u", "--extra-index=e", "--no-index", "--pre"]).options).toEqual([
      { key: "requirement", name: "-r", value: "file.txt" },
      { key: "index-url", name: "-i", value: "u" },
      { key: "extra-index-url", name: "--extra-index", value: "e" },
      { key: "no-index", name: "--no-index" },
      { key: "pre", name: "--pre" },
    ]);
    expect(() => parseOptionTokens(["--pr"])).toThrow("ambiguous option --pr (--pre, --prefer-binary)");
    expect(() => parseOptionTokens(["--bogus"])).toThrow("unknown option --bogus");
    expect(() => parseOptionTokens(["--pre=1"])).toThrow("option --pre takes no value");
    expect(() => parseOptionTokens(["--hash"])).toThrow("option --hash needs a value");
  });
});

describe("decoding", () => {
  const body = 'requests==2.31.0 ; platform_release == "naïve"\n';
  it.each([
    ["UTF-8 BOM", Uint8Array.from([0xef, 0xbb, 0xbf, ...Buffer.from(body, "utf8")])],
    ["UTF-16 LE BOM", Uint8Array.from([0xff, 0xfe, ...Buffer.from(body, "utf16le")])],
    ["plain UTF-8", Uint8Array.from(Buffer.from(body, "utf8"))],
    ["PEP 263 latin-1", Uint8Array.from(Buffer.from("# -*- coding: latin-1 -*-\n" + body, "latin1"))],
  ])("%s", (_label, bytes) => {
    const r = decodeRequirementsBytes(bytes);
    expect(r.ok && r.text.endsWith(body)).toBe(true);
  });

  it("only honours a coding comment in the first two lines", () => {
    const bytes = Uint8Array.from(Buffer.from("# a\n# b\n# coding: latin-1\nx==1 ; platform_release == 'é'\n", "latin1"));
    expect(decodeRequirementsBytes(bytes)).toEqual({ ok: false, line: 4, reason: "not valid UTF-8" });
  });

  it("reports an unknown codec", () => {
    expect(decodeRequirementsBytes(Uint8Array.from(Buffer.from("# coding: klingon\n")))).toEqual({ ok: false, line: 1, reason: "unknown encoding 'klingon'" });
  });
});

describe("agrees with pip on every good fixture (fixtures/requirements/pip-oracle.json)", () => {
  const lower = (hs: string[]) => hs.map((h) => h.toLowerCase()).sort();
  const view = (p: ParsedRequirements, constraint: boolean) =>
    (constraint ? p.constraints : p.requirements).map((l) => ({
      file: l.source.file.slice(root.length + 1),
      line: l.source.line,
      requirement: splitArgsOptions(expandEnvVars(l.source.text, oracle.env))[0],
      // pip's oracle lists --hash options only, not the #sha256= of a URL.
      hashes: lower(l.hashes.filter((h) => !(l.wheel?.url?.split("#")[1] ?? "").includes(h.split(":")[1]!))),
    }));
  const pipView = (o: OracleFile, constraint: boolean) =>
    o.lines.filter((l) => l.constraint === constraint).map((l) => ({ file: l.file, line: l.line, requirement: l.requirement, hashes: lower(l.hashes) }));

  const files = Object.entries(oracle.files);
  it("has the oracle for every good fixture", () => {
    expect(files.length).toBeGreaterThanOrEqual(19);
  });
  for (const [rel, o] of files) {
    it(rel, () => {
      const p = parseFixture(rel);
      expect(view(p, false)).toEqual(pipView(o, false));
      expect(view(p, true)).toEqual(pipView(o, true));
      const indexes = p.noIndex ? [] : [...(p.indexUrl ? [p.indexUrl] : []), ...p.extraIndexUrls];
      expect(indexes).toEqual(o.index_urls);
      expect(p.findLinks.map((f) => (f.startsWith(root) ? f.slice(root.length + 1) : f))).toEqual(o.find_links);
      expect(p.noIndex).toBe(o.no_index);
      expect(p.pre).toBe(o.pre);
      expect(p.preferBinary).toBe(o.prefer_binary);
      expect(p.trustedHosts).toEqual(o.trusted_hosts);
      expect([...p.onlyBinary].sort()).toEqual(o.only_binary);
      expect([...p.noBinary].sort()).toEqual(o.no_binary);
      // pip turns hash checking on for `--hash` when installing; wheelbarrow records it at parse time.
      expect(p.requireHashes).toBe(o.require_hashes || o.lines.some((l) => !l.constraint && l.hashes.length > 0));
    });
  }
});

describe("what the good fixtures parse to", () => {
  it("nested files: relative to the including file, every file listed, constraints apart", () => {
    const p = parseFixture("good/nested/main.txt");
    expect(p.files.map((f) => f.slice(root.length + 1))).toEqual([
      "good/nested/main.txt",
      "good/nested/sub/more.txt",
      "good/nested/common.txt",
      "good/nested/common-extra.txt",
      "good/nested/constraints.txt",
    ]);
    expect(p.requirements.map((l) => l.requirement?.name)).toEqual(["common-dep", "common-extra", "sub-thing", "tinyweb"]);
    expect(p.requirements[1]!.requirement!.extras).toEqual(["fast"]);
    expect(p.constraints.map((l) => `${l.requirement?.name}${l.requirement?.specifier}`)).toEqual(["common-dep==1.4.2", "requests<3"]);
    expect(p.findLinks[0]).toBe(join(root, "good/nested/wheels"));
  });

  it("-i replaces the index list, including earlier extra index URLs", () => {
    const p = parseFixture("good/nested/main.txt");
    expect(p.indexUrl).toBe("https://pypi.internal.example/simple");
    expect(p.extraIndexUrls).toEqual(["https://mirror.example/simple"]);
  });

  it("--no-index clears the index list and ignores later index options", () => {
    const read = memory({ "/r/a.txt": "-i https://a.example/simple\n--no-index\n--extra-index-url https://b.example/simple\nx\n" });
    const p = parseRequirementsFile("/r/a.txt", read, {});
    expect(p).toMatchObject({ noIndex: true, extraIndexUrls: [] });
    expect(p.indexUrl).toBeUndefined();
  });

  it("--only-binary / --no-binary exclude each other like pip's FormatControl", () => {
    const read = memory({ "/r/a.txt": "--no-binary Foo_Bar,baz\n--only-binary foo-bar\n--no-binary :all:\n--only-binary :none:\n--only-binary qux\n" });
    const p = parseRequirementsFile("/r/a.txt", read, {});
    expect(p.noBinary).toEqual([":all:"]);
    expect(p.onlyBinary).toEqual(["qux"]);
  });

  it("expands variables in URLs but quotes the unexpanded line in errors", () => {
    const p = parseFixture("good/env-vars.txt");
    expect(p.indexUrl).toBe("https://ci:s3cret@pypi.internal.example/simple");
    expect(p.extraIndexUrls).toEqual(["https://${WB_TEST_UNSET}.example/simple", "https://${WB_TEST_EMPTY}.example/simple"]);
    const read = memory({ "/r/a.txt": "--index-url https://ci:${TOKEN}@h.example/simple --bogus\n" });
    const e = errorOf(() => parseRequirementsFile("/r/a.txt", read, { TOKEN: "s3cret" }));
    expect(e.message).toBe("/r/a.txt:1: unknown option --bogus: --index-url https://***@h.example/simple --bogus");
    expect(JSON.stringify(e.toJSON())).not.toContain("s3cret");
  });

  it("hashes: --hash repeated and across continuations, lowercased; hash checking turns on", () => {
    const p = parseFixture("good/hashes.txt");
    expect(p.requireHashes).toBe(true);
    expect(p.requirements.map((l) => l.hashes)).toEqual([
      ["sha256:" + "a".repeat(64), "sha256:" + "b".repeat(64)],
      ["sha384:" + "c".repeat(96)],
      ["sha256:" + "a".repeat(64)],
    ]);
  });

  it("wheels by relative path (from the file's directory), by URL with #sha256, and name @ URL", () => {
    const p = parseFixture("good/wheels.txt");
    const [path, marked, url, named, fileUrl] = p.requirements;
    expect(path).toMatchObject({ requirement: null, wheel: { path: join(root, "good/wheels/tinyweb-1.2.0-py3-none-any.whl") }, hashes: [] });
    expect(marked!.wheel).toEqual({ path: join(root, "good/wheels/fastsum-0.3.0-cp311-cp311-manylinux_2_17_x86_64.whl"), marker: 'sys_platform == "linux"' });
    expect(url).toMatchObject({ requirement: null, wheel: { url: `https://files.example/packages/winshim-1.0.0-py3-none-any.whl#sha256=${"a".repeat(64)}` }, hashes: ["sha256:" + "a".repeat(64)] });
    expect(named!.requirement).toMatchObject({ name: "markupsafe-lite", url: "https://files.example/packages/markupsafe_lite-1.0.3-py3-none-any.whl" });
    expect(named!.wheel).toEqual({ url: "https://files.example/packages/markupsafe_lite-1.0.3-py3-none-any.whl" });
    expect(fileUrl!.wheel).toEqual({ url: "file:///opt/wheels/other_pkg-2.0-py3-none-any.whl" });
    expect(p.requireHashes).toBe(false);
  });

  it("every decoding reads the same requirements", () => {
    for (const f of ["utf8-bom", "utf16-le-bom", "utf16-be-bom", "utf32-le-bom", "latin1-coding", "utf8-plain", "crlf"]) {
      const p = parseFixture(`good/encoding/${f}.txt`);
      expect(p.requirements.map((l) => l.source.text), f).toEqual(['requests==2.31.0 ; platform_release == "naïve"', "flask"]);
    }
    expect(parseFixture("good/encoding/cp1252-coding-line2.txt").requirements[0]!.source.text).toBe('requests==2.31.0 ; platform_release == "naïve €"');
  });

  it("a -c file's -r includes requirements (pip's rule); the top file may itself be a constraints file", () => {
    const read = memory({ "/r/c.txt": "a==1\n-r r.txt\n", "/r/r.txt": "b==2\n" });
    const p = parseRequirementsFile("/r/c.txt", read, {}, { constraint: true });
    expect(p.constraints.map((l) => l.requirement?.name)).toEqual(["a"]);
    expect(p.requirements.map((l) => l.requirement?.name)).toEqual(["b"]);
  });

  it("the same file included twice without a cycle is read once (its lines are already in)", () => {
    const read = memory({ "/r/a.txt": "-r c.txt\n-r b.txt\n", "/r/b.txt": "-r c.txt\n", "/r/c.txt": "x==1\n" });
    const p = parseRequirementsFile("/r/a.txt", read, {});
    expect(p.files).toEqual(["/r/a.txt", "/r/c.txt", "/r/b.txt"]);
    expect(p.requirements.map((l) => `${l.requirement?.name} ${l.source.file}:${l.source.line}`)).toEqual(["x /r/c.txt:1"]);
  });

  it("a file included as requirements and as constraints is read once as each", () => {
    const read = memory({ "/r/a.txt": "-r c.txt\n-c c.txt\n-c c.txt\n", "/r/c.txt": "x==1\n" });
    const p = parseRequirementsFile("/r/a.txt", read, {});
    expect(p.requirements.map((l) => l.requirement?.name)).toEqual(["x"]);
    expect(p.constraints.map((l) => l.requirement?.name)).toEqual(["x"]);
  });

  it("a diamond of includes 30 levels deep reads each file once (it was read 2^30 times)", () => {
    const files: Record<string, string> = {};
    let reads = 0;
    const depth = 30;
    for (let i = 0; i < depth; i++) {
      files[`/d/r${i}.txt`] = `-r a${i}.txt\n-r b${i}.txt\n`;
      files[`/d/a${i}.txt`] = `a${i}==1\n-r r${i + 1}.txt\n`;
      files[`/d/b${i}.txt`] = `-r r${i + 1}.txt\n`;
    }
    files[`/d/r${depth}.txt`] = "leaf==1.0\n";
    const inner = memory(files);
    const p = parseRequirementsFile("/d/r0.txt", (path) => (reads++, inner(path)), {});
    expect(reads).toBe(3 * depth + 1);
    expect(new Set(p.files).size).toBe(p.files.length);
    expect(p.requirements.map((l) => l.requirement?.name)).toEqual([...Array.from({ length: depth }, (_, i) => `a${i}`), "leaf"]);
  });

  it("include cycles are still reported: a file already read that is also in the include chain", () => {
    const read = memory({ "/r/a.txt": "x==1\n-r c.txt\n-r b.txt\n", "/r/b.txt": "-r c.txt\n", "/r/c.txt": "-r b.txt\n" });
    expect(errorOf(() => parseRequirementsFile("/r/a.txt", read, {})).message).toBe("/r/b.txt:1: requirements files include each other in a cycle (/r/c.txt -> /r/b.txt -> /r/c.txt): -r c.txt");
  });

  it("-r file: URLs are local files; --hash on an option line and --config-settings are warnings", () => {
    const read = memory({ "/r/a.txt": `-r file:///r/b.txt\n--hash=sha256:${"a".repeat(64)}\nx==1 --config-settings=k=v\n`, "/r/b.txt": "y==2\n" });
    const p = parseRequirementsFile("/r/a.txt", read, {});
    expect(p.requirements.map((l) => l.requirement?.name)).toEqual(["y", "x"]);
    expect(p.warnings).toEqual(["/r/a.txt:2: --hash without a requirement is ignored", "/r/a.txt:3: --config-settings is ignored: wheels are not built"]);
    expect(p.requireHashes).toBe(false);
  });
});

describe("errors (E_REQUIREMENTS, <file>:<line>: <what>: <text>)", () => {
  const WHEELS = "a bundle ships wheels; build the wheel first (pip wheel / python -m build) and reference it";
  const cases: [string, string, string?][] = [
    ["bad/editable.txt", "bad/editable.txt:2: editable requirements are not supported: -e ./src/myproj", WHEELS],
    ["bad/vcs.txt", "bad/vcs.txt:2: VCS requirements are not supported: git+https://github.com/org/repo.git@v1.0#egg=repo", WHEELS],
    ["bad/vcs-named.txt", "bad/vcs-named.txt:1: VCS requirements are not supported: repo @ git+https://github.com/org/repo.git@v1.0", WHEELS],
    ["bad/sdist-url.txt", `bad/sdist-url.txt:1: source distributions are not supported: https://files.example/foo-1.0.tar.gz#sha256=${"a".repeat(64)}`, WHEELS],
    ["bad/sdist-path.txt", "bad/sdist-path.txt:1: source distributions are not supported: ./dist/foo-1.0.tar.gz", WHEELS],
    ["bad/sdist-named.txt", "bad/sdist-named.txt:1: source distributions are not supported: foo @ https://files.example/foo-1.0.zip", WHEELS],
    ["bad/directory.txt", "bad/directory.txt:1: local directories (source trees) are not supported: ./src/myproj", WHEELS],
    ["bad/unknown-option.txt", "bad/unknown-option.txt:2: unknown option --bogus-option: --bogus-option"],
    ["bad/malformed.txt", "bad/malformed.txt:3: invalid requirement (Expected semicolon (after name with no version specifier) or end, at column 11): my-package=1.0", "= is not a valid operator. Did you mean == ?"],
    ["bad/two-requirements.txt", "bad/two-requirements.txt:1: invalid requirement (Expected semicolon (after name with no version specifier) or end, at column 6): req1 req2"],
    ["bad/remote-include.txt", "bad/remote-include.txt:1: remote requirement files are not supported: -r https://example.com/requirements.txt", "download the file and reference the local copy (bundles are built from pinned, reviewable inputs)"],
    ["bad/cycle/a.txt", "bad/cycle/b.txt:2: requirements files include each other in a cycle (bad/cycle/a.txt -> bad/cycle/b.txt -> bad/cycle/a.txt): -r ./a.txt"],
    ["bad/self-include.txt", "bad/self-include.txt:1: requirements files include each other in a cycle (bad/self-include.txt -> bad/self-include.txt): -r self-include.txt"],
    ["bad/missing-include.txt", "bad/missing-include.txt:2: cannot read the requirements file bad/does-not-exist.txt (ENOENT): -r does-not-exist.txt"],
    ["bad/require-hashes-missing.txt", "bad/require-hashes-missing.txt:2: no --hash (hash checking is on because --require-hashes is set, so every requirement needs one): tinyweb==1.2.0"],
    ["bad/bad-hash.txt", `bad/bad-hash.txt:1: invalid --hash 'md5:${"0".repeat(32)}': tinyweb==1.2.0 --hash=md5:${"0".repeat(32)}`, "write --hash=sha256:<64 hex digits> (sha256, sha384 and sha512 are accepted)"],
    ["bad/short-hash.txt", "bad/short-hash.txt:1: invalid --hash 'sha256:abc': a sha256 digest is 64 hex digits: tinyweb==1.2.0 --hash=sha256:abc"],
    ["bad/option-on-requirement.txt", "bad/option-on-requirement.txt:1: option --pre cannot follow a requirement; put it on a line of its own: tinyweb==1.2.0 --pre"],
    ["bad/unclosed-quote.txt", 'bad/unclosed-quote.txt:1: cannot split the options: no closing quotation: --index-url "https://pypi.example/simple'],
    ["bad/invalid-utf8.txt", "bad/invalid-utf8.txt:2: not valid UTF-8", "save the file as UTF-8, or declare its encoding in the first line: # -*- coding: latin-1 -*-"],
    ["bad/unknown-encoding.txt", "bad/unknown-encoding.txt:1: unknown encoding 'klingon'"],
    ["bad/constraint-unnamed/main.txt", "bad/constraint-unnamed/c.txt:1: a constraint must name its project: ./wheels/foo-1.0-py3-none-any.whl", "write name==version, or name @ URL"],
    ["bad/constraint-extras.txt", "bad/constraint-extras-c.txt:1: constraints cannot have extras: foo[bar]==1.0"],
    ["bad/wheel-name-mismatch.txt", "bad/wheel-name-mismatch.txt:1: the wheel bar-1.0-py3-none-any.whl is not a file of foo: foo @ https://files.example/bar-1.0-py3-none-any.whl"],
    ["bad/bad-wheel-filename.txt", 'bad/bad-wheel-filename.txt:1: invalid wheel filename "notawheel.whl": wrong number of parts: expected name-version[-build]-python-abi-platform, found 0 dashes: ./wheels/notawheel.whl'],
    ["bad/stray-word.txt", `bad/stray-word.txt:1: invalid requirement (Expected comma (within version specifier), semicolon (after version specifier) or end, at column 10): foo==1.0 extra-word --hash=sha256:${"a".repeat(64)}`],
  ];
  for (const [rel, message, hint] of cases) {
    it(rel, () => {
      const e = errorOf(() => parseFixture(rel));
      expect(e.code).toBe("E_REQUIREMENTS");
      expect(e.message).toBe(message);
      if (hint) expect(e.hints).toContain(hint);
      const m = /^(.*?):(\d+):/.exec(message)!;
      expect(e.details).toMatchObject({ file: join(root, m[1]!), line: Number(m[2]) });
    });
  }

  it("hash checking names every unpinned or unhashed requirement at once", () => {
    const e = errorOf(() => parseFixture("bad/hash-unpinned.txt"));
    expect(e).toBeInstanceOf(WbErrorList);
    expect((e as WbErrorList).errors.map((x) => x.message)).toEqual([
      "bad/hash-unpinned.txt:2: not pinned with == or === (hash checking is on because --hash is used): requests>=2",
      "bad/hash-unpinned.txt:2: no --hash (hash checking is on because --hash is used, so every requirement needs one): requests>=2",
      "bad/hash-unpinned.txt:3: no --hash (hash checking is on because --hash is used, so every requirement needs one): flask==3.0.0",
      "bad/hash-unpinned.txt:4: no --hash (hash checking is on because --hash is used, so every requirement needs one): ./wheels/fastsum-0.3.0-py3-none-any.whl",
    ]);
    expect(e.code).toBe("E_REQUIREMENTS");
  });

  it("a missing top file is E_REQUIREMENTS naming it", () => {
    const e = errorOf(() => parseRequirementsFile("/nowhere/requirements.txt", memory({}), {}));
    expect(e.code).toBe("E_REQUIREMENTS");
    expect(e.message).toBe("cannot read the requirements file /nowhere/requirements.txt: ENOENT");
  });

  it("rejects --editable, -e with a requirement, other URL schemes and non-wheel URLs", () => {
    const one = (line: string) => errorOf(() => parseRequirementsFile("/r/a.txt", memory({ "/r/a.txt": line + "\n" }), {})).message;
    expect(one("--editable=git+https://h/r.git")).toBe("/r/a.txt:1: editable requirements are not supported: --editable=git+https://h/r.git");
    expect(one("foo -e .")).toBe("/r/a.txt:1: editable requirements are not supported: foo -e .");
    expect(one("ftp://h.example/foo-1.0-py3-none-any.whl")).toBe("/r/a.txt:1: unsupported URL scheme 'ftp': ftp://h.example/foo-1.0-py3-none-any.whl");
    expect(one("https://h.example/simple/foo/")).toBe("/r/a.txt:1: the URL does not name a wheel (.whl): https://h.example/simple/foo/");
    expect(one("foo @ file:///src/foo")).toBe("/r/a.txt:1: the URL does not name a wheel (.whl): foo @ file:///src/foo");
    expect(one("-r a.txt extra")).toBe("/r/a.txt:1: unexpected argument 'extra': -r a.txt extra");
  });
});
