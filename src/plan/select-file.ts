/**
 * Pick the one file of a pinned version that a target installs (PEP 425 tag order, pip's "Choosing the
 * best wheel"; PEP 592 yanked, Requires-Python). Version is already decided; among that version's
 * wheels: allowed hash, supported tag, Requires-Python against the target's full version, not
 * yanked (a yanked file only when nothing else fits, with a warning: every pin here is exact),
 * then best tag rank, then highest build tag. When nothing fits, the error says why, lists the
 * files that exist with their tags, and names the nearest target that would take one of them.
 */
import { WbError } from "../errors.js";
import { canonicalizeName } from "../pypa/names.js";
import { isValidSpecifier, SpecifierSet } from "../pypa/versions.js";
import { parseDistFilename, type WheelFilename } from "../pypa/dist-filename.js";
import { projectVersions, versionEntry, type ParsedFile } from "./project-versions.js";
import { pickBestWheel, tagRank } from "../pypa/best-wheel.js";
import type { Target } from "../targets/target.js";
import type { CandidateFile, ProjectFiles } from "./types.js";

export interface SelectContext {
  /** "sha256:<hex>" allowed hashes; empty = any. */
  hashes: string[];
  /** How the requirement reads, for messages: "numpy==2.1.0 (requirements.txt:3)". */
  what: string;
  chain: string[];
  /** Prefer files uploaded no later than this (the resolver's --exclude-newer). */
  excludeNewer?: Date;
}

export type SelectResult = { file: CandidateFile; warnings: string[] } | { error: WbError };

/** Version of a distribution file of the project, as its name writes it (wheel or sdist). */
export function fileVersion(projectName: string, filename: string): { wheel: WheelFilename | null; version: string | null } {
  const d = parseDistFilename(filename, canonicalizeName(projectName));
  return d ? { wheel: d.wheel, version: d.version } : { wheel: null, version: null };
}

/** The files of one version of the project (an index lookup, not a scan). */
export function filesOfVersion(project: ProjectFiles, version: string): ParsedFile[] {
  return versionEntry(project, version)?.files ?? [];
}

function sha256Of(file: CandidateFile): string | undefined {
  return file.hashes["sha256"]?.toLowerCase();
}

function hashAllowed(file: CandidateFile, hashes: string[]): boolean {
  if (hashes.length === 0) return true;
  const known = Object.entries(file.hashes).map(([alg, hex]) => `${alg.toLowerCase()}:${hex.toLowerCase()}`);
  if (known.length === 0) return true; // unknown until downloaded; the downloader verifies --hash
  return known.some((k) => hashes.includes(k));
}

export function requiresPythonAllows(requiresPython: string | undefined, target: Target): boolean {
  if (!requiresPython || !requiresPython.trim()) return true;
  if (!isValidSpecifier(requiresPython)) return true; // an invalid Requires-Python keeps the file (as pip does)
  return SpecifierSet.of(requiresPython).contains(target.pythonFullVersion, { prereleases: true });
}

/** The targets that would accept some of these wheels: "manylinux_2_34_x86_64@3.11", preferring the same OS and arch. */
export function nearestTargets(wheels: WheelFilename[], target: Target): string[] {
  const scored = new Map<string, number>();
  for (const w of wheels) {
    for (const tag of w.tags) {
      const [py = "", abi = "", plat = ""] = tag.split("-");
      const m = /^(cp|pp)(\d)(\d+)/.exec(py);
      let python = m ? `${m[1] === "pp" ? "pp" : ""}${m[2]}.${m[3]}` : target.pythonVersion;
      // An abi3 wheel built for 3.N serves every CPython >= 3.N: the target's Python already fits.
      const [tMajor, tMinor] = target.pythonVersion.split(".").map(Number);
      if (m && m[1] === "cp" && abi === "abi3" && Number(m[2]) === tMajor && Number(m[3]) <= (tMinor ?? 0)) python = target.pythonVersion;
      const platform = plat === "any" ? target.platform : plat;
      let score = 0;
      const osOf = (p: string) => (p.startsWith("win") ? "windows" : p.startsWith("macosx") ? "macos" : p.includes("linux") ? "linux" : "other");
      if (osOf(platform) !== target.os) score += 100;
      if (!platform.endsWith(target.arch) && !(target.os === "windows")) score += 10;
      if (platform.startsWith("linux_")) score += 1000; // build-host-only wheels are not a target
      if (python !== target.pythonVersion) score += 1;
      const key = `${platform}@${python}`;
      scored.set(key, Math.min(scored.get(key) ?? Infinity, score));
    }
  }
  return [...scored.entries()]
    .filter(([, s]) => s < 1000)
    .sort((a, b) => a[1] - b[1] || (a[0] < b[0] ? -1 : 1))
    .slice(0, 3)
    .map(([k]) => k);
}

