/**
 * `diff OLD NEW`: how two bundles' contents differ, from their manifests. Packages are matched
 * by canonical name: added, removed, upgraded / downgraded (PEP 440 order), rebuilt (same
 * version, different sha256: another build or another wheel of the same release) and unchanged.
 * Shipped files (app/ and the installer; not the generated pylock/requirements/SBOM, which
 * follow the packages) are compared by path and sha256. The embedded interpreter (manifest
 * `python`, docs/bundle-format.md) is compared on its own: added, removed, changed (another triple
 * or implementation), upgraded / downgraded (PEP 440 version, then PBS build date), rebuilt (same
 * version and build, another archive sha256, size or name) or unchanged. Pure (the command
 * opens the bundles). The text form escapes every string from the manifests for the terminal.
 */
import { canonicalizeName } from "../pypa/names.js";
import { compareVersions as pep440Compare, parseVersion } from "../pypa/versions.js";
import type { Manifest, ManifestPackage, ManifestPython } from "./manifest.js";
import { table } from "./text-table.js";
import { terminalSafe } from "../text/terminal-safe.js";

interface Side {
  bundle: string;
  stem: string;
  name: string;
  version: string;
  target: string;
}

export interface PackageRef {
  name: string;
  version: string;
  filename: string;
  sha256: string;
}

export interface VersionChange {
  name: string;
  from: string;
  to: string;
  oldFilename: string;
  newFilename: string;
}

export interface Rebuilt {
  name: string;
  version: string;
  oldFilename: string;
  newFilename: string;
  oldSha256: string;
  newSha256: string;
}

/** The embedded interpreter as diff reports it (a subset of manifest `python`). */
export type PythonRef = Pick<ManifestPython, "implementation" | "version" | "build" | "triple" | "path" | "sha256" | "size">;

export type PythonChange = "added" | "removed" | "upgraded" | "downgraded" | "changed" | "rebuilt" | "unchanged";

export interface BundleDiff {
  old: Side;
  new: Side;
  targetChanged: boolean;
  /** null when neither bundle embeds an interpreter. */
  python: { change: PythonChange; old: PythonRef | null; new: PythonRef | null } | null;
  packages: { added: PackageRef[]; removed: PackageRef[]; upgraded: VersionChange[]; downgraded: VersionChange[]; rebuilt: Rebuilt[]; unchanged: number };
  files: { added: string[]; removed: string[]; changed: string[] };
}

const GENERATED = new Set(["pylock.toml", "requirements.txt", "sbom.cdx.json", "README.txt"]);

/** PEP 440 order (src/pypa/versions.ts, as packaging orders them); plain string order when either is not a version. */
function compareVersions(a: string, b: string): number {
  if (parseVersion(a) && parseVersion(b)) return Math.sign(pep440Compare(a, b));
  return a < b ? -1 : a > b ? 1 : 0;
}

function pythonRef(p: ManifestPython): PythonRef {
  return { implementation: p.implementation, version: p.version, build: p.build, triple: p.triple, path: p.path, sha256: p.sha256, size: p.size };
}

function pythonChange(o: PythonRef | null, n: PythonRef | null): PythonChange {
  if (!o) return "added";
  if (!n) return "removed";
  if (o.implementation !== n.implementation || o.triple !== n.triple) return "changed";
  // PBS build tags are dates (YYYYMMDD): same-length digit strings order as numbers.
  const c = compareVersions(o.version, n.version) || (o.build < n.build ? -1 : o.build > n.build ? 1 : 0);
  if (c !== 0) return c < 0 ? "upgraded" : "downgraded";
  if (o.version !== n.version) return "changed";
  return o.sha256 !== n.sha256 || o.size !== n.size || o.path !== n.path ? "rebuilt" : "unchanged";
}

const ref = (p: ManifestPackage): PackageRef => ({ name: p.name, version: p.version, filename: p.filename, sha256: p.sha256 });

