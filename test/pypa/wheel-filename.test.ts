// Wheel filenames against packaging.utils.parse_wheel_filename (fixtures/vectors/wheel-filenames.json,
// made by scripts/vectors/tags_filenames.py), the deliberate deviations listed there, and URLs.
import { readFileSync } from "node:fs";
import { fromPypaError, type WbError } from "../../src/errors.js";
import { describe, expect, it } from "vitest";
import { normalizeVersion } from "../../src/pypa/versions.js";
import {
  MAX_EXPANDED_TAGS,
  WheelFilenameError,
  compareBuildTags,
  filenameFromUrl,
  isSdistFilename,
  isWheelFilename,
  parseWheelFilename,
} from "../../src/pypa/dist-filename.js";

interface FilenameVector {
  filename: string;
  packaging: { valid: true; name: string; version: string; build: [number, string] | null; tags: string[] } | { valid: false; error: string };
  wheelbarrow?: { valid: false; reason: string };
}

const { vectors } = JSON.parse(readFileSync(new URL("../../fixtures/vectors/wheel-filenames.json", import.meta.url), "utf8")) as { vectors: FilenameVector[] };

function errorOf(f: () => unknown): WheelFilenameError {
  try {
    f();
  } catch (e) {
    if (e instanceof WheelFilenameError) return e;
    throw e;
  }
  throw new Error("expected a WheelFilenameError");
}

describe("agreement with packaging.utils.parse_wheel_filename", () => {
  it("covers valid and invalid names, build tags and deviations", () => {
    expect(vectors.filter((v) => v.packaging.valid && !v.wheelbarrow).length).toBeGreaterThan(25);
    expect(vectors.filter((v) => !v.packaging.valid).length).toBeGreaterThan(15);
    expect(vectors.filter((v) => v.wheelbarrow).length).toBeGreaterThan(5);
  });

  for (const v of vectors) {
    const p = v.packaging;
    if (v.wheelbarrow) {
      it(`rejects ${JSON.stringify(v.filename)} on purpose (${v.wheelbarrow.reason})`, () => {
        expect(p.valid).toBe(true);
        expect(() => parseWheelFilename(v.filename)).toThrow(WheelFilenameError);
      });
    } else if (p.valid) {
      it(`parses ${JSON.stringify(v.filename)} as packaging does`, () => {
        const w = parseWheelFilename(v.filename);
        expect(w.canonicalName).toBe(p.name);
        expect(normalizeVersion(w.version)).toBe(p.version);
        expect(w.build ? [w.build.num, w.build.tag] : null).toEqual(p.build);
        expect([...w.tags].sort()).toEqual(p.tags);
      });
    } else {
      it(`rejects ${JSON.stringify(v.filename)} as packaging does`, () => {
        expect(() => parseWheelFilename(v.filename)).toThrow(WheelFilenameError);
      });
    }
  }
});

describe("parseWheelFilename", () => {
  it("keeps the name and version as written, tags lowercased in file order", () => {
    const w = parseWheelFilename("Zope.Interface-6.0RC1-1abc-CP312.cp311-abi3-manylinux_2_17_x86_64.manylinux2014_x86_64.whl");
    expect(w).toEqual({
      filename: "Zope.Interface-6.0RC1-1abc-CP312.cp311-abi3-manylinux_2_17_x86_64.manylinux2014_x86_64.whl",
      name: "Zope.Interface",
      canonicalName: "zope-interface",
      version: "6.0RC1",
      build: { num: 1, tag: "abc", raw: "1abc" },
      pythonTags: ["cp312", "cp311"],
      abiTags: ["abi3"],
      platformTags: ["manylinux_2_17_x86_64", "manylinux2014_x86_64"],
      tags: [
        "cp312-abi3-manylinux_2_17_x86_64",
        "cp312-abi3-manylinux2014_x86_64",
        "cp311-abi3-manylinux_2_17_x86_64",
        "cp311-abi3-manylinux2014_x86_64",
      ],
    });
    expect("build" in parseWheelFilename("foo-1.0-py3-none-any.whl")).toBe(false);
  });

  it("deduplicates repeated members of a compressed set", () => {
    expect(parseWheelFilename("foo-1.0-py3.PY3-none-any.whl").tags).toEqual(["py3-none-any"]);
  });

  it("pins its error messages (code and text)", () => {
    const cases: [string, string][] = [
      ["foo-1.0-py3-none-any.zip", `invalid wheel filename "foo-1.0-py3-none-any.zip": extension must be '.whl'`],
      ["foo-1.0-none-any.whl", `invalid wheel filename "foo-1.0-none-any.whl": wrong number of parts: expected name-version[-build]-python-abi-platform, found 3 dashes`],
      ["foo__bar-1.0-py3-none-any.whl", `invalid wheel filename "foo__bar-1.0-py3-none-any.whl": invalid project name "foo__bar"`],
      ["foo-latest-py3-none-any.whl", `invalid wheel filename "foo-latest-py3-none-any.whl": invalid version "latest"`],
      ["foo-1.0-a1-py3-none-any.whl", `invalid wheel filename "foo-1.0-a1-py3-none-any.whl": invalid build tag "a1" (must start with a digit; then letters, digits, _ or .)`],
      ["foo-1.0-py3.-none-any.whl", `invalid wheel filename "foo-1.0-py3.-none-any.whl": empty member in the python tag set "py3."`],
      ["-1.0-py3-none-any.whl", `invalid wheel filename "-1.0-py3-none-any.whl": empty project name`],
      ["foo\n-1.0-py3-none-any.whl", `invalid wheel filename "foo\\n-1.0-py3-none-any.whl": contains a newline or control character`],
      ["foo-1.0-py3-none-any/../x.whl", `invalid wheel filename "foo-1.0-py3-none-any/../x.whl": invalid platform tag "any/" (letters, digits and _ only)`],
    ];
    for (const [filename, message] of cases) {
      const e = fromPypaError(errorOf(() => parseWheelFilename(filename))) as WbError; // as the CLI reports it
      expect(e.code).toBe("E_REQUIREMENTS");
      expect(e.message).toBe(message);
      expect(e.details).toMatchObject({ filename });
    }
  });

  it("caps the expansion of compressed tag sets", () => {
    const many = (prefix: string, n: number) => Array.from({ length: n }, (_, i) => `${prefix}${i}`).join(".");
    expect(parseWheelFilename(`foo-1.0-${many("py", 8)}-${many("a", 8)}-${many("p", 16)}.whl`).tags).toHaveLength(MAX_EXPANDED_TAGS);
    const e = errorOf(() => parseWheelFilename(`foo-1.0-${many("py", 8)}-${many("a", 8)}-${many("p", 17)}.whl`));
    expect(e.reason).toBe(`the compressed tag sets expand to 1088 tags (at most ${MAX_EXPANDED_TAGS})`);
  });
});

