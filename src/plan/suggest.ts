/**
 * "The version that would fit": for a dependency the pins do not cover, the newest version of the
 * project that satisfies the dependency's specifier and has a wheel for the target.
 */
import { filterVersions, compareVersions } from "../pypa/versions.js";
import type { Target } from "../targets/target.js";
import { filesOfVersion, fileVersion, requiresPythonAllows } from "./select-file.js";
import { tagRank } from "../pypa/best-wheel.js";
import type { PlanOptions, PlanSource } from "./types.js";

export async function fitsHint(name: string, specifier: string, target: Target, source: PlanSource, opts: Pick<PlanOptions, "pre">): Promise<string | null> {
  let project;
  try {
    project = await source.getProject(name);
  } catch {
    return null;
  }
  if (!project) return null;
  const versions = new Set<string>();
  for (const f of project.files) {
    const v = fileVersion(project.name, f.filename).version;
    if (v) versions.add(v);
  }
  const ok = filterVersions([...versions], specifier, { prereleases: opts.pre ? true : undefined }).sort((a, b) => compareVersions(b, a));
  for (const v of ok) {
    const fits = filesOfVersion(project, v).some(
      (f) => f.wheel !== null && f.file.yanked === false && tagRank(f.wheel.tags, target.tagIndex) !== null && requiresPythonAllows(f.file.requiresPython, target),
    );
    if (fits) return `${name}==${v}`;
  }
  return null;
}
