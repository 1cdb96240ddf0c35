/**
 * PEP 751 pylock.toml (packaging.python.org "pylock.toml specification"): parse and validate a lock from any producer (pip lock,
 * uv, pdm, wheelbarrow), and write one deterministically.
 *
 * Validation follows packaging.pylock (the oracle of test/pypa/pylock.test.ts): lock-version 1.x,
 * created-by and packages required, package names already normalised, per package either
 * wheels (+ optional sdist) or exactly one of archive/directory/vcs, every wheel/sdist/archive
 * with a url or path and at least one hash, wheel file names consistent with the package's name
 * and version. Every problem is E_REQUIREMENTS naming the file and the entry
 * (`packages[3].wheels[0]`); a TOML syntax error also names line and column.
 *
 * Decisions: `upload-time` is carried as an ISO 8601 UTC string with millisecond precision
 * (what a JS Date holds), read from a TOML datetime or a string and written as a TOML datetime.
 * Writing sorts packages by name then version, wheels by file name, hash and [tool] keys
 * alphabetically; the rest keeps the key order of the spec. Keys the spec does not define are
 * dropped on reading.
 */
import { parse, stringify, TomlError } from "smol-toml";
import { canonicalizeName, isNormalizedName } from "./names.js";
import { compareVersions, isValidVersion, versionsEqual } from "./versions.js";
import { filenameFromUrl, parseWheelFilename } from "./dist-filename.js";
import { parseHashTable } from "./hashes.js";
import { InvalidHash, InvalidRequirementsInput, InvalidWheelFilename } from "./errors.js";

export interface PylockWheel {
  name: string;
  url?: string;
  /** Relative to the lock file's directory (POSIX separators allowed everywhere). */
  path?: string;
  /** algorithm -> lowercase hex, as in the file. */
  hashes: Record<string, string>;
  size?: number;
  /** ISO 8601, UTC, millisecond precision. */
  uploadTime?: string;
}

export interface PylockPackage {
  name: string;
  version?: string;
  marker?: string;
  requiresPython?: string;
  index?: string;
  wheels: PylockWheel[];
  sdist?: unknown;
  archive?: unknown;
  directory?: unknown;
  vcs?: unknown;
  dependencies?: unknown[];
  attestationIdentities?: unknown[];
  /** [packages.tool], e.g. {wheelbarrow: {requested: true, targets: [...]}}. */
  tool?: Record<string, unknown>;
}

export interface Pylock {
  lockVersion: string;
  createdBy: string;
  requiresPython?: string;
  environments?: string[];
  extras?: string[];
  dependencyGroups?: string[];
  defaultGroups?: string[];
  packages: PylockPackage[];
  tool?: Record<string, unknown>;
}

type Table = Record<string, unknown>;

class Check {
  constructor(readonly file: string) {}

  fail(where: string, what: string, hint?: string): InvalidRequirementsInput {
    return new InvalidRequirementsInput(`${this.file}: ${where ? `${where}: ` : ""}${what}`, { hint, where: { file: this.file, ...(where ? { entry: where } : {}) } });
  }

  str(t: Table, key: string, where: string, required = false): string | undefined {
    const v = t[key];
    if (v === undefined) {
      if (required) throw this.fail(where, `'${key}' is required`);
      return undefined;
    }
    if (typeof v !== "string") throw this.fail(where, `'${key}' must be a string`);
    return v;
  }

  strList(t: Table, key: string, where: string): string[] | undefined {
    const v = t[key];
    if (v === undefined) return undefined;
    if (!Array.isArray(v) || v.some((x) => typeof x !== "string")) throw this.fail(where, `'${key}' must be an array of strings`);
    return v as string[];
  }

  table(t: Table, key: string, where: string): Table | undefined {
    const v = t[key];
    if (v === undefined) return undefined;
    if (!isTable(v)) throw this.fail(where, `'${key}' must be a table`);
    return v;
  }

  tables(t: Table, key: string, where: string): Table[] | undefined {
    const v = t[key];
    if (v === undefined) return undefined;
    if (!Array.isArray(v) || !v.every(isTable)) throw this.fail(where, `'${key}' must be an array of tables`);
    return v;
  }

  hashes(t: Table, where: string): Record<string, string> {
    try {
      return parseHashTable(this.table(t, "hashes", where)).raw;
    } catch (e) {
      if (e instanceof InvalidHash) throw this.fail(where, e.what, e.hints[0]);
      throw e;
    }
  }


  pathOrUrl(t: Table, where: string): { url?: string; path?: string } {
    const url = this.str(t, "url", where);
    const path = this.str(t, "path", where);
    if (!url && !path) throw this.fail(where, "needs a url or a path");
    return { ...(url ? { url } : {}), ...(path ? { path } : {}) };
  }
}

