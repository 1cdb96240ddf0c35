/**
 * PEP 440 versions and version specifiers, with the semantics of pypa/packaging 26.2
 * (`Version`, `SpecifierSet.contains`, `SpecifierSet.filter`), checked by the committed vectors
 * in fixtures/vectors/versions.json (scripts/vectors/markers_versions.py).
 *
 * Parsing comes from @renovatebot/pep440 (`valid`, `explain`). Thin,
 * documented adjustments where the vectors showed it disagrees with packaging:
 *  1. Surrounding whitespace is stripped before parsing (packaging accepts `" 1.0\n"`).
 *  2. Local labels are normalised and ordered here, not by the library: it runs `Number()` over
 *     each local segment, so `+0x10` became `+16`, `+1e5` sorted as a number and digit runs above
 *     2**53 lost precision. The public part is still ordered by the library.
 *  3. The release is normalised from its digits (no `Number()`), so `normalizeVersion` is exact
 *     for any size. Ordering of release/pre/post/dev numbers above 2**53 stays approximate.
 *  5. Ordering is packaging's `_cmpkey` over the parsed fields (compareParsed), and parsing is
 *     cached per string, so comparing and matching never re-parse.
 *  4. Specifier matching is not delegated to the library's `satisfies`/`filter`: they implement
 *     the older pre-release rules (a pre-release never matches unless the specifier names one),
 *     simplify `<V`/`>V` to "different release", and match `==X.Y.*` without zero padding
 *     (`2` vs `==2.0.*`). The operator rules of PEP 440 are written out below on top of the
 *     library's ordering; the set/pre-release logic mirrors packaging's `SpecifierSet`.
 *
 * Pre-release option (same as packaging's `prereleases=` argument):
 *   undefined: pre-releases are accepted when a specifier names one, or when nothing else
 *              in the list matches (so `satisfies("2.0b1", ">=1")` is true: a one-item list);
 *   true:      accepted; false: never accepted (even when the specifier names one).
 * Strings that are not versions only ever match `===`; with an empty specifier packaging keeps
 * them in `filter` (and `contains`), and so do we.
 */
import { explain as libExplain, valid as libValid } from "@renovatebot/pep440";

export class InvalidVersionError extends Error {
  readonly version: string;
  constructor(version: string) {
    super(`invalid version '${version}' (not PEP 440)`);
    this.name = "InvalidVersionError";
    this.version = version;
  }
}

export class InvalidSpecifierError extends Error {
  readonly specifier: string;
  constructor(specifier: string, part?: string) {
    super(
      part === undefined || part === specifier
        ? `invalid version specifier '${specifier}'`
        : `invalid version specifier '${part}' in '${specifier}'`,
    );
    this.name = "InvalidSpecifierError";
    this.specifier = specifier;
  }
}

export interface ParsedVersion {
  epoch: number;
  release: number[];
  pre?: { label: "a" | "b" | "rc"; number: number };
  post?: number;
  dev?: number;
  /** Normalised local label (lowercase, `.`-separated, numeric segments without leading zeros). */
  local?: string;
  /** Canonical string form (`str(Version)`). */
  normalized: string;
  /** Normalised form without the local label. */
  public: string;
  /** epoch + release only. */
  baseVersion: string;
  isPrerelease: boolean;
  isPostrelease: boolean;
  isDevrelease: boolean;
}

/** Python's str.isspace() characters (what `\s` and str.strip() use in packaging). */
export const PY_WS = "\\t\\n\\v\\f\\r \\x1c-\\x1f\\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000";
const TRIM = new RegExp(`^[${PY_WS}]+|[${PY_WS}]+$`, "g");

export function pyStrip(s: string): string {
  return s.replace(TRIM, "");
}

const stripZeros = (digits: string): string => digits.replace(/^0+(?=\d)/, "");

/**
 * Parsed versions are cached by their text: a resolver compares the same few thousand strings
 * millions of times. The cache is cleared when it grows past PARSE_CACHE_LIMIT entries.
 * The returned objects are shared: treat them as read-only.
 */
const PARSE_CACHE_LIMIT = 200_000;
const parseCache = new Map<string, ParsedVersion | null>();

