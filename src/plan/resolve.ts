/**
 * Backtracking resolver: turns loose requirements into one complete pin set per target.
 *
 * Algorithm: depth-first search with chronological backtracking, as resolvelib (pip) does it.
 * State = pins chosen so far + the criteria (specifiers with who asked) every pinned package puts on
 * its dependencies. At each step it takes the unpinned project with the fewest remaining candidate
 * versions (exact pins first), tries its versions newest first, and recurses; a version whose
 * dependencies contradict an existing pin is skipped; when a project has no candidate left, the
 * search backs up to the previous choice.
 *
 * Candidates for a target are the versions that have a wheel that target can install (tags,
 * Requires-Python against the target's full version), not yanked unless pinned exactly, uploaded
 * before --exclude-newer when given, and pre-releases only under PEP 440's rules (--pre, a
 * specifier naming one, or nothing else satisfying). Dependencies come from METADATA (PEP 658
 * sidecar or a range read: no wheel body is downloaded where the index serves metadata).
 *
 * Limits (documented in the README): the search is complete but can be exponential on
 * adversarial inputs, so it stops after `maxSteps` candidate attempts with E_CONFLICT; it does
 * not learn conflict causes as PubGrub does, so failure explanations list the competing
 * requirements of each project that ran out of candidates, not a minimal proof.
 */
import { WbError } from "../errors.js";
import { parseMetadata } from "../pypa/metadata.js";
import type { MarkerEnvironment } from "../pypa/markers.js";
import { markerHoldsOrThrow } from "./marker-failure.js";
import { canonicalizeExtra, canonicalizeName } from "../pypa/names.js";
import { parseRequirement, requirementToString, type Requirement } from "../pypa/requirement.js";
import { isExactPin, satisfies, SpecifierSet } from "../pypa/versions.js";
import type { Target } from "../targets/target.js";
import { requiresPythonAllows, selectFile } from "./select-file.js";
import { projectVersions, type VersionEntry } from "./project-versions.js";
import { explainNoCandidate, rejectionOf } from "./explain.js";
import type { CandidateFile, InputRequirement, PlanOptions, PlanSource, ProjectFiles } from "./types.js";

interface Criterion {
  specifier: string;
  extras: string[];
  /** "requirements.txt:3" for a root, "django 5.2.1" for a dependency. */
  by: string;
  text: string;
  /** The canonical name of the package whose dependency this is (none for a root). */
  parent?: string;
}

interface Pinned {
  version: string;
  file: CandidateFile;
  requires: Requirement[];
  extrasDone: Set<string>;
}

interface State {
  pins: Map<string, Pinned>;
  criteria: Map<string, Criterion[]>;
}

export interface Resolution {
  /** name -> version, for this target. */
  pins: Map<string, string>;
  requested: Set<string>;
}

class StepLimit extends Error {}

/**
 * Resolve for one target, or jointly for several whose marker environments a lock cannot tell
 * apart (one version per package that every one of them can install).
 */
