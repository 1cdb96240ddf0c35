/**
 * The pure half of the bundle writer (docs/bundle-format.md, docs/architecture.md): from one
 * target's planned packages (already downloaded, their METADATA and wheel SBOMs read), the app's
 * file list, the installer files and the embedded interpreter, it makes every generated document
 * (manifest.json, pylock.toml, requirements.txt, sbom.cdx.json, README.txt, SHA256SUMS) and the
 * bundle's entry list. No file, network or process access: reading the app, the installer files
 * and the wheels, signing and writing the archive are write-bundle.ts.
 *
 * The bytes it makes depend on nothing but its input (no clock, no host path, no user name), so
 * the same input gives the same bundle.
 */
import { createHash } from "node:crypto";
import { WbError } from "../errors.js";
import { canonicalizeName } from "../pypa/names.js";
import { writePylock, type Pylock } from "../pypa/pylock.js";
import { publicUrl } from "../text/redact-url.js";
import { provenancePath } from "../provenance/provenance.js";
import type { AppFile } from "./app-source.js";
import { withDirectories, type ArchivePlan, type BundleFileEntry } from "./entry-list.js";
import { FORMAT_VERSION, MANIFEST_NAME, SUMS_NAME, SUMS_SIG_NAME, serializeManifest, type ManifestFile, type ManifestPython, type TargetInfo } from "./manifest.js";
import { OPERATOR_README, operatorReadme } from "./operator-readme.js";
import { formatRequirements } from "./requirements-out.js";
import { buildSbom } from "./sbom.js";
import { formatSha256Sums } from "./sha256sums.js";

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
  /** METADATA, for the SBOM licence; read from the wheel when absent. */
  metadataText?: string;
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

/** A package with what the writer read from its wheel. */
export interface AssemblePackage extends Omit<BundlePackage, "metadataText"> {
  /** METADATA text, or null when the wheel has none readable. */
  metadataText: string | null;
  /** PEP 770 SBOMs inside the wheel (wheel-sboms.ts). */
  sboms: { member: string; sha256: string }[];
}

/** One installer file with the mode it ships with (whatever its mode on disk). */
export interface InstallerFile {
  name: string;
  mode: 0o644 | 0o755;
  data: Buffer;
}

export interface AssembleInput {
  name: string;
  version: string;
  entry: string | null;
  target: TargetInfo;
  packages: AssemblePackage[];
  python?: BundlePython;
  /** The app's files (app-source.ts), or null when the bundle has no --app. */
  app: AppFile[] | null;
  installer: InstallerFile[];
  /** App-relative state paths the installer keeps in DEST/shared. */
  state: string[];
  /** The bundle will carry SHA256SUMS.sig (README.txt says how to check it). */
  signed: boolean;
  toolVersion: string;
}

export interface AssembledBundle {
  manifest: string;
  pylock: string;
  requirements: string;
  sbom: string;
  readme: string;
  /** SHA256SUMS: what a signer signs. */
  sums: string;
  /** Every file of the bundle except SHA256SUMS.sig, in assembly order (archivePlan sorts). */
  files: BundleFileEntry[];
}

