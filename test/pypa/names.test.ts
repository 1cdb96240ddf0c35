import { describe, expect, it } from "vitest";
import { canonicalizeExtra, canonicalizeName, isNormalizedName, isValidProjectName } from "../../src/pypa/names.js";

describe("canonicalizeName (PEP 503)", () => {
  it.each([
    ["Django", "django"],
    ["oslo.concurrency", "oslo-concurrency"],
    ["zope.interface", "zope-interface"],
    ["zope_interface", "zope-interface"],
    ["Foo-_-Bar", "foo-bar"],
    ["A__b--c..d", "a-b-c-d"],
    ["requests", "requests"],
  ])("%s -> %s", (name, expected) => {
    expect(canonicalizeName(name)).toBe(expected);
  });

  it("makes differently spelled names of one project equal", () => {
    expect(canonicalizeName("Zope.Interface")).toBe(canonicalizeName("zope_interface"));
  });
});

describe("isValidProjectName (core metadata Name)", () => {
  it.each(["a", "A1", "foo.bar_baz-qux", "1", "android12"])("accepts %s", (name) => {
    expect(isValidProjectName(name)).toBe(true);
  });
  it.each(["", "-foo", "foo-", "_foo", "foo.", "foo bar", "fo@o", "caf\u00e9", "foo\n"])("rejects %j", (name) => {
    expect(isValidProjectName(name)).toBe(false);
  });
});

describe("isNormalizedName", () => {
  it("is true only for names canonicalizeName leaves alone", () => {
    expect(isNormalizedName("foo-bar")).toBe(true);
    expect(isNormalizedName("foo_bar")).toBe(false);
    expect(isNormalizedName("Foo")).toBe(false);
    expect(isNormalizedName("-foo")).toBe(false);
  });
});

describe("canonicalizeExtra (PEP 685)", () => {
  it("normalises extras like project names", () => {
    expect(canonicalizeExtra("Foo_Bar")).toBe("foo-bar");
    expect(canonicalizeExtra("PEP_685...norm")).toBe("pep-685-norm");
    expect(canonicalizeExtra("Different.punctuation..is...equal")).toBe(canonicalizeExtra("different__punctuation_is_EQUAL"));
  });
});
