import { describe, expect, it } from "vitest";
import { InvalidHash } from "../../src/pypa/errors.js";
import { checkedHashes, parseHashFragment, parseHashOption, parseHashTable } from "../../src/pypa/hashes.js";

const A = "a".repeat(64);

function invalid(f: () => unknown): { what: string; hints: string[] } {
  try {
    f();
  } catch (e) {
    if (e instanceof InvalidHash) return { what: e.what, hints: e.hints };
    throw e;
  }
  throw new Error("expected InvalidHash");
}

describe("--hash=alg:hex", () => {
  it("accepts sha256/sha384/sha512 in any case and stores lowercase", () => {
    expect(parseHashOption(`SHA256:${A.toUpperCase()}`).format(":")).toEqual([`sha256:${A}`]);
    expect(parseHashOption(`sha384:${"1".repeat(96)}`).has("sha384")).toBe(true);
  });

  it("refuses weak or unknown algorithms, wrong length, non-hex and a missing colon", () => {
    const hint = ["write --hash=sha256:<64 hex digits> (sha256, sha384 and sha512 are accepted)"];
    expect(invalid(() => parseHashOption(`md5:${"a".repeat(32)}`))).toEqual({ what: `invalid --hash 'md5:${"a".repeat(32)}'`, hints: hint });
    expect(invalid(() => parseHashOption(`whirlpool:${A}`))).toEqual({ what: `invalid --hash 'whirlpool:${A}'`, hints: hint });
    expect(invalid(() => parseHashOption(`sha256:${"g".repeat(64)}`)).what).toBe(`invalid --hash 'sha256:${"g".repeat(64)}'`);
    expect(invalid(() => parseHashOption(A)).what).toBe(`invalid --hash '${A}'`);
    expect(invalid(() => parseHashOption("sha256:abcd"))).toEqual({ what: "invalid --hash 'sha256:abcd': a sha256 digest is 64 hex digits", hints: [] });
  });
});

describe("#alg=hex URL fragments", () => {
  it("keeps well-formed digests of known algorithms, ignores egg= and unknown names", () => {
    const r = parseHashFragment(`https://h/f.whl#egg=f&SHA256=${A.toUpperCase()}&sha3_256=${A}`);
    expect(r.url).toBe("https://h/f.whl");
    expect(r.hashes.toRecord()).toEqual({ sha256: A });
    expect(r.problem).toBeUndefined();
  });

  it("reports the first malformed digest and leaves it out", () => {
    const r = parseHashFragment(`https://h/f.whl#md5=${"0".repeat(32)}&sha256=abcd`);
    expect(r.hashes.toRecord()).toEqual({ md5: "0".repeat(32) });
    expect(r.problem).toBe("the sha256 digest 'abcd' has 4 hex digits, not 64");
    expect(parseHashFragment(`https://h/f.whl#sha1=${"x".repeat(40)}`).problem).toBe(`the sha1 digest '${"x".repeat(40)}' is not hexadecimal`);
    expect(parseHashFragment("https://h/f.whl").hashes.isEmpty()).toBe(true);
  });

  it("reads a PEP 691 hashes table the same way", () => {
    expect(checkedHashes({ Blake2B: "B".repeat(128), foo: "bar" }).hashes.toRecord()).toEqual({ blake2b: "b".repeat(128) });
  });
});

describe("pylock hashes tables", () => {
  it("checks known algorithms, keeps unknown ones as written", () => {
    const r = parseHashTable({ sha256: A, "x-custom": "whatever" });
    expect(r.raw).toEqual({ sha256: A, "x-custom": "whatever" });
    expect(r.hashes.toRecord()).toEqual({ sha256: A });
  });

  it("refuses an empty table, a non-string value and a wrong-length digest", () => {
    expect(invalid(() => parseHashTable({}))).toEqual({ what: "no hashes", hints: ['every file in a lock needs hashes = {sha256 = "<hex>"}'] });
    expect(invalid(() => parseHashTable(undefined)).what).toBe("no hashes");
    expect(invalid(() => parseHashTable({ sha256: 5 })).what).toBe("hash 'sha256' must be a string");
    expect(invalid(() => parseHashTable({ md5: "abc" })).what).toBe("hash 'md5' is not 32 hex digits: 'abc'");
    expect(invalid(() => parseHashTable({ SHA256: "z".repeat(64) })).what).toBe(`hash 'SHA256' is not 64 hex digits: '${"z".repeat(64)}'`);
  });
});