describe("compareBuildTags", () => {
  const b = (f: string) => parseWheelFilename(f).build;
  it("orders none < 1 < 1a < 1b < 2 < 10, and exactly beyond 2^53", () => {
    const order = ["foo-1.0-py3-none-any.whl", "foo-1.0-1-py3-none-any.whl", "foo-1.0-1a-py3-none-any.whl", "foo-1.0-1b-py3-none-any.whl", "foo-1.0-2-py3-none-any.whl", "foo-1.0-010-py3-none-any.whl"].map(b);
    for (let i = 1; i < order.length; i++) expect(compareBuildTags(order[i - 1], order[i])).toBe(-1);
    expect(compareBuildTags(b("foo-1.0-10-py3-none-any.whl"), b("foo-1.0-0010-py3-none-any.whl"))).toBe(0);
    expect(compareBuildTags(b("foo-1.0-9007199254740993-py3-none-any.whl"), b("foo-1.0-9007199254740992-py3-none-any.whl"))).toBe(1);
    expect(compareBuildTags(undefined, undefined)).toBe(0);
  });
});

describe("filenameFromUrl", () => {
  it.each([
    ["https://files.example/packages/ab/cd/torch-2.3.0%2Bcu121-cp311-cp311-linux_x86_64.whl#sha256=00ff", "torch-2.3.0+cu121-cp311-cp311-linux_x86_64.whl"],
    ["https://idx.example/simple/foo/foo-1.0-py3-none-any.whl?token=x#md5=1", "foo-1.0-py3-none-any.whl"],
    ["../../packages/foo-1.0.tar.gz", "foo-1.0.tar.gz"],
    ["foo-1.0-py3-none-any.whl", "foo-1.0-py3-none-any.whl"],
    ["file:///srv/wheels/My%20Pkg-1.0-py3-none-any.whl", "My Pkg-1.0-py3-none-any.whl"],
    ["C:\\wheels\\foo-1.0-py3-none-any.whl", "foo-1.0-py3-none-any.whl"],
    ["https://x.example/bad%zzname.whl", "bad%zzname.whl"],
    ["https://x.example/dir/", ""],
  ])("%s -> %s", (url, name) => {
    expect(filenameFromUrl(url)).toBe(name);
  });
});

describe("file kinds", () => {
  it("tells wheels from sdists", () => {
    expect(isWheelFilename("foo-1.0-py3-none-any.whl")).toBe(true);
    expect(isWheelFilename("foo-1.0-py3-none-any.WHL")).toBe(false);
    expect(isWheelFilename("foo-1.0.tar.gz")).toBe(false);
    for (const f of ["foo-1.0.tar.gz", "foo-1.0.zip", "Foo-1.0.TAR.GZ", "foo-1.0.tar.bz2", "foo-1.0.tgz", "foo-1.0.tar.xz"]) expect(isSdistFilename(f)).toBe(true);
    for (const f of ["foo-1.0-py3-none-any.whl", "foo-1.0.egg", "foo-1.0.exe", ".tar.gz"]) expect(isSdistFilename(f)).toBe(false);
  });
});
