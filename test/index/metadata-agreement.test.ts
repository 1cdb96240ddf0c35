/**
 * metadataDifferences: what counts as the sidecar and the wheel "saying the same": canonical
 * name, equal versions, the same Requires-Dist set (order and spelling of equal requirements
 * aside) and the same Requires-Python (whitespace aside); any other difference is listed.
 */
import { describe, expect, it } from "vitest";
import { metadataDifferences } from "../../src/index/metadata-agreement.js";
import { parseMetadata } from "../../src/pypa/metadata.js";

const md = (lines: string[]) => parseMetadata(["Metadata-Version: 2.1", ...lines].join("\n") + "\n");

describe("metadataDifferences", () => {
  it("equal metadata written differently agrees", () => {
    const a = md(["Name: Foo_Bar", "Version: 1.0", "Requires-Python: >=3.8, <4", "Requires-Dist: b>=1", "Requires-Dist: a ; python_version < '3.11'", "License: MIT"]);
    const b = md(["Name: foo-bar", "Version: 1.0.0", "Requires-Python: >=3.8,<4", "Requires-Dist: a; python_version<'3.11'", "Requires-Dist: b >= 1"]);
    expect(metadataDifferences(a, b)).toEqual([]);
  });

  it("lists each field that differs, planned first", () => {
    const a = md(["Name: foo", "Version: 1.0", "Requires-Dist: a"]);
    const b = md(["Name: bar", "Version: 2.0", "Requires-Python: >=3.12", "Requires-Dist: a", "Requires-Dist: evil"]);
    expect(metadataDifferences(a, b)).toEqual(["Name: foo vs bar", "Version: 1.0 vs 2.0", "Requires-Dist: a vs a, evil", "Requires-Python: (none) vs >=3.12"]);
  });

  it("an extra marker changes the requirement", () => {
    const a = md(["Name: foo", "Version: 1.0", "Requires-Dist: a; extra == 'x'"]);
    const b = md(["Name: foo", "Version: 1.0", "Requires-Dist: a"]);
    expect(metadataDifferences(a, b)).toHaveLength(1);
  });
});
