/**
 * Writes one target's bundle (docs/bundle-format.md): manifest.json, pylock.toml, requirements.txt,
 * wheels/, app/, the installer files, sbom.cdx.json and SHA256SUMS, under one top-level directory
 * `<name>-<version>-<platform>-<pythonTag>`, as `.tar.gz`, `.zip` or a plain directory.
 *
 * This is the I/O half; what goes into the bundle is decided by the pure assembler (assemble.ts).
 * Here: the files shared by every target of a run (the app tree and the installer files, read
 * once per run by collectRunFiles), what is read per target (each wheel's METADATA and PEP 770
 * SBOMs, the wheel checks, the cached files' sizes), the signature, and the archive on disk.
 *
 * Atomic: everything is written to `<outDir>/.<stem>.tmp-<pid>-<random>` (stageTarget) and
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
import { collectApp, type AppSource } from "./app-source.js";
import { writeDirTree } from "./archive-dir.js";
import { writeTarGz } from "./archive-tar.js";
import { writeZip } from "./archive-zip.js";
import type { ArchivePlan } from "./entries.js";
import { MANIFEST_NAME } from "./manifest.js";
import { validateWheel } from "./validate-wheel.js";
import { readParsedWheelMetadata } from "./wheel-metadata.js";
import { signBytes, type Signer } from "../sign/signer.js";
import { readWheelSboms } from "./wheel-sboms.js";
import { tempName, trackTemp, untrackTemp } from "../store/temp-files.js";
import { archivePlan, assembleBundle, bundleStem, checkEntry, checkIdentity, checkPackages, checkPython, type AssemblePackage, type BundlePackage, type BundlePython, type InstallerFile } from "./assemble.js";
import type { TargetInfo } from "./manifest.js";

export type { TargetInfo } from "./manifest.js";

export const INSTALLER_FILES: Record<string, 0o644 | 0o755> = { "install.py": 0o755, "install.sh": 0o755, "install.ps1": 0o644, "probe.sh": 0o755 };
/** 1980-01-01T00:00:00Z: the earliest time a zip entry can hold. */
export const DEFAULT_SOURCE_DATE_EPOCH = 315532800;
export type BundleFormat = "tar.gz" | "zip" | "dir";

export type { BundlePackage, BundlePython } from "./assemble.js";
export { bundlePylock, bundleStem } from "./assemble.js";

/** What is the same for every target of a run: where the app and the installer files are read from. */
export interface RunSources {
  appDir?: string;
  exclude: string[];
  /** Patterns (`--exclude` syntax) that ship secret-looking files on purpose. */
  include?: string[];
  /** Warnings for the user (secret-looking files left out). */
  onWarning?: (message: string) => void;
  /** Directory holding install.py, install.sh and install.ps1. */
  installerDir: string;
}

/** One target's bundle. */
export interface BundleTarget {
  name: string;
  version: string;
  entry: string | null;
  target: TargetInfo;
  packages: BundlePackage[];
  /** The embedded interpreter, if any. */
  python?: BundlePython;
  /** App-relative state paths (`media/`, `db.sqlite3`) the installer keeps in DEST/shared. */
  state?: string[];
  format: BundleFormat;
  outDir: string;
  sourceDateEpoch: number;
  toolVersion: string;
  /** Signs SHA256SUMS into SHA256SUMS.sig (src/sign). */
  signer?: Signer;
}

/** A bundle written on its own: one target and where its sources are. */
export type BundleInput = BundleTarget & RunSources;

/** The app and installer files, read once per run and shared by every target's bundle. */
export interface RunFiles {
  /** null when the run has no --app. */
  app: AppSource | null;
  installer: InstallerFile[];
}

/** How collectRunFiles reads: the file system, unless a caller wraps it (to observe the reads). */
export interface SourceReader {
  collectApp(appDir: string, exclude: string[], include: string[]): Promise<AppSource>;
  readFile(path: string): Promise<Buffer>;
}

export const FS_READER: SourceReader = { collectApp, readFile: (path) => readFile(path) };

export interface BundleResult {
  path: string;
  format: BundleFormat;
  /** Archive bytes; for `dir`, the sum of the file sizes. */
  size: number;
  /** sha256 of the archive; null for `dir`. */
  sha256: string | null;
  stem: string;
}

export function archiveExtension(format: BundleFormat): string {
  return format === "dir" ? "" : `.${format}`;
}

/**
 * Reads what every target of a run ships alike: the app tree (walked and hashed once; each
 * archive then copies the files and checks them against these hashes, so all bundles of a run
 * carry the same app or the run fails) and the installer files. Warns once about withheld
 * secret-looking app files.
 */
