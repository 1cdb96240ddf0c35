/**
 * manifest.json: the bundle's record (docs/bundle-format.md). The installer reads only this file, so
 * its shape is a contract: keys in a fixed order, 2-space indent, trailing newline, paths relative
 * to the bundle root with `/`. manifests/manifest.schema.json documents the same shape.
 *
 * Decisions: `formatVersion` is semver and readers accept any 1.x (unknown keys of a newer 1.x
 * are ignored on read); `packages` sorted by name, `files` by path; `files` lists every file
 * except the wheels (they are in `packages`), manifest.json and SHA256SUMS.
 * Pure: no I/O.
 */
// The two functions only: semver's index loads all fifty of its modules, at every start.
import semverMajor from "semver/functions/major.js";
import semverValid from "semver/functions/valid.js";
import { WbError } from "../errors.js";
import { publicUrl } from "../text/redact-url.js";

export const FORMAT_VERSION = "1.0.0";
export const MANIFEST_NAME = "manifest.json";
export const SUMS_NAME = "SHA256SUMS";
/** The SSHSIG of SHA256SUMS (signed bundles only; listed in neither record). */
export const SUMS_SIG_NAME = "SHA256SUMS.sig";

/** The manifest's `target` object (what the lead derives from a Target). */
export interface TargetInfo {
  spec: string;
  platform: string;
  python: string;
  implementation: string;
  pythonTag: string;
  freeThreaded: boolean;
  os: string;
  arch: string;
  libc: { family: string; version: string } | null;
  macos: string | null;
  tags: string[];
}

export interface ManifestPackage {
  name: string;
  version: string;
  filename: string;
  path: string;
  sha256: string;
  size: number;
  requested: boolean;
  index: string;
  /** PEP 740 provenance shipped as `provenance/<filename>.json` (listed in `files` too). */
  provenance?: string;
}

/** An embedded interpreter archive (python-build-standalone), shipped verbatim at `path`. */
export interface ManifestPython {
  implementation: string;
  version: string;
  build: string;
  triple: string;
  /** `python/<archive file name>`. */
  path: string;
  sha256: string;
  size: number;
  /** Where it came from (credentials removed; a local file by its name only). */
  source: string;
  /** The platform floor measured from its binaries. */
  floor: { glibc: string | null; macos: string | null };
}

export interface ManifestFile {
  path: string;
  sha256: string;
  size: number;
  executable?: true;
  /** Permission bits of an app file when they are not the default 0644/0755 (e.g. 0600 = 384). */
  mode?: number;
}

export interface Manifest {
  formatVersion: string;
  createdBy: { tool: string; version: string };
  /** `state`: app-relative paths (a trailing `/` for directories) kept in DEST/shared across releases; absent when none. */
  app: { name: string; version: string; entry: string | null; state?: string[] };
  target: TargetInfo;
  /** Present only when the bundle embeds an interpreter. */
  python?: ManifestPython;
  packages: ManifestPackage[];
  files: ManifestFile[];
}

const byKey =
  <T>(key: (x: T) => string) =>
  (a: T, b: T): number =>
    key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0;


/** A fresh object with the manifest's key order (JSON.stringify keeps insertion order). */
export function buildManifest(m: Manifest): Manifest {
  const t = m.target;
  return {
    formatVersion: m.formatVersion,
    createdBy: { tool: m.createdBy.tool, version: m.createdBy.version },
    app: m.app.state && m.app.state.length > 0 ? { name: m.app.name, version: m.app.version, entry: m.app.entry, state: [...m.app.state] } : { name: m.app.name, version: m.app.version, entry: m.app.entry },
    target: {
      spec: t.spec,
      platform: t.platform,
      python: t.python,
      implementation: t.implementation,
      pythonTag: t.pythonTag,
      freeThreaded: t.freeThreaded,
      os: t.os,
      arch: t.arch,
      libc: t.libc ? { family: t.libc.family, version: t.libc.version } : null,
      macos: t.macos,
      tags: [...t.tags],
    },
    ...(m.python ? { python: buildPython(m.python) } : {}),
    packages: [...m.packages]
      .map((p) => ({
        name: p.name,
        version: p.version,
        filename: p.filename,
        path: p.path,
        sha256: p.sha256,
        size: p.size,
        requested: p.requested,
        index: publicUrl(p.index),
        ...(p.provenance ? { provenance: p.provenance } : {}),
      }))
      .sort(byKey((p) => p.name)),
    files: [...m.files]
      .map((f): ManifestFile => ({ path: f.path, sha256: f.sha256, size: f.size, ...(f.executable ? { executable: true as const } : {}), ...(f.mode !== undefined ? { mode: f.mode } : {}) }))
      .sort(byKey((f) => f.path)),
  };
}

