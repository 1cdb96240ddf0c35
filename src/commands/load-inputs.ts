/**
 * Read what the user asked for: requirements files (with their index options) or a pylock.toml,
 * as the planner's InputRequirement list. The fs edge for the pure parsers.
 */
import { readFileSync } from "node:fs";
import { dirname, relative, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { WbError, codedPypa } from "../errors.js";
import { parsePylock } from "../pypa/pylock.js";
import { canonicalizeName } from "../pypa/names.js";
import { parseRequirement } from "../pypa/requirement.js";
import { filenameFromUrl, parseWheelFilename, type WheelFilename } from "../pypa/dist-filename.js";
import { parseRequirementsFile, type ReqLine } from "../pypa/requirements-txt.js";
import { fsReader } from "../io/read-requirements.js";
import { SafeUrl } from "../text/safe-url.js";
import type { CandidateFile, InputRequirement } from "../plan/types.js";
import { requirementsLayer, type RequirementsOptions, type Settings } from "./settings.js";

export interface LoadedInputs {
  inputs: InputRequirement[];
  constraints: InputRequirement[];
  warnings: string[];
  /** The options found inside the requirements files, merged (settings.ts ranks them). */
  fileOptions: RequirementsOptions;
}

function origin(line: ReqLine, cwd: string): string {
  return `${relative(cwd, line.source.file) || line.source.file}:${line.source.line}`;
}

export function loadInputs(opts: Pick<Settings, "lock" | "requirements" | "constraints" | "cwd" | "withPip">, env: Record<string, string | undefined>): LoadedInputs {
  if (opts.lock && opts.requirements.length) {
    throw new WbError("E_USAGE", "give either --lock or -r/--requirement, not both", { hint: "a pylock.toml is already a complete pin set" });
  }
  if (opts.lock) {
    const locked = loadPylock(opts.lock, opts.cwd);
    if (opts.withPip && !locked.inputs.some((i) => i.requirement.name === "pip")) {
      throw new WbError("E_USAGE", `--with-pip: the lock ${opts.lock} has no pip`, { hint: "add pip to the requirements and lock again, or bundle from requirements files" });
    }
    return locked;
  }
  if (opts.requirements.length === 0) {
    throw new WbError("E_USAGE", "nothing to bundle: no requirements given", {
      hint: ["pass -r requirements.txt (repeatable) or --lock pylock.toml", "or name them in a spec file: requirements = [\"requirements.txt\"]"],
    });
  }
  const inputs: InputRequirement[] = [];
  const constraints: InputRequirement[] = [];
  const warnings: string[] = [];
  const options: RequirementsOptions[] = [];
  const files = [...opts.requirements.map((f) => ({ f, constraint: false })), ...opts.constraints.map((f) => ({ f, constraint: true }))];
  for (const { f, constraint } of files) {
    const parsed = codedPypa(() => parseRequirementsFile(f, fsReader, env, { constraint, cwd: opts.cwd }));
    warnings.push(...parsed.warnings);
    if (parsed.noBinary.length) warnings.push(`${f}: --no-binary ${parsed.noBinary.join(",")} is ignored: a bundle ships wheels only`);
    options.push(parsed);
    if (parsed.trustedHosts.length) warnings.push(`${f}: --trusted-host ${parsed.trustedHosts.join(",")} is ignored: TLS certificates are always verified (give a private CA with --cert FILE)`);
    for (const line of parsed.requirements) {
      const item = toInput(line, opts.cwd);
      if (item) (constraint ? constraints : inputs).push(item);
    }
    for (const line of parsed.constraints) {
      const item = toInput(line, opts.cwd);
      if (item) constraints.push(item);
    }
  }
  if (opts.withPip && !inputs.some((i) => i.requirement.name === "pip")) {
    inputs.push({ requirement: parseRequirement("pip"), hashes: [], origin: "--with-pip" });
  }
  return { inputs, constraints, fileOptions: requirementsLayer(options), warnings };
}

/**
 * One requirements line as an input. A line that names a wheel (a bare URL or path, or
 * `name @ <wheel URL>`) pins the project to exactly that file: the index is never asked for it,
 * so a different version of the same project on the index cannot take its place.
 */
function toInput(line: ReqLine, cwd: string): InputRequirement | null {
  const o = origin(line, cwd);
  if (line.wheel) return directWheelInput(line, line.wheel, o);
  if (line.requirement) return { requirement: line.requirement, hashes: line.hashes, origin: o };
  return null;
}

function directWheelInput(line: ReqLine, ref: NonNullable<ReqLine["wheel"]>, o: string): InputRequirement {
  const url = ref.url ?? pathToFileURL(ref.path!).href;
  const filename = filenameFromUrl(url);
  let wheel: WheelFilename;
  try {
    wheel = parseWheelFilename(filename);
  } catch (e) {
    throw new WbError("E_REQUIREMENTS", `${o}: not a wheel file name: ${filename}: ${(e as Error).message}`, { details: { file: line.source.file, line: line.source.line } });
  }
  if (line.requirement && canonicalizeName(line.requirement.name) !== wheel.canonicalName) {
    throw new WbError("E_REQUIREMENTS", `${o}: the wheel ${filename} is not a file of ${line.requirement.name}`, {
      hint: `write ${wheel.canonicalName} @ <URL>, or point the URL at a wheel of ${line.requirement.name}`,
      details: { file: line.source.file, line: line.source.line },
    });
  }
  const hashes: Record<string, string> = {};
  for (const h of line.hashes) {
    const [alg, hex] = h.split(":");
    if (alg && hex) hashes[alg] = hex;
  }
  // Without the fragment: the fragment's hashes are already in line.hashes.
  const bare = url.split("#")[0]!;
  const file: CandidateFile = { filename, url: SafeUrl.of(bare), hashes, yanked: false, coreMetadata: false, source: { name: "direct", url: SafeUrl.of(o), kind: "direct" } };
  // Keep the line's extras and marker: `name[extra] @ URL ; marker` and `./x.whl[extra] ; marker`.
  const extras = line.requirement?.extras ?? ref.extras ?? [];
  const marker = line.requirement?.markerText ?? ref.marker;
  const text = `${wheel.canonicalName}${extras.length ? `[${extras.join(",")}]` : ""}==${wheel.version}${marker ? ` ; ${marker}` : ""}`;
  let requirement;
  try {
    requirement = parseRequirement(text);
  } catch (e) {
    throw new WbError("E_REQUIREMENTS", `${o}: invalid extras or marker (${(e as Error).message})`, { details: { file: line.source.file, line: line.source.line } });
  }
  return { requirement, hashes: line.hashes, origin: o, files: [file] };
}

function loadPylock(path: string, cwd: string): LoadedInputs {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (e) {
    throw new WbError("E_USAGE", `cannot read the lock file ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  const lock = codedPypa(() => parsePylock(text, path));
  const base = dirname(path);
  const inputs: InputRequirement[] = [];
  for (const pkg of lock.packages) {
    // `pip lock ./x.whl` records a direct wheel as [packages.archive] with no version: take it as a wheel.
    const archive = pkg.archive as { url?: string; path?: string; hashes?: Record<string, string>; size?: number } | undefined;
    const archiveRef = archive?.url ?? archive?.path;
    if (pkg.wheels.length === 0 && archive && archiveRef && /\.whl$/i.test(archiveRef.split(/[?#]/)[0]!)) {
      const name = filenameFromUrl(archiveRef);
      pkg.wheels = [{ name, url: archive.url, path: archive.path, hashes: archive.hashes ?? {}, size: archive.size }];
      pkg.version ??= codedPypa(() => parseWheelFilename(name)).version;
    }
    if (!pkg.version) throw new WbError("E_NOT_PINNED", `${path}: package ${pkg.name} has no version`, { hint: "a bundle needs exact versions" });
    if (pkg.wheels.length === 0) {
      throw new WbError("E_SDIST_ONLY", `${path}: package ${pkg.name} ${pkg.version} lists no wheels`, { hint: "a bundle ships wheels; lock with wheels (pip lock / uv export list them)" });
    }
    const files: CandidateFile[] = pkg.wheels.map((w) => {
      const url = w.url ?? pathToFileURL(resolve(base, w.path ?? w.name)).href;
      return {
        filename: w.name ?? filenameFromUrl(url),
        url: SafeUrl.of(url, w.url ?? w.path ?? url),
        hashes: Object.fromEntries(Object.entries(w.hashes).map(([k, v]) => [k.toLowerCase(), v.toLowerCase()])),
        yanked: false,
        coreMetadata: false,
        size: w.size,
        uploadTime: w.uploadTime,
        source: { name: "lock", url: SafeUrl.of(pkg.index ?? relative(cwd, path)), kind: "lock" },
      };
    });
    const markerPart = pkg.marker ? ` ; ${pkg.marker}` : "";
    const requirement = parseRequirement(`${pkg.name}==${pkg.version}${markerPart}`);
    const tool = (pkg.tool?.["wheelbarrow"] ?? {}) as { requested?: boolean };
    inputs.push({
      requirement,
      hashes: files.flatMap((f) => Object.entries(f.hashes).map(([a, h]) => `${a}:${h}`)),
      origin: `${relative(cwd, path) || path} [${pkg.name}]`,
      files,
      requested: tool.requested !== false,
    });
  }
  return { inputs, constraints: [], warnings: [], fileOptions: requirementsLayer([]) };
}