const SAFE_PART = /^[A-Za-z0-9][A-Za-z0-9._+-]*$/;
const ENTRY_MODULE = /^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*:[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$/;

export function bundleStem(name: string, version: string, target: TargetInfo): string {
  return `${name}-${version}-${target.platform}-${target.pythonTag}`;
}

/** The bundle's name and version must be usable in a file name (the archive is named after them). */
export function checkIdentity(name: string, version: string): void {
  if (!SAFE_PART.test(name)) {
    throw new WbError("E_USAGE", `bundle name '${name}' cannot be used in a file name`, { hint: "use letters, digits, '.', '_', '+' and '-', starting with a letter or digit" });
  }
  if (!SAFE_PART.test(version)) {
    throw new WbError("E_USAGE", `bundle version '${version}' cannot be used in a file name`, { hint: "use a version such as 2.3.0" });
  }
}

/** What the planner hands over must be well-formed: anything else is a bug, not bad input. */
export function checkPackages(pkgs: { name: string; filename: string; sha256: string }[]): void {
  const seen = new Set<string>();
  for (const p of pkgs) {
    if (!/^[^/\\\0\n]+\.whl$/.test(p.filename)) throw new Error(`internal: '${p.filename}' is not a wheel file name`);
    if (!/^[0-9a-f]{64}$/.test(p.sha256)) throw new Error(`internal: ${p.filename} has no sha256`);
    const key = canonicalizeName(p.name);
    if (seen.has(key)) throw new Error(`internal: package ${p.name} given twice for one bundle`);
    seen.add(key);
  }
}

export function checkPython(p: BundlePython | undefined): void {
  if (p && !/^[^/\\\0\n]+\.tar\.gz$/.test(p.filename)) throw new Error(`internal: '${p.filename}' is not an archive file name`);
}

/** `--entry` is `module:function`, or a script that is a file of the app (after excludes). */
export function checkEntry(entry: string | null, app: AppFile[] | null): void {
  if (entry === null) return;
  if (entry.endsWith(".py")) {
    if (app === null) throw new WbError("E_USAGE", `--entry ${entry} names a script but no --app was given`, { hint: "give --app DIR holding the script, or an entry of the form module:function" });
    const rel = entry.replace(/^\.\//, "");
    if (!app.some((f) => f.rel === rel)) throw new WbError("E_USAGE", `--entry ${entry} is not a file of the app (after excludes)`, { hint: "the path is relative to --app" });
    return;
  }
  if (!ENTRY_MODULE.test(entry)) {
    throw new WbError("E_USAGE", `--entry '${entry}' is neither module:function nor path/to/script.py`, { hint: "for example --entry shop.server:main or --entry run.py" });
  }
}

/**
 * The mode an app file ships with: 0644/0755 normally (whatever the builder's umask made of it, so
 * bundles stay reproducible), the file's own bits when it keeps group or others from reading it
 * (a 0600 settings file stays 0600).
 */
export function appMode(mode: number): number {
  if ((mode & 0o044) !== 0o044) return mode & 0o777;
  return (mode & 0o111) !== 0 ? 0o755 : 0o644;
}

function bytesEntry(path: string, data: Buffer, mode: 0o644 | 0o755 = 0o644): BundleFileEntry {
  const sha256 = createHash("sha256").update(data).digest("hex");
  return { type: "file", path, mode, size: data.length, sha256, source: { kind: "bytes", data }, store: false, mismatchCode: "E_INTEGRITY" };
}

/** A cached file shipped as is (stored, not recompressed), checked against its sha256 as it is copied. */
function cachedEntry(path: string, p: { cachePath: string; size: number; sha256: string }): BundleFileEntry {
  return { type: "file", path, mode: 0o644, size: p.size, sha256: p.sha256, source: { kind: "path", path: p.cachePath }, store: true, mismatchCode: "E_INTEGRITY" };
}

function appEntry(f: AppFile): BundleFileEntry {
  return { type: "file", path: `app/${f.rel}`, mode: appMode(f.mode), size: f.size, sha256: f.sha256, source: { kind: "path", path: f.abs }, store: false, mismatchCode: "E_USAGE" };
}

export function bundlePylock(input: { packages: Pick<BundlePackage, "name" | "version" | "index" | "filename" | "sha256" | "size" | "requested">[]; target: { spec: string } }): string {
  const lock: Pylock = {
    lockVersion: "1.0",
    createdBy: "wheelbarrow",
    packages: input.packages.map((p) => ({
      name: canonicalizeName(p.name),
      version: p.version,
      index: publicUrl(p.index),
      wheels: [{ name: p.filename, path: `wheels/${p.filename}`, hashes: { sha256: p.sha256 }, size: p.size }],
      tool: { wheelbarrow: { requested: p.requested } },
    })),
    tool: { wheelbarrow: { target: input.target.spec } },
  };
  return writePylock(lock);
}

/** Every document and file of one target's bundle. */
export function assembleBundle(input: AssembleInput): AssembledBundle {
  checkIdentity(input.name, input.version);
  checkPackages(input.packages);
  checkEntry(input.entry, input.app);
  checkPython(input.python);
  const tool = { tool: "wheelbarrow", version: input.toolVersion, target: input.target.spec };

  const files: BundleFileEntry[] = (input.app ?? []).map(appEntry);
  files.push(...input.installer.map((f) => bytesEntry(f.name, f.data, f.mode)));
  const pylock = bundlePylock(input);
  files.push(bytesEntry("pylock.toml", Buffer.from(pylock)));
  const requirements = formatRequirements(input.packages.map((p) => ({ name: canonicalizeName(p.name), version: p.version, sha256: p.sha256 })), tool);
  files.push(bytesEntry("requirements.txt", Buffer.from(requirements)));
  const sbomPackages = input.packages.map((p) => {
    const prov = p.provenance ? bytesEntry(provenancePath(p.filename), p.provenance.data) : null;
    if (prov) files.push(prov);
    return { ...p, provenance: prov && p.provenance ? { path: prov.path, sha256: prov.sha256, publishers: p.provenance.publishers } : undefined };
  });
  const sbom = buildSbom({ app: { name: input.name, version: input.version }, tool: { name: "wheelbarrow", version: input.toolVersion }, packages: sbomPackages, ...(input.python ? { python: input.python } : {}) });
  files.push(bytesEntry("sbom.cdx.json", Buffer.from(sbom)));
  const readme = operatorReadme({ name: input.name, version: input.version, entry: input.entry, target: input.target.spec, state: input.state, signed: input.signed });
  files.push(bytesEntry(OPERATOR_README, Buffer.from(readme)));

  // manifest.files lists what is not already listed as a package or the interpreter.
  const manifestFiles: ManifestFile[] = files.map((f) => ({
    path: f.path,
    sha256: f.sha256,
    size: f.size,
    ...((f.mode & 0o111) !== 0 ? { executable: true as const } : {}),
    ...(f.mode !== 0o644 && f.mode !== 0o755 ? { mode: f.mode } : {}),
  }));
  const py = input.python;
  const manifest = serializeManifest({
    formatVersion: FORMAT_VERSION,
    createdBy: { tool: "wheelbarrow", version: input.toolVersion },
    app: { name: input.name, version: input.version, entry: input.entry, state: input.state },
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
  files.push(bytesEntry(MANIFEST_NAME, Buffer.from(manifest)));
  files.push(...input.packages.map((p) => cachedEntry(`wheels/${p.filename}`, p)));
  if (py) files.push(cachedEntry(`python/${py.filename}`, py));
  const sums = formatSha256Sums(files);
  files.push(bytesEntry(SUMS_NAME, Buffer.from(sums)));
  return { manifest, pylock, requirements, sbom, readme, sums, files };
}

/** The sorted entries an archive writer streams: the assembled files, plus SHA256SUMS.sig when signed. */
export function archivePlan(bundle: AssembledBundle, stem: string, mtime: number, signature: string | null): ArchivePlan {
  const files = signature === null ? bundle.files : [...bundle.files, bytesEntry(SUMS_SIG_NAME, Buffer.from(signature))];
  return { stem, mtime, entries: withDirectories(files) };
}
