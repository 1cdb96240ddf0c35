import { describe, expect, test } from "vitest";
import { buildManifest, checkFormatVersion, isSafeRelPath, parseManifest, serializeManifest, type Manifest } from "../../src/bundle/manifest.js";
import { publicUrl } from "../../src/text/redact-url.js";
import { formatSha256Sums, parseSha256Sums } from "../../src/bundle/sha256sums.js";
import { formatRequirements, parseRequirementsOut } from "../../src/bundle/requirements-out.js";
import { licencesFromMetadata, pypiPurl } from "../../src/bundle/sbom.js";
import { parseMetadata } from "../../src/pypa/metadata.js";
import { WbError } from "../../src/errors.js";
import { MACOS } from "./helpers.js";

const H = (c: string): string => c.repeat(64);

const manifest: Manifest = {
  formatVersion: "1.0.0",
  createdBy: { tool: "wheelbarrow", version: "0.1.0" },
  app: { name: "shop", version: "2.3.0", entry: null },
  target: MACOS,
  packages: [
    { name: "zeta", version: "1", filename: "zeta-1-py3-none-any.whl", path: "wheels/zeta-1-py3-none-any.whl", sha256: H("a"), size: 3, requested: true, index: "https://u:p@idx.example/simple" },
    { name: "alpha", version: "2", filename: "alpha-2-py3-none-any.whl", path: "wheels/alpha-2-py3-none-any.whl", sha256: H("b"), size: 4, requested: false, index: "file:///srv/wheels" },
  ],
  files: [
    { path: "install.sh", sha256: H("c"), size: 5, executable: true },
    { path: "app/a.py", sha256: H("d"), size: 6 },
  ],
};

describe("manifest", () => {
  test("serialises with fixed key order, sorted lists, credentials stripped, 2-space indent and a newline", () => {
    const text = serializeManifest({ ...manifest, target: { ...MACOS, tags: ["py3-none-any"] } });
    expect(text.endsWith("}\n")).toBe(true);
    const doc = JSON.parse(text) as Manifest;
    expect(Object.keys(doc)).toEqual(["formatVersion", "createdBy", "app", "target", "packages", "files"]);
    expect(Object.keys(doc.target)).toEqual(["spec", "platform", "python", "implementation", "pythonTag", "freeThreaded", "os", "arch", "libc", "macos", "tags"]);
    expect(doc.packages.map((p) => [p.name, p.index])).toEqual([
      ["alpha", "file:///srv/wheels"],
      ["zeta", "https://idx.example/simple"],
    ]);
    expect(doc.files).toEqual([
      { path: "app/a.py", sha256: H("d"), size: 6 },
      { path: "install.sh", sha256: H("c"), size: 5, executable: true },
    ]);
    expect(text).toContain('\n  "formatVersion": "1.0.0",\n');
    expect(parseManifest(text, "b")).toEqual(buildManifest({ ...manifest, target: { ...MACOS, tags: ["py3-none-any"] } }));
  });

  test("formatVersion: any 1.x is read; others are refused with E_BUNDLE", () => {
    expect(checkFormatVersion("1.0.0", "b")).toBe("1.0.0");
    expect(checkFormatVersion("1.7.2-beta.1", "b")).toBe("1.7.2-beta.1");
    const err = (v: unknown): string => {
      try {
        checkFormatVersion(v, "b.tar.gz");
        return "accepted";
      } catch (e) {
        return (e as WbError).format();
      }
    };
    expect(err("2.0.0")).toBe("error[E_BUNDLE]: b.tar.gz: formatVersion 2.0.0 is not supported (this wheelbarrow reads 1.x)\nhint: the bundle was made by a newer wheelbarrow; use that version to read it");
    expect(err("0.9.0")).toBe("error[E_BUNDLE]: b.tar.gz: formatVersion 0.9.0 is not supported (this wheelbarrow reads 1.x)");
    expect(err("1.0")).toBe('error[E_BUNDLE]: b.tar.gz: formatVersion "1.0" is not a semantic version');
    expect(err(undefined)).toBe("error[E_BUNDLE]: b.tar.gz: formatVersion undefined is not a semantic version");
  });

  test("shape problems are listed together", () => {
    const bad = JSON.parse(serializeManifest(manifest)) as Record<string, unknown>;
    bad["app"] = { name: "", version: "1" };
    (bad["files"] as unknown[]).push({ path: "SHA256SUMS", sha256: H("e"), size: -1 });
    expect(() => parseManifest(JSON.stringify(bad), "b")).toThrow(
      "b: manifest.json is malformed: app.name must be a non-empty string; app.entry must be a non-empty string or null; files[2].size must be a non-negative integer; files[2]: SHA256SUMS must not list itself",
    );
    expect(() => parseManifest("{", "b")).toThrow(/^b: manifest.json is not valid JSON/);
  });

  test("safe relative paths and credential stripping", () => {
    for (const p of ["a", "app/x.py", "wheels/a-1-py3-none-any.whl"]) expect(isSafeRelPath(p), p).toBe(true);
    for (const p of ["", "/etc/x", "../x", "a/../b", "a//b", "./a", "a\\b", "C:/x", "a\nb"]) expect(isSafeRelPath(p), p).toBe(false);
    expect(publicUrl("https://user:pw@host/simple")).toBe("https://host/simple");
    expect(publicUrl("https://user:p@ss@host/simple")).toBe("https://host/simple");
    expect(publicUrl("https://token@host/simple?x=@")).toBe("https://host/simple?x=@");
    expect(publicUrl("https://host/a@b")).toBe("https://host/a@b");
    expect(publicUrl("/local/dir")).toBe("/local/dir");
  });
});

