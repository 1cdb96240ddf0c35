/**
 * Per-target selection and closure check. For each target: evaluate every input
 * requirement's marker in that target's environment, take the pinned version, pick that
 * version's best wheel for the target, read its METADATA, and walk Requires-Dist (extras and
 * markers evaluated for the target) to prove that the pins cover every dependency with a version
 * that satisfies it. Every problem of every target is collected; nothing is downloaded in bulk
 * before the set is known to be complete.
 */
import pLimit, { type LimitFunction } from "p-limit";
import { WbError } from "../errors.js";
import { parseMetadata, type CoreMetadata } from "../pypa/metadata.js";
import { evaluateMarker, type MarkerEnvironment } from "../pypa/markers.js";
import { markerFailure } from "./marker-failure.js";
import { canonicalizeName, canonicalizeExtra } from "../pypa/names.js";
import { parseRequirement, requirementToString, type Requirement } from "../pypa/requirement.js";
import { isExactPin, satisfies, versionsEqual } from "../pypa/versions.js";
import type { Target } from "../targets/target.js";
import { fileVersion, requiresPythonAllows, selectFile } from "./select-file.js";
import { fitsHint } from "./suggest.js";
import { resolveTarget } from "./resolve.js";
import { targetMarker } from "./to-pylock.js";
import type { CandidateFile, InputRequirement, Plan, PlannedPackage, PlanOptions, PlanSource, ProjectFiles, TargetPlan } from "./types.js";
import { SafeUrl } from "../text/safe-url.js";

export interface PlanResult {
  plan: Plan;
  errors: WbError[];
  /** Per target, in the order of `targets`: did it fail (its own errors, or its joint resolution's)? */
  failed: boolean[];
}

/**
 * Shared across targets of one run: one listing and one METADATA read per file. At most `jobs`
 * METADATA reads (sidecar, range reads, or the whole wheel) are out at once (--jobs); the planner
 * asks for every pin's at once, so a pinned set's reads overlap instead of queueing one by one.
 */
export class MemoSource implements PlanSource {
  private projects = new Map<string, Promise<ProjectFiles | null>>();
  private metadata = new Map<string, Promise<string>>();
  private readonly limit: LimitFunction;
  constructor(
    private readonly inner: PlanSource,
    jobs = Infinity,
  ) {
    this.limit = pLimit(jobs);
  }
  getProject(name: string): Promise<ProjectFiles | null> {
    const key = canonicalizeName(name);
    let p = this.projects.get(key);
    if (!p) this.projects.set(key, (p = this.inner.getProject(key)));
    return p;
  }
  fetchMetadata(file: CandidateFile): Promise<string> {
    let p = this.metadata.get(file.url.key);
    if (!p) this.metadata.set(file.url.key, (p = this.limit(() => this.inner.fetchMetadata(file))));
    return p;
  }
}

interface Pin {
  name: string;
  version: string;
  input: InputRequirement;
  extras: Set<string>;
}

interface Selected {
  pin: Pin;
  file: CandidateFile;
  metadata: CoreMetadata;
}

function markerHolds(req: Requirement, env: MarkerEnvironment): boolean {
  return req.marker === undefined ? true : evaluateMarker(req.marker, env);
}

function pinnedVersion(req: Requirement): string | null {
  if (!isExactPin(req.specifier)) return null;
  return req.specifier.replace(/^\s*={2,3}\s*/, "").trim();
}

export async function planTargets(inputs: InputRequirement[], targets: Target[], source: PlanSource, opts: PlanOptions, constraints: InputRequirement[] = []): Promise<PlanResult> {
  const memo = source instanceof MemoSource ? source : new MemoSource(source);
  // Targets a lock's markers cannot tell apart are resolved together (one version per package).
  const groups = new Map<string, Target[]>();
  for (const t of targets) groups.set(targetMarker(t), [...(groups.get(targetMarker(t)) ?? []), t]);
  const resolutions = new Map<string, ReturnType<typeof resolveIfNeeded>>();
  const results = await Promise.all(
    targets.map(async (t) => {
      const key = targetMarker(t);
      let pending = resolutions.get(key);
      if (!pending) resolutions.set(key, (pending = resolveIfNeeded(inputs, constraints, groups.get(key)!, memo, opts)));
      const resolved = await pending;
      if ("errors" in resolved) return { plan: { target: t, packages: [], warnings: [] }, errors: groups.get(key)![0] === t ? resolved.errors : [], failed: true };
      return planOneTarget(resolved.inputs, t, memo, opts);
    }),
  );
  return { plan: { targets: results.map((r) => r.plan) }, errors: results.flatMap((r) => r.errors), failed: results.map((r) => ("failed" in r && r.failed === true) || r.errors.length > 0) };
}

/**
 * With resolving on and some applicable input not pinned exactly, resolve this target first; the
 * resolved set then goes through the same selection and closure check as a hand-made pin set.
 */
