/**
 * `inspect`: what a bundle holds, from its manifest (not a verification: `verify` does that).
 * The JSON document is the manifest's content plus the bundle's location, format and size
 * totals; the human form is a summary and one table row per package, every manifest string
 * escaped for the terminal (text-table.ts).
 */
import { WbError } from "../errors.js";
import { MANIFEST_NAME, parseManifest, type Manifest, type ManifestFile, type ManifestPackage, type TargetInfo } from "./manifest.js";
import type { OpenedBundle } from "./read-bundle.js";
import { formatBytes, table } from "./text-table.js";

export interface InspectReport {
  bundle: string;
  format: string;
  stem: string;
  formatVersion: string;
  createdBy: Manifest["createdBy"];
  app: Manifest["app"];
  target: TargetInfo;
  /** The embedded interpreter, when the bundle carries one. */
  python?: Manifest["python"];
  packages: ManifestPackage[];
  files: ManifestFile[];
  sizes: { archive: number; wheels: number; app: number; appFiles: number; other: number };
  /** Who signed SHA256SUMS (src/sign), as one line; set by the inspect command. */
  signature?: { signed: boolean; summary: string; fingerprint: string | null; principals: string[] };
}

export function manifestOf(b: OpenedBundle): Manifest {
  const text = b.texts.get(MANIFEST_NAME);
  if (text === undefined) {
    throw new WbError("E_BUNDLE", `${b.source} has no manifest.json`, { hint: "is this a wheelbarrow bundle? 'wheelbarrow verify' checks it in full" });
  }
  return parseManifest(text.toString("utf8"), b.source);
}

export function inspectOpened(b: OpenedBundle): InspectReport {
  const m = manifestOf(b);
  const app = m.files.filter((f) => f.path.startsWith("app/"));
  const sum = (xs: { size: number }[]): number => xs.reduce((a, x) => a + x.size, 0);
  return {
    bundle: b.source,
    format: b.format,
    stem: b.root,
    formatVersion: m.formatVersion,
    createdBy: m.createdBy,
    app: m.app,
    target: m.target,
    ...(m.python ? { python: m.python } : {}),
    packages: m.packages,
    files: m.files,
    sizes: { archive: b.size, wheels: sum(m.packages), app: sum(app), appFiles: app.length, other: sum(m.files) - sum(app) },
  };
}

export function describeTarget(t: TargetInfo): string {
  const base = t.libc ? `${t.libc.family} ${t.libc.version}` : t.macos ? `macOS ${t.macos}` : t.os;
  return `${t.implementation} ${t.python}${t.freeThreaded ? " (free-threaded)" : ""}, ${t.os} ${t.arch}${base !== t.os ? `, ${base}` : ""}`;
}

/** The embedded interpreter: what it is, its floor, the archive with its size, sha256 and source. */
function pythonRows(p: NonNullable<InspectReport["python"]>): string[][] {
  const floor = p.floor.glibc ? `glibc ${p.floor.glibc}` : p.floor.macos ? `macOS ${p.floor.macos}` : "none measured";
  return [
    ["python", `${p.implementation} ${p.version}+${p.build} ${p.triple}, ${formatBytes(p.size)}, floor ${floor} (${p.path})`],
    ["python sha256", `${p.sha256} (${p.size} bytes, from ${p.source})`],
  ];
}

export function formatInspect(r: InspectReport): string {
  const head = table([
    ["bundle", `${r.bundle} (${r.format}, ${formatBytes(r.sizes.archive)})`],
    ["app", `${r.app.name} ${r.app.version}${r.app.entry ? `, entry ${r.app.entry}` : ""}`],
    ["target", `${r.target.spec}: ${describeTarget(r.target)}, ${r.target.tags.length} tags`],
    ["made by", `${r.createdBy.tool} ${r.createdBy.version} (format ${r.formatVersion})`],
    ...(r.python ? pythonRows(r.python) : []),
    ["packages", `${r.packages.length} wheels, ${formatBytes(r.sizes.wheels)}`],
    ["app files", `${r.sizes.appFiles} files, ${formatBytes(r.sizes.app)}`],
    ...(r.packages.some((p) => p.provenance) ? [["provenance", `${r.packages.filter((p) => p.provenance).length} of ${r.packages.length} wheels have PEP 740 provenance (stored, not verified)`]] : []),
    ...(r.signature ? [["signature", r.signature.summary]] : []),
  ]);
  const rows = [["NAME", "VERSION", "SIZE", "REQUESTED", "INDEX", "FILE"]];
  for (const p of r.packages) rows.push([p.name, p.version, formatBytes(p.size), p.requested ? "yes" : "no", p.index, p.filename]);
  return head + "\n" + table(rows);
}
