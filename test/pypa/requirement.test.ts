import { describe, expect, it } from "vitest";
import { evaluateMarker } from "../../src/pypa/markers.js";
import { RequirementSyntaxError, parseRequirement, requirementToString } from "../../src/pypa/requirement.js";

const fails = (text: string): RequirementSyntaxError => {
  try {
    parseRequirement(text);
  } catch (e) {
    if (e instanceof RequirementSyntaxError) return e;
    throw e;
  }
  throw new Error(`accepted ${text}`);
};

describe("parseRequirement", () => {
  it("parses name, extras, specifier and marker", () => {
    const r = parseRequirement("Requests [Security , socks_proxy] >= 2.31.0, <3 ; python_version >= '3.8'");
    expect(r).toMatchObject({
      name: "Requests",
      extras: ["security", "socks-proxy"],
      specifier: "<3,>=2.31.0",
      markerText: 'python_version >= "3.8"',
    });
    expect(r.url).toBeUndefined();
    expect(evaluateMarker(r.marker!, { python_version: "3.12" })).toBe(true);
  });

  it("accepts the PEP 508 forms (names, extras, specifiers, URLs, markers)", () => {
    expect(parseRequirement("foo[]")).toEqual({ name: "foo", extras: [], specifier: "" });
    expect(parseRequirement("foo (>=1.0)").specifier).toBe(">=1.0");
    expect(parseRequirement("foo>=1.0,").specifier).toBe(">=1.0");
    expect(parseRequirement("foo()").specifier).toBe("");
    expect(parseRequirement("name===1.0").specifier).toBe("===1.0");
    expect(parseRequirement("name ===foo;os_name=='a'")).toMatchObject({ specifier: "===foo", markerText: 'os_name == "a"' });
  });

  it("canonicalises, de-duplicates and sorts extras", () => {
    expect(parseRequirement("pkg[Extra_One,extra.two,extra-one]").extras).toEqual(["extra-one", "extra-two"]);
  });

  it("parses the URL form; a marker needs whitespace before `;`", () => {
    expect(parseRequirement("pkg @ https://example.com/pkg-1.0-py3-none-any.whl ; os_name == 'nt'")).toMatchObject({
      url: "https://example.com/pkg-1.0-py3-none-any.whl",
      specifier: "",
      markerText: 'os_name == "nt"',
    });
    expect(parseRequirement("pkg@https://x/y;v=1.whl").url).toBe("https://x/y;v=1.whl");
    const e = fails("name @ https://example.com/; extra == 'example'");
    expect(e.reason).toBe("Expected semicolon (after URL and whitespace) or end");
    expect(e.column).toBe(29);
  });

  it("reports syntax errors with packaging's reason and column", () => {
    expect(() => parseRequirement("name 1.0")).toThrow(
      "invalid requirement 'name 1.0': Expected semicolon (after name with no version specifier) or end (at column 6)",
    );
    expect(fails("name[bar baz]")).toMatchObject({ reason: "Expected comma between extra names", column: 9 });
    expect(fails("black (>=20.*) ; extra == 'format'")).toMatchObject({
      reason: ".* suffix can only be used with `==` or `!=` operators",
      column: 12,
    });
    expect(fails("name>=1.0+local").reason).toBe("Local version label can only be used with `==` or `!=` operators");
    expect(fails("").reason).toBe("Expected package name at the start of dependency specifier");
    expect(fails("name; foobar=='x'").reason).toBe("Expected a marker variable or quoted string");
  });

  it("rejects an === item that swallowed a comma", () => {
    expect(() => parseRequirement("name===a,b")).toThrow("invalid version specifier 'b' in '===a,b'");
  });
});

describe("requirementToString", () => {
  it.each([
    ['name[bar]>=3; python_version == "2.7"', 'name[bar]>=3; python_version == "2.7"'],
    ["name@ http://foo.com", "name @ http://foo.com"],
    ['name@ http://foo.com ; extra == "feature"', 'name @ http://foo.com ; extra == "feature"'],
    ["Name [B,a] (>=2, <3)", "Name[a,b]<3,>=2"],
  ])("%s -> %s", (input, expected) => {
    const r = parseRequirement(input);
    expect(requirementToString(r)).toBe(expected);
    expect(parseRequirement(requirementToString(r))).toEqual(r);
  });
});
