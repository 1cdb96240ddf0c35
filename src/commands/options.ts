/**
 * The options of `bundle` and `lock`, in one order of precedence (README "Where options come
 * from"): flags > spec file > requirements-file options > environment > defaults. The index
 * choice is decided in one place, decideIndexes. Requirements-file options are only known after
 * the files are read, so the session applies that layer (session.ts calls decideIndexes again).
 */
import { resolve, dirname } from "node:path";
import { usageError } from "../errors.js";
import { STATE_PATH_RE, readSpecFile, type BundleSpec } from "../spec/spec-file.js";
import type { Context } from "../context.js";

export interface RunOptions {
  cwd: string;
  specFile?: string;
  requirements: string[];
  constraints: string[];
  lock?: string;
  targets: string[];
  indexUrl?: string;
  extraIndexUrls: string[];
  findLinks: string[];
  noIndex: boolean;
  namedIndexes: { name: string; url: string }[];
  /** The index options of the flags and of the spec file, for decideIndexes (indexUrl...noIndex above are their merge). */
  indexLayers: { flags: IndexLayer; spec: IndexLayer };
  pinnedProjects: Record<string, string>;
  proxy?: string;
  cert?: string;
  clientCert?: string;
  jobs: number;
  cacheDir?: string;
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
  indexStrategy: "first-index" | "unsafe-best-match";
  keepGoing: boolean;
  // bundle only
  app?: string;
  exclude: string[];
  include: string[];
  state: string[];
  withPip: boolean;
  name?: string;
  version?: string;
  entry?: string;
  out: string;
  format?: "tar.gz" | "zip" | "dir";
  /** --embed-python (also implied by --python-dist / [[python]]). */
  embedPython: boolean;
  /** --python-mirror, else the spec file's python-mirror, else WHEELBARROW_PYTHON_MIRROR. */
  pythonMirror?: string;
  /** --python-dist values (`[TARGET=]PATH|URL[#sha256=HEX]`) then the spec file's [[python]] tables. */
  pythonDists: { target?: string; ref: string; sha256?: string }[];
}

type Flags = Record<string, unknown>;

