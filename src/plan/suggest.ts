/**
 * "The version that would fit": for a dependency the pins do not cover, the newest version of the
 * project that satisfies the dependency's specifier and has a wheel for the target.
 */
import { filterVersions } from "../pypa/versions.js";
import type { Target } from "../targets/target.js";
import { requiresPythonAllows } from "./select-file.js";
import { projectVersions } from "./project-versions.js";
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
  const entries = new Map(projectVersions(project).newestFirst.map((e) => [e.version, e]));
  const ok = filterVersions([...entries.keys()], specifier, { prereleases: opts.pre ? true : undefined });
  for (const v of ok) {
    const fits = entries.get(v)!.wheels.some((f) => f.file.yanked === false && tagRank(f.wheel.tags, target.tagIndex) !== null && requiresPythonAllows(f.file.requiresPython, target));
    if (fits) return `${name}==${v}`;
  }
  return null;
}
