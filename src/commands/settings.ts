/**
 * Every setting of `bundle` and `lock`, decided here and only here, in one order (the README's
 * "Where options come from" has the table): flags > spec file > requirements-file options >
 * environment > defaults.
 *
 * Two phases, both pure functions of their layers (the spec file and the requirements files are
 * read by the callers, the I/O edge):
 * 1. `resolveSettings`: flags, spec file, environment, defaults. It names the requirements files,
 *    so it comes before they are read (and before any work: a bad value fails fast).
 * 2. `withRequirementsOptions`: the options the requirements files carry (`-i`,
 *    `--extra-index-url`, `-f`, `--no-index`, `--pre`) at their rank, below the spec file. Its
 *    result type (`RunSettings`) is what the session and the planner take, so a run cannot
 *    forget this layer, and nothing after it decides precedence again.
 *
 * How layers combine, per setting: most take the highest layer that has a value; lists of inputs
 * (constraints, extra indexes, find-links, excludes, includes, state paths, interpreter archives)
 * add up; switches that ask for more (`--pre`, `--with-pip`, `--embed-python`) are on when any
 * layer turns them on. The index rule is decideIndexes.
 */
import { basename, dirname, resolve } from "node:path";
import { WbError } from "../errors.js";
import { DEFAULT_SOURCE_DATE_EPOCH } from "../bundle/write-bundle.js";
import { proxyConfig, type ProxyConfig } from "../net/proxy.js";
import { defaultCacheDir } from "../store/cache.js";
import type { ParsedRequirements } from "../pypa/requirements-txt.js";
import type { BundleSpec } from "../spec/spec-file.js";
import type { TargetOs } from "../targets/target.js";
import type { BundleFlags, FormatFlag, IndexStrategy, LockFlags, ResolveFlags } from "./flags.js";

type Env = Record<string, string | undefined>;

/** The flags of bundle or lock: the shared ones, and whichever of the command's own were given. */
export type RunFlags = ResolveFlags & Partial<Omit<BundleFlags, keyof ResolveFlags>> & Partial<Omit<LockFlags, keyof ResolveFlags>>;

/** Everything settings are made of, except the requirements files (phase 2). */
export interface SettingsLayers {
  command: "bundle" | "lock";
  /** Relative flag paths are relative to it. */
  cwd: string;
  flags: RunFlags;
  spec?: BundleSpec;
  env: Env;
  /** For the default cache directory. */
  platform: NodeJS.Platform;
}

/** What one layer (flags, spec file, requirements files) says about indexes. */
export interface IndexLayer {
  indexUrl?: string;
  extraIndexUrls?: string[];
  findLinks?: string[];
  /** true: this layer says --no-index. */
  noIndex?: boolean;
}

export interface IndexChoice {
  /** undefined with noIndex false: the default index. */
  indexUrl?: string;
  extraIndexUrls: string[];
  findLinks: string[];
  noIndex: boolean;
}

/** The options of the requirements files of a run, merged (requirementsLayer). */
export type RequirementsOptions = Pick<ParsedRequirements, "indexUrl" | "extraIndexUrls" | "noIndex" | "findLinks" | "pre">;

export interface Settings {
  cwd: string;
  specFile?: string;
  /** Absolute paths. */
  requirements: string[];
  constraints: string[];
  lock?: string;
  targets: string[];
  /** --target-file FILE[@PYTHON] values (target.json from probe.sh); flags only. */
  targetFiles: string[];
  /** From the flags and the spec file; withRequirementsOptions adds the requirements files. */
  indexes: IndexChoice;
  /** The index options of the flags and of the spec file, for withRequirementsOptions. */
  indexLayers: { flags: IndexLayer; spec: IndexLayer };
  namedIndexes: { name: string; url: string }[];
  pinnedProjects: Record<string, string>;
  /** --proxy for both schemes, else the environment's (NO_PROXY always applies). */
  proxies: ProxyConfig;
  cert?: string;
  clientCert?: string;
  jobs: number;
  cacheDir: string;
  offline: boolean;
  /** --verify-cache: re-hash cached wheels before use. */
  verifyCache: boolean;
  json: boolean;
  quiet: boolean;
  verbose: boolean;
  progress: boolean;
  pre: boolean;
  pinsOnly: boolean;
  excludeNewer?: Date;
  maxSteps: number;
  indexStrategy: IndexStrategy;
  keepGoing: boolean;
  // bundle only
  app?: string;
  exclude: string[];
  include: string[];
  state: string[];
  withPip: boolean;
  name: string;
  version: string;
  entry?: string;
  out: string;
  /** Unset: formatFor picks per target. */
  format?: FormatFlag;
  /** --embed-python (also implied by --python-dist / [[python]]). */
  embedPython: boolean;
  pythonMirror?: string;
  /** --python-dist values then the spec file's [[python]] tables. */
  pythonDists: { target?: string; ref: string; sha256?: string }[];
}

