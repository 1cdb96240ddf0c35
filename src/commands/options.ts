/**
 * The options of `bundle` and `lock`, merged in the spec's order of precedence: flags override the
 * spec file, the spec file overrides defaults. Requirements-file options (-i, --extra-index-url,
 * -f, --no-index, --pre, ...) apply on top, except that a flag always wins (decision documented
 * in the README: the command line is the release engineer's last word).
 */
import { resolve, dirname } from "node:path";
import { usageError } from "../errors.js";
import { readSpecFile, type BundleSpec } from "../spec/spec-file.js";
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
  pinnedProjects: Record<string, string>;
  proxy?: string;
  cert?: string;
  clientCert?: string;
  jobs: number;
  cacheDir?: string;
  offline: boolean;
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
  name?: string;
  version?: string;
  entry?: string;
  out: string;
  format?: "tar.gz" | "zip" | "dir";
}

type Flags = Record<string, unknown>;

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
  const indexUrl = str(flags["indexUrl"]) ?? specIndexes[0]?.url;
  const extraFromSpec = specIndexes.slice(1).map((i) => i.url);
  return {
    cwd,
    specFile: spec?.file,
    requirements: flagReqs.length ? flagReqs : (spec?.requirements ?? []),
    constraints: list(flags["constraint"]).map(abs).concat(spec?.constraints ?? []),
    lock: str(flags["lock"]) ? abs(str(flags["lock"])!) : spec?.lock,
    targets: flagTargets.length ? flagTargets : (spec?.targets ?? []),
    indexUrl,
    extraIndexUrls: [...list(flags["extraIndexUrl"]), ...extraFromSpec],
    findLinks: [...list(flags["findLinks"]).map((f) => (/^[a-z][a-z0-9+.-]*:/i.test(f) ? f : abs(f))), ...(spec?.findLinks ?? [])],
    noIndex: flags["index"] === false,
    namedIndexes: specIndexes.map((i) => ({ name: i.name, url: i.url })),
    pinnedProjects: pinned,
    proxy: str(flags["proxy"]),
    cert: str(flags["cert"]) ? abs(str(flags["cert"])!) : undefined,
    clientCert: str(flags["clientCert"]) ? abs(str(flags["clientCert"])!) : undefined,
    jobs: positiveInt(flags["jobs"], "--jobs", 8),
    cacheDir: str(flags["cacheDir"]) ? abs(str(flags["cacheDir"])!) : undefined,
    offline: flags["offline"] === true,
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
    name: str(flags["name"]) ?? spec?.name,
    version: str(flags["version"]) ?? spec?.version,
    entry: str(flags["entry"]) ?? spec?.entry,
    out: str(flags["out"]) ? abs(str(flags["out"])!) : spec?.out ? resolve(dirname(spec.file), spec.out) : abs(defaults.out),
    format: format as RunOptions["format"],
  };
}
