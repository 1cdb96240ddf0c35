/**
 * `diff OLD NEW`: how two bundles' contents differ, from their manifests. Packages are matched
 * by canonical name: added, removed, upgraded / downgraded (PEP 440 order), rebuilt (same
 * version, different sha256: another build or another wheel of the same release) and unchanged.
 * Shipped files (app/ and the installer; not the generated pylock/requirements/SBOM, which
 * follow the packages) are compared by path and sha256. Pure apart from openBundle. The text form
 * escapes every string from the manifests for the terminal.
 */
import { compare as pep440Compare } from "@renovatebot/pep440";
import { canonicalizeName } from "../pypa/names.js";
import type { Manifest, ManifestPackage } from "./manifest.js";
import { manifestOf } from "./inspect.js";
import { openBundle } from "./read-bundle.js";
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

export interface BundleDiff {
  old: Side;
  new: Side;
  targetChanged: boolean;
  packages: { added: PackageRef[]; removed: PackageRef[]; upgraded: VersionChange[]; downgraded: VersionChange[]; rebuilt: Rebuilt[]; unchanged: number };
  files: { added: string[]; removed: string[]; changed: string[] };
}

const GENERATED = new Set(["pylock.toml", "requirements.txt", "sbom.cdx.json", "README.txt"]);

function compareVersions(a: string, b: string): number {
  try {
    return Math.sign(pep440Compare(a, b));
  } catch {
    return a < b ? -1 : a > b ? 1 : 0;
  }
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

export async function diffBundles(oldPath: string, newPath: string): Promise<BundleDiff> {
  const [a, b] = await Promise.all([openBundle(oldPath, { hash: false }), openBundle(newPath, { hash: false })]);
  return diffManifests(manifestOf(a), manifestOf(b), { old: { bundle: a.source, stem: a.root }, new: { bundle: b.source, stem: b.root } });
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
  const f = d.files;
  out += `files: ${f.added.length} added, ${f.removed.length} removed, ${f.changed.length} changed\n`;
  out += table([...f.added.map((x) => ["added", x]), ...f.removed.map((x) => ["removed", x]), ...f.changed.map((x) => ["changed", x])], "  ");
  return out;
}
