/** One parser for wheel and sdist file names, used by the index, the planner and the inputs. */
import { describe, expect, it } from "vitest";
import { parseDistFilename } from "../../src/pypa/dist-filename.js";
import { fileBelongsTo } from "../../src/index/links.js";
import { fileVersion } from "../../src/plan/select-file.js";

describe("parseDistFilename", () => {
  it.each([
    ["foo-1.0.tar.gz", "1.0"],
    ["foo-1.0.tar.xz", "1.0"],
    ["foo-1.0.tar.bz2", "1.0"],
    ["foo-1.0.zip", "1.0"],
    ["foo-1.0.tgz", "1.0"],
    ["Foo_Bar-2.0rc1.tar.gz", "2.0rc1"],
  ])("%s is an sdist of version %s", (filename, version) => {
    const project = filename.startsWith("Foo_Bar") ? "foo-bar" : "foo";
    expect(parseDistFilename(filename, project)).toEqual({ kind: "sdist", filename, version, wheel: null });
    expect(fileVersion(project, filename).version).toBe(version);
    expect(fileBelongsTo(filename, project)).toBe(true);
  });

  it("a wheel keeps its parsed tags and build tag", () => {
    const d = parseDistFilename("foo-1.0-2-py3-none-any.whl", "foo");
    expect(d?.kind).toBe("wheel");
    expect(d?.version).toBe("1.0");
    expect(d?.wheel?.build?.raw).toBe("2");
    expect(d?.wheel?.tags).toEqual(["py3-none-any"]);
  });

  it("another project's file, a non-version and a non-distribution are not this project's", () => {
    expect(parseDistFilename("foobar-1.0.tar.gz", "foo")).toBeNull();
    expect(parseDistFilename("foo-bar-1.0-py3-none-any.whl", "foo")).toBeNull();
    expect(parseDistFilename("foo-latest.tar.gz", "foo")).toBeNull();
    expect(parseDistFilename("foo-1.0.exe", "foo")).toBeNull();
    expect(parseDistFilename("foo-1.0.tar.xz.asc", "foo")).toBeNull();
  });
});