export async function collectRunFiles(src: RunSources, reader: SourceReader = FS_READER): Promise<RunFiles> {
  const app = src.appDir === undefined ? null : await reader.collectApp(src.appDir, src.exclude, src.include ?? []);
  if (app && app.withheld.length > 0) {
    src.onWarning?.(`left out of app/ because such files usually hold secrets: ${app.withheld.join(", ")} (ship one on purpose with --include PATTERN)`);
  }
  const installer: InstallerFile[] = [];
  for (const [name, mode] of Object.entries(INSTALLER_FILES)) {
    const path = join(src.installerDir, name);
    let data: Buffer;
    try {
      data = await reader.readFile(path);
    } catch (e) {
      throw new Error(`internal: installer file ${path} is missing (${(e as NodeJS.ErrnoException).code ?? e})`);
    }
    installer.push({ name, mode, data });
  }
  return { app, installer };
}

/** A cached wheel must still be there with its size (the archive writer checks its sha256 as it copies). */
async function checkWheelSize(p: BundlePackage): Promise<void> {
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
}

async function checkPythonSize(p: BundlePython): Promise<void> {
  const size = await stat(p.cachePath).then((st) => st.size, () => -1);
  if (size !== p.size) {
    throw new WbError("E_INTEGRITY", `${p.cachePath} has ${size < 0 ? "gone" : `${size} bytes`}, expected ${p.size} for ${p.filename}`, {
      hint: "the cached interpreter archive is damaged or was removed: bundle again with --verify-cache (it is re-hashed and downloaded anew)",
      details: { file: `python/${p.filename}`, expected: p.size, found: size },
    });
  }
}

/** What the assembler needs from each wheel: its METADATA and PEP 770 SBOMs; and the wheel checks. */
async function readPackages(packages: BundlePackage[], python: BundlePython | undefined): Promise<AssemblePackage[]> {
  const out: AssemblePackage[] = [];
  for (const p of packages) {
    const metadata = p.metadata ?? (await readParsedWheelMetadata(p.cachePath));
    const sboms = await readWheelSboms(p.cachePath).catch(() => []);
    out.push({ ...p, metadata, sboms });
  }
  // A remembered verdict for a wheel checked as it was downloaded; a full check otherwise.
  for (const p of packages) await validateWheel(p.cachePath, p.filename, p.sha256);
  await Promise.all(packages.map(checkWheelSize));
  if (python) {
    checkPython(python);
    await checkPythonSize(python);
  }
  return out;
}

/** Everything in the bundle, as sorted archive entries. */
async function planBundle(t: BundleTarget, run: () => Promise<RunFiles>, stem: string): Promise<ArchivePlan> {
  checkIdentity(t.name, t.version);
  checkPackages(t.packages);
  const files = await run();
  const app = files.app?.files ?? null;
  checkEntry(t.entry, app);
  const packages = await readPackages(t.packages, t.python);
  const bundle = assembleBundle({
    name: t.name,
    version: t.version,
    entry: t.entry,
    target: t.target,
    packages,
    ...(t.python ? { python: t.python } : {}),
    app,
    installer: files.installer,
    state: t.state ?? [],
    signed: t.signer !== undefined,
    toolVersion: t.toolVersion,
  });
  const signature = t.signer ? await signBytes(t.signer, Buffer.from(bundle.sums)) : null;
  return archivePlan(bundle, stem, t.sourceDateEpoch, signature);
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
 * Write one target's bundle under `<outDir>/.<stem>.tmp-<pid>-<random>` (registered, so a signal
 * removes it), from the run's shared files. Nothing is visible under the final name until
 * publishBundles.
 */
export function stageTarget(t: BundleTarget, files: RunFiles): Promise<StagedBundle> {
  return stage(t, () => Promise.resolve(files));
}

/** stageTarget for a bundle on its own: its app and installer files are read here. */
export function stageBundle(input: BundleInput): Promise<StagedBundle> {
  return stage(input, () => collectRunFiles(input));
}

async function stage(t: BundleTarget, run: () => Promise<RunFiles>): Promise<StagedBundle> {
  const stem = bundleStem(t.name, t.version, t.target);
  checkReplaceable(t.outDir, stem, t.format);
  const createdOut = await ensureDir(t.outDir);
  const final = bundlePath(t.outDir, stem, t.format);
  const tmp = tempName(join(t.outDir, `.${stem}`));
  try {
    const plan = await planBundle(t, run, stem);
    if (t.format === "dir") {
      await mkdir(tmp);
      const size = await writeDirTree(plan, tmp);
      return { path: final, format: "dir", size, sha256: null, stem, tmp, createdOut, outDir: t.outDir };
    }
    const { size, sha256 } = await writeArchive(plan, t.format, tmp);
    return { path: final, format: t.format, size, sha256, stem, tmp, createdOut, outDir: t.outDir };
  } catch (e) {
    await rm(tmp, { recursive: true, force: true });
    untrackTemp(tmp);
    if (createdOut) await rmdir(t.outDir).catch(() => undefined);
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

