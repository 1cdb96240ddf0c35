/**
 * Builds a minimal unpacked bundle directory for installer tests, laid out as docs/bundle-format.md
 * says: wheels/*.whl (real wheels from wheel-builder, or existing wheel files), app/, the three
 * installer files copied verbatim from src/installer, requirements.txt, pylock.toml,
 * sbom.cdx.json, manifest.json (keys in the documented order) and SHA256SUMS.
 * The pylock and SBOM are placeholders: the installer reads only manifest.json.
 */
import { createHash } from "node:crypto";
import { chmodSync, copyFileSync, mkdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { buildWheel, type WheelSpec } from "./wheel-builder.js";

export const INSTALLER_DIR = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "src", "installer");

export interface TargetSpec {
  platform: string;
  python: string;
  implementation?: string;
  freeThreaded?: boolean;
  /** The target's ordered tag list (informational for the installer, which recomputes tags). */
  tags?: string[];
}

export interface BundleWheel {
  /** A wheel to build, or an existing wheel file to copy. */
  spec?: WheelSpec;
  file?: string;
  requested?: boolean;
}

export interface BundleSpec {
  name?: string;
  version?: string;
  /** `module:function`, `path/to/script.py` (under app/), or null. */
  entry?: string | null;
  target: TargetSpec;
  wheels: BundleWheel[];
  app?: Record<string, string | Buffer>;
  executable?: string[];
  formatVersion?: string;
}


export type { ManifestFile, ManifestPackage } from "../../src/bundle/manifest.js";
import type { ManifestFile, ManifestPackage } from "../../src/bundle/manifest.js";

export interface Manifest {
  formatVersion: string;
  createdBy: { tool: string; version: string };
  app: { name: string; version: string; entry: string | null };
  target: Record<string, unknown>;
  packages: ManifestPackage[];
  files: ManifestFile[];
}

export interface BuiltBundle {
  dir: string;
  manifest: Manifest;
}

function sha256(data: Buffer): string {
  return createHash("sha256").update(data).digest("hex");
}

/** The target block of manifest.json, derived from the platform tag as the bundler does. */
export function targetBlock(t: TargetSpec): Record<string, unknown> {
  const [major, minor] = t.python.split(".");
  const impl = t.implementation ?? "cpython";
  const pythonTag = `${impl === "pypy" ? "pp" : "cp"}${major}${minor}${t.freeThreaded ? "t" : ""}`;
  let os = "unknown";
  let arch = "";
  let libc: { family: string; version: string } | null = null;
  let macos: string | null = null;
  let m: RegExpMatchArray | null;
  if ((m = t.platform.match(/^(manylinux|musllinux)_(\d+)_(\d+)_(.+)$/))) {
    os = "linux";
    arch = m[4]!;
    libc = { family: m[1] === "manylinux" ? "glibc" : "musl", version: `${m[2]}.${m[3]}` };
  } else if ((m = t.platform.match(/^macosx_(\d+)_(\d+)_(.+)$/))) {
    os = "macos";
    arch = m[3]!;
    macos = `${m[1]}.${m[2]}`;
  } else if ((m = t.platform.match(/^win(32|_amd64|_arm64)$/))) {
    os = "windows";
    arch = m[1] === "32" ? "x86" : m[1]!.slice(1);
  } else if ((m = t.platform.match(/^linux_(.+)$/))) {
    os = "linux";
    arch = m[1]!;
  }
  return {
    spec: `${t.platform}@${t.python}`,
    platform: t.platform,
    python: t.python,
    implementation: impl,
    pythonTag,
    freeThreaded: t.freeThreaded ?? false,
    os,
    arch,
    libc,
    macos,
    tags: t.tags ?? ["py3-none-any"],
  };
}

function write(dir: string, rel: string, data: string | Buffer, mode?: number): void {
  const path = join(dir, ...rel.split("/"));
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, data);
  if (mode !== undefined) chmodSync(path, mode);
}

