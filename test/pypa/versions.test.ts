import { describe, expect, it } from "vitest";
import {
  InvalidSpecifierError,
  InvalidVersionError,
  canonicalizeVersion,
  compareVersions,
  filterVersions,
  isExactPin,
  isPrerelease,
  isValidSpecifier,
  isValidVersion,
  normalizeVersion,
  parseSpecifier,
  parseVersion,
  satisfies,
  specifierSetToString,
  versionsEqual,
} from "../../src/pypa/versions.js";

const ascending = (chain: string[]) => {
  for (let i = 1; i < chain.length; i++) expect([chain[i - 1], compareVersions(chain[i - 1]!, chain[i]!)]).toEqual([chain[i - 1], -1]);
};

describe("version parsing", () => {
  it("exposes the parts of a version", () => {
    expect(parseVersion(" 1!2.03.0rc1.post2.dev3+Ubuntu-1 ")).toEqual({
      epoch: 1,
      release: [2, 3, 0],
      pre: { label: "rc", number: 1 },
      post: 2,
      dev: 3,
      local: "ubuntu.1",
      normalized: "1!2.3.0rc1.post2.dev3+ubuntu.1",
      public: "1!2.3.0rc1.post2.dev3",
      baseVersion: "1!2.3.0",
      isPrerelease: true,
      isPostrelease: true,
      isDevrelease: true,
    });
    expect(parseVersion("lolwat")).toBeNull();
    expect(isValidVersion("1.0+")).toBe(false);
  });

  it("normalises a version's alternative spellings (v prefix, -ALPHA.1, c, -5, .DEV) to PEP 440's canonical form", () => {
    expect(normalizeVersion("v1.0-ALPHA.1")).toBe("1.0a1");
    expect(normalizeVersion("1.0c1")).toBe("1.0rc1");
    expect(normalizeVersion("1.0-5")).toBe("1.0.post5");
    expect(normalizeVersion("1.0.DEV")).toBe("1.0.dev0");
    expect(normalizeVersion("00!01.02")).toBe("1.2");
  });

  it("keeps local labels exact (regression: the library turned +0x10 into +16)", () => {
    expect(normalizeVersion("1.0+0x10")).toBe("1.0+0x10");
    expect(normalizeVersion("1.0+Infinity")).toBe("1.0+infinity");
    expect(normalizeVersion("1.0+007.A")).toBe("1.0+7.a");
  });

  it("keeps long release numbers exact in the normalised form", () => {
    expect(normalizeVersion("1.0.099999999999999999999")).toBe("1.0.99999999999999999999");
  });

  it("throws InvalidVersionError naming the input", () => {
    expect(() => normalizeVersion("french toast")).toThrow(new InvalidVersionError("french toast"));
    expect(() => compareVersions("1.0", "lolwat")).toThrow("invalid version 'lolwat' (not PEP 440)");
  });

  it("canonicalizes like packaging.utils.canonicalize_version", () => {
    expect(canonicalizeVersion("1.0.0")).toBe("1");
    expect(canonicalizeVersion("1.0.0", false)).toBe("1.0.0");
    expect(canonicalizeVersion("2!1.4.0.0a1+cpu")).toBe("2!1.4a1+cpu");
  });
});

