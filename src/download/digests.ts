/**
 * The hash algorithms an index may give for a file (as pip accepts them: md5, sha1, sha224,
 * sha256, sha384, sha512, blake2b), their digest syntax, and computing several of them in one
 * pass over the bytes. sha256 is the one wheelbarrow keys its cache by; the others are checked
 * when the index gives them, never trusted alone for cache keys.
 */
import { createHash, type Hash } from "node:crypto";
import { createReadStream } from "node:fs";

/** Algorithm -> hex digest length. `blake2b` is BLAKE2b-512 (Python's hashlib.blake2b default). */
export const INDEX_HASH_LENGTHS: Readonly<Record<string, number>> = {
  md5: 32,
  sha1: 40,
  sha224: 56,
  sha256: 64,
  sha384: 96,
  sha512: 128,
  blake2b: 128,
};

/** Strongest first: the order in which messages name them. */
export const INDEX_HASH_ALGS = ["sha256", "sha512", "sha384", "blake2b", "sha224", "sha1", "md5"] as const;

export function isIndexHashAlg(alg: string): boolean {
  return Object.hasOwn(INDEX_HASH_LENGTHS, alg);
}

function nodeName(alg: string): string {
  return alg === "blake2b" ? "blake2b512" : alg;
}

/** Why `hex` is not a valid `alg` digest, or null when it is. `alg` must be a known algorithm. */
export function digestProblem(alg: string, hex: string): string | null {
  const len = INDEX_HASH_LENGTHS[alg];
  if (len === undefined) return `unknown hash algorithm '${alg}'`;
  if (!/^[0-9a-fA-F]*$/.test(hex)) return `the ${alg} digest '${hex.slice(0, 140)}' is not hexadecimal`;
  if (hex.length !== len) return `the ${alg} digest '${hex.slice(0, 140)}' has ${hex.length} hex digits, not ${len}`;
  return null;
}

/** Computes every requested algorithm over one stream of chunks (sha256 always included). */
export class MultiDigest {
  private readonly hashes = new Map<string, Hash>();

  constructor(algs: Iterable<string>) {
    for (const a of new Set(["sha256", ...algs])) if (isIndexHashAlg(a)) this.hashes.set(a, createHash(nodeName(a)));
  }

  update(chunk: Buffer | Uint8Array): this {
    for (const h of this.hashes.values()) h.update(chunk);
    return this;
  }

  /** Algorithm -> lowercase hex. */
  digest(): Record<string, string> {
    const out: Record<string, string> = {};
    for (const [a, h] of this.hashes) out[a] = h.digest("hex");
    return out;
  }
}

export function digestBytes(data: Buffer | Uint8Array, algs: Iterable<string>): Record<string, string> {
  return new MultiDigest(algs).update(data).digest();
}

/** The requested digests of a file, read once. */
export async function digestFile(path: string, algs: Iterable<string>): Promise<Record<string, string>> {
  const d = new MultiDigest(algs);
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
