/**
 * Every requested hash algorithm over one pass of the bytes: each chunk is fed once to one
 * hasher per algorithm, so verifying a download against an index's sha256, a requirement's
 * `--hash=sha512:...` and a pylock's hashes never reads the file again (docs/architecture.md
 * "Hashes"). The network layer streams downloads through one of these.
 *
 * `hashedBytes()` counts the bytes fed per algorithm since the last `resetHashedBytes()`, so a
 * test can prove that a bundle run hashes each file once.
 */
import { createHash, type Hash } from "node:crypto";
import { HashSet, hashAlgorithm } from "../model/hash-set.js";

const counted = new Map<string, number>();

/** Bytes fed to each algorithm (by every MultiHasher in this process) since the last reset. */
export function hashedBytes(): Record<string, number> {
  return Object.fromEntries(counted);
}

export function resetHashedBytes(): void {
  counted.clear();
}

export class MultiHasher {
  private readonly hashes = new Map<string, Hash>();
  private bytes = 0;

  /** sha256 is computed too (the cache's key) unless `withSha256` is false; unknown names are ignored. */
  constructor(algs: Iterable<string> = [], withSha256 = true) {
    for (const name of withSha256 ? ["sha256", ...algs] : algs) {
      const a = hashAlgorithm(name);
      if (a && !this.hashes.has(a.name)) this.hashes.set(a.name, createHash(a.nodeName));
    }
  }

  update(chunk: Buffer | Uint8Array): this {
    for (const h of this.hashes.values()) h.update(chunk);
    this.bytes += chunk.length;
    return this;
  }

  /** One digest per algorithm. The hasher is finished afterwards. */
  digest(): HashSet {
    const out = [...this.hashes].map(([alg, h]) => ({ alg, hex: h.digest("hex") }));
    for (const alg of this.hashes.keys()) counted.set(alg, (counted.get(alg) ?? 0) + this.bytes);
    return HashSet.of(out);
  }
}