export function diffManifests(a: Manifest, b: Manifest, where: { old: { bundle: string; stem: string }; new: { bundle: string; stem: string } }): BundleDiff {
  const side = (m: Manifest, w: { bundle: string; stem: string }): Side => ({ bundle: w.bundle, stem: w.stem, name: m.app.name, version: m.app.version, target: m.target.spec });
  const oldPkgs = new Map(a.packages.map((p) => [canonicalizeName(p.name), p]));
  const newPkgs = new Map(b.packages.map((p) => [canonicalizeName(p.name), p]));
  const d: BundleDiff = {
    old: side(a, where.old),
    new: side(b, where.new),
    targetChanged: a.target.spec !== b.target.spec,
    python: null,
    packages: { added: [], removed: [], upgraded: [], downgraded: [], rebuilt: [], unchanged: 0 },
    files: { added: [], removed: [], changed: [] },
  };
  const names = [...new Set([...oldPkgs.keys(), ...newPkgs.keys()])].sort();
  for (const name of names) {
    const o = oldPkgs.get(name);
    const n = newPkgs.get(name);
    if (!o && n) d.packages.added.push(ref(n));
    else if (o && !n) d.packages.removed.push(ref(o));
    else if (o && n) {
      const c = compareVersions(o.version, n.version);
      const change = { name: n.name, from: o.version, to: n.version, oldFilename: o.filename, newFilename: n.filename };
      if (c < 0) d.packages.upgraded.push(change);
      else if (c > 0) d.packages.downgraded.push(change);
      else if (o.sha256 !== n.sha256) {
        d.packages.rebuilt.push({ name: n.name, version: n.version, oldFilename: o.filename, newFilename: n.filename, oldSha256: o.sha256, newSha256: n.sha256 });
      } else d.packages.unchanged++;
    }
  }
  if (a.python || b.python) {
    const o = a.python ? pythonRef(a.python) : null;
    const n = b.python ? pythonRef(b.python) : null;
    d.python = { change: pythonChange(o, n), old: o, new: n };
  }
  const oldFiles = new Map(a.files.filter((f) => !GENERATED.has(f.path)).map((f) => [f.path, f.sha256]));
  const newFiles = new Map(b.files.filter((f) => !GENERATED.has(f.path)).map((f) => [f.path, f.sha256]));
  for (const path of [...new Set([...oldFiles.keys(), ...newFiles.keys()])].sort()) {
    const o = oldFiles.get(path);
    const n = newFiles.get(path);
    if (o === undefined) d.files.added.push(path);
    else if (n === undefined) d.files.removed.push(path);
    else if (o !== n) d.files.changed.push(path);
  }
  return d;
}

export function formatDiff(d: BundleDiff): string {
  const p = d.packages;
  const s = terminalSafe;
  let out = `old: ${s(d.old.stem)} (${s(d.old.name)} ${s(d.old.version)}, ${s(d.old.target)})\nnew: ${s(d.new.stem)} (${s(d.new.name)} ${s(d.new.version)}, ${s(d.new.target)})\n`;
  if (d.targetChanged) out += `note: the bundles are for different targets\n`;
  out += `\npackages: ${p.added.length} added, ${p.removed.length} removed, ${p.upgraded.length} upgraded, ${p.downgraded.length} downgraded, ${p.rebuilt.length} rebuilt, ${p.unchanged} unchanged\n`;
  const rows: string[][] = [];
  for (const x of p.added) rows.push(["added", x.name, x.version]);
  for (const x of p.removed) rows.push(["removed", x.name, x.version]);
  for (const x of p.upgraded) rows.push(["upgraded", x.name, `${x.from} -> ${x.to}`]);
  for (const x of p.downgraded) rows.push(["downgraded", x.name, `${x.from} -> ${x.to}`]);
  for (const x of p.rebuilt) {
    const file = x.oldFilename === x.newFilename ? "" : `, ${x.oldFilename} -> ${x.newFilename}`;
    rows.push(["rebuilt", x.name, `${x.version} (sha256 ${x.oldSha256.slice(0, 12)}… -> ${x.newSha256.slice(0, 12)}…${file})`]);
  }
  out += table(rows, "  ");
  if (d.python) out += formatPython(d.python);
  const f = d.files;
  out += `files: ${f.added.length} added, ${f.removed.length} removed, ${f.changed.length} changed\n`;
  out += table([...f.added.map((x) => ["added", x]), ...f.removed.map((x) => ["removed", x]), ...f.changed.map((x) => ["changed", x])], "  ");
  return out;
}

function describePython(p: PythonRef): string {
  return `${p.implementation} ${p.version}+${p.build} ${p.triple}`;
}

function formatPython(x: NonNullable<BundleDiff["python"]>): string {
  const { old: o, new: n } = x;
  let line: string;
  if (!o) line = `added ${describePython(n!)}`;
  else if (!n) line = `removed ${describePython(o)}`;
  else if (x.change === "unchanged") line = `unchanged ${describePython(n)}`;
  else if (x.change === "rebuilt") line = `rebuilt ${describePython(n)} (sha256 ${o.sha256.slice(0, 12)}… -> ${n.sha256.slice(0, 12)}…)`;
  else line = `${x.change} ${describePython(o)} -> ${describePython(n)}`;
  return table([["python:", line]]);
}
