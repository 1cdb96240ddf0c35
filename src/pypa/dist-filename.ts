/**
 * Distribution file names: wheels (the binary distribution format, PEP 427 and packaging.python.org), sdists,
 * and the file name of a distribution from its URL. parseDistFilename is the one entry point.
 *
 * `{name}-{version}[-{build}]-{python}-{abi}-{platform}.whl`: exactly 4 or 5 dashes; the name is
 * `[\w._]+` without `__`; the version must be PEP 440; the build tag starts with a digit; each
 * tag part may be a `.`-separated compressed set (unsorted sets are accepted, as real wheels
 * ship them) whose product is expanded, lowercased and deduplicated.
 *
 * Agrees with packaging.utils.parse_wheel_filename (fixtures/vectors/wheel-filenames.json)
 * except where it is deliberately stricter, because a filename also becomes a path inside a
 * bundle: empty names, empty tag-set members, control characters, and tags or build tags with
 * characters other than letters, digits, `_` (and `.` in a build tag) are rejected, and a tag
 * set may expand to at most MAX_EXPANDED_TAGS tags.
 */
import { InvalidWheelFilename } from "./errors.js";
import { canonicalizeName } from "./names.js";
import { isValidVersion } from "./versions.js";

export interface BuildTag {
  /** Leading digits as a number (display; compare with compareBuildTags, which is exact). */
  num: number;
  /** What follows the leading digits ("" for a plain number). */
  tag: string;
  /** The build tag as written. */
  raw: string;
}

export interface WheelFilename {
  filename: string;
  /** The project name as written in the file name. */
  name: string;
  canonicalName: string;
  /** The version as written in the file name (a valid PEP 440 version, not normalised). */
  version: string;
  build?: BuildTag;
  /** Lowercased members of each compressed tag set, in file order. */
  pythonTags: string[];
  abiTags: string[];
  platformTags: string[];
  /** The expanded product `python-abi-platform`, in file order, deduplicated. */
  tags: string[];
}

/** More tags than any real wheel carries; a bigger product is a malformed or hostile name. */
export const MAX_EXPANDED_TAGS = 1024;

/** Thrown for a malformed wheel file name (src/pypa/errors.ts); the old name, kept for callers. */
export { InvalidWheelFilename as WheelFilenameError };

const NAME_RE = /^[\p{L}\p{N}_.]+$/u;
const BUILD_RE = /^([0-9]+)([A-Za-z0-9_.]*)$/;
const TAG_MEMBER_RE = /^[A-Za-z0-9_]+$/;

function hasControlCharacter(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x20 || c === 0x7f) return true;
  }
  return false;
}

function splitTagSet(filename: string, what: string, part: string): string[] {
  const members = part.split(".");
  for (const m of members) {
    if (m === "") throw new InvalidWheelFilename(filename, `empty member in the ${what} tag set ${JSON.stringify(part)}`);
    if (!TAG_MEMBER_RE.test(m)) throw new InvalidWheelFilename(filename, `invalid ${what} tag ${JSON.stringify(m)} (letters, digits and _ only)`);
  }
  return [...new Set(members.map((m) => m.toLowerCase()))];
}

export function parseWheelFilename(filename: string): WheelFilename {
  if (hasControlCharacter(filename)) throw new InvalidWheelFilename(filename, "contains a newline or control character");
  if (!filename.endsWith(".whl")) throw new InvalidWheelFilename(filename, "extension must be '.whl'");
  const stem = filename.slice(0, -4);
  const parts = stem.split("-");
  if (parts.length !== 5 && parts.length !== 6) {
    throw new InvalidWheelFilename(filename, `wrong number of parts: expected name-version[-build]-python-abi-platform, found ${parts.length - 1} dashes`);
  }
  const [name = "", version = ""] = parts;
  if (name === "") throw new InvalidWheelFilename(filename, "empty project name");
  if (!NAME_RE.test(name) || name.includes("__")) throw new InvalidWheelFilename(filename, `invalid project name ${JSON.stringify(name)}`);
  if (!isValidVersion(version)) throw new InvalidWheelFilename(filename, `invalid version ${JSON.stringify(version)}`);

  let build: BuildTag | undefined;
  if (parts.length === 6) {
    const raw = parts[2] ?? "";
    const m = BUILD_RE.exec(raw);
    if (!m) throw new InvalidWheelFilename(filename, `invalid build tag ${JSON.stringify(raw)} (must start with a digit; then letters, digits, _ or .)`);
    build = { num: Number(m[1]), tag: m[2] ?? "", raw };
  }
  const [py = "", abi = "", plat = ""] = parts.slice(-3);
  const pythonTags = splitTagSet(filename, "python", py);
  const abiTags = splitTagSet(filename, "abi", abi);
  const platformTags = splitTagSet(filename, "platform", plat);
  const count = pythonTags.length * abiTags.length * platformTags.length;
  if (count > MAX_EXPANDED_TAGS) throw new InvalidWheelFilename(filename, `the compressed tag sets expand to ${count} tags (at most ${MAX_EXPANDED_TAGS})`);
  const tags: string[] = [];
  for (const p of pythonTags) for (const a of abiTags) for (const pl of platformTags) tags.push(`${p}-${a}-${pl}`);

  const result: WheelFilename = {
    filename,
    name,
    canonicalName: canonicalizeName(name),
    version,
    pythonTags,
    abiTags,
    platformTags,
    tags,
  };
  if (build) result.build = build;
  return result;
}

