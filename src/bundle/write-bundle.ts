/**
 * Writes one target's bundle (docs/bundle-format.md): manifest.json, pylock.toml, requirements.txt,
 * wheels/, app/, the installer files, sbom.cdx.json and SHA256SUMS, under one top-level directory
 * `<name>-<version>-<platform>-<pythonTag>`, as `.tar.gz`, `.zip` or a plain directory.
 *
 * Atomic: everything is written to `<outDir>/.<stem>.tmp-<pid>-<random>` (stageBundle) and
 * renamed into place (publishBundles, all bundles of a run together); on any failure the temp
 * is removed (and `outDir` too when this run created it), so a failure leaves nothing behind.
 * A `dir` bundle replaces an existing directory only when that directory is a bundle this tool
 * wrote for the same stem (its manifest says so); anything else in the way is refused.
 *
 * Deterministic: no wall-clock time, host path or user name reaches the output; entry times are
 * `sourceDateEpoch` (the CLI passes SOURCE_DATE_EPOCH, default 315532800 = 1980-01-01T00:00:00Z,
 * the earliest time a zip can hold). Wheels are read from the cache and checked against their
 * sha256 while copied (E_INTEGRITY if the cache file differs).
 *
 * Installer files: install.py and install.sh ship as 0755, install.ps1 as 0644, whatever their
 * modes in `installerDir`.
 */
import { createWriteStream, existsSync, lstatSync, readFileSync, renameSync, rmSync, rmdirSync } from "node:fs";
import { mkdir, readFile, rm, rmdir, stat } from "node:fs/promises";
import { createHash } from "node:crypto";
import { join } from "node:path";
import { WbError } from "../errors.js";
import { canonicalizeName } from "../pypa/names.js";
import { writePylock, type Pylock } from "../pypa/pylock.js";
import { collectApp } from "./app-source.js";
import { writeDirTree } from "./archive-dir.js";
import { writeTarGz } from "./archive-tar.js";
import { writeZip } from "./archive-zip.js";
import { withDirectories, type BundleFileEntry, type ArchivePlan } from "./entries.js";
import { hashBytes } from "./hash-file.js";
import { publicUrl } from "../text/redact-url.js";
import { FORMAT_VERSION, MANIFEST_NAME, SUMS_NAME, SUMS_SIG_NAME, serializeManifest, type ManifestFile, type ManifestPython, type TargetInfo } from "./manifest.js";
import { formatRequirements } from "./requirements-out.js";
import { buildSbom, isSourceUrl } from "./sbom.js";
import { formatSha256Sums } from "./sha256sums.js";
import { validateWheel } from "./validate-wheel.js";
import { readParsedWheelMetadata } from "./wheel-metadata.js";
import type { CoreMetadata } from "../pypa/metadata.js";
import { signBytes, type Signer } from "../sign/signer.js";
import { provenancePath } from "../provenance/provenance.js";
import { readWheelSboms } from "./wheel-sboms.js";
import { OPERATOR_README, operatorReadme } from "./operator-readme.js";
import { tempName, trackTemp, untrackTemp } from "../store/temp-files.js";

export type { TargetInfo } from "./manifest.js";

export const INSTALLER_FILES: Record<string, 0o644 | 0o755> = { "install.py": 0o755, "install.sh": 0o755, "install.ps1": 0o644 };
/** 1980-01-01T00:00:00Z: the earliest time a zip entry can hold. */
export const DEFAULT_SOURCE_DATE_EPOCH = 315532800;
export type BundleFormat = "tar.gz" | "zip" | "dir";

export interface BundlePackage {
  name: string;
  version: string;
  filename: string;
  sha256: string;
  size: number;
  requested: boolean;
  /** Already redacted; credentials are stripped again defensively. */
  index: string;
  /** The wheel file on disk (the cache). */
  cachePath: string;
  /** The wheel's METADATA as parsed once (planning, then the download check), for the SBOM licence; read from the wheel when absent. */
  metadata?: CoreMetadata;
  /** Redacted download URL (SBOM distribution reference). */
  url?: string;
  /** PEP 740 provenance object fetched from the index (src/provenance). */
  provenance?: { data: Buffer; publishers: string[] };
}

