/**
 * Picks the interpreter archive for a target from a mirror's SHA256SUMS listing.
 *
 * Rules: CPython only; the PBS triple that fits the target's os/arch/libc; free-threaded exactly
 * when the target is; a target Python "3.12" takes the newest final 3.12.z, "3.12.4" exactly
 * 3.12.4 (a pre-release only when named exactly). Among those: newest version, then newest build,
 * then `install_only_stripped` over `install_only`. Other flavours and `.tar.zst` are ignored.
 * No fit is E_PYTHON_DIST listing what the mirror has for that triple. Pure: no I/O.
 */
import { WbError } from "../errors.js";
import { parsePbsFilename, pbsTripleFor, type PbsFilename } from "./pbs-filename.js";

export interface DistTarget {
  spec: string;
  os: string;
  arch: string;
  libc?: { family: "glibc" | "musl" } | null;
  implementation: string;
  /** "3.12" or "3.12.4" as the target gives it. */
  pythonVersion: string;
  freeThreaded: boolean;
}

export interface SumsEntry {
  path: string;
  sha256: string;
}

export interface SelectedDist {
  name: PbsFilename;
  sha256: string;
}

function cmpNum(a: number, b: number): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Orders pre-releases before the final release: "" (final) > rc > b > a. */
function preRank(pre: string): [number, number] {
  if (pre === "") return [3, 0];
  const m = /^(a|b|rc)(\d+)$/.exec(pre);
  return m ? [{ a: 0, b: 1, rc: 2 }[m[1] as "a" | "b" | "rc"], Number(m[2])] : [-1, 0];
}

/** Newest first. */
export function compareDists(a: PbsFilename, b: PbsFilename): number {
  const pa = preRank(a.pre);
  const pb = preRank(b.pre);
  return (
    cmpNum(b.major, a.major) ||
    cmpNum(b.minor, a.minor) ||
    cmpNum(b.patch, a.patch) ||
    cmpNum(pb[0], pa[0]) ||
    cmpNum(pb[1], pa[1]) ||
    (a.build < b.build ? 1 : a.build > b.build ? -1 : 0) ||
    cmpNum(b.kind === "install_only_stripped" ? 1 : 0, a.kind === "install_only_stripped" ? 1 : 0)
  );
}

/** Whether a PBS version fits a target's "X.Y" or "X.Y.Z[pre]". */
export function versionFits(want: string, d: PbsFilename): boolean {
  const parts = want.split(".");
  if (parts.length === 2) return d.pre === "" && `${d.major}.${d.minor}` === want;
  return d.version === want;
}

export function selectDist(entries: SumsEntry[], t: DistTarget, mirror: string): SelectedDist {
  if (t.implementation !== "cpython") {
    throw new WbError("E_PYTHON_DIST", `target ${t.spec}: only CPython can be embedded (python-build-standalone has no ${t.implementation} builds)`, {
      hint: "embed for a CPython target, or install the interpreter on the target machine yourself",
      details: { target: t.spec },
    });
  }
  const triple = pbsTripleFor(t);
  if (!triple) {
    throw new WbError("E_PYTHON_DIST", `target ${t.spec}: python-build-standalone publishes no build for ${t.os} ${t.arch}`, {
      hint: "leave out --embed-python for this target (its machine must then have a fitting python), or bundle it separately",
      details: { target: t.spec },
    });
  }
  const parsed = entries.map((e) => ({ e, n: parsePbsFilename(e.path.replace(/^.*\//, "")) })).filter((x): x is { e: SumsEntry; n: PbsFilename } => x.n !== null);
  const sameTriple = parsed.filter((x) => x.n.triple === triple && x.n.kind !== null && x.n.freeThreaded === t.freeThreaded);
  const fits = sameTriple.filter((x) => versionFits(t.pythonVersion, x.n)).sort((a, b) => compareDists(a.n, b.n));
  const best = fits[0];
  if (best) return { name: best.n, sha256: best.e.sha256 };
  const have = [...new Set(sameTriple.sort((a, b) => compareDists(a.n, b.n)).map((x) => `${x.n.version}+${x.n.build}`))];
  const what = `CPython ${t.pythonVersion}${t.freeThreaded ? " (free-threaded)" : ""} for ${triple}`;
  throw new WbError("E_PYTHON_DIST", `${mirror}: no install_only archive of ${what} in its SHA256SUMS`, {
    hint: [
      have.length ? `it has for ${triple}: ${have.slice(0, 12).join(", ")}${have.length > 12 ? `, ... (${have.length} in all)` : ""}` : `it has no install_only archive for ${triple} at all (${parsed.length} python-build-standalone archives listed)`,
      "mirror the python-build-standalone release that has it, or name an archive with --python-dist",
    ],
    details: { target: t.spec, triple, url: mirror, found: have },
  });
}