/** Settings with every layer applied: what the session and the planner take. */
export interface RunSettings extends Settings {
  requirementsOptions: RequirementsOptions;
  /** The primary index a flag or the spec file names (the environment's index credentials go there only). */
  namedIndexUrl?: string;
}

const DEFAULT_JOBS = 8;
const DEFAULT_MAX_RESOLUTION_STEPS = 100_000;
const DEFAULT_OUT = { bundle: "dist", lock: "pylock.toml" } as const;

/**
 * Merge index layers, highest precedence first. The primary index comes from the first layer
 * that names one (`--index-url`) or says `--no-index`; a `--no-index` counts only when no higher
 * layer named an index (primary or extra): so a requirements file's `--no-index` cannot override
 * `--index-url` or `--extra-index-url` on the command line or in the spec file. Under the
 * winning `--no-index` no index is used at all; a layer's own extra indexes are dropped with its
 * overridden `--no-index`, as pip drops them. Find-links always add up (they are not indexes).
 */
export function decideIndexes(layers: IndexLayer[]): IndexChoice {
  let noIndex = false;
  let indexUrl: string | undefined;
  let named = false;
  for (const l of layers) {
    if (l.noIndex === true) {
      if (named) continue;
      noIndex = true;
      break;
    }
    if (l.indexUrl !== undefined) {
      indexUrl = l.indexUrl;
      break;
    }
    if (l.extraIndexUrls?.length) named = true;
  }
  const uniq = (xs: string[]) => [...new Set(xs)];
  return {
    indexUrl,
    extraIndexUrls: noIndex ? [] : uniq(layers.filter((l) => l.noIndex !== true).flatMap((l) => l.extraIndexUrls ?? [])),
    findLinks: uniq(layers.flatMap((l) => l.findLinks ?? [])),
    noIndex,
  };
}

/** The first value that is set: layers in precedence order. */
function first<T>(...values: (T | undefined)[]): T | undefined {
  return values.find((v) => v !== undefined);
}

