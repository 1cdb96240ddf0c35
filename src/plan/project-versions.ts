/**
 * A project's files grouped by parsed version, built once per listing: every file name is parsed
 * once (parseDistFilename), every version once, and the versions are sorted once, newest first.
 * Everything the planner asks about a version ("its wheels", "is it installable here") is then a
 * map lookup plus a walk over that version's own files, so planning cost grows linearly with the
 * files on the pages it reads.
 */
import { canonicalizeName } from "../pypa/names.js";
import { canonicalizeVersion, compareParsed, parseVersion, type Version } from "../pypa/versions.js";
import { isWheelFilename, parseDistFilename, parseWheelFilename, type WheelFilename } from "../pypa/dist-filename.js";
import type { CandidateFile, ProjectFiles } from "./types.js";

export interface ParsedFile {
  file: CandidateFile;
  /** null for an sdist. */
  wheel: WheelFilename | null;
  /** The version as the file name writes it. */
  version: string;
}

export interface VersionEntry {
  /** The version as the first file of it writes it. */
  version: string;
  parsed: Version;
  /** All files of this version, in page order. */
  files: ParsedFile[];
  wheels: (ParsedFile & { wheel: WheelFilename })[];
  sdists: ParsedFile[];
  /** Every file of this version is yanked. */
  yanked: boolean;
}

export interface ProjectVersions {
  newestFirst: VersionEntry[];
  /** Keyed by versionKey (so `1.0` and `1.0.0` are one version). */
  byKey: Map<string, VersionEntry>;
}

/** The identity of a version: equal keys <=> equal versions (trailing `.0`s do not count). */
export function versionKey(version: string): string | null {
  return parseVersion(version) === null ? null : canonicalizeVersion(version);
}

const built = new WeakMap<readonly CandidateFile[], ProjectVersions>();

function parseFile(project: string, file: CandidateFile): ParsedFile | null {
  const d = parseDistFilename(file.filename, project);
  if (d) return { file, wheel: d.wheel, version: d.version };
  // A lock or a direct reference may name a wheel whose name part is spelled differently.
  if (isWheelFilename(file.filename)) {
    try {
      const wheel = parseWheelFilename(file.filename);
      return { file, wheel, version: wheel.version };
    } catch {
      return null;
    }
  }
  return null;
}

export function projectVersions(project: ProjectFiles): ProjectVersions {
  const hit = built.get(project.files);
  if (hit) return hit;
  const name = canonicalizeName(project.name);
  const byKey = new Map<string, VersionEntry>();
  for (const file of project.files) {
    const pf = parseFile(name, file);
    if (!pf) continue;
    const key = versionKey(pf.version);
    if (key === null) continue;
    let entry = byKey.get(key);
    if (!entry) {
      entry = { version: pf.version, parsed: parseVersion(pf.version)!, files: [], wheels: [], sdists: [], yanked: true };
      byKey.set(key, entry);
    }
    entry.files.push(pf);
    if (pf.wheel) entry.wheels.push(pf as ParsedFile & { wheel: WheelFilename });
    else entry.sdists.push(pf);
    if (file.yanked === false) entry.yanked = false;
  }
  const newestFirst = [...byKey.values()].sort((a, b) => compareParsed(b.parsed, a.parsed));
  const out = { newestFirst, byKey };
  built.set(project.files, out);
  return out;
}

/** The entry of `version` in the project, or undefined. */
export function versionEntry(project: ProjectFiles, version: string): VersionEntry | undefined {
  const key = versionKey(version);
  return key === null ? undefined : projectVersions(project).byKey.get(key);
}