export function parseVersion(v: string): ParsedVersion | null {
  const hit = parseCache.get(v);
  if (hit !== undefined || parseCache.has(v)) return hit ?? null;
  if (parseCache.size >= PARSE_CACHE_LIMIT) parseCache.clear();
  const parsed = parseVersionUncached(v);
  parseCache.set(v, parsed);
  return parsed;
}

function parseVersionUncached(v: string): ParsedVersion | null {
  const text = pyStrip(v);
  if (libValid(text) === null) return null;
  const plus = text.indexOf("+");
  const pub = plus < 0 ? text : text.slice(0, plus);
  const e = libExplain(pub);
  if (e === null) return null;
  // exact release digits (adjustment 3): after an optional `v` and `N!`
  const releaseDigits = /^v?(?:(\d+)!)?(\d+(?:\.\d+)*)/i.exec(pub);
  if (!releaseDigits) return null;
  const epochText = stripZeros(releaseDigits[1] ?? "0");
  const releaseText = releaseDigits[2]!.split(".").map(stripZeros).join(".");
  const local =
    plus < 0
      ? undefined
      : text
          .slice(plus + 1)
          .split(/[._-]/)
          .map((s) => (/^\d+$/.test(s) ? stripZeros(s) : s.toLowerCase()))
          .join(".");
  const pre = e.pre && e.pre.length === 2 ? { label: e.pre[0] as "a" | "b" | "rc", number: Number(e.pre[1]) } : undefined;
  const post = typeof e.post === "number" ? e.post : undefined;
  const dev = typeof e.dev === "number" ? e.dev : undefined;
  const baseVersion = (epochText === "0" ? "" : `${epochText}!`) + releaseText;
  const publicText =
    baseVersion +
    (pre ? `${pre.label}${pre.number}` : "") +
    (post !== undefined ? `.post${post}` : "") +
    (dev !== undefined ? `.dev${dev}` : "");
  return {
    epoch: e.epoch,
    release: e.release,
    ...(pre ? { pre } : {}),
    ...(post !== undefined ? { post } : {}),
    ...(dev !== undefined ? { dev } : {}),
    ...(local !== undefined ? { local } : {}),
    normalized: local === undefined ? publicText : `${publicText}+${local}`,
    public: publicText,
    baseVersion,
    isPrerelease: pre !== undefined || dev !== undefined,
    isPostrelease: post !== undefined,
    isDevrelease: dev !== undefined,
  };
}

function mustParse(v: string): ParsedVersion {
  const p = parseVersion(v);
  if (!p) throw new InvalidVersionError(v);
  return p;
}

export function isValidVersion(v: string): boolean {
  return parseVersion(v) !== null;
}

export function normalizeVersion(v: string): string {
  return mustParse(v).normalized;
}

/** packaging.utils.canonicalize_version: normalised, trailing `.0`s of the release removed. */
export function canonicalizeVersion(v: string, stripTrailingZero = true): string {
  const p = mustParse(v);
  if (!stripTrailingZero) return p.normalized;
  const m = /^((?:\d+!)?)([\d.]+)(.*)$/.exec(p.normalized)!;
  return m[1]! + m[2]!.replace(/(?:\.0)+$/, "") + m[3]!;
}

/** PEP 440 local label order: numeric segments beat alphanumeric ones, shorter loses ties. */
function compareLocal(a: string | undefined, b: string | undefined): number {
  if (a === b) return 0;
  if (a === undefined) return -1;
  if (b === undefined) return 1;
  const as = a.split("."), bs = b.split(".");
  for (let i = 0; i < Math.min(as.length, bs.length); i++) {
    const x = as[i]!, y = bs[i]!;
    const xn = /^\d+$/.test(x), yn = /^\d+$/.test(y);
    if (xn && yn) {
      const d = BigInt(x) - BigInt(y);
      if (d !== 0n) return d < 0n ? -1 : 1;
    } else if (xn !== yn) {
      return xn ? 1 : -1;
    } else if (x !== y) {
      return x < y ? -1 : 1;
    }
  }
  return Math.sign(as.length - bs.length);
}

const PRE_RANK = { a: 0, b: 1, rc: 2 } as const;

/**
 * packaging's `_cmpkey` order, written out over the parsed fields (no string is re-parsed):
 * epoch; release zero-padded; pre (a dev-only release sorts before every pre-release of the
 * same release, no pre-release after all of them); post (none lowest); dev (none highest); local.
 */