function buildPython(p: ManifestPython): ManifestPython {
  return {
    implementation: p.implementation,
    version: p.version,
    build: p.build,
    triple: p.triple,
    path: p.path,
    sha256: p.sha256,
    size: p.size,
    source: publicUrl(p.source),
    floor: { glibc: p.floor.glibc, macos: p.floor.macos },
  };
}

export function serializeManifest(m: Manifest): string {
  return JSON.stringify(buildManifest(m), null, 2) + "\n";
}

// ---------------------------------------------------------------------------------------------
// Reading: a hand-written shape check (ajv is a dev dependency only), problems collected at once.

const SHA256 = /^[0-9a-f]{64}$/;

/** A safe relative bundle path: `/`-separated, no empty/`.`/`..` segments, no backslash, NUL or newline. */
export function isSafeRelPath(p: string): boolean {
  if (p === "" || p.startsWith("/") || /[\\\0\n\r]/.test(p) || /^[A-Za-z]:/.test(p)) return false;
  return p.split("/").every((s) => s !== "" && s !== "." && s !== "..");
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === "object" && v !== null && !Array.isArray(v);

class ShapeChecker {
  problems: string[] = [];
  str(o: Obj, k: string, where: string, nullable = false): void {
    const v = o[k];
    if (typeof v === "string" && v !== "") return;
    if (nullable && v === null) return;
    this.problems.push(`${where}.${k} must be a non-empty string${nullable ? " or null" : ""}`);
  }
  bool(o: Obj, k: string, where: string): void {
    if (typeof o[k] !== "boolean") this.problems.push(`${where}.${k} must be true or false`);
  }
  size(o: Obj, k: string, where: string): void {
    const v = o[k];
    if (!(typeof v === "number" && Number.isSafeInteger(v) && v >= 0)) this.problems.push(`${where}.${k} must be a non-negative integer`);
  }
  hash(o: Obj, k: string, where: string): void {
    if (!(typeof o[k] === "string" && SHA256.test(o[k] as string))) this.problems.push(`${where}.${k} must be 64 lowercase hex digits`);
  }
  path(o: Obj, k: string, where: string): void {
    const v = o[k];
    if (!(typeof v === "string" && isSafeRelPath(v))) this.problems.push(`${where}.${k} must be a relative path inside the bundle, got ${JSON.stringify(v)}`);
  }
  obj(o: Obj, k: string, where: string): Obj | null {
    const v = o[k];
    if (isObj(v)) return v;
    this.problems.push(`${where}.${k} must be an object`);
    return null;
  }
}

/** formatVersion: semver, major 1. Throws E_BUNDLE naming `source` otherwise. */
export function checkFormatVersion(v: unknown, source: string): string {
  if (typeof v !== "string" || semverValid(v) === null) {
    throw new WbError("E_BUNDLE", `${source}: formatVersion ${JSON.stringify(v)} is not a semantic version`, {
      details: { file: MANIFEST_NAME, found: v },
    });
  }
  if (semverMajor(v) !== 1) {
    throw new WbError("E_BUNDLE", `${source}: formatVersion ${v} is not supported (this wheelbarrow reads 1.x)`, {
      hint: semverMajor(v) > 1 ? "the bundle was made by a newer wheelbarrow; use that version to read it" : undefined,
      details: { file: MANIFEST_NAME, expected: "1.x", found: v },
    });
  }
  return v;
}

/** Parses and shape-checks manifest.json; E_BUNDLE lists every problem. Unknown keys are ignored. */
export function parseManifest(text: string, source: string): Manifest {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    throw new WbError("E_BUNDLE", `${source}: manifest.json is not valid JSON (${(e as Error).message})`, { details: { file: MANIFEST_NAME } });
  }
  if (!isObj(doc)) throw new WbError("E_BUNDLE", `${source}: manifest.json is not a JSON object`, { details: { file: MANIFEST_NAME } });
  checkFormatVersion(doc["formatVersion"], source);
  const c = new ShapeChecker();
  const createdBy = c.obj(doc, "createdBy", "manifest");
  if (createdBy) {
    c.str(createdBy, "tool", "createdBy");
    c.str(createdBy, "version", "createdBy");
  }
  const app = c.obj(doc, "app", "manifest");
  if (app) {
    c.str(app, "name", "app");
    c.str(app, "version", "app");
    c.str(app, "entry", "app", true);
    const state = app["state"];
    if (state !== undefined && !(Array.isArray(state) && state.every((x) => typeof x === "string" && x !== ""))) c.problems.push("app.state must be a list of paths");
  }
  const target = c.obj(doc, "target", "manifest");
  if (target) {
    for (const k of ["spec", "platform", "python", "implementation", "pythonTag", "os", "arch"]) c.str(target, k, "target");
    c.bool(target, "freeThreaded", "target");
    const libc = target["libc"];
    if (libc !== null) {
      if (isObj(libc)) {
        c.str(libc, "family", "target.libc");
        c.str(libc, "version", "target.libc");
      } else c.problems.push("target.libc must be an object or null");
    }
    c.str(target, "macos", "target", true);
    const tags = target["tags"];
    if (!Array.isArray(tags) || !tags.every((t) => typeof t === "string" && t !== "")) c.problems.push("target.tags must be a list of tag strings");
  }
  const seenPaths = new Set<string>();
  const dup = (p: unknown, where: string): void => {
    if (typeof p !== "string") return;
    if (seenPaths.has(p)) c.problems.push(`${where}: ${p} is listed twice`);
    seenPaths.add(p);
  };
  const python = doc["python"];
  if (python !== undefined) {
    if (!isObj(python)) c.problems.push("manifest.python must be an object");
    else {
      for (const k of ["implementation", "version", "build", "triple", "source"]) c.str(python, k, "python");
      c.path(python, "path", "python");
      c.hash(python, "sha256", "python");
      c.size(python, "size", "python");
      if (typeof python["path"] === "string" && !/^python\/[^/]+\.tar\.gz$/.test(python["path"])) c.problems.push(`python.path must be python/<archive>.tar.gz, got ${python["path"]}`);
      const floor = c.obj(python, "floor", "python");
      if (floor) for (const k of ["glibc", "macos"]) c.str(floor, k, "python.floor", true);
      dup(python["path"], "python");
    }
  }
  const packages = doc["packages"];
  if (!Array.isArray(packages)) c.problems.push("manifest.packages must be a list");
  else
    packages.forEach((p, i) => {
      const where = `packages[${i}]`;
      if (!isObj(p)) return void c.problems.push(`${where} must be an object`);
      for (const k of ["name", "version", "filename", "index"]) c.str(p, k, where);
      c.path(p, "path", where);
      c.hash(p, "sha256", where);
      c.size(p, "size", where);
      c.bool(p, "requested", where);
      if (typeof p["path"] === "string" && typeof p["filename"] === "string" && p["path"] !== `wheels/${p["filename"]}`) {
        c.problems.push(`${where}.path must be wheels/${p["filename"]}, got ${p["path"]}`);
      }
      dup(p["path"], where);
    });
  const files = doc["files"];
  if (!Array.isArray(files)) c.problems.push("manifest.files must be a list");
  else
    files.forEach((f, i) => {
      const where = `files[${i}]`;
      if (!isObj(f)) return void c.problems.push(`${where} must be an object`);
      c.path(f, "path", where);
      c.hash(f, "sha256", where);
      c.size(f, "size", where);
      if (f["executable"] !== undefined && typeof f["executable"] !== "boolean") c.problems.push(`${where}.executable must be true or false`);
      if (f["mode"] !== undefined && !(Number.isInteger(f["mode"]) && (f["mode"] as number) >= 0 && (f["mode"] as number) <= 0o777)) c.problems.push(`${where}.mode must be a permission mode (0 to 511)`);
      if (f["path"] === MANIFEST_NAME || f["path"] === SUMS_NAME) c.problems.push(`${where}: ${String(f["path"])} must not list itself`);
      dup(f["path"], where);
    });
  if (c.problems.length > 0) {
    throw new WbError("E_BUNDLE", `${source}: manifest.json is malformed: ${c.problems.join("; ")}`, { details: { file: MANIFEST_NAME, problems: c.problems } });
  }
  const m = doc as unknown as Manifest;
  // Normalise `executable: false` away so readers see the writer's shape.
  return { ...m, files: m.files.map((f) => ({ path: f.path, sha256: f.sha256, size: f.size, ...(f.executable ? { executable: true as const } : {}), ...(f.mode !== undefined ? { mode: f.mode } : {}) })) };
}