describe("SHA256SUMS and requirements.txt", () => {
  test("SHA256SUMS round trip, sorted, sha256sum format", () => {
    const text = formatSha256Sums([
      { path: "wheels/b.whl", sha256: H("1") },
      { path: "SHA-other", sha256: H("2") },
      { path: "app/x y.py", sha256: H("3") },
    ]);
    expect(text).toBe(`${H("2")}  SHA-other\n${H("3")}  app/x y.py\n${H("1")}  wheels/b.whl\n`);
    expect(parseSha256Sums(text + `${H("4")} *binary.bin\nnot a line\n`)).toEqual({
      entries: [
        { path: "SHA-other", sha256: H("2") },
        { path: "app/x y.py", sha256: H("3") },
        { path: "wheels/b.whl", sha256: H("1") },
        { path: "binary.bin", sha256: H("4") },
      ],
      problems: ["line 5 is not a '<sha256>  <path>' line: \"not a line\""],
    });
  });

  test("the bundle's requirements.txt parses back to the same pins and hashes", () => {
    const text = formatRequirements(
      [
        { name: "zeta", version: "1.0", sha256: H("a") },
        { name: "alpha", version: "2.0+local", sha256: H("b") },
      ],
      { tool: "wheelbarrow", version: "0.1.0", target: "win_amd64@3.12" },
    );
    expect(text).toBe(
      "# Generated by wheelbarrow 0.1.0 for win_amd64@3.12; every wheel is in wheels/.\n" +
        "# Fallback install: pip install --no-index --find-links wheels --require-hashes -r requirements.txt\n" +
        `alpha==2.0+local \\\n    --hash=sha256:${H("b")}\nzeta==1.0 \\\n    --hash=sha256:${H("a")}\n`,
    );
    expect(parseRequirementsOut(text)).toEqual({
      pins: [
        { name: "alpha", version: "2.0+local", sha256: H("b") },
        { name: "zeta", version: "1.0", sha256: H("a") },
      ],
      problems: [],
    });
  });
});

