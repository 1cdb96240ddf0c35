import { createHash } from "node:crypto";
import { beforeEach, describe, expect, it } from "vitest";
import { hashedBytes, MultiHasher, resetHashedBytes } from "../../src/util/multi-hasher.js";

const hex = (alg: string, data: Buffer) => createHash(alg).update(data).digest("hex");

describe("MultiHasher", () => {
  beforeEach(() => resetHashedBytes());

  it("feeds each chunk once to one hasher per algorithm, sha256 always included", () => {
    const data = Buffer.from("0123456789".repeat(1000));
    const d = new MultiHasher(["sha512", "blake2b", "md5", "SHA512", "rot13"]).update(data.subarray(0, 3333)).update(data.subarray(3333)).digest();
    expect(d.toRecord()).toEqual({ sha256: hex("sha256", data), sha512: hex("sha512", data), blake2b: hex("blake2b512", data), md5: hex("md5", data) });
    expect(hashedBytes()).toEqual({ sha256: 10_000, sha512: 10_000, blake2b: 10_000, md5: 10_000 });
  });

  it("leaves sha256 out when asked (it was computed already) and counts nothing for an unfinished hasher", () => {
    const data = Buffer.from("abc");
    expect(new MultiHasher(["sha384"], false).update(data).digest().algorithms()).toEqual(["sha384"]);
    new MultiHasher(["sha1"]).update(data); // abandoned, as a restarted download's hasher is
    expect(hashedBytes()).toEqual({ sha384: 3 });
  });
});