describe("version order (PEP 440)", () => {
  it("orders dev < pre < post-of-pre < rc < final < local < post < next", () => {
    ascending(["1.0.dev1", "1.0a1", "1.0a1.post1", "1.0rc1", "1.0", "1.0+anything", "1.0.post1", "1.0.1"]);
  });

  it("orders local labels: numeric segments beat alphabetic ones", () => {
    ascending(["1.0", "1.0+cpu", "1.0+cu121", "1.0+5", "1.0.post1"]);
    ascending(["1.0+1e5", "1.0+2", "1.0+99999999999999999998", "1.0+99999999999999999999"]);
    ascending(["1.0+abc", "1.0+abc.b", "1.0+abc.5"]);
  });

  it("lets the epoch dominate and treats 1.0 and 1.0.0 as equal", () => {
    ascending(["2.0", "10.0", "1!0.1"]);
    expect(compareVersions("1.0", "1.0.0")).toBe(0);
    expect(versionsEqual("1.0", "1.0.0")).toBe(true);
    expect(versionsEqual("1.0+cpu", "1.0")).toBe(false);
    expect(versionsEqual("foo", "foo")).toBe(true);
    expect(versionsEqual("foo", "FOO")).toBe(false);
  });

  it("dev and rc versions are pre-releases; post releases and non-versions are not", () => {
    expect(isPrerelease("1.0.dev0")).toBe(true);
    expect(isPrerelease("1.0rc1")).toBe(true);
    expect(isPrerelease("1.0.post1")).toBe(false);
    expect(isPrerelease("not a version")).toBe(false);
  });
});

describe("specifiers", () => {
  it("a specifier set is valid when every comma-separated part is (an empty set too); ~=1 is not", () => {
    expect(isValidSpecifier("")).toBe(true);
    expect(isValidSpecifier(">=1.0,")).toBe(true);
    expect(isValidSpecifier(">= 1.0, <2")).toBe(true);
    expect(isValidSpecifier("~=1")).toBe(false);
    expect(isValidSpecifier(">=1.0.*")).toBe(false);
    expect(isValidSpecifier("==1.0a1.*")).toBe(false);
    expect(isValidSpecifier("<1.0+local")).toBe(false);
    expect(isValidSpecifier("=>1.0")).toBe(false);
  });

  it("one specifier parses into operator, version and wildcard; a bare version is not a specifier", () => {
    expect(parseSpecifier(" == 1.0.* ")).toMatchObject({ operator: "==", version: "1.0.*", wildcard: true });
    expect(parseSpecifier("===foo")).toEqual({ operator: "===", version: "foo", wildcard: false });
    expect(parseSpecifier("1.0")).toBeNull();
  });

  it("prints like str(SpecifierSet): sorted, spaces removed, duplicates dropped", () => {
    expect(specifierSetToString(">=1.0, <2")).toBe("<2,>=1.0");
    expect(specifierSetToString("==1.0.0,==1.0")).toBe("==1.0");
    expect(specifierSetToString("")).toBe("");
  });

  it("throws InvalidSpecifierError naming the bad item", () => {
    expect(() => satisfies("1.0", ">=1.0.*, <2")).toThrow("invalid version specifier '>=1.0.*' in '>=1.0.*, <2'");
    expect(() => filterVersions(["1.0"], "lolwat")).toThrow(InvalidSpecifierError);
  });

  it("== and === without a wildcard are exact pins; ==1.* is not", () => {
    expect(isExactPin("==1.0")).toBe(true);
    expect(isExactPin(" == 1.0+cpu ")).toBe(true);
    expect(isExactPin("===foo")).toBe(true);
    expect(isExactPin("==1.*")).toBe(false);
    expect(isExactPin(">=1.0")).toBe(false);
    expect(isExactPin("==1.0,!=1.1")).toBe(false);
    expect(isExactPin("")).toBe(false);
    expect(isExactPin("==")).toBe(false);
  });
});

