/**
 * Why a project has no candidate version for a target, with the code of the real cause:
 *  - some requirement matches no version on the index at all -> E_NO_SUCH_PACKAGE (names the
 *    index and what it has);
 *  - every requirement alone matches something, but no version matches them all -> E_CONFLICT,
 *    listing each competing requirement and who asked for it;
 *  - versions match, but none can be installed on the target -> the reason of the newest
 *    matching version: E_NO_COMPATIBLE_WHEEL (its files and their tags, a target that would take
 *    one), E_REQUIRES_PYTHON (the range), E_SDIST_ONLY, or yanked / newer than --exclude-newer
 *    (E_NO_SUCH_PACKAGE), each with the versions considered and why each was rejected.
 * The message's second line is the chain from a top-level requirement to the project.
 */
import { WbError } from "../errors.js";
import { SpecifierSet } from "../pypa/versions.js";
import { tagRank } from "../pypa/best-wheel.js";
import type { Target } from "../targets/target.js";
import { nearestTargets, requiresPythonAllows } from "./select-file.js";
import { projectVersions, type VersionEntry } from "./project-versions.js";
import type { PlanOptions, ProjectFiles } from "./types.js";

export interface Asked {
  /** The requirement as written, without marker: "charset-normalizer<4,>=2". */
  text: string;
  specifier: string;
  /** "requirements.txt:3" for a root, "requests 2.34.2" for a dependency. */
  by: string;
}

export type Rejection = "no-wheel" | "tags" | "requires-python" | "yanked" | "exclude-newer";

/** Why no file of this version can be installed on the target; null when one can. */
export function rejectionOf(entry: VersionEntry, target: Target, opts: Pick<PlanOptions, "excludeNewer">, allowYanked = false): Rejection | null {
  if (entry.wheels.length === 0) return "no-wheel";
  const tagged = entry.wheels.filter((w) => tagRank(w.wheel.tags, target.tagIndex) !== null);
  if (tagged.length === 0) return "tags";
  const py = tagged.filter((w) => requiresPythonAllows(w.file.requiresPython, target));
  if (py.length === 0) return "requires-python";
  const live = allowYanked ? py : py.filter((w) => w.file.yanked === false);
  if (live.length === 0) return "yanked";
  const cutoff = opts.excludeNewer;
  if (cutoff && !live.some((w) => !w.file.uploadTime || new Date(w.file.uploadTime) <= cutoff)) return "exclude-newer";
  return null;
}

function reasonText(entry: VersionEntry, r: Rejection, target: Target, opts: Pick<PlanOptions, "excludeNewer">): string {
  switch (r) {
    case "no-wheel":
      return `only a source distribution (${entry.sdists.map((s) => s.file.filename).join(", ")})`;
    case "tags":
      return `no wheel for ${target.spec}'s tags`;
    case "requires-python":
      return `Requires-Python ${[...new Set(entry.wheels.map((w) => w.file.requiresPython))].join(" | ")} excludes Python ${target.pythonFullVersion}`;
    case "yanked":
      return "yanked";
    case "exclude-newer":
      return `uploaded after --exclude-newer ${opts.excludeNewer?.toISOString().slice(0, 10)}`;
  }
}

const list = (xs: string[], n = 6): string => (xs.length > n ? `${xs.slice(0, n).join(", ")}, … (${xs.length} in all)` : xs.join(", "));

/**
 * `targets` is one target, or a group resolved jointly; each version's reason is that of the
 * first target of the group that cannot install it.
 */