/** --state paths, checked as the spec file checks them, without duplicates. */
function statePaths(paths: string[]): string[] {
  for (const p of paths) {
    if (!STATE_PATH_RE.test(p) || p.includes("//")) throw usageError(`--state takes a path inside the app such as 'media/' or 'db.sqlite3', got '${p}'`);
  }
  return [...new Set(paths)];
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

/**
 * Merge layers, highest precedence first. The primary index comes from the first layer that
 * names one (`--index-url`) or says `--no-index`; a `--no-index` counts only when no higher layer
 * named an index (primary or extra): so a requirements file's `--no-index` cannot override
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

function str(v: unknown): string | undefined {
  return typeof v === "string" && v.length > 0 ? v : undefined;
}
function list(v: unknown): string[] {
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === "string") : [];
}
function positiveInt(v: unknown, flag: string, fallback: number): number {
  if (v === undefined) return fallback;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw usageError(`${flag} must be a positive integer, got '${String(v)}'`);
  return n;
}

export async function resolveRunOptions(specPath: string | undefined, flags: Flags, ctx: Context, defaults: { out: string }): Promise<RunOptions> {
  const cwd = ctx.cwd;
  const spec: BundleSpec | undefined = specPath ? await readSpecFile(resolve(cwd, specPath)) : undefined;
  const abs = (p: string) => resolve(cwd, p);
  const pinned: Record<string, string> = {};
  for (const idx of spec?.indexes ?? []) for (const p of idx.projects ?? []) pinned[p] = idx.name;
  const flagReqs = list(flags["requirement"]).map(abs);
  const flagTargets = list(flags["target"]);
  let excludeNewer: Date | undefined;
  const en = str(flags["excludeNewer"]);
  if (en) {
    excludeNewer = new Date(en);
    if (Number.isNaN(excludeNewer.getTime())) throw usageError(`--exclude-newer takes a date or timestamp (2025-01-31 or 2025-01-31T12:00:00Z), got '${en}'`);
  }
  const format = str(flags["format"]) ?? spec?.format;
  if (format !== undefined && !["tar.gz", "zip", "dir"].includes(format)) throw usageError(`--format must be tar.gz, zip or dir, got '${format}'`);
  const specIndexes = spec?.indexes ?? [];
  const indexLayers = {
    flags: {
      indexUrl: str(flags["indexUrl"]),
      extraIndexUrls: list(flags["extraIndexUrl"]),
      findLinks: list(flags["findLinks"]).map((f) => (/^[a-z][a-z0-9+.-]*:/i.test(f) ? f : abs(f))),
      noIndex: flags["index"] === false,
    },
    spec: { indexUrl: specIndexes[0]?.url, extraIndexUrls: specIndexes.slice(1).map((i) => i.url), findLinks: spec?.findLinks ?? [] },
  };
  const merged = decideIndexes([indexLayers.flags, indexLayers.spec]);
  return {
    cwd,
    specFile: spec?.file,
    requirements: flagReqs.length ? flagReqs : (spec?.requirements ?? []),
    constraints: list(flags["constraint"]).map(abs).concat(spec?.constraints ?? []),
    lock: str(flags["lock"]) ? abs(str(flags["lock"])!) : spec?.lock,
    targets: flagTargets.length ? flagTargets : (spec?.targets ?? []),
    indexUrl: merged.indexUrl,
    extraIndexUrls: merged.extraIndexUrls,
    findLinks: merged.findLinks,
    noIndex: merged.noIndex,
    namedIndexes: specIndexes.map((i) => ({ name: i.name, url: i.url })),
    indexLayers,
    pinnedProjects: pinned,
    proxy: str(flags["proxy"]),
    cert: str(flags["cert"]) ? abs(str(flags["cert"])!) : undefined,
    clientCert: str(flags["clientCert"]) ? abs(str(flags["clientCert"])!) : undefined,
    jobs: positiveInt(flags["jobs"], "--jobs", 8),
    cacheDir: str(flags["cacheDir"]) ? abs(str(flags["cacheDir"])!) : undefined,
    offline: flags["offline"] === true,
    verifyCache: flags["verifyCache"] === true,
    json: flags["json"] === true,
    quiet: flags["quiet"] === true,
    verbose: flags["verbose"] === true,
    progress: flags["progress"] !== false,
    pre: flags["pre"] === true,
    pinsOnly: flags["pinsOnly"] === true,
    excludeNewer,
    maxSteps: positiveInt(flags["maxResolutionSteps"], "--max-resolution-steps", 100_000),
    indexStrategy: str(flags["indexStrategy"]) === "unsafe-best-match" ? "unsafe-best-match" : "first-index",
    keepGoing: flags["keepGoing"] === true,
    app: str(flags["app"]) ? abs(str(flags["app"])!) : spec?.app,
    exclude: [...(spec?.exclude ?? []), ...list(flags["exclude"])],
    include: [...(spec?.include ?? []), ...list(flags["include"])],
    state: statePaths([...(spec?.state ?? []), ...list(flags["state"])]),
    withPip: flags["withPip"] === true || spec?.withPip === true,
    name: str(flags["name"]) ?? spec?.name,
    version: str(flags["version"]) ?? spec?.version,
    entry: str(flags["entry"]) ?? spec?.entry,
    out: str(flags["out"]) ? abs(str(flags["out"])!) : spec?.out ? resolve(dirname(spec.file), spec.out) : abs(defaults.out),
    format: format as RunOptions["format"],
    ...pythonOptions(flags, spec, ctx.env),
  };
}

/** `TARGET=REF` when the part before `=` is a target (it has an `@`), else a plain REF. */
export function splitDistFlag(v: string): { target?: string; ref: string } {
  const m = /^([^=/\\:]+@[^=/\\]+)=(.+)$/.exec(v);
  return m ? { target: m[1], ref: m[2]! } : { ref: v };
}

function pythonOptions(flags: Flags, spec: BundleSpec | undefined, env: Record<string, string | undefined>): Pick<RunOptions, "embedPython" | "pythonMirror" | "pythonDists"> {
  const dists = [...list(flags["pythonDist"]).map(splitDistFlag), ...(spec?.pythons ?? []).map((p) => ({ target: p.target, ref: p.url, sha256: p.sha256 }))];
  // The README's precedence, as for every option: flag, then spec file, then environment.
  const mirror = str(flags["pythonMirror"]) ?? spec?.pythonMirror ?? str(env["WHEELBARROW_PYTHON_MIRROR"]);
  const embedPython = flags["embedPython"] === true || spec?.embedPython === true || dists.length > 0;
  return { embedPython, pythonMirror: mirror, pythonDists: dists };
}