export async function resolveTarget(roots: InputRequirement[], constraints: InputRequirement[], targets: Target | Target[], source: PlanSource, opts: PlanOptions): Promise<{ resolution?: Resolution; errors: WbError[] }> {
  const group = Array.isArray(targets) ? targets : [targets];
  const target = group[0]!;
  const label = group.map((t) => t.spec).join(" + ");
  const env: MarkerEnvironment = { ...target.markerEnv, extra: "" };
  const state: State = { pins: new Map(), criteria: new Map() };
  const requested = new Set<string>();
  const constraintMap = new Map<string, Criterion[]>();
  for (const c of constraints) {
    if (!markerHoldsOrThrow(c.requirement, env, `${c.origin}: ${requirementToString(c.requirement)}`, target)) continue;
    const n = canonicalizeName(c.requirement.name);
    constraintMap.set(n, [...(constraintMap.get(n) ?? []), { specifier: c.requirement.specifier, extras: [], by: c.origin, text: requirementToString(c.requirement) }]);
  }
  for (const r of roots) {
    if (!markerHoldsOrThrow(r.requirement, env, `${r.origin}: ${requirementToString(r.requirement)}`, target)) continue;
    const n = canonicalizeName(r.requirement.name);
    requested.add(n);
    addCriterion(state, n, { specifier: r.requirement.specifier, extras: r.requirement.extras.map(canonicalizeExtra), by: r.origin, text: requirementToString({ ...r.requirement, marker: undefined }) });
  }
  const conflicts = new Map<string, WbError>();
  let steps = 0;

  const candidateCache = new Map<string, string[]>();
  /** "name version" -> the Requires-Python of its METADATA that excluded the target. */
  const metadataRejects = new Map<string, string>();
  async function candidates(name: string, crit: Criterion[]): Promise<{ versions: string[]; project: ProjectFiles | null }> {
    const project = await source.getProject(name);
    if (!project) return { versions: [], project };
    let all = candidateCache.get(name);
    if (!all) {
      all = projectVersions(project).newestFirst.filter((e) => installable(e, group, opts, false)).map((e) => e.version);
      candidateCache.set(name, all);
    }
    const specs = [...crit, ...(constraintMap.get(name) ?? [])].map((c) => c.specifier).filter(Boolean);
    const set = SpecifierSet.of(specs.join(","));
    let versions = set.filter(all, (v) => v, { prereleases: opts.pre ? true : undefined });
    const exact = crit.some((c) => isExactPin(c.specifier));
    if (exact && versions.length === 0) {
      // An exact pin may take a yanked file (PEP 592).
      const withYanked = projectVersions(project).newestFirst.filter((e) => installable(e, group, opts, true)).map((e) => e.version);
      versions = set.filter(withYanked, (v) => v, { prereleases: true });
    }
    return { versions, project };
  }

  /** The file selectFile would install (so one METADATA is read per version), and its dependencies. */
  async function metadataOf(project: ProjectFiles, version: string): Promise<{ file: CandidateFile; requires: Requirement[] } | null> {
    const picked = selectFile(project, version, target, { hashes: [], what: `${project.name} ${version}`, chain: [], ...(opts.excludeNewer ? { excludeNewer: opts.excludeNewer } : {}) });
    if ("error" in picked) return null;
    const md = parseMetadata(await source.fetchMetadata(picked.file));
    if (!group.every((t) => requiresPythonAllows(md.requiresPython, t))) {
      metadataRejects.set(`${project.name} ${version}`, md.requiresPython ?? "");
      return null;
    }
    const requires: Requirement[] = [];
    for (const text of md.requiresDist) {
      try {
        requires.push(parseRequirement(text));
      } catch {
        /* an unparsable Requires-Dist is skipped, as pip does, with a warning from the closure check */
      }
    }
    return { file: picked.file, requires };
  }

  function depsFor(name: string, pinned: Pinned, extras: string[]): Requirement[] {
    const out: Requirement[] = [];
    for (const extra of extras) {
      for (const r of pinned.requires) {
        if (markerHoldsOrThrow(r, { ...env, extra }, `${name} ${pinned.version} Requires-Dist: ${requirementToString(r)}`, target)) out.push(r);
      }
    }
    return out;
  }

  async function search(st: State): Promise<State | null> {
    const open = [...st.criteria.keys()].filter((n) => !st.pins.has(n));
    if (open.length === 0) return st;
    // Most constrained first: exact pins, then fewest candidates.
    let pick: { name: string; versions: string[]; project: ProjectFiles | null } | null = null;
    await Promise.all(open.map((n) => source.getProject(n)));
    for (const name of open) {
      const c = await candidates(name, st.criteria.get(name)!);
      if (!pick || c.versions.length < pick.versions.length) pick = { name, ...c };
      if (c.versions.length === 0) break;
    }
    const { name, versions, project } = pick!;
    if (!project) {
      conflicts.set(name, new WbError("E_NO_SUCH_PACKAGE", `${name} is not on any configured index or find-links source (needed by ${whoAsked(st.criteria.get(name)!)}, target ${label})\n    chain: ${chainTo(st, name)}`, { hint: "check the spelling and the index options", details: { project: name, target: label } }));
      return null;
    }
    if (versions.length === 0) {
      conflicts.set(name, explainNoCandidate(name, [...st.criteria.get(name)!, ...(constraintMap.get(name) ?? [])], chainTo(st, name), project, group, opts));
      return null;
    }
    for (const version of versions) {
      if (++steps > opts.maxSteps) throw new StepLimit();
      const md = await metadataOf(project, version);
      if (!md) continue;
      const next: State = { pins: new Map(st.pins), criteria: new Map([...st.criteria].map(([k, v]) => [k, [...v]])) };
      const pinned: Pinned = { version, file: md.file, requires: md.requires, extrasDone: new Set() };
      next.pins.set(name, pinned);
      if (!expand(next, name)) continue;
      const r = await search(next);
      if (r) return r;
    }
    const byMetadata = versions.filter((v) => metadataRejects.has(`${project.name} ${v}`));
    if (byMetadata.length === versions.length) {
      const lines = byMetadata.slice(0, 6).map((v) => `    ${v}: Requires-Python ${metadataRejects.get(`${project.name} ${v}`)} (in its METADATA) excludes Python ${target.pythonFullVersion}`);
      conflicts.set(
        name,
        new WbError("E_REQUIRES_PYTHON", `no version of ${name} that matches ${st.criteria.get(name)!.map((c) => c.text).join(" and ")} supports Python ${target.pythonFullVersion} (${label}, index ${project.source.url})\n    chain: ${chainTo(st, name)}\n  versions considered:\n${lines.join("\n")}${byMetadata.length > 6 ? `\n    … and ${byMetadata.length - 6} older versions` : ""}`, {
          hint: `target a Python that ${metadataRejects.get(`${project.name} ${byMetadata[0]}`)} allows, or require an older ${name}`,
          details: { project: name, target: target.spec, index: project.source.url, considered: byMetadata },
        }),
      );
    }
    return null;
  }

  /** Add the dependencies of `name` (for every extra asked of it) as criteria; false if they contradict a pin. */
  function expand(st: State, name: string): boolean {
    const work = [name];
    while (work.length) {
      const n = work.pop()!;
      const pinned = st.pins.get(n)!;
      const wanted = new Set(["", ...(st.criteria.get(n) ?? []).flatMap((c) => c.extras)]);
      const fresh = [...wanted].filter((e) => !pinned.extrasDone.has(e));
      if (fresh.length === 0) continue;
      const copy: Pinned = { ...pinned, extrasDone: new Set([...pinned.extrasDone, ...fresh]) };
      st.pins.set(n, copy);
      for (const dep of depsFor(n, copy, fresh)) {
        const d = canonicalizeName(dep.name);
        const crit: Criterion = { specifier: dep.specifier, extras: dep.extras.map(canonicalizeExtra), by: `${n} ${copy.version}`, text: requirementToString({ ...dep, marker: undefined }), parent: n };
        addCriterion(st, d, crit);
        const p = st.pins.get(d);
        if (p) {
          if (crit.specifier && !satisfies(p.version, crit.specifier, { prereleases: true })) return false;
          if (crit.extras.some((e) => !p.extrasDone.has(e))) work.push(d);
        } else {
          void source.getProject(d).catch(() => undefined); // prefetch the listing
        }
      }
    }
    return true;
  }

  try {
    const done = await search(state);
    if (!done) {
      const errors = [...conflicts.values()];
      if (errors.length === 0) errors.push(new WbError("E_CONFLICT", `the requirements cannot be satisfied together on ${label}`, { details: { target: label } }));
      if (group.length > 1) {
        for (const e of errors) {
          e.hints.push(`${label} are resolved together: a lock's markers cannot tell them apart, so they get one version of each package; lock them one at a time (one lock file per target) if they need different versions`);
        }
      }
      return { errors };
    }
    return { resolution: { pins: new Map([...done.pins].map(([k, v]) => [k, v.version])), requested }, errors: [] };
  } catch (e) {
    if (e instanceof WbError) return { errors: [e] }; // a marker that cannot be evaluated
    if (e instanceof StepLimit) {
      return {
        errors: [
          new WbError("E_CONFLICT", `resolution for ${label} did not finish within ${opts.maxSteps} steps`, {
            hint: ["pin the projects that backtrack the most (see the requirements above), or raise --max-resolution-steps", ...[...conflicts.values()].slice(0, 3).map((c) => c.message.split("\n")[0]!)],
            details: { target: label, steps: opts.maxSteps },
          }),
        ],
      };
    }
    throw e;
  }
}

/**
 * "requests (requirements.txt:1) -> requests 2.34.2 requires charset-normalizer<4,>=2": from a
 * top-level requirement down to `name`, following the first criterion of each package.
 */
function chainTo(st: State, name: string): string {
  const steps: string[] = [];
  const seen = new Set<string>();
  let c: Criterion | undefined = st.criteria.get(name)?.[0];
  while (c && !seen.has(c.text)) {
    seen.add(c.text);
    if (c.parent === undefined) {
      steps.unshift(`${c.text} (${c.by})`);
      break;
    }
    steps.unshift(`${c.by} requires ${c.text}`);
    c = st.criteria.get(c.parent)?.[0];
  }
  return steps.join(" -> ");
}

function addCriterion(st: State, name: string, c: Criterion): void {
  st.criteria.set(name, [...(st.criteria.get(name) ?? []), c]);
}

function whoAsked(crit: Criterion[]): string {
  return [...new Set(crit.map((c) => `${c.text} (${c.by})`))].join(", ");
}

function installable(entry: VersionEntry, group: Target[], opts: PlanOptions, allowYanked: boolean): boolean {
  return group.every((t) => rejectionOf(entry, t, opts, allowYanked) === null);
}
