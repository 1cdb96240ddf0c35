/**
 * The three shapes a hash arrives in, parsed into a HashSet (src/model/hash-set.ts):
 *
 * - a URL fragment `#sha256=<hex>` (PEP 503; other fragment parts such as `egg=` are ignored),
 * - a JSON/TOML `hashes` table `{sha256 = "<hex>"}` (PEP 691, pylock.toml),
 * - a requirements option `--hash=sha256:<hex>` (pip's hash-checking mode).
 *
 * Algorithm names are case-insensitive and digests are stored lowercase.
 */
import { digestProblem, hashAlgorithm, HashSet, integrityAlgorithmNames, type Digest } from "../model/hash-set.js";
import { InvalidHash } from "./errors.js";

const and = (names: string[]): string => (names.length < 2 ? names.join("") : `${names.slice(0, -1).join(", ")} and ${names[names.length - 1]}`);

/** One `--hash` value `alg:hex`; only integrity algorithms (sha256, sha384, sha512) are accepted. */
export function parseHashOption(value: string): HashSet {
  const m = /^([A-Za-z0-9]+):([0-9A-Fa-f]+)$/.exec(value);
  const a = hashAlgorithm(m?.[1] ?? "");
  if (!m || !a?.integrity) throw new InvalidHash(`invalid --hash '${value}'`, `write --hash=sha256:<64 hex digits> (${and(integrityAlgorithmNames())} are accepted)`);
  if (m[2]!.length !== a.hexLength) throw new InvalidHash(`invalid --hash '${value}': a ${a.name} digest is ${a.hexLength} hex digits`);
  return HashSet.of([{ alg: a.name, hex: m[2]! }]);
}

/**
 * Known algorithms of an `alg -> hex` table, lowercased. A malformed digest of a known
 * algorithm is reported (the first one) and left out; unknown algorithms are ignored.
 */
export function checkedHashes(raw: Readonly<Record<string, string>>): { hashes: HashSet; problem?: string } {
  const ok: Digest[] = [];
  let problem: string | undefined;
  for (const [name, hex] of Object.entries(raw)) {
    const alg = name.toLowerCase();
    if (hashAlgorithm(alg) === undefined) continue;
    const bad = digestProblem(alg, hex);
    if (bad) problem ??= bad;
    else ok.push({ alg, hex });
  }
  const hashes = HashSet.of(ok);
  return problem === undefined ? { hashes } : { hashes, problem };
}

/** The URL without its fragment and the hashes its fragment names, as checkedHashes reads them. */
export function parseHashFragment(url: string): { url: string; hashes: HashSet; problem?: string } {
  const i = url.indexOf("#");
  if (i === -1) return { url, hashes: HashSet.EMPTY };
  const raw: Record<string, string> = {};
  for (const part of url.slice(i + 1).split("&")) {
    const eq = part.indexOf("=");
    if (eq === -1) continue;
    raw[part.slice(0, eq).toLowerCase()] = part.slice(eq + 1);
  }
  return { url: url.slice(0, i), ...checkedHashes(raw) };
}

/**
 * A pylock.toml `hashes` table: at least one entry, every value a string, every known
 * algorithm's digest the right length. Unknown algorithms are kept as written (the lock is
 * re-serialized faithfully) but never verified.
 */
export function parseHashTable(table: Readonly<Record<string, unknown>> | undefined): { hashes: HashSet; raw: Record<string, string> } {
  if (!table || Object.keys(table).length === 0) throw new InvalidHash("no hashes", 'every file in a lock needs hashes = {sha256 = "<hex>"}');
  const raw: Record<string, string> = {};
  const known: Digest[] = [];
  for (const [alg, value] of Object.entries(table)) {
    if (typeof value !== "string") throw new InvalidHash(`hash '${alg}' must be a string`);
    const a = hashAlgorithm(alg);
    if (a !== undefined) {
      if (!new RegExp(`^[0-9a-fA-F]{${a.hexLength}}$`).test(value)) throw new InvalidHash(`hash '${alg}' is not ${a.hexLength} hex digits: '${value}'`);
      known.push({ alg: a.name, hex: value });
    }
    raw[alg] = value;
  }
  return { hashes: HashSet.of(known), raw };
}
