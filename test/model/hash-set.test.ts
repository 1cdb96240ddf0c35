import { describe, expect, it } from "vitest";
import { digestProblem, HASH_ALGORITHMS, hashAlgorithm, HashSet, integrityAlgorithmNames } from "../../src/model/hash-set.js";

const A = "a".repeat(64);
const B = "b".repeat(64);
const C = "c".repeat(128);

describe("the algorithm list", () => {
  it("names each algorithm once with its hex length; only sha256, sha384 and sha512 count as integrity", () => {
    expect(HASH_ALGORITHMS.map((a) => `${a.name}:${a.hexLength}`)).toEqual(["sha256:64", "sha512:128", "sha384:96", "blake2b:128", "sha224:56", "sha1:40", "md5:32"]);
    expect(integrityAlgorithmNames()).toEqual(["sha256", "sha384", "sha512"]);
    expect(hashAlgorithm("SHA256")?.name).toBe("sha256");
    expect(hashAlgorithm("sha3_256")).toBeUndefined();
  });

  it("digestProblem names wrong length, non-hex and unknown algorithms", () => {
    expect(digestProblem("sha256", A.toUpperCase())).toBeNull();
    expect(digestProblem("sha256", "ab")).toBe("the sha256 digest 'ab' has 2 hex digits, not 64");
    expect(digestProblem("sha256", "z".repeat(64))).toBe(`the sha256 digest '${"z".repeat(64)}' is not hexadecimal`);
    expect(digestProblem("whirlpool", A)).toBe("unknown hash algorithm 'whirlpool'");
  });
});

describe("HashSet", () => {
  it("lowercases, deduplicates and orders strongest first", () => {
    const s = HashSet.of([{ alg: "md5", hex: "F".repeat(32) }, { alg: "SHA512", hex: C }, { alg: "sha256", hex: A.toUpperCase() }, { alg: "sha256", hex: A }]);
    expect(s.size).toBe(3);
    expect(s.algorithms()).toEqual(["sha256", "sha512", "md5"]);
    expect(s.strongest()).toEqual({ alg: "sha256", hex: A });
    expect(s.has("md5")).toBe(true);
    expect(s.has("sha1")).toBe(false);
    expect(s.format(":")).toEqual([`sha256:${A}`, `sha512:${C}`, `md5:${"f".repeat(32)}`]);
    expect(s.format("=")[0]).toBe(`sha256=${A}`);
    expect(JSON.parse(JSON.stringify(s))).toEqual({ sha256: A, sha512: C, md5: "f".repeat(32) });
  });

  it("refuses a digest no parser would let through (internal error, not user input)", () => {
    expect(() => HashSet.of([{ alg: "sha256", hex: "ab" }])).toThrow("internal: the sha256 digest 'ab' has 2 hex digits, not 64");
    expect(() => HashSet.fromRecord({ rot13: A })).toThrow("internal: unknown hash algorithm 'rot13'");
  });

  it("allMatch needs every digest; anyMatch one of several of one algorithm (pip's --hash rule)", () => {
    const computed = HashSet.of([{ alg: "sha256", hex: A }, { alg: "sha512", hex: C }]);
    expect(HashSet.fromRecord({ sha256: A, sha512: C }).allMatch(computed)).toBe(true);
    expect(HashSet.fromRecord({ sha256: A, sha512: "d".repeat(128) }).allMatch(computed)).toBe(false);
    const options = HashSet.of([{ alg: "sha256", hex: B }, { alg: "sha256", hex: A }]);
    expect(options.get("sha256")).toEqual([B, A]);
    expect(options.anyMatch(computed)).toBe(true);
    expect(HashSet.of([{ alg: "sha256", hex: B }]).anyMatch(computed)).toBe(false);
    expect(HashSet.fromRecord({ md5: "0".repeat(32) }).allMatch(computed)).toBe(false); // not computed is not a match
  });

  it("union and equals ignore order; the empty set is one value", () => {
    const x = HashSet.fromRecord({ sha256: A });
    const y = HashSet.fromRecord({ sha512: C });
    expect(x.union(y).equals(y.union(x))).toBe(true);
    expect(x.union(HashSet.EMPTY)).toBe(x);
    expect(HashSet.of([])).toBe(HashSet.EMPTY);
    expect(HashSet.EMPTY.strongest()).toBeUndefined();
  });
});