/** An interpreter archive to embed as `python/<filename>` (manifest `python`). */
export interface BundlePython extends Omit<ManifestPython, "path"> {
  filename: string;
  /** The archive on disk (the cache). */
  cachePath: string;
}

export interface BundleInput {
  name: string;
  version: string;
  entry: string | null;
  target: TargetInfo;
  packages: BundlePackage[];
  /** The embedded interpreter, if any. */
  python?: BundlePython;
  appDir?: string;
  exclude: string[];
  /** Patterns (`--exclude` syntax) that ship secret-looking files on purpose. */
  include?: string[];
  /** App-relative state paths (`media/`, `db.sqlite3`) the installer keeps in DEST/shared. */
  state?: string[];
  /** Warnings for the user (secret-looking files left out). */
  onWarning?: (message: string) => void;
  /** Directory holding install.py, install.sh and install.ps1. */
  installerDir: string;
  format: BundleFormat;
  outDir: string;
  sourceDateEpoch: number;
  toolVersion: string;
  /** Signs SHA256SUMS into SHA256SUMS.sig (src/sign). */
  signer?: Signer;
}

export interface BundleResult {
  path: string;
  format: BundleFormat;
  /** Archive bytes; for `dir`, the sum of the file sizes. */
  size: number;
  /** sha256 of the archive; null for `dir`. */
  sha256: string | null;
  stem: string;
}