export function explainNoCandidate(name: string, asked: Asked[], chain: string, project: ProjectFiles, targets: Target[], opts: Pick<PlanOptions, "excludeNewer" | "pre">): WbError {
  const label = targets.map((t) => t.spec).join(" + ");
  const entries = projectVersions(project).newestFirst;
  const all = entries.map((e) => e.version);
  const pre = opts.pre ? true : undefined;
  const index = project.source.url;
  const details = { project: name, target: label, index, chain, requirements: asked.map((a) => ({ by: a.by, requires: a.text })) };
  const chainLine = `\n    chain: ${chain}`;
  const matchingAlone = asked.map((a) => ({ a, m: a.specifier ? SpecifierSet.of(a.specifier).filter(all, (v) => v, { prereleases: pre }) : all }));
  const unmatched = matchingAlone.find((x) => x.m.length === 0);
  if (unmatched || all.length === 0) {
    const what = unmatched ? unmatched.a : asked[0]!;
    return new WbError("E_NO_SUCH_PACKAGE", `no version of ${name} on ${index} matches ${what.text} (asked by ${what.by}); the index has ${all.length ? list(all, 8) : "no distribution files"}${chainLine}`, {
      hint: all.length ? `relax ${what.text}, or add the index that publishes the version you need` : `check the name and the index options`,
      details: { ...details, available: all },
    });
  }
  const specs = asked.map((a) => a.specifier).filter(Boolean).join(",");
  const matching = entries.filter((e) => new Set(SpecifierSet.of(specs).filter(all, (v) => v, { prereleases: pre })).has(e.version));
  if (matching.length === 0) {
    const lines = matchingAlone.map(({ a, m }) => `    ${a.by} requires ${a.text} (allows ${list(m)})`);
    return new WbError("E_CONFLICT", `no version of ${name} satisfies every requirement on ${label}${chainLine}\n  the competing requirements:\n${lines.join("\n")}`, {
      hint: `relax one of these requirements, or pin ${name} to a version the others accept`,
      details: { ...details, available: all },
    });
  }
  const rejected = matching.map((e) => {
    for (const t of targets) {
      const r = rejectionOf(e, t, opts);
      if (r) return { e, r, t };
    }
    return { e, r: "tags" as Rejection, t: targets[0]! };
  });
  const newest = rejected[0]!;
  const target = newest.t;
  const considered = rejected.slice(0, 6).map(({ e, r, t }) => `    ${e.version}: ${reasonText(e, r, t, opts)}`);
  const more = rejected.length > 6 ? `\n    … and ${rejected.length - 6} older versions` : "";
  const body = `no version of ${name} that matches ${asked.map((a) => a.text).join(" and ")} can be installed on ${label} (index ${index})${chainLine}\n  versions considered:\n${considered.join("\n")}${more}`;
  const d = { ...details, considered: rejected.map(({ e, r, t }) => ({ version: e.version, reason: r, target: t.spec })) };
  switch (newest.r) {
    case "tags": {
      const wheels = newest.e.wheels;
      const nearest = nearestTargets(wheels.map((w) => w.wheel), target);
      const files = wheels.slice(0, 6).map((w) => `    ${w.file.filename}  [${w.wheel.tags.join(", ")}]`);
      return new WbError("E_NO_COMPATIBLE_WHEEL", `${body}\n  the files of ${name} ${newest.e.version}:\n${files.join("\n")}${wheels.length > 6 ? `\n    … ${wheels.length - 6} more` : ""}`, {
        hint: nearest.length ? `a target that would take one of them: ${nearest.join(", ")}` : `pin a version of ${name} that publishes a wheel for ${target.platform}`,
        details: { ...d, nearestTargets: nearest },
      });
    }
    case "requires-python":
      return new WbError("E_REQUIRES_PYTHON", body, {
        hint: `target a Python that ${[...new Set(newest.e.wheels.map((w) => w.file.requiresPython))].join(" | ")} allows, or require an older ${name}`,
        details: d,
      });
    case "no-wheel":
      return new WbError("E_SDIST_ONLY", body, {
        hint: [`a bundle ships wheels; build one (pip wheel ${name}==${newest.e.version}) and add its directory with --find-links`, `or require a version of ${name} that publishes wheels`],
        details: d,
      });
    case "yanked":
    case "exclude-newer":
      return new WbError("E_NO_SUCH_PACKAGE", body, {
        hint: newest.r === "yanked" ? `pin ${name}==${newest.e.version} exactly to accept a yanked release` : "move --exclude-newer later, or relax the requirement",
        details: d,
      });
  }
}