function comparePublic(a: ParsedVersion, b: ParsedVersion): number {
  if (a.epoch !== b.epoch) return a.epoch < b.epoch ? -1 : 1;
  const n = Math.max(a.release.length, b.release.length);
  for (let i = 0; i < n; i++) {
    const x = a.release[i] ?? 0, y = b.release[i] ?? 0;
    if (x !== y) return x < y ? -1 : 1;
  }
  const preKey = (p: ParsedVersion): number =>
    p.pre ? PRE_RANK[p.pre.label] * 1e15 + p.pre.number : p.post === undefined && p.dev !== undefined ? -Infinity : Infinity;
  const pa = preKey(a), pb = preKey(b);
  if (pa !== pb) return pa < pb ? -1 : 1;
  const qa = a.post ?? -Infinity, qb = b.post ?? -Infinity;
  if (qa !== qb) return qa < qb ? -1 : 1;
  const da = a.dev ?? Infinity, db = b.dev ?? Infinity;
  if (da !== db) return da < db ? -1 : 1;
  return 0;
}

/** PEP 440 order of two parsed versions. */
export function compareParsed(a: ParsedVersion, b: ParsedVersion): number {
  if (a === b) return 0;
  return comparePublic(a, b) || compareLocal(a.local, b.local);
}

/** PEP 440 order; throws InvalidVersionError for a string that is not a version. */
export function compareVersions(a: string, b: string): number {
  return compareParsed(mustParse(a), mustParse(b));
}

/** `1.0 == 1.0.0`; strings that are not versions are equal only to themselves. */
export function versionsEqual(a: string, b: string): boolean {
  const pa = parseVersion(a), pb = parseVersion(b);
  if (!pa || !pb) return a === b;
  return compareParsed(pa, pb) === 0;
}

export function isPrerelease(v: string): boolean {
  return parseVersion(v)?.isPrerelease ?? false;
}

// ---------------------------------------------------------------------------------------------
// Specifiers
// ---------------------------------------------------------------------------------------------

export type SpecifierOperator = "~=" | "==" | "!=" | "<=" | ">=" | "<" | ">" | "===";

export interface Specifier {
  operator: SpecifierOperator;
  /** The version as written (whitespace removed), `.*` included for wildcards. */
  version: string;
  wildcard: boolean;
  /** Parsed version (without `.*`); undefined for `===` on a non-version. */
  parsed?: ParsedVersion;
}

const WS = `[${PY_WS}]*`;
const REL = "v?(?:[0-9]+!)?[0-9]+(?:\\.[0-9]+)*";
const PRE = "(?:[-_.]?(?:alpha|beta|preview|pre|a|b|c|rc)[-_.]?[0-9]*)?";
const POST = "(?:-[0-9]+|[-_.]?(?:post|rev|r)[-_.]?[0-9]*)?";
const DEV = "(?:[-_.]?dev[-_.]?[0-9]*)?";
const LOCAL = "(?:\\+[a-z0-9]+(?:[-_.][a-z0-9]+)*)?";
/** One specifier as PEP 440/packaging accept it; also used (unanchored) by the PEP 508 parser. */
export const SPECIFIER_PATTERN =
  `(?:===${WS}[^${PY_WS};)]*` +
  `|(?:==|!=)${WS}${REL}(?:\\.\\*|${PRE}${POST}${DEV}${LOCAL})` +
  `|~=${WS}v?(?:[0-9]+!)?[0-9]+(?:\\.[0-9]+)+${PRE}${POST}${DEV}` +
  `|(?:<=|>=|<|>)${WS}${REL}${PRE}${POST}${DEV})`;
const SPECIFIER_FULL = new RegExp(`^${WS}${SPECIFIER_PATTERN}${WS}$`, "i");

/** Parse one specifier (no commas); null when invalid. */
export function parseSpecifier(text: string): Specifier | null {
  if (!SPECIFIER_FULL.test(text)) return null;
  const s = pyStrip(text);
  const operator = (/^(===|~=|==|!=|<=|>=|<|>)/.exec(s)![1]) as SpecifierOperator;
  const version = pyStrip(s.slice(operator.length));
  if (operator === "===") {
    const parsed = parseVersion(version);
    return { operator, version, wildcard: false, ...(parsed ? { parsed } : {}) };
  }
  const wildcard = version.endsWith(".*");
  const parsed = parseVersion(wildcard ? version.slice(0, -2) : version);
  if (!parsed) return null;
  return { operator, version, wildcard, parsed };
}