export function selectFile(project: ProjectFiles, version: string, target: Target, ctx: SelectContext): SelectResult {
  const name = canonicalizeName(project.name);
  const chainText = ctx.chain.length > 1 ? ` (required by ${ctx.chain.slice(0, -1).join(" -> ")})` : "";
  const candidates = filesOfVersion(project, version);
  const details = { project: name, version, target: target.spec, chain: ctx.chain, source: project.source.url };
  if (candidates.length === 0) {
    return {
      error: new WbError("E_NO_SUCH_PACKAGE", `${name} ${version} is not on ${project.source.url}${chainText}`, {
        hint: `check the pin ${ctx.what}; the index lists ${describeVersions(project)}`,
        details,
      }),
    };
  }
  const wheels = candidates.filter((c) => c.wheel !== null) as (ParsedFile & { wheel: WheelFilename })[];
  if (wheels.length === 0) {
    return {
      error: new WbError("E_SDIST_ONLY", `${name} ${version} has no wheel, only source distributions: ${candidates.map((c) => c.file.filename).join(", ")}${chainText}`, {
        hint: [`a bundle ships wheels; build one (pip wheel ${name}==${version}) and add its directory with --find-links`, `or pin a version of ${name} that publishes wheels`],
        details: { ...details, files: candidates.map((c) => c.file.filename) },
      }),
    };
  }
  const hashed = wheels.filter((w) => hashAllowed(w.file, ctx.hashes));
  if (hashed.length === 0) {
    return {
      error: new WbError("E_INTEGRITY", `no file of ${name} ${version} has an allowed hash for ${target.spec}${chainText}`, {
        hint: `the requirement ${ctx.what} allows ${ctx.hashes.join(", ")}; the index lists ${wheels.map((w) => `${w.file.filename} (sha256:${sha256Of(w.file) ?? "?"})`).join(", ")}`,
        details: { ...details, expected: ctx.hashes, found: wheels.map((w) => sha256Of(w.file) ?? null) },
      }),
    };
  }
  const compatible = hashed.filter((w) => tagRank(w.wheel.tags, target.tagIndex) !== null);
  if (compatible.length === 0) {
    const nearest = nearestTargets(hashed.map((w) => w.wheel), target);
    return {
      error: new WbError(
        "E_NO_COMPATIBLE_WHEEL",
        `${name} ${version} has no wheel for ${target.spec}${chainText}; the files that exist:\n` +
          hashed.map((w) => `    ${w.file.filename}  [${w.wheel.tags.join(", ")}]`).join("\n"),
        {
          hint: nearest.length ? `a target that would take one of them: ${nearest.join(", ")}` : `pin a version of ${name} that publishes a wheel for ${target.platform}`,
          details: { ...details, files: hashed.map((w) => ({ filename: w.file.filename, tags: w.wheel.tags })), nearestTargets: nearest },
        },
      ),
    };
  }
  const pythonOk = compatible.filter((w) => requiresPythonAllows(w.file.requiresPython, target));
  if (pythonOk.length === 0) {
    const rp = [...new Set(compatible.map((w) => w.file.requiresPython))].join(" | ");
    return {
      error: new WbError("E_REQUIRES_PYTHON", `${name} ${version} requires Python ${rp}, but ${target.spec} has Python ${target.pythonFullVersion}${chainText}`, {
        hint: `pin a version of ${name} that supports Python ${target.pythonVersion}, or target a Python that ${rp} allows`,
        details: { ...details, requiresPython: rp, python: target.pythonFullVersion },
      }),
    };
  }
  const warnings: string[] = [];
  const cutoff = ctx.excludeNewer;
  const dated = cutoff ? pythonOk.filter((w) => !w.file.uploadTime || new Date(w.file.uploadTime) <= cutoff) : pythonOk;
  const fresh = dated.length ? dated : pythonOk;
  let pool = fresh.filter((w) => w.file.yanked === false);
  if (pool.length === 0) {
    pool = fresh;
    const reason = fresh.map((w) => w.file.yanked).find((r) => typeof r === "string" && r.length > 0);
    warnings.push(`${name} ${version} is yanked${reason ? ` (reason: ${reason})` : ""}; using it because ${ctx.what} pins it exactly`);
  }
  const best = pickBestWheel(
    pool.map((w) => w.file),
    target,
  );
  if (!best) throw new Error(`internal: no best wheel among ${pool.length} compatible files of ${name}`);
  return { file: best, warnings };
}

export function describeVersions(project: ProjectFiles): string {
  const list = projectVersions(project).newestFirst.map((e) => e.version);
  if (list.length === 0) return "no installable files";
  return list.length > 8 ? `${list.slice(0, 8).join(", ")} and ${list.length - 8} more` : list.join(", ");
}