async function resolveIfNeeded(inputs: InputRequirement[], constraints: InputRequirement[], group: Target[], source: MemoSource, opts: PlanOptions): Promise<{ inputs: InputRequirement[] } | { errors: WbError[] }> {
  if (!opts.resolve) return { inputs };
  const target = group[0]!;
  const env: MarkerEnvironment = { ...target.markerEnv, extra: "" };
  const active: InputRequirement[] = [];
  for (const i of inputs) {
    try {
      if (markerHolds(i.requirement, env)) active.push(i);
    } catch {
      return { inputs }; // the closure check reports the unknowable marker
    }
  }
  if (active.every((i) => i.files || pinnedVersion(i.requirement) !== null)) return { inputs };
  const { resolution, errors } = await resolveTarget(active, constraints, group, source, opts);
  if (!resolution) return { errors };
  const byName = new Map(active.map((i) => [canonicalizeName(i.requirement.name), i]));
  const out: InputRequirement[] = [];
  for (const [name, version] of [...resolution.pins].sort(([a], [b]) => (a < b ? -1 : 1))) {
    const root = byName.get(name);
    const extras = root?.requirement.extras.length ? `[${root.requirement.extras.join(",")}]` : "";
    out.push({
      requirement: parseRequirement(`${name}${extras}==${version}`),
      hashes: root?.hashes ?? [],
      origin: root ? `${root.origin} (resolved)` : `resolved for ${group.map((t) => t.spec).join(" + ")}`,
      requested: resolution.requested.has(name),
    });
  }
  return { inputs: out };
}

async function planOneTarget(inputs: InputRequirement[], target: Target, source: MemoSource, opts: PlanOptions): Promise<{ plan: TargetPlan; errors: WbError[] }> {
  const errors: WbError[] = [];
  const warnings: string[] = [];
  const env: MarkerEnvironment = { ...target.markerEnv, extra: "" };

  // 1. Which inputs apply to this target, and their pins.
  const pins = new Map<string, Pin>();
  for (const input of inputs) {
    const req = input.requirement;
    try {
      if (!markerHolds(req, env)) continue;
    } catch (e) {
      errors.push(markerFailure(e, `${input.origin}: ${requirementToString(req)}`, target));
      continue;
    }
    const name = canonicalizeName(req.name);
    const version = pinnedVersion(req);
    if (version === null) {
      errors.push(
        new WbError("E_NOT_PINNED", `${input.origin}: ${requirementToString(req)} is not pinned to one version (target ${target.spec})`, {
          hint: [`pin it: ${req.name}==<version> (pip freeze, pip-compile or uv pip compile give a full pin set)`, "or drop --pins-only to let wheelbarrow resolve it"],
          details: { requirement: requirementToString(req), origin: input.origin, target: target.spec },
        }),
      );
      continue;
    }
    const existing = pins.get(name);
    if (existing && !versionsEqual(existing.version, version)) {
      errors.push(
        new WbError("E_CONFLICT", `${name} is pinned twice for ${target.spec}: ==${existing.version} (${existing.input.origin}) and ==${version} (${input.origin})`, {
          hint: "keep one pin per project, or make the two lines' markers exclusive",
          details: { project: name, versions: [existing.version, version], target: target.spec },
        }),
      );
      continue;
    }
    const pin = existing ?? { name, version, input, extras: new Set<string>() };
    for (const e of req.extras) pin.extras.add(canonicalizeExtra(e));
    pins.set(name, pin);
  }

  // 2. Select each pin's file and read its METADATA, all pins at once.
  const selected = new Map<string, Selected>();
  await Promise.all(
    [...pins.values()].map(async (pin) => {
      const r = await selectPin(pin, target, source);
      if ("error" in r) errors.push(r.error);
      else {
        warnings.push(...r.warnings);
        selected.set(pin.name, r.selected);
      }
    }),
  );

  // 3. Walk Requires-Dist from the roots, with extras, for this target.
  const chains = new Map<string, string[]>();
  const visited = new Set<string>();
  const queue: { name: string; extras: Set<string>; chain: string[] }[] = [];
  for (const pin of pins.values()) {
    queue.push({ name: pin.name, extras: new Set(pin.extras), chain: [`${requirementToString(pin.input.requirement)} (${pin.input.origin})`] });
  }
  const missingReported = new Set<string>();
  while (queue.length) {
    const item = queue.shift()!;
    const sel = selected.get(item.name);
    if (!sel) continue; // its own selection already failed and was reported
    if (!chains.has(item.name)) chains.set(item.name, item.chain);
    const extraKeys = ["", ...[...item.extras].sort()];
    for (const extra of extraKeys) {
      const key = `${item.name}[${extra}]`;
      if (visited.has(key)) continue;
      visited.add(key);
      if (extra && !sel.metadata.providesExtra.map(canonicalizeExtra).includes(extra)) {
        warnings.push(`${item.name} ${sel.pin.version} does not provide the extra '${extra}' (asked by ${item.chain.at(-1)})`);
      }
      for (const depText of sel.metadata.requiresDist) {
        let dep: Requirement;
        try {
          dep = parseRequirement(depText);
        } catch (e) {
          warnings.push(`${item.name} ${sel.pin.version}: ignoring unparsable Requires-Dist '${depText}': ${(e as Error).message}`);
          continue;
        }
        let applies: boolean;
        try {
          applies = markerHolds(dep, { ...env, extra });
        } catch (e) {
          errors.push(markerFailure(e, `${item.name} ${sel.pin.version} Requires-Dist: ${requirementToString(dep)}`, target));
          continue;
        }
        if (!applies) continue;
        const depName = canonicalizeName(dep.name);
        const chain = [...item.chain, requirementToString({ ...dep, marker: undefined, markerText: undefined })];
        const pin = pins.get(depName);
        if (!pin) {
          const key2 = `${depName}<-${item.name}`;
          if (missingReported.has(key2)) continue;
          missingReported.add(key2);
          const fit = await fitsHint(depName, dep.specifier, target, source, opts);
          errors.push(
            new WbError("E_MISSING_DEPENDENCY", `${item.name} ${sel.pin.version} requires ${requirementToString({ ...dep, marker: undefined, markerText: undefined })} on ${target.spec}, but no pin covers it\n    chain: ${chain.join(" -> ")}`, {
              hint: fit ? `add a pin, e.g. ${fit}` : `add a pin for ${depName} that satisfies '${dep.specifier || "any version"}'`,
              details: { project: item.name, requires: depText, missing: depName, target: target.spec, chain, suggestion: fit },
            }),
          );
          continue;
        }
        if (dep.specifier && !satisfies(pin.version, dep.specifier, { prereleases: true })) {
          errors.push(
            new WbError("E_CONFLICT", `${item.name} ${sel.pin.version} requires ${depName}${dep.specifier}, but ${depName}==${pin.version} is pinned (${pin.input.origin}) on ${target.spec}\n    chain: ${chain.join(" -> ")}`, {
              hint: `change the pin of ${depName} to a version that satisfies '${dep.specifier}', or the pin of ${item.name}`,
              details: { project: item.name, requires: depText, pinned: `${depName}==${pin.version}`, target: target.spec, chain },
            }),
          );
          continue;
        }
        const extras = new Set(dep.extras.map(canonicalizeExtra));
        queue.push({ name: depName, extras, chain });
      }
    }
  }

  const packages: PlannedPackage[] = [...selected.values()]
    .map((s) => ({
      name: s.pin.name,
      version: s.pin.version,
      file: s.file,
      sha256: s.file.hashes["sha256"]?.toLowerCase() ?? null,
      requested: s.pin.input.requested !== false,
      allowedHashes: s.pin.input.hashes,
      extras: [...s.pin.extras].sort(),
      chain: chains.get(s.pin.name) ?? [],
      metadata: s.metadata,
    }))
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return { plan: { target, packages, warnings }, errors };
}