export function parsePylock(text: string, file: string): Pylock {
  let doc: Table;
  try {
    doc = parse(text.replace(/^\uFEFF/, "")) as Table;
  } catch (e) {
    if (e instanceof TomlError) {
      const what = (e.message.split("\n")[0] ?? "").replace(/^Invalid TOML document:\s*/, "");
      throw new InvalidRequirementsInput(`${file}:${e.line}:${e.column}: invalid TOML: ${what}`, { where: { file, line: e.line, column: e.column } });
    }
    throw e;
  }
  const c = new Check(file);
  const lockVersion = c.str(doc, "lock-version", "", true)!;
  const m = /^(\d+)(?:\.\d+)*$/.exec(lockVersion);
  if (!m) throw c.fail("", `lock-version must be a version like "1.0", got '${lockVersion}'`);
  if (Number(m[1]) !== 1) {
    throw c.fail("", `lock-version ${lockVersion} is not supported (this wheelbarrow reads 1.x)`, "re-create the lock with a tool that writes lock-version 1.x, or upgrade wheelbarrow");
  }
  const createdBy = c.str(doc, "created-by", "", true)!;
  const rawPackages = c.tables(doc, "packages", "");
  if (rawPackages === undefined) throw c.fail("", "'packages' is required");
  const lock: Pylock = { lockVersion, createdBy, packages: rawPackages.map((p, i) => readPackage(c, p, `packages[${i}]`)) };
  const requiresPython = c.str(doc, "requires-python", "");
  if (requiresPython !== undefined) lock.requiresPython = requiresPython;
  const environments = c.strList(doc, "environments", "");
  if (environments) lock.environments = environments;
  const extras = c.strList(doc, "extras", "");
  if (extras) {
    for (const e of extras) if (!isNormalizedName(e)) throw c.fail("", `extra '${e}' is not normalised (should be '${canonicalizeName(e)}')`);
    lock.extras = extras;
  }
  const groups = c.strList(doc, "dependency-groups", "");
  if (groups) lock.dependencyGroups = groups;
  const defaults = c.strList(doc, "default-groups", "");
  if (defaults) lock.defaultGroups = defaults;
  const tool = c.table(doc, "tool", "");
  if (tool) lock.tool = tool;
  return lock;
}

function readPackage(c: Check, t: Table, where: string): PylockPackage {
  const name = c.str(t, "name", where, true)!;
  if (!isNormalizedName(name)) {
    throw c.fail(where, `package name '${name}' is not normalised`, `PEP 751 names are normalised: write '${canonicalizeName(name)}'`);
  }
  const here = `${where} (${name})`;
  const version = c.str(t, "version", here);
  if (version !== undefined && !isValidVersion(version)) throw c.fail(here, `version '${version}' is not a PEP 440 version`);
  const pkg: PylockPackage = { name, wheels: [] };
  if (version !== undefined) pkg.version = version;
  const marker = c.str(t, "marker", here);
  if (marker !== undefined) pkg.marker = marker;
  const requiresPython = c.str(t, "requires-python", here);
  if (requiresPython !== undefined) pkg.requiresPython = requiresPython;
  const index = c.str(t, "index", here);
  if (index !== undefined) pkg.index = index;
  const dependencies = c.tables(t, "dependencies", here);
  if (dependencies) pkg.dependencies = dependencies;
  const attestations = c.tables(t, "attestation-identities", here);
  if (attestations) {
    attestations.forEach((a, i) => c.str(a, "kind", `${here}.attestation-identities[${i}]`, true));
    pkg.attestationIdentities = attestations;
  }

  const wheels = c.tables(t, "wheels", here) ?? [];
  const sdist = c.table(t, "sdist", here);
  const direct = (["vcs", "directory", "archive"] as const).filter((k) => t[k] !== undefined);
  const distributions = wheels.length + (sdist ? 1 : 0);
  if (distributions > 0 && direct.length > 0) {
    throw c.fail(here, `has wheels/sdist and ${direct.join(", ")}: a package has exactly one kind of source`);
  }
  if (distributions === 0 && direct.length !== 1) {
    throw c.fail(here, direct.length === 0 ? "has no source: give wheels, an sdist, an archive, a directory or a vcs" : `has ${direct.join(" and ")}: a package has exactly one kind of source`);
  }
  pkg.wheels = wheels.map((w, i) => readWheel(c, w, `${here}.wheels[${i}]`, pkg));
  if (sdist) {
    c.pathOrUrl(sdist, `${here}.sdist`);
    c.hashes(sdist, `${here}.sdist`);
    pkg.sdist = sdist;
  }
  for (const k of direct) {
    const src = c.table(t, k, here)!;
    if (k === "directory") c.str(src, "path", `${here}.directory`, true);
    else {
      c.pathOrUrl(src, `${here}.${k}`);
      if (k === "archive") c.hashes(src, `${here}.archive`);
      if (k === "vcs") {
        c.str(src, "type", `${here}.vcs`, true);
        c.str(src, "commit-id", `${here}.vcs`, true);
      }
    }
    pkg[k] = src;
  }
  const tool = c.table(t, "tool", here);
  if (tool) pkg.tool = tool;
  return pkg;
}

