/**
 * The one list of hash algorithms wheelbarrow knows, and the value type for a set of digests
 * (docs/architecture.md "Hashes"). Each algorithm says where it is accepted:
 *
 * - `index`: an index may give it (PEP 503 `#alg=hex`, PEP 691 `hashes`, pylock `hashes`); pip
 *   accepts md5, sha1, sha224, sha256, sha384, sha512 and blake2b there. A file must match every
 *   one the index gives, but only `integrity` algorithms vouch for bytes on their own.
 * - `integrity`: strong enough for requirements `--hash` (pip's allow-list) and for a wheel's
 *   RECORD (PEP 376/427 require sha256 or better): sha256, sha384, sha512.
 *
 * Digests are lowercase hex; a HashSet is immutable and may hold several digests of one
 * algorithm (requirements `--hash` values are "any of").
 */

export interface HashAlgorithm {
  readonly name: string;
  /** Hex digits of a digest. */
  readonly hexLength: number;
  /** Accepted as integrity on its own: requirements `--hash`, RECORD, cache keys (sha256). */
  readonly integrity: boolean;
  /** Node's name for it (`blake2b` is BLAKE2b-512, Python's hashlib.blake2b default). */
  readonly nodeName: string;
}

/** Strongest first: the order in which messages and serializations name them. */
export const HASH_ALGORITHMS: readonly HashAlgorithm[] = [
  { name: "sha256", hexLength: 64, integrity: true, nodeName: "sha256" },
  { name: "sha512", hexLength: 128, integrity: true, nodeName: "sha512" },
  { name: "sha384", hexLength: 96, integrity: true, nodeName: "sha384" },
  { name: "blake2b", hexLength: 128, integrity: false, nodeName: "blake2b512" },
  { name: "sha224", hexLength: 56, integrity: false, nodeName: "sha224" },
  { name: "sha1", hexLength: 40, integrity: false, nodeName: "sha1" },
  { name: "md5", hexLength: 32, integrity: false, nodeName: "md5" },
];

const BY_NAME = new Map(HASH_ALGORITHMS.map((a) => [a.name, a]));

/** The algorithm of a (case-insensitive) name, or undefined when wheelbarrow does not know it. */
export function hashAlgorithm(name: string): HashAlgorithm | undefined {
  return BY_NAME.get(name.toLowerCase());
}

/** Names of the integrity algorithms, for messages: "sha256, sha384 and sha512". */
export function integrityAlgorithmNames(): string[] {
  return HASH_ALGORITHMS.filter((a) => a.integrity)
    .map((a) => a.name)
    .sort();
}

/** Why `hex` is not a valid digest of `alg`, or null when it is (hex may be any case). */
export function digestProblem(alg: string, hex: string): string | null {
  const a = hashAlgorithm(alg);
  if (a === undefined) return `unknown hash algorithm '${alg}'`;
  if (!/^[0-9a-fA-F]*$/.test(hex)) return `the ${a.name} digest '${hex.slice(0, 140)}' is not hexadecimal`;
  if (hex.length !== a.hexLength) return `the ${a.name} digest '${hex.slice(0, 140)}' has ${hex.length} hex digits, not ${a.hexLength}`;
  return null;
}

export interface Digest {
  readonly alg: string;
  readonly hex: string;
}

const rank = (alg: string): number => HASH_ALGORITHMS.findIndex((a) => a.name === alg);

export class HashSet {
  private readonly entries: readonly Digest[];

  private constructor(entries: Digest[]) {
    this.entries = entries;
  }

  static readonly EMPTY = new HashSet([]);

  /**
   * A set of known-algorithm digests, lowercased, deduplicated, strongest first. Invalid input
   * is a programming error here: parsers (src/pypa/hashes.ts) report bad input before this.
   */
  static of(digests: Iterable<Digest>): HashSet {
    const seen = new Set<string>();
    const out: Digest[] = [];
    for (const d of digests) {
      const alg = d.alg.toLowerCase();
      const bad = digestProblem(alg, d.hex);
      if (bad) throw new Error(`internal: ${bad}`);
      const hex = d.hex.toLowerCase();
      const key = `${alg}:${hex}`;
      if (seen.has(key)) continue;
      seen.add(key);
      out.push({ alg, hex });
    }
    out.sort((a, b) => rank(a.alg) - rank(b.alg));
    return out.length ? new HashSet(out) : HashSet.EMPTY;
  }

  /** From an `alg -> hex` record (the JSON shape); every key must be a known algorithm. */
  static fromRecord(record: Readonly<Record<string, string>>): HashSet {
    return HashSet.of(Object.entries(record).map(([alg, hex]) => ({ alg, hex })));
  }

  get size(): number {
    return this.entries.length;
  }

  isEmpty(): boolean {
    return this.entries.length === 0;
  }

  has(alg: string): boolean {
    return this.entries.some((d) => d.alg === alg);
  }

  /** Every digest of `alg` (several for requirements `--hash` values). */
  get(alg: string): string[] {
    return this.entries.filter((d) => d.alg === alg).map((d) => d.hex);
  }

  /** Algorithms present, strongest first. */
  algorithms(): string[] {
    return [...new Set(this.entries.map((d) => d.alg))];
  }

  /** The strongest digest, or undefined for an empty set. */
  strongest(): Digest | undefined {
    return this.entries[0];
  }

  digests(): readonly Digest[] {
    return this.entries;
  }

  union(other: HashSet): HashSet {
    return other.isEmpty() ? this : this.isEmpty() ? other : HashSet.of([...this.entries, ...other.entries]);
  }

  /** True when `computed` (one digest per algorithm) agrees with every digest here. */
  allMatch(computed: HashSet): boolean {
    return this.entries.every((d) => computed.get(d.alg)[0] === d.hex);
  }

  /** True when `computed` agrees with at least one digest here (pip's rule for `--hash`). */
  anyMatch(computed: HashSet): boolean {
    return this.entries.some((d) => computed.get(d.alg)[0] === d.hex);
  }

  /** Same digests, order aside. */
  equals(other: HashSet): boolean {
    return this.size === other.size && this.entries.every((d) => other.get(d.alg).includes(d.hex));
  }

  /** `alg:hex` (requirements `--hash`, messages) or `alg=hex` (URL fragments, RECORD is `alg=` base64 and not this). */
  format(sep: ":" | "=" = ":"): string[] {
    return this.entries.map((d) => `${d.alg}${sep}${d.hex}`);
  }

  /** The JSON dict (PEP 691, pylock, manifest): the first digest of each algorithm, strongest first. */
  toRecord(): Record<string, string> {
    const out: Record<string, string> = {};
    for (const d of this.entries) out[d.alg] ??= d.hex;
    return out;
  }

  toJSON(): Record<string, string> {
    return this.toRecord();
  }
}
