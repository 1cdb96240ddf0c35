import { describe, expect, it } from "vitest";
import { JsonPageError, parseJsonPage } from "../../src/index/parse-json.js";

describe("parseJsonPage (PEP 691/700/714/592)", () => {
  it("reads files with every field, ignoring unknown keys", () => {
    const page = parseJsonPage(
      JSON.stringify({
        meta: { "api-version": "1.1", "_last-serial": 5 },
        name: "demo",
        versions: ["1.0"],
        files: [
          { filename: "demo-1.0-py3-none-any.whl", url: "../../packages/demo-1.0-py3-none-any.whl", hashes: { SHA256: "ABCD" }, "requires-python": ">=3.8", "core-metadata": { sha256: "EF" }, yanked: false, size: 10, "upload-time": "2024-01-01T00:00:00Z", provenance: null, future: 1 },
          { filename: "demo-0.9-py3-none-any.whl", url: "https://h/demo-0.9-py3-none-any.whl", hashes: {}, "dist-info-metadata": true, yanked: "bad" },
          { filename: "demo-0.8-py3-none-any.whl", url: "x", hashes: {}, yanked: true, "core-metadata": false, "dist-info-metadata": { sha256: "11" }, "requires-python": null },
        ],
      }),
    );
    expect(page.apiVersion).toBe("1.1");
    expect(page.name).toBe("demo");
    expect(page.versions).toEqual(["1.0"]);
    expect(page.files).toEqual([
      { filename: "demo-1.0-py3-none-any.whl", url: "../../packages/demo-1.0-py3-none-any.whl", hashes: { sha256: "abcd" }, requiresPython: ">=3.8", coreMetadata: { sha256: "ef" }, yanked: false, size: 10, uploadTime: "2024-01-01T00:00:00Z" },
      { filename: "demo-0.9-py3-none-any.whl", url: "https://h/demo-0.9-py3-none-any.whl", hashes: {}, coreMetadata: true, yanked: "bad" },
      { filename: "demo-0.8-py3-none-any.whl", url: "x", hashes: {}, coreMetadata: false, yanked: "" },
    ]);
  });

  it.each([
    ["not json", "not valid JSON"],
    ["[]", "the page is not a JSON object"],
    [`{"files": 3}`, "`files` must be an array"],
    [`{"files": [{"url": "x"}]}`, "files[0].filename must be a non-empty string"],
    [`{"files": [{"filename": "a.whl", "url": "x", "hashes": []}]}`, "files[0].hashes must be an object of hashes"],
  ])("rejects %s", (text, msg) => {
    expect(() => parseJsonPage(text)).toThrow(JsonPageError);
    expect(() => parseJsonPage(text)).toThrow(msg);
  });
});
