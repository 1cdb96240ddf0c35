/**
 * A multi-target plan as one PEP 751 pylock.toml (packaging.python.org "pylock.toml specification", PEP 751): one [[packages]] entry per
 * (name, version) listing the wheels every target uses; a marker when the entry applies to only
 * some targets (built from sys_platform, platform_machine, python_version and
 * implementation_name: what a lock consumer can evaluate); hashes, sizes and URLs without
 * credentials (`SafeUrl.public`). wheelbarrow's own facts go under [packages.tool.wheelbarrow].
 *
 * `index` (PEP 751: the Simple API index the files were found on) is written only when there is
 * one: a wheel named by URL or path in a requirements file has only its wheel's `url`, and a
 * package taken from an input lock that named no index has none either.
 */
import type { Pylock, PylockPackage, PylockWheel } from "../pypa/pylock.js";
import type { Target } from "../targets/target.js";
import type { CandidateFile, Plan, PlannedPackage } from "./types.js";

export function targetMarker(t: Target): string {
  const env = t.markerEnv;
  const parts = [`sys_platform == "${env["sys_platform"]}"`, `platform_machine == "${env["platform_machine"]}"`, `python_version == "${env["python_version"]}"`];
  if (t.implementation !== "cpython") parts.push(`implementation_name == "${env["implementation_name"]}"`);
  return parts.join(" and ");
}

/** The package's `index` value, or undefined when its files did not come from an index. */
function lockIndex(source: CandidateFile["source"]): string | undefined {
  if (source.kind === "direct") return undefined;
  // An input lock's package keeps its index URL; without one its source is the lock's own path.
  if (source.kind === "lock" && !/^(https?|file):/i.test(source.url.display)) return undefined;
  return source.url.public;
}

function wheelEntry(p: PlannedPackage): PylockWheel {
  const w: PylockWheel = { name: p.file.filename, url: p.file.url.public, hashes: {} };
  if (p.sha256) w.hashes["sha256"] = p.sha256;
  if (p.file.size !== undefined) w.size = p.file.size;
  if (p.file.uploadTime) w.uploadTime = p.file.uploadTime;
  return w;
}

export function planToPylock(plan: Plan, createdBy: string): Pylock {
  const groups = new Map<string, { pkg: PlannedPackage; targets: Target[]; wheels: Map<string, PylockWheel>; requested: boolean }>();
  for (const tp of plan.targets) {
    for (const p of tp.packages) {
      const key = `${p.name}==${p.version}`;
      let g = groups.get(key);
      if (!g) groups.set(key, (g = { pkg: p, targets: [], wheels: new Map(), requested: false }));
      g.targets.push(tp.target);
      g.requested ||= p.requested;
      g.wheels.set(p.file.filename, wheelEntry(p));
    }
  }
  const allTargets = plan.targets.map((t) => t.target.spec);
  const packages: PylockPackage[] = [...groups.values()].map((g) => {
    const specs = g.targets.map((t) => t.spec);
    const everywhere = allTargets.every((s) => specs.includes(s));
    const markers = [...new Set(g.targets.map(targetMarker))];
    const pkg: PylockPackage = {
      name: g.pkg.name,
      version: g.pkg.version,
      wheels: [...g.wheels.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)),
      tool: { wheelbarrow: { requested: g.requested, targets: [...specs].sort() } },
    };
    if (!everywhere) pkg.marker = markers.length === 1 ? markers[0] : markers.map((m) => `(${m})`).join(" or ");
    const index = lockIndex(g.pkg.file.source);
    if (index !== undefined) pkg.index = index;
    return pkg;
  });
  return {
    lockVersion: "1.0",
    createdBy,
    packages,
    tool: { wheelbarrow: { targets: allTargets } },
  };
}