/** Digit strings compared as exact integers (build numbers may exceed 2^53). */
function compareDigits(a: string, b: string): number {
  const x = a.replace(/^0+(?=.)/, "");
  const y = b.replace(/^0+(?=.)/, "");
  if (x.length !== y.length) return x.length < y.length ? -1 : 1;
  return x < y ? -1 : x > y ? 1 : 0;
}

/**
 * Build-tag order (the wheel spec's sort key): no build tag sorts lowest, then by the leading
 * number, then by the rest as a string (code-point order, as Python compares str).
 */
export function compareBuildTags(a: BuildTag | undefined, b: BuildTag | undefined): number {
  if (!a || !b) return a ? 1 : b ? -1 : 0;
  const digitsA = /^[0-9]+/.exec(a.raw)?.[0] ?? String(a.num);
  const digitsB = /^[0-9]+/.exec(b.raw)?.[0] ?? String(b.num);
  const byNum = compareDigits(digitsA, digitsB);
  if (byNum !== 0) return byNum;
  return a.tag < b.tag ? -1 : a.tag > b.tag ? 1 : 0;
}

/** The file name of a URL (or path): last segment, without query and fragment, percent-decoded. */
export function filenameFromUrl(url: string): string {
  let s = url;
  const hash = s.indexOf("#");
  if (hash !== -1) s = s.slice(0, hash);
  const query = s.indexOf("?");
  if (query !== -1) s = s.slice(0, query);
  const segment = s.slice(Math.max(s.lastIndexOf("/"), s.lastIndexOf("\\")) + 1);
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment; // a stray `%` that is not an escape: keep the segment as written
  }
}

/** A wheel by its extension (case-sensitive `.whl`, as pip and packaging decide). */
export function isWheelFilename(f: string): boolean {
  return f.endsWith(".whl");
}

/** Source-distribution archive extensions: the standard two and the legacy ones pip still recognises. */
export const SDIST_EXTENSIONS = [".tar.gz", ".zip", ".tar.bz2", ".tbz", ".tar.xz", ".txz", ".tlz", ".tar.lz", ".tar.lzma", ".tgz", ".tar"] as const;

export function isSdistFilename(f: string): boolean {
  const lower = f.toLowerCase();
  return SDIST_EXTENSIONS.some((ext) => lower.endsWith(ext) && lower.length > ext.length);
}

/**
 * The version part of an sdist file name of the canonical project `project`
 * (`zope.interface-5.0.tar.gz` -> "5.0"), or null when the name is not that project's. The
 * name part may itself contain dashes, so every split point is tried. The version is not validated.
 */
export function sdistVersion(filename: string, project: string): string | null {
  const lower = filename.toLowerCase();
  const ext = [...SDIST_EXTENSIONS].sort((a, b) => b.length - a.length).find((e) => lower.endsWith(e));
  if (!ext) return null;
  const stem = filename.slice(0, filename.length - ext.length);
  for (let i = 1; i < stem.length; i++) {
    if (stem[i] === "-" && canonicalizeName(stem.slice(0, i)) === project) return stem.slice(i + 1);
  }
  return null;
}

/** A distribution file name, parsed once: a wheel with its tags, or an sdist with its version. */
export type DistFilename =
  | { kind: "wheel"; filename: string; version: string; wheel: WheelFilename }
  | { kind: "sdist"; filename: string; version: string; wheel: null };

/**
 * The one parser for distribution file names of a project (canonical name `project`): a valid
 * wheel name of that project, or an sdist `<name>-<version><ext>` (any of SDIST_EXTENSIONS,
 * `foo-1.0.tar.xz` -> "1.0") with a valid PEP 440 version. Anything else -> null.
 */
export function parseDistFilename(filename: string, project: string): DistFilename | null {
  if (isWheelFilename(filename)) {
    try {
      const wheel = parseWheelFilename(filename);
      return wheel.canonicalName === project ? { kind: "wheel", filename, version: wheel.version, wheel } : null;
    } catch {
      return null;
    }
  }
  if (isSdistFilename(filename)) {
    const version = sdistVersion(filename, project);
    return version !== null && isValidVersion(version) ? { kind: "sdist", filename, version, wheel: null } : null;
  }
  return null;
}