function readWheel(c: Check, t: Table, where: string, pkg: PylockPackage): PylockWheel {
  const loc = c.pathOrUrl(t, where);
  const name = c.str(t, "name", where) ?? filenameFromUrl(loc.url ?? loc.path!);
  let parsed;
  try {
    parsed = parseWheelFilename(name);
  } catch (e) {
    throw c.fail(where, e instanceof InvalidWheelFilename ? `'${name}' is not a wheel file name: ${e.reason}` : `'${name}' is not a wheel file name`);
  }
  if (parsed.canonicalName !== pkg.name) throw c.fail(where, `wheel '${name}' does not belong to package '${pkg.name}'`);
  if (pkg.version !== undefined && !versionsEqual(parsed.version, pkg.version)) throw c.fail(where, `wheel '${name}' is not version ${pkg.version}`);
  const wheel: PylockWheel = { name, ...loc, hashes: c.hashes(t, where) };
  const size = t["size"];
  if (size !== undefined) {
    if (typeof size !== "number" || !Number.isInteger(size) || size < 0) throw c.fail(where, "'size' must be a non-negative integer");
    wheel.size = size;
  }
  const up = t["upload-time"];
  if (up !== undefined) {
    const d = up instanceof Date ? up : typeof up === "string" ? new Date(up) : null;
    if (!d || Number.isNaN(d.getTime())) throw c.fail(where, "'upload-time' must be a date-time");
    wheel.uploadTime = new Date(d.getTime()).toISOString();
  }
  return wheel;
}

function isTable(v: unknown): v is Table {
  return typeof v === "object" && v !== null && !Array.isArray(v) && !(v instanceof Date);
}

function byVersion(a: string | undefined, b: string | undefined): number {
  if (a === b) return 0;
  if (a === undefined) return -1;
  if (b === undefined) return 1;
  if (isValidVersion(a) && isValidVersion(b)) {
    const r = compareVersions(a, b);
    if (r !== 0) return r;
  }
  return a < b ? -1 : 1;
}

function byString(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Recursively sort the keys of plain tables (arrays keep their order). */
function sortedKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortedKeys);
  if (!isTable(v)) return v;
  return Object.fromEntries(Object.keys(v).sort(byString).map((k) => [k, sortedKeys(v[k])]));
}

function put(t: Table, key: string, value: unknown): void {
  if (value !== undefined) t[key] = value;
}

function wheelTable(w: PylockWheel): Table {
  const t: Table = {};
  put(t, "name", w.name);
  if (w.uploadTime !== undefined) {
    const d = new Date(w.uploadTime);
    if (Number.isNaN(d.getTime())) throw new Error(`writePylock: bad upload time '${w.uploadTime}' for ${w.name}`);
    t["upload-time"] = d;
  }
  put(t, "url", w.url);
  put(t, "path", w.path);
  put(t, "size", w.size);
  t["hashes"] = sortedKeys(w.hashes);
  return t;
}

/** A pylock.toml text; the same lock always gives the same bytes. */
export function writePylock(lock: Pylock): string {
  const doc: Table = {};
  put(doc, "lock-version", lock.lockVersion);
  put(doc, "environments", lock.environments);
  put(doc, "requires-python", lock.requiresPython);
  put(doc, "extras", lock.extras);
  put(doc, "dependency-groups", lock.dependencyGroups);
  put(doc, "default-groups", lock.defaultGroups);
  put(doc, "created-by", lock.createdBy);
  const packages = [...lock.packages].sort((a, b) => byString(a.name, b.name) || byVersion(a.version, b.version));
  doc["packages"] = packages.map((p) => {
    const t: Table = {};
    put(t, "name", p.name);
    put(t, "version", p.version);
    put(t, "marker", p.marker);
    put(t, "requires-python", p.requiresPython);
    put(t, "dependencies", sortedKeys(p.dependencies));
    put(t, "index", p.index);
    put(t, "vcs", sortedKeys(p.vcs));
    put(t, "directory", sortedKeys(p.directory));
    put(t, "archive", sortedKeys(p.archive));
    put(t, "sdist", sortedKeys(p.sdist));
    if (p.wheels.length) t["wheels"] = [...p.wheels].sort((a, b) => byString(a.name, b.name)).map(wheelTable);
    put(t, "attestation-identities", sortedKeys(p.attestationIdentities));
    put(t, "tool", sortedKeys(p.tool));
    return t;
  });
  put(doc, "tool", sortedKeys(lock.tool));
  return stringify(doc);
}