const SAFE_PART = /^[A-Za-z0-9][A-Za-z0-9._+-]*$/;
const ENTRY_MODULE = /^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*:[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$/;

export function bundleStem(name: string, version: string, target: TargetInfo): string {
  return `${name}-${version}-${target.platform}-${target.pythonTag}`;
}

export function archiveExtension(format: BundleFormat): string {
  return format === "dir" ? "" : `.${format}`;
}

function checkIdentity(input: BundleInput): void {
  if (!SAFE_PART.test(input.name)) {
    throw new WbError("E_USAGE", `bundle name '${input.name}' cannot be used in a file name`, { hint: "use letters, digits, '.', '_', '+' and '-', starting with a letter or digit" });
  }
  if (!SAFE_PART.test(input.version)) {
    throw new WbError("E_USAGE", `bundle version '${input.version}' cannot be used in a file name`, { hint: "use a version such as 2.3.0" });
  }
}

/**
 * The mode an app file ships with: 0644/0755 normally (whatever the builder's umask made of it, so
 * bundles stay reproducible), the file's own bits when it keeps group or others from reading it
 * (a 0600 settings file stays 0600).
 */
function appMode(mode: number): number {
  if ((mode & 0o044) !== 0o044) return mode & 0o777;
  return (mode & 0o111) !== 0 ? 0o755 : 0o644;
}

function checkEntry(entry: string | null, appFiles: Set<string>, hasApp: boolean): void {
  if (entry === null) return;
  if (entry.endsWith(".py")) {
    if (!hasApp) throw new WbError("E_USAGE", `--entry ${entry} names a script but no --app was given`, { hint: "give --app DIR holding the script, or an entry of the form module:function" });
    const rel = entry.replace(/^\.\//, "");
    if (!appFiles.has(rel)) throw new WbError("E_USAGE", `--entry ${entry} is not a file of the app (after excludes)`, { hint: "the path is relative to --app" });
    return;
  }
  if (!ENTRY_MODULE.test(entry)) {
    throw new WbError("E_USAGE", `--entry '${entry}' is neither module:function nor path/to/script.py`, { hint: "for example --entry shop.server:main or --entry run.py" });
  }
}

function checkPackages(pkgs: BundlePackage[]): void {
  const seen = new Set<string>();
  for (const p of pkgs) {
    if (!/^[^/\\\0\n]+\.whl$/.test(p.filename)) throw new Error(`internal: '${p.filename}' is not a wheel file name`);
    if (!/^[0-9a-f]{64}$/.test(p.sha256)) throw new Error(`internal: ${p.filename} has no sha256`);
    const key = canonicalizeName(p.name);
    if (seen.has(key)) throw new Error(`internal: package ${p.name} given twice for one bundle`);
    seen.add(key);
  }
}

async function installerEntries(dir: string): Promise<BundleFileEntry[]> {
  const out: BundleFileEntry[] = [];
  for (const [name, mode] of Object.entries(INSTALLER_FILES)) {
    let data: Buffer;
    try {
      data = await readFile(join(dir, name));
    } catch (e) {
      throw new Error(`internal: installer file ${join(dir, name)} is missing (${(e as NodeJS.ErrnoException).code ?? e})`);
    }
    out.push(bytesEntry(name, data, mode));
  }
  return out;
}

function bytesEntry(path: string, data: Buffer, mode: 0o644 | 0o755 = 0o644): BundleFileEntry {
  const d = hashBytes(data);
  return { type: "file", path, mode, size: d.size, sha256: d.sha256, source: { kind: "bytes", data }, store: false, mismatchCode: "E_INTEGRITY" };
}

async function wheelEntry(p: BundlePackage): Promise<BundleFileEntry> {
  let size: number;
  try {
    size = (await stat(p.cachePath)).size;
  } catch (e) {
    throw new WbError("E_INTEGRITY", `${p.filename} is missing from the cache (${p.cachePath}: ${(e as NodeJS.ErrnoException).code ?? e})`, {
      hint: "bundle again: the wheel will be downloaded anew",
      details: { file: `wheels/${p.filename}` },
    });
  }
  if (size !== p.size) {
    throw new WbError("E_INTEGRITY", `${p.cachePath} has ${size} bytes, expected ${p.size} for ${p.filename}`, {
      hint: "the cached file is damaged: bundle again with --verify-cache (every cache entry is re-hashed and a damaged one downloaded anew), or remove it from the cache",
      details: { file: `wheels/${p.filename}`, expected: p.size, found: size },
    });
  }
  return { type: "file", path: `wheels/${p.filename}`, mode: 0o644, size: p.size, sha256: p.sha256, source: { kind: "path", path: p.cachePath }, store: true, mismatchCode: "E_INTEGRITY" };
}

async function pythonEntry(p: BundlePython): Promise<BundleFileEntry> {
  const path = `python/${p.filename}`;
  const size = await stat(p.cachePath).then((st) => st.size, () => -1);
  if (size !== p.size) {
    throw new WbError("E_INTEGRITY", `${p.cachePath} has ${size < 0 ? "gone" : `${size} bytes`}, expected ${p.size} for ${p.filename}`, {
      hint: "the cached interpreter archive is damaged or was removed: bundle again with --verify-cache (it is re-hashed and downloaded anew)",
      details: { file: path, expected: p.size, found: size },
    });
  }
  return { type: "file", path, mode: 0o644, size: p.size, sha256: p.sha256, source: { kind: "path", path: p.cachePath }, store: true, mismatchCode: "E_INTEGRITY" };
}

export function bundlePylock(input: BundleInput): string {
  const lock: Pylock = {
    lockVersion: "1.0",
    createdBy: "wheelbarrow",
    packages: input.packages.map((p) => ({
      name: canonicalizeName(p.name),
      version: p.version,
      // PEP 751: `index` only for a wheel found on an index, not one named by URL or path.
      ...(isSourceUrl(p.index) ? { index: publicUrl(p.index) } : {}),
      wheels: [{ name: p.filename, path: `wheels/${p.filename}`, hashes: { sha256: p.sha256 }, size: p.size }],
      tool: { wheelbarrow: { requested: p.requested } },
    })),
    tool: { wheelbarrow: { target: input.target.spec } },
  };
  return writePylock(lock);
}

/** Everything in the bundle, as sorted archive entries. */
async function planBundle(input: BundleInput, stem: string): Promise<ArchivePlan> {
  checkIdentity(input);
  checkPackages(input.packages);
  const source = input.appDir === undefined ? { files: [], withheld: [] } : await collectApp(input.appDir, input.exclude, input.include ?? []);
  const app = source.files;
  if (source.withheld.length > 0) {
    input.onWarning?.(`left out of app/ because such files usually hold secrets: ${source.withheld.join(", ")} (ship one on purpose with --include PATTERN)`);
  }
  checkEntry(input.entry, new Set(app.map((f) => f.rel)), input.appDir !== undefined);
  const state = input.state ?? [];

  const files: BundleFileEntry[] = app.map((f) => ({
    type: "file",
    path: `app/${f.rel}`,
    mode: appMode(f.mode),
    size: f.size,
    sha256: f.sha256,
    source: { kind: "path", path: f.abs },
    store: false,
    mismatchCode: "E_USAGE",
  }));
  files.push(...(await installerEntries(input.installerDir)));
  const tool = { tool: "wheelbarrow", version: input.toolVersion, target: input.target.spec };
  files.push(bytesEntry("pylock.toml", Buffer.from(bundlePylock(input))));
  files.push(bytesEntry("requirements.txt", Buffer.from(formatRequirements(input.packages.map((p) => ({ name: canonicalizeName(p.name), version: p.version, sha256: p.sha256 })), tool))));
  const sbomPackages = [];
  for (const p of input.packages) {
    const metadata = p.metadata ?? (await readParsedWheelMetadata(p.cachePath));
    const sboms = await readWheelSboms(p.cachePath).catch(() => []);
    const prov = p.provenance ? bytesEntry(provenancePath(p.filename), p.provenance.data) : null;
    if (prov) files.push(prov);
    sbomPackages.push({ ...p, metadata, sboms, provenance: prov && p.provenance ? { path: prov.path, sha256: prov.sha256, publishers: p.provenance.publishers } : undefined });
  }
  files.push(bytesEntry("sbom.cdx.json", Buffer.from(buildSbom({ app: { name: input.name, version: input.version }, tool: { name: "wheelbarrow", version: input.toolVersion }, packages: sbomPackages, ...(input.python ? { python: input.python } : {}) }))));

  files.push(bytesEntry(OPERATOR_README, Buffer.from(operatorReadme({ name: input.name, version: input.version, entry: input.entry, target: input.target.spec, state, signed: input.signer !== undefined }))));
  const manifestFiles: ManifestFile[] = files.map((f) => ({
    path: f.path,
    sha256: f.sha256,
    size: f.size,
    ...((f.mode & 0o111) !== 0 ? { executable: true as const } : {}),
    ...(f.mode !== 0o644 && f.mode !== 0o755 ? { mode: f.mode } : {}),
  }));
  for (const p of input.packages) await validateWheel(p.cachePath, p.filename, p.sha256);
  const wheels = await Promise.all(input.packages.map(wheelEntry));
  if (input.python) {
    if (!/^[^/\\\0\n]+\.tar\.gz$/.test(input.python.filename)) throw new Error(`internal: '${input.python.filename}' is not an archive file name`);
    wheels.push(await pythonEntry(input.python));
  }
  const py = input.python;
  const manifest = serializeManifest({
    formatVersion: FORMAT_VERSION,
    createdBy: { tool: "wheelbarrow", version: input.toolVersion },
    app: { name: input.name, version: input.version, entry: input.entry, state },
    target: input.target,
    ...(py
      ? { python: { implementation: py.implementation, version: py.version, build: py.build, triple: py.triple, path: `python/${py.filename}`, sha256: py.sha256, size: py.size, source: py.source, floor: py.floor } }
      : {}),
    packages: input.packages.map((p) => ({
      name: canonicalizeName(p.name),
      version: p.version,
      filename: p.filename,
      path: `wheels/${p.filename}`,
      sha256: p.sha256,
      size: p.size,
      requested: p.requested,
      index: p.index,
      ...(p.provenance ? { provenance: provenancePath(p.filename) } : {}),
    })),
    files: manifestFiles,
  });
  files.push(bytesEntry(MANIFEST_NAME, Buffer.from(manifest)), ...wheels);
  const sums = Buffer.from(formatSha256Sums(files));
  files.push(bytesEntry(SUMS_NAME, sums));
  if (input.signer) files.push(bytesEntry(SUMS_SIG_NAME, Buffer.from(await signBytes(input.signer, sums))));
  return { stem, mtime: input.sourceDateEpoch, entries: withDirectories(files) };
}

async function writeArchive(plan: ArchivePlan, format: "tar.gz" | "zip", tmp: string): Promise<{ size: number; sha256: string }> {
  const out = createWriteStream(tmp, { flags: "wx", mode: 0o644 });
  // One listener for the stream's whole life: a write error (a full disk) may come at any time,
  // and an 'error' event with no listener would crash the process.
  let failed: Error | null = null;
  const waiting = new Set<(e: Error) => void>();
  out.on("error", (e) => {
    failed ??= e;
    for (const w of waiting) w(e);
  });
  await new Promise<void>((res, rej) => {
    if (failed) return rej(failed);
    waiting.add(rej);
    out.once("open", () => {
      waiting.delete(rej);
      res();
    });
  });
  const hash = createHash("sha256");
  let size = 0;
  const onChunk = (c: Buffer): Promise<void> =>
    new Promise((res, rej) => {
      if (failed) return rej(failed);
      hash.update(c);
      size += c.length;
      if (out.write(c)) return res();
      waiting.add(rej);
      out.once("drain", () => {
        waiting.delete(rej);
        res();
      });
    });
  try {
    await (format === "tar.gz" ? writeTarGz(plan, onChunk) : writeZip(plan, onChunk));
    await new Promise<void>((res, rej) => {
      if (failed) return rej(failed);
      waiting.add(rej);
      out.end(() => (failed ? rej(failed) : res()));
    });
  } catch (e) {
    out.destroy();
    throw failed ?? e;
  }
  return { size, sha256: hash.digest("hex") };
}

async function ensureDir(dir: string): Promise<boolean> {
  try {
    if ((await stat(dir)).isDirectory()) return false;
  } catch {
    /* created below */
  }
  try {
    await mkdir(dir, { recursive: true });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOSPC" || (e as NodeJS.ErrnoException).code === "EDQUOT") throw e;
    throw new WbError("E_USAGE", `cannot create the output directory ${dir} (${(e as NodeJS.ErrnoException).code ?? e})`);
  }
  return true;
}

/** The path a bundle of this stem and format is published at. */
export function bundlePath(outDir: string, stem: string, format: BundleFormat): string {
  return join(outDir, stem + archiveExtension(format));
}

/** Is `dir` a `dir` bundle this tool wrote for `stem` (its manifest names the same stem)? */
function isOwnDirBundle(dir: string, stem: string): boolean {
  try {
    const m = JSON.parse(readFileSync(join(dir, MANIFEST_NAME), "utf8")) as { createdBy?: { tool?: unknown }; app?: { name?: unknown; version?: unknown }; target?: { platform?: unknown; pythonTag?: unknown } };
    if (m.createdBy?.tool !== "wheelbarrow") return false;
    const { name, version } = m.app ?? {};
    const { platform, pythonTag } = m.target ?? {};
    return typeof name === "string" && typeof version === "string" && typeof platform === "string" && typeof pythonTag === "string" && `${name}-${version}-${platform}-${pythonTag}` === stem;
  } catch {
    return false;
  }
}

/**
 * Refuse (E_USAGE, nothing touched) when publishing would replace something in --out this tool
 * did not write: a directory where an archive goes, a file where a `dir` bundle goes, or a
 * directory without a wheelbarrow manifest of the same stem. An archive file of the same name
 * is replaced (it is what a previous run of the same bundle wrote).
 */
export function checkReplaceable(outDir: string, stem: string, format: BundleFormat): void {
  const final = bundlePath(outDir, stem, format);
  let st;
  try {
    st = lstatSync(final);
  } catch {
    return;
  }
  const refuse = (why: string): never => {
    throw new WbError("E_USAGE", `${final} already exists and ${why}; refusing to replace it`, {
      hint: ["move it away, or write the bundle elsewhere with --out DIR"],
      details: { path: final },
    });
  };
  if (format === "dir") {
    if (!st.isDirectory()) refuse("is not a directory bundle");
    if (!isOwnDirBundle(final, stem)) refuse(`does not hold a ${TOOL} manifest for ${stem} (it was not written by ${TOOL})`);
  } else if (!st.isFile()) refuse("is not a file");
}

const TOOL = "wheelbarrow";

/** A bundle written under its temp name in --out, not yet visible under its final name. */
export interface StagedBundle extends BundleResult {
  tmp: string;
  /** --out did not exist before this bundle was staged. */
  createdOut: boolean;
  outDir: string;
}

/**
 * Write the bundle under `<outDir>/.<stem>.tmp-<pid>-<random>` (registered, so a signal removes
 * it). Nothing is visible under the final name until publishBundles.
 */
export async function stageBundle(input: BundleInput): Promise<StagedBundle> {
  const stem = bundleStem(input.name, input.version, input.target);
  checkReplaceable(input.outDir, stem, input.format);
  const createdOut = await ensureDir(input.outDir);
  const final = bundlePath(input.outDir, stem, input.format);
  const tmp = tempName(join(input.outDir, `.${stem}`));
  try {
    const plan = await planBundle(input, stem);
    if (input.format === "dir") {
      await mkdir(tmp);
      const size = await writeDirTree(plan, tmp);
      return { path: final, format: "dir", size, sha256: null, stem, tmp, createdOut, outDir: input.outDir };
    }
    const { size, sha256 } = await writeArchive(plan, input.format, tmp);
    return { path: final, format: input.format, size, sha256, stem, tmp, createdOut, outDir: input.outDir };
  } catch (e) {
    await rm(tmp, { recursive: true, force: true });
    untrackTemp(tmp);
    if (createdOut) await rmdir(input.outDir).catch(() => undefined);
    throw e;
  }
}

/** Remove staged bundles that will not be published (and --out when they created it). */
export function discardStaged(staged: StagedBundle[]): void {
  for (const s of staged) {
    rmSync(s.tmp, { recursive: true, force: true });
    untrackTemp(s.tmp);
  }
  for (const s of staged) {
    if (!s.createdOut) continue;
    try {
      rmdirSync(s.outDir);
    } catch {
      /* not empty: something else is there */
    }
  }
}

/**
 * Rename every staged bundle into place, together. Synchronous on purpose: a signal handler
 * cannot run in the middle, so an interrupted run publishes all of its bundles or none. An
 * existing `dir` bundle (checked again: it must be ours) is moved aside first and removed
 * after; if a rename fails, the bundles already published by this call are taken back.
 */
export function publishBundles(staged: StagedBundle[]): void {
  const published: { s: StagedBundle; old: string | null }[] = [];
  try {
    for (const s of staged) checkReplaceable(s.outDir, s.stem, s.format);
    for (const s of staged) {
      let old: string | null = null;
      if (s.format === "dir" && existsSync(s.path)) {
        old = `${s.tmp}-old`;
        trackTemp(old);
        renameSync(s.path, old);
      }
      try {
        renameSync(s.tmp, s.path);
      } catch (e) {
        if (old) renameSync(old, s.path);
        throw e;
      }
      untrackTemp(s.tmp);
      published.push({ s, old });
    }
  } catch (e) {
    for (const { s, old } of published.reverse()) {
      rmSync(s.path, { recursive: true, force: true });
      if (old) renameSync(old, s.path);
    }
    discardStaged(staged);
    throw e;
  }
  for (const { old } of published) {
    if (!old) continue;
    rmSync(old, { recursive: true, force: true });
    untrackTemp(old);
  }
}

/** Stage and publish one bundle. */
export async function writeBundle(input: BundleInput): Promise<BundleResult> {
  const s = await stageBundle(input);
  publishBundles([s]);
  return { path: s.path, format: s.format, size: s.size, sha256: s.sha256, stem: s.stem };
}