export async function buildBundle(spec: BundleSpec, dir: string): Promise<BuiltBundle> {
  mkdirSync(join(dir, "wheels"), { recursive: true });
  const packages: ManifestPackage[] = [];
  for (const w of spec.wheels) {
    let path: string;
    let name: string;
    let version: string;
    if (w.spec) {
      const built = await buildWheel(w.spec, join(dir, "wheels"));
      path = built.path;
      name = w.spec.name;
      version = w.spec.version;
    } else if (w.file) {
      path = join(dir, "wheels", basename(w.file));
      copyFileSync(w.file, path);
      [name = "", version = ""] = basename(w.file).split("-");
    } else {
      throw new Error("a bundle wheel needs spec or file");
    }
    const data = readFileSync(path);
    const filename = basename(path);
    packages.push({
      name: name.toLowerCase().replace(/[-_.]+/g, "-"),
      version,
      filename,
      path: `wheels/${filename}`,
      sha256: sha256(data),
      size: data.length,
      requested: w.requested ?? true,
      index: "https://pypi.org/simple",
    });
  }
  const exec = new Set(spec.executable ?? []);
  for (const [rel, content] of Object.entries(spec.app ?? {})) write(dir, `app/${rel}`, content, exec.has(rel) ? 0o755 : 0o644);
  for (const f of ["install.py", "install.sh", "install.ps1"]) {
    copyFileSync(join(INSTALLER_DIR, f), join(dir, f));
    chmodSync(join(dir, f), f === "install.ps1" ? 0o644 : 0o755);
  }
  write(dir, "requirements.txt", packages.map((p) => `${p.name}==${p.version} --hash=sha256:${p.sha256}\n`).join(""));
  write(
    dir,
    "pylock.toml",
    `lock-version = "1.0"\ncreated-by = "wheelbarrow"\n` +
      packages.map((p) => `\n[[packages]]\nname = "${p.name}"\nversion = "${p.version}"\nwheels = [{ path = "${p.path}", hashes = { sha256 = "${p.sha256}" } }]\n`).join(""),
  );
  write(dir, "sbom.cdx.json", JSON.stringify({ bomFormat: "CycloneDX", specVersion: "1.6", components: [] }, null, 2) + "\n");

  const files: ManifestFile[] = [];
  const listed = [
    "install.ps1",
    "install.py",
    "install.sh",
    "pylock.toml",
    "requirements.txt",
    "sbom.cdx.json",
    ...Object.keys(spec.app ?? {}).map((r) => `app/${r}`),
  ].sort();
  for (const rel of listed) {
    const full = join(dir, ...rel.split("/"));
    const data = readFileSync(full);
    const isExec = (statSync(full).mode & 0o111) !== 0;
    files.push({ path: rel, sha256: sha256(data), size: data.length, ...(isExec ? { executable: true } : {}) });
  }
  const manifest: Manifest = {
    formatVersion: spec.formatVersion ?? "1.0.0",
    createdBy: { tool: "wheelbarrow", version: "0.1.0" },
    app: { name: spec.name ?? "shop", version: spec.version ?? "1.0.0", entry: spec.entry === undefined ? null : spec.entry },
    target: targetBlock(spec.target),
    packages,
    files,
  };
  writeManifest(dir, manifest);
  return { dir, manifest };
}

/** Write manifest.json (and SHA256SUMS over everything else), e.g. after a test altered it. */
export function writeManifest(dir: string, manifest: Manifest): void {
  const text = JSON.stringify(manifest, null, 2) + "\n";
  writeFileSync(join(dir, "manifest.json"), text);
  const sums = [...manifest.files, ...manifest.packages.map((p) => ({ path: p.path, sha256: p.sha256 }))]
    .map((f) => `${f.sha256}  ${f.path}\n`)
    .concat([`${sha256(Buffer.from(text))}  manifest.json\n`])
    .sort((a, b) => (a.slice(66) < b.slice(66) ? -1 : 1));
  writeFileSync(join(dir, "SHA256SUMS"), sums.join(""));
}