async function selectPin(pin: Pin, target: Target, source: MemoSource): Promise<{ selected: Selected; warnings: string[] } | { error: WbError }> {
  const what = `${requirementToString(pin.input.requirement)} (${pin.input.origin})`;
  let project: ProjectFiles | null;
  if (pin.input.files) {
    project = { name: pin.name, files: pin.input.files, source: pin.input.files[0]?.source ?? { name: "lock", url: SafeUrl.of(pin.input.origin), kind: "lock" } };
  } else {
    project = await source.getProject(pin.name);
  }
  if (!project) {
    return {
      error: new WbError("E_NO_SUCH_PACKAGE", `${pin.name} is not on any configured index or find-links source (${what})`, {
        hint: "check the spelling, and the --index-url / --extra-index-url / --find-links options",
        details: { project: pin.name, target: target.spec },
      }),
    };
  }
  const r = selectFile(project, pin.version, target, { hashes: pin.input.hashes, what, chain: [what] });
  if ("error" in r) return r;
  const text = await source.fetchMetadata(r.file);
  let metadata: CoreMetadata;
  try {
    metadata = parseMetadata(text);
  } catch (e) {
    return { error: new WbError("E_INTEGRITY", `the METADATA of ${r.file.filename} cannot be read: ${(e as Error).message}`, { details: { file: r.file.url.display } }) };
  }
  const fv = fileVersion(pin.name, r.file.filename).version ?? pin.version;
  if (canonicalizeName(metadata.name) !== pin.name || !versionsEqual(metadata.version, fv)) {
    return {
      error: new WbError("E_INTEGRITY", `${r.file.filename} says it is ${metadata.name} ${metadata.version} in its METADATA, which does not match its file name`, {
        hint: "the index serves a mislabelled wheel; report it to the index's owner",
        details: { file: r.file.url.display, expected: `${pin.name} ${fv}`, found: `${metadata.name} ${metadata.version}` },
      }),
    };
  }
  if (!requiresPythonAllows(metadata.requiresPython, target)) {
    return {
      error: new WbError("E_REQUIRES_PYTHON", `${pin.name} ${pin.version} requires Python ${metadata.requiresPython} (in its METADATA), but ${target.spec} has Python ${target.pythonFullVersion}`, {
        hint: `pin a version of ${pin.name} that supports Python ${target.pythonVersion}`,
        details: { project: pin.name, requiresPython: metadata.requiresPython, target: target.spec },
      }),
    };
  }
  return { selected: { pin, file: r.file, metadata }, warnings: r.warnings };
}

