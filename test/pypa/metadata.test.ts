import { describe, expect, it } from "vitest";
import { MetadataError, parseMetadata } from "../../src/pypa/metadata.js";

const EVERYTHING = [
  "Metadata-Version: 2.4",
  "Name: BeagleVote",
  "Version: 1.0a2",
  "Summary: A module for collecting votes from beagles.",
  "Author: C. Schultz, Universal Features Syndicate,",
  "        Los Angeles, CA <cschultz@peanuts.example.com>",
  "License: This software may only be obtained by sending the",
  "        author a postcard.",
  "License-Expression: Apache-2.0 OR BSD-2-Clause",
  "Classifier: Development Status :: 4 - Beta",
  "Classifier: Environment :: Console (Text Based)",
  "Provides-Extra: PDF_Export",
  "Requires-Dist: reportlab; extra == 'pdf-export'",
  "Requires-Dist: zope.interface (>3.5.0)",
  "requires-dist: pywin32 >1.0; sys_platform == 'win32'",
  "Requires-Python: >=3.8",
  "ThisIsNotReal: Hello!",
  "",
  "Requires-Dist: evil-package-from-the-readme",
  "Name: NotTheName",
  "",
].join("\n");

describe("parseMetadata", () => {
  it("reads the fields wheelbarrow uses", () => {
    const m = parseMetadata(EVERYTHING);
    expect(m).toMatchObject({
      metadataVersion: "2.4",
      name: "BeagleVote",
      version: "1.0a2",
      summary: "A module for collecting votes from beagles.",
      requiresPython: ">=3.8",
      providesExtra: ["pdf-export"],
      licenseExpression: "Apache-2.0 OR BSD-2-Clause",
      classifiers: ["Development Status :: 4 - Beta", "Environment :: Console (Text Based)"],
      warnings: [],
    });
    expect(m.license).toBe("This software may only be obtained by sending the\n        author a postcard.");
  });

  it("never reads the body, and matches field names case-insensitively", () => {
    const m = parseMetadata(EVERYTHING);
    expect(m.requiresDist).toEqual(["reportlab; extra == 'pdf-export'", "zope.interface (>3.5.0)", "pywin32 >1.0; sys_platform == 'win32'"]);
    expect(m.raw.get("name")).toEqual(["BeagleVote"]);
    expect(m.raw.get("thisisnotreal")).toEqual(["Hello!"]);
  });

  it("accepts CRLF line ends and a BOM", () => {
    const m = parseMetadata("\ufeffMetadata-Version: 2.1\r\nName: a\r\nVersion: 1\r\nRequires-Dist: b\r\n\r\nbody");
    expect(m).toMatchObject({ name: "a", version: "1", requiresDist: ["b"] });
  });

  it("warns about unknown minor versions and repeated single fields", () => {
    const m = parseMetadata("Metadata-Version: 2.7\nName: a\nVersion: 1\nSummary: one\nSummary: two\n");
    expect(m.summary).toBe("one");
    expect(m.warnings).toEqual([
      "Metadata-Version '2.7' is not one of the versions known here (1.0-1.2, 2.1-2.6)",
      "field 'Summary' appears 2 times; the first value is used",
    ]);
  });

  it.each([
    ["Name: a\nVersion: 1\n", "invalid core metadata: missing required field 'Metadata-Version'"],
    ["Metadata-Version: 3.0\nName: a\nVersion: 1\n", "invalid core metadata: Metadata-Version '3.0' is not supported (major version 3)"],
    ["Metadata-Version: two\nName: a\nVersion: 1\n", "invalid core metadata: Metadata-Version 'two' is not of the form X.Y"],
    ["Metadata-Version: 2.1\nVersion: 1\n", "invalid core metadata: missing required field 'Name'"],
    ["Metadata-Version: 2.1\nName: -a\nVersion: 1\n", "invalid core metadata: Name '-a' is not a valid project name"],
    ["Metadata-Version: 2.1\nName: a\nVersion: one\n", "invalid core metadata: Version 'one' of a is not a valid PEP 440 version"],
    ["Metadata-Version: 2.1\nName: a\nthis line is broken\nVersion: 1\n", "invalid core metadata: line 3 is not a 'Field: value' header: 'this line is broken'"],
    [" Metadata-Version: 2.1\n", "invalid core metadata: line 1 is a continuation line with no field before it: ' Metadata-Version: 2.1'"],
  ])("rejects %j", (text, message) => {
    expect(() => parseMetadata(text)).toThrow(new MetadataError(message.replace("invalid core metadata: ", "")));
    expect(() => parseMetadata(text)).toThrow(message);
  });
});
