/**
 * Digests of bytes and files over one pass (src/util/multi-hasher.ts), and how expected
 * digests compare with computed ones. The algorithms and their digest syntax are the one list
 * in src/model/hash-set.ts. sha256 is the one wheelbarrow keys its cache by; the others are
 * checked when the index gives them, never trusted alone for cache keys.
 */
import { createReadStream } from "node:fs";
import { HASH_ALGORITHMS, hashAlgorithm, type HashSet } from "../model/hash-set.js";
import { MultiHasher } from "../util/multi-hasher.js";

export { digestProblem } from "../model/hash-set.js";

/** Every algorithm an index may give, strongest first: the order in which messages name them. */
export const INDEX_HASH_ALGS: readonly string[] = HASH_ALGORITHMS.map((a) => a.name);

export function isIndexHashAlg(alg: string): boolean {
  return hashAlgorithm(alg)?.name === alg;
}

/** Algorithm -> lowercase hex of every requested algorithm (sha256 always included). */
export function digestBytes(data: Buffer | Uint8Array, algs: Iterable<string>): Record<string, string> {
  return new MultiHasher(algs).update(data).digest().toRecord();
}

/** The requested digests of a file (and its sha256 unless `withSha256` is false), read once. */
export async function digestFile(path: string, algs: Iterable<string>, withSha256 = true): Promise<HashSet> {
  const d = new MultiHasher(algs, withSha256);
  for await (const chunk of createReadStream(path)) d.update(chunk as Buffer);
  return d.digest();
}

export interface DigestMismatch {
  alg: string;
  expected: string;
  found: string;
}

/** Every expected digest that `found` does not match (expected values are compared lowercased). */
export function digestMismatches(expected: Record<string, string>, found: Record<string, string>): DigestMismatch[] {
  const out: DigestMismatch[] = [];
  for (const alg of INDEX_HASH_ALGS) {
    const want = expected[alg];
    if (want === undefined) continue;
    const got = found[alg];
    if (got === undefined) throw new Error(`internal: ${alg} was not computed`);
    if (got !== want.toLowerCase()) out.push({ alg, expected: want.toLowerCase(), found: got });
  }
  return out;
}