const specCache = new Map<string, readonly Specifier[] | InvalidSpecifierError>();

/** A comma-separated set; empty items are skipped (`">=1,"` is valid, `""` is the empty set). */
export function parseSpecifierSet(text: string): Specifier[] {
  let hit = specCache.get(text);
  if (hit === undefined) {
    if (specCache.size >= PARSE_CACHE_LIMIT) specCache.clear();
    try {
      hit = parseSpecifierSetUncached(text);
    } catch (e) {
      if (!(e instanceof InvalidSpecifierError)) throw e;
      hit = e;
    }
    specCache.set(text, hit);
  }
  if (hit instanceof InvalidSpecifierError) throw hit;
  return [...hit];
}

function parseSpecifierSetUncached(text: string): Specifier[] {
  const out: Specifier[] = [];
  for (const raw of text.split(",")) {
    if (pyStrip(raw) === "") continue;
    const spec = parseSpecifier(raw);
    if (!spec) throw new InvalidSpecifierError(text, pyStrip(raw));
    out.push(spec);
  }
  return out;
}

export function isValidSpecifier(spec: string): boolean {
  try {
    parseSpecifierSet(spec);
    return true;
  } catch {
    return false;
  }
}

/** A single `==` without wildcard, or a single `===`. */
export function isExactPin(specifier: string): boolean {
  let specs: Specifier[];
  try {
    specs = parseSpecifierSet(specifier);
  } catch {
    return false;
  }
  const only = specs.length === 1 ? specs[0]! : undefined;
  return only !== undefined && (only.operator === "===" || (only.operator === "==" && !only.wildcard));
}

const specToString = (s: Specifier): string => `${s.operator}${s.version}`;

function canonicalSpec(s: Specifier): string {
  if (s.operator === "===" || s.wildcard) return specToString(s);
  return s.operator + canonicalizeVersion(s.parsed!.normalized, s.operator !== "~=");
}

/** str(SpecifierSet): items as written, sorted, equivalent duplicates dropped. */
export function specifierSetToString(specifier: string): string {
  const specs = parseSpecifierSet(specifier).sort((a, b) => {
    const x = specToString(a), y = specToString(b);
    return x < y ? -1 : x > y ? 1 : 0;
  });
  const seen = new Set<string>();
  const out: string[] = [];
  for (const s of specs) {
    const key = canonicalSpec(s);
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(specToString(s));
  }
  return out.join(",");
}

/** Does the specifier name a pre-release? (packaging's Specifier.prereleases; null = unknown) */
function specNamesPrerelease(s: Specifier): boolean | null {
  if (s.operator === "!=" || s.wildcard) return false;
  if (s.parsed === undefined) return null;
  return s.parsed.isPrerelease;
}

const fmt = (p: ParsedVersion, parts: { post?: boolean; dev?: string }): string =>
  p.baseVersion +
  (p.pre ? `${p.pre.label}${p.pre.number}` : "") +
  (parts.post && p.post !== undefined ? `.post${p.post}` : "") +
  (parts.dev ?? "");

/** epoch equal and the zero-padded release starts with `prefix`. */
function prefixMatch(c: ParsedVersion, epoch: number, prefix: number[]): boolean {
  if (c.epoch !== epoch) return false;
  return prefix.every((n, i) => (c.release[i] ?? 0) === n);
}

function cmp(a: ParsedVersion, b: ParsedVersion | string): number {
  return compareParsed(a, typeof b === "string" ? mustParse(b) : b);
}

function matchOne(s: Specifier, raw: string, c: ParsedVersion): boolean {
  const v = s.parsed!;
  const pub = (): ParsedVersion => (c.local === undefined ? c : mustParse(c.public));
  switch (s.operator) {
    case "===":
      return raw.toLowerCase() === s.version.toLowerCase();
    case "==":
    case "!=": {
      const eq = s.wildcard
        ? prefixMatch(c, v.epoch, v.release)
        : cmp(v.local === undefined ? pub() : c, v) === 0;
      return s.operator === "==" ? eq : !eq;
    }
    case "<=":
      return cmp(pub(), v) <= 0;
    case ">=":
      return cmp(pub(), v) >= 0;
    case "~=":
      return cmp(pub(), v) >= 0 && prefixMatch(c, v.epoch, v.release.slice(0, -1));
    case "<":
      if (cmp(c, v) >= 0) return false;
      // <V excludes pre-releases of V unless V is one (V.dev0 is V's earliest pre-release)
      return v.isPrerelease || !c.isPrerelease || cmp(c, fmt(v, { post: true, dev: ".dev0" })) < 0;
    case ">":
      if (cmp(c, v) <= 0) return false;
      // >V excludes post-releases of V unless V is one, and local versions of V
      if (!v.isPostrelease && c.isPostrelease && cmp(mustParse(fmt(c, {})), v) === 0) return false;
      return !(c.local !== undefined && cmp(pub(), v) === 0);
  }
}