describe("satisfies (PEP 440 matching)", () => {
  const yes = (v: string, s: string) => expect([v, s, satisfies(v, s, { prereleases: true })]).toEqual([v, s, true]);
  const no = (v: string, s: string) => expect([v, s, satisfies(v, s, { prereleases: true })]).toEqual([v, s, false]);

  it("ignores the candidate's local label for public specifiers", () => {
    for (const s of ["==1.0", "<=1.0", ">=1.0", "==1.0.0", "~=1.0"]) yes("1.0+cpu", s);
    no("1.0+cpu", ">1.0");
    no("1.0+cpu", "<1.0");
    yes("1.0+cpu", "==1.0+cpu");
    no("1.0", "==1.0+cpu");
    no("1.0+cpu", "!=1.0");
  });

  it("applies the exclusive-comparison rules", () => {
    no("2.0rc1", "<2.0"); // <V excludes pre-releases of V
    yes("2.0rc1", "<2.0rc2");
    yes("1.9rc1", "<2.0");
    no("2.0.post1", ">2.0"); // >V excludes post-releases of V
    yes("2.0.post2", ">2.0.post1");
    yes("2.0.1", ">2.0");
  });

  it("matches wildcards after zero padding, and ~= as >= plus a prefix", () => {
    yes("2", "==2.0.*");
    yes("2.0.5", "==2.0.*");
    no("2.1", "==2.0.*");
    yes("2.1", "!=2.0.*");
    yes("2.2.5", "~=2.2.0");
    no("2.3", "~=2.2.0");
    yes("2.9", "~=2.2");
    no("3.0", "~=2.2");
    no("2!2.2", "~=2.2");
  });

  it("compares === as raw, case-insensitive strings", () => {
    yes("1.0", "===1.0");
    no("1.0.0", "===1.0");
    yes("Foo", "===foo");
    yes("lolwat", "===LOLWAT");
    no("not a version", ">=1.0");
  });
});

describe("pre-release handling (packaging SpecifierSet.filter)", () => {
  it("drops pre-releases when a final release matches, keeps them when nothing else does", () => {
    expect(filterVersions(["1.0", "2.0b1"], ">=1")).toEqual(["1.0"]);
    expect(filterVersions(["2.0b1"], ">=1")).toEqual(["2.0b1"]);
    expect(satisfies("2.0b1", ">=1")).toBe(true);
    expect(filterVersions(["1.0", "2.0b1"], "")).toEqual(["1.0"]);
  });

  it("accepts pre-releases when the specifier names one", () => {
    expect(filterVersions(["1.0", "2.0b1", "2.0b2"], ">=2.0b1")).toEqual(["2.0b1", "2.0b2"]);
  });

  it("honours an explicit prereleases option", () => {
    expect(filterVersions(["1.0", "2.0b1"], ">=1", { prereleases: true })).toEqual(["1.0", "2.0b1"]);
    expect(filterVersions(["2.0b1"], ">=1", { prereleases: false })).toEqual([]);
    expect(filterVersions(["2.0b1"], ">=2.0b1", { prereleases: false })).toEqual([]);
    expect(satisfies("3.13.0rc1", ">=3.8", { prereleases: false })).toBe(false);
    expect(satisfies("3.13.0rc1", ">=3.8", { prereleases: true })).toBe(true);
  });
});

describe("parsed versions and specifier sets", () => {
  it("compareParsed orders as packaging does (dev < pre < final < post, trailing zeros equal, local after public)", async () => {
    const { compareParsed, version } = await import("../../src/pypa/versions.js");
    const order = ["1.0.dev1", "1.0a1.dev1", "1.0a1", "1.0b2", "1.0rc1", "1.0", "1.0+local", "1.0.post1.dev1", "1.0.post1", "1.1.dev0", "1.1", "1!0.1"];
    const shuffled = [...order].reverse();
    expect(shuffled.sort((a, b) => compareParsed(version(a), version(b)))).toEqual(order);
    expect(compareParsed(version("1.0"), version("1.0.0"))).toBe(0);
    expect(version("1.0")).toBe(version("1.0")); // parsed once, shared
  });

  it("SpecifierSet.of is parsed once and matches like satisfies", async () => {
    const { SpecifierSet, satisfies } = await import("../../src/pypa/versions.js");
    const s = SpecifierSet.of(">=1.2,<2");
    expect(SpecifierSet.of(">=1.2,<2")).toBe(s);
    for (const v of ["1.1", "1.2", "1.9.9", "2.0", "2.0rc1", "1.5b1"]) expect(s.contains(v)).toBe(satisfies(v, ">=1.2,<2"));
    expect(s.filter(["1.1", "1.3", "2.1", "1.4"], (v) => v)).toEqual(["1.3", "1.4"]);
    expect(() => SpecifierSet.of(">=1,<<2")).toThrow(/invalid version specifier/);
  });
});