/** Phase 1: flags > spec file > environment > defaults, for every setting. */
export function resolveSettings(l: SettingsLayers): Settings {
  const { flags, spec, env, cwd } = l;
  const abs = (p: string | undefined) => (p === undefined ? undefined : resolve(cwd, p));
  const pinned: Record<string, string> = {};
  for (const idx of spec?.indexes ?? []) for (const p of idx.projects ?? []) pinned[p] = idx.name;
  const specIndexes = spec?.indexes ?? [];
  const indexLayers = {
    flags: {
      indexUrl: flags.indexUrl,
      extraIndexUrls: flags.extraIndexUrl,
      findLinks: flags.findLinks.map((f) => (/^[a-z][a-z0-9+.-]*:/i.test(f) ? f : resolve(cwd, f))),
      noIndex: flags.noIndex,
    },
    spec: { indexUrl: specIndexes[0]?.url, extraIndexUrls: specIndexes.slice(1).map((i) => i.url), findLinks: spec?.findLinks ?? [] },
  };
  const app = first(abs(flags.app), spec?.app);
  const pythonDists = [...(flags.pythonDist ?? []), ...(spec?.pythons ?? []).map((p) => ({ target: p.target, ref: p.url, sha256: p.sha256 }))];
  return {
    cwd,
    specFile: spec?.file,
    requirements: flags.requirement.length ? flags.requirement.map((f) => resolve(cwd, f)) : (spec?.requirements ?? []),
    constraints: [...flags.constraint.map((f) => resolve(cwd, f)), ...(spec?.constraints ?? [])],
    lock: first(abs(flags.lock), spec?.lock),
    targets: flags.target.length ? flags.target : (spec?.targets ?? []),
    targetFiles: flags.targetFile,
    indexes: decideIndexes([indexLayers.flags, indexLayers.spec]),
    indexLayers,
    namedIndexes: specIndexes.map((i) => ({ name: i.name, url: i.url })),
    pinnedProjects: pinned,
    proxies: proxyConfig(flags.proxy, env),
    cert: abs(flags.cert),
    clientCert: abs(flags.clientCert),
    jobs: flags.jobs ?? DEFAULT_JOBS,
    cacheDir: abs(flags.cacheDir) ?? defaultCacheDir(env, l.platform),
    offline: flags.offline,
    verifyCache: flags.verifyCache,
    json: flags.json,
    quiet: flags.quiet,
    verbose: flags.verbose,
    progress: flags.progress,
    pre: flags.pre,
    pinsOnly: flags.pinsOnly,
    excludeNewer: flags.excludeNewer,
    maxSteps: flags.maxResolutionSteps ?? DEFAULT_MAX_RESOLUTION_STEPS,
    indexStrategy: flags.indexStrategy ?? "first-index",
    keepGoing: flags.keepGoing ?? false,
    app,
    exclude: [...(spec?.exclude ?? []), ...(flags.exclude ?? [])],
    include: [...(spec?.include ?? []), ...(flags.include ?? [])],
    state: [...new Set([...(spec?.state ?? []), ...(flags.state ?? [])])],
    withPip: flags.withPip === true || spec?.withPip === true,
    name: first(flags.name, spec?.name) ?? (app ? basename(app) : "bundle"),
    version: first(flags.version, spec?.version) ?? "0.0.0",
    entry: first(flags.entry, spec?.entry),
    out: first(abs(flags.out), spec?.out ? resolve(dirname(spec.file), spec.out) : undefined) ?? resolve(cwd, DEFAULT_OUT[l.command]),
    format: first<FormatFlag>(flags.format, spec?.format as FormatFlag | undefined),
    embedPython: flags.embedPython === true || spec?.embedPython === true || pythonDists.length > 0,
    pythonMirror: first(flags.pythonMirror, spec?.pythonMirror, env["WHEELBARROW_PYTHON_MIRROR"] || undefined),
    pythonDists,
  };
}

/**
 * The requirements files' options as one layer, files in the order given: the last file's `-i`
 * counts, extra indexes and find-links add up, `--no-index` or `--pre` in any file counts.
 */
export function requirementsLayer(files: RequirementsOptions[]): RequirementsOptions {
  const out: RequirementsOptions = { extraIndexUrls: [], noIndex: false, findLinks: [], pre: false };
  for (const f of files) {
    if (f.indexUrl) out.indexUrl = f.indexUrl;
    out.extraIndexUrls.push(...f.extraIndexUrls);
    out.findLinks.push(...f.findLinks);
    out.noIndex ||= f.noIndex;
    out.pre ||= f.pre;
  }
  return out;
}

/** Phase 2: the requirements files' options, below the flags and the spec file. */
export function withRequirementsOptions(s: Settings, file: RequirementsOptions): RunSettings {
  return {
    ...s,
    indexes: decideIndexes([s.indexLayers.flags, s.indexLayers.spec, file]),
    pre: s.pre || file.pre,
    requirementsOptions: file,
    namedIndexUrl: s.indexes.indexUrl,
  };
}

/** `--format`, else the spec file's `format`, else zip for Windows targets and tar.gz for the others. */
export function formatFor(s: Pick<Settings, "format">, os: TargetOs): FormatFlag {
  return s.format ?? (os === "windows" ? "zip" : "tar.gz");
}

/** The archives' timestamp: SOURCE_DATE_EPOCH, else 1980-01-01 (the earliest a zip can hold). */
export function sourceDateEpoch(env: Env): number {
  const raw = env["SOURCE_DATE_EPOCH"];
  if (raw === undefined || raw === "") return DEFAULT_SOURCE_DATE_EPOCH;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < DEFAULT_SOURCE_DATE_EPOCH) throw new WbError("E_USAGE", `SOURCE_DATE_EPOCH must be an integer number of seconds >= ${DEFAULT_SOURCE_DATE_EPOCH} (1980-01-01), got '${raw}'`);
  return n;
}