function filterWith<T>(items: T[], key: (item: T) => string, specs: Specifier[], prereleases?: boolean): T[] {
  let pre = prereleases;
  if (pre === undefined && specs.some((s) => specNamesPrerelease(s) === true)) pre = true;
  const parsed = items.map((item) => ({ item, raw: key(item), v: parseVersion(key(item)) }));
  let kept: typeof parsed;
  if (specs.length === 0) {
    if (pre === true) return [...items];
    kept = pre === false ? parsed.filter((x) => x.v === null || !x.v.isPrerelease) : parsed;
    if (pre === false) return kept.map((x) => x.item);
  } else {
    kept = parsed.filter(({ raw, v }) => {
      if (v === null) return specs.every((s) => s.operator === "===" && raw.toLowerCase() === s.version.toLowerCase());
      if (pre === false && v.isPrerelease) return false;
      return specs.every((s) => matchOne(s, raw, v));
    });
    if (pre !== undefined) return kept.map((x) => x.item);
  }
  // PEP 440 default: drop pre-releases when a final release (or a non-version) is left
  const hasFinal = kept.some((x) => x.v !== null && !x.v.isPrerelease);
  return (hasFinal ? kept.filter((x) => x.v === null || !x.v.isPrerelease) : kept).map((x) => x.item);
}

/** packaging SpecifierSet(specifier).filter(versions, prereleases). Throws InvalidSpecifierError. */
export function filterVersions(versions: string[], specifier: string, opts: { prereleases?: boolean } = {}): string[] {
  return filterWith(versions, (v) => v, parseSpecifierSet(specifier), opts.prereleases);
}

/** packaging SpecifierSet(specifier).contains(version, prereleases). Throws InvalidSpecifierError. */
export function satisfies(version: string, specifier: string, opts: { prereleases?: boolean } = {}): boolean {
  return filterVersions([version], specifier, opts).length === 1;
}

/** Specifier(spec).contains(version, prereleases=True) for one specifier; null if spec is invalid. */
export function singleSpecifierContains(spec: string, version: string): boolean | null {
  const s = parseSpecifier(spec);
  if (!s) return null;
  return filterWith([version], (v) => v, [s], true).length === 1;
}

/** A parsed version: compare with compareParsed, never by re-parsing its text. */
export type Version = ParsedVersion;

/** Parse a version (cached); throws InvalidVersionError. */
export function version(text: string): Version {
  return mustParse(text);
}

/**
 * packaging's SpecifierSet, parsed once: `SpecifierSet.of(text)` is cached per text, and
 * contains/filter take version strings whose parses are cached too.
 */
export class SpecifierSet {
  private static readonly cache = new Map<string, SpecifierSet>();
  readonly specs: readonly Specifier[];

  private constructor(readonly text: string) {
    this.specs = parseSpecifierSet(text);
  }

  /** Throws InvalidSpecifierError. */
  static of(text: string): SpecifierSet {
    let s = SpecifierSet.cache.get(text);
    if (!s) {
      if (SpecifierSet.cache.size >= PARSE_CACHE_LIMIT) SpecifierSet.cache.clear();
      s = new SpecifierSet(text);
      SpecifierSet.cache.set(text, s);
    }
    return s;
  }

  get isEmpty(): boolean {
    return this.specs.length === 0;
  }

  contains(version: string, opts: { prereleases?: boolean } = {}): boolean {
    return filterWith([version], (v) => v, this.specs as Specifier[], opts.prereleases).length === 1;
  }

  filter<T>(items: T[], key: (item: T) => string, opts: { prereleases?: boolean } = {}): T[] {
    return filterWith(items, key, this.specs as Specifier[], opts.prereleases);
  }
}