describe("SBOM pieces", () => {
  test("purl: name per the purl spec (lowercase, _ -> -, dots kept), encoded version, sorted qualifiers, PyPI's repository_url omitted", () => {
    expect(pypiPurl({ name: "Zope.Interface", version: "1.0+cpu", filename: "zope_interface-1.0+cpu-cp311-cp311-win_amd64.whl", index: "https://pypi.org/simple" })).toBe(
      "pkg:pypi/zope.interface@1.0%2Bcpu?file_name=zope_interface-1.0%2Bcpu-cp311-cp311-win_amd64.whl",
    );
    expect(pypiPurl({ name: "jaraco.classes", version: "3.4.0", filename: "jaraco.classes-3.4.0-py3-none-any.whl", index: "https://pypi.org/simple/" })).toBe("pkg:pypi/jaraco.classes@3.4.0?file_name=jaraco.classes-3.4.0-py3-none-any.whl");
    expect(pypiPurl({ name: "Typing_Extensions", version: "4.12.2", filename: "typing_extensions-4.12.2-py3-none-any.whl", index: "https://pypi.org/simple/" })).toMatch(/^pkg:pypi\/typing-extensions@4\.12\.2\?/);
    expect(pypiPurl({ name: "a", version: "1", filename: "a-1-py3-none-any.whl", index: "https://tok@nexus.example/repository/pypi/simple/" })).toBe(
      "pkg:pypi/a@1?file_name=a-1-py3-none-any.whl&repository_url=https:%2F%2Fnexus.example%2Frepository%2Fpypi%2Fsimple%2F",
    );
    // A wheel named in a requirements file has no repository: its source is the file and line.
    expect(pypiPurl({ name: "a", version: "1", filename: "a-1-py3-none-any.whl", index: "requirements.txt:3" })).toBe("pkg:pypi/a@1?file_name=a-1-py3-none-any.whl");
    expect(pypiPurl({ name: "a", version: "1", filename: "a-1-py3-none-any.whl", index: "file:///srv/wheels" })).toBe("pkg:pypi/a@1?file_name=a-1-py3-none-any.whl&repository_url=file:%2F%2F%2Fsrv%2Fwheels");
  });

  test("licence: License-Expression, then a one-line License, then classifiers, then the first line of a licence text", () => {
    const lic = (meta: string): unknown => JSON.parse(JSON.stringify(licencesFromMetadata(parseMetadata(`Metadata-Version: 2.1\nVersion: 1\n${meta}`)).map((l) => ("expression" in l ? { expression: l.expression } : "id" in l ? { id: l.id } : { name: (l as { name: string }).name }))));
    expect(lic("Name: a\nLicense-Expression: MIT OR Apache-2.0\nLicense: BSD\n\n")).toEqual([{ expression: "MIT OR Apache-2.0" }]);
    expect(lic("Name: a\nLicense-Expression: MIT\n\n")).toEqual([{ id: "MIT" }]);
    expect(lic("Name: a\nLicense: Apache-2.0\n\n")).toEqual([{ id: "Apache-2.0" }]);
    expect(lic("Name: a\nLicense: Custom licence\n\n")).toEqual([{ name: "Custom licence" }]);
    expect(lic("Name: a\nLicense: Copyright (c) 2020\n        Permission is hereby granted\nClassifier: License :: OSI Approved :: MIT License\nClassifier: License :: OSI Approved :: BSD License\n\n")).toEqual([
      { id: "MIT" },
      { name: "BSD License" },
    ]);
    expect(lic("Name: a\nLicense: Copyright (c) 2020\n        Permission is hereby granted\n\n")).toEqual([{ name: "Copyright (c) 2020" }]);
    expect(lic("Name: a\nLicense: UNKNOWN\n\nLicense: MIT\n")).toEqual([]);
  });

  test("the licence comes from METADATA's headers only, folded lines joined without their indentation", () => {
    const meta = parseMetadata("Metadata-Version: 2.1\nName: x\nVersion: 1\nLicense: line one\n        line two\nClassifier: A\nClassifier: B\n\nLicense-Expression: MIT\n");
    expect(meta.classifiers).toEqual(["A", "B"]);
    expect(meta.licenseExpression).toBeUndefined();
    expect(licencesFromMetadata(meta).map((l) => (l as { name: string }).name)).toEqual(["line one"]);
    const piped = parseMetadata("Metadata-Version: 2.1\nName: x\nVersion: 1\nLicense: \n        |Custom terms\n\n");
    expect(licencesFromMetadata(piped).map((l) => (l as { name: string }).name)).toEqual(["Custom terms"]);
  });
});
