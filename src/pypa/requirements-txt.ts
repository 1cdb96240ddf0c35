/**
 * requirements.txt as pip parses it (pip's requirements file format; pip's req_file.py is the reference, and
 * fixtures/requirements/pip-oracle.json holds what pip made of our fixtures). Pure: files come
 * from a FileReader.
 *
 * Order of work per file: decode (BOM, PEP 263 coding line in the first two lines, else strict
 * UTF-8), split lines like Python's splitlines, join `\` continuations (a comment line ends one),
 * strip comments (`#` at line start or after whitespace), expand `${VAR}` (unset/empty: kept
 * literally), split the requirement from the options at the first space-separated token that starts
 * with `-`, shlex-split and parse the options like optparse (long options may be abbreviated).
 *
 * Decisions (where pip is silent, lenient, or cannot apply to a bundle of wheels):
 * - Only local `-r`/`-c` files (paths or file: URLs), relative to the including file; an http(s)
 *   one is E_REQUIREMENTS "remote requirement files are not supported". Include cycles are errors.
 *   A file included a second time (as requirements, or as constraints) is not read again: its
 *   lines are already in the result, and a "diamond" of includes would otherwise be read an
 *   exponential number of times.
 * - A logical line (after joining continuations) longer than MAX_LINE_CHARS is E_REQUIREMENTS:
 *   no real requirement comes near it (a line of 700 `--hash` options does), and the parsers
 *   below need not cope with megabytes. A requirement nested too deeply to parse is
 *   E_REQUIREMENTS too, never a stack overflow.
 * - Relative wheel paths and `-f` directories are relative to the including file (pip uses the
 *   current directory for wheel paths, and the file only if the directory exists for `-f`).
 * - Editable, VCS, sdist, directory (source tree) requirements are rejected: a bundle ships wheels.
 * - A requirement line accepts only `--hash` (and `--config-settings`, ignored with a warning); pip
 *   silently ignores other options there, we reject them. Stray positional words are rejected.
 * - Constraint lines must be named and without extras (pip's rules).
 * - Any `--hash` on a requirement (or `--require-hashes`) turns on hash checking: every
 *   requirement must be pinned with ==/=== (unless it is a URL/path) and hashed; all violations
 *   are reported at once.
 * - Messages quote the line before `${VAR}` expansion (no secrets), with URL credentials masked.
 */
import { dirname, isAbsolute, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { redactUrlsInText } from "../text/redact-url.js";
import { canonicalizeName } from "./names.js";
import { parseRequirement, RequirementSyntaxError, type Requirement } from "./requirement.js";
import { isExactPin } from "./versions.js";
import { filenameFromUrl, isSdistFilename, isWheelFilename, parseWheelFilename } from "./dist-filename.js";
import { decodeRequirementsBytes, expandEnvVars, logicalLines, parseOptionTokens, shlexSplit, splitArgsOptions, type ParsedOption } from "./requirements-txt-lines.js";
import { parseHashFragment, parseHashOption } from "./hashes.js";
import { InvalidHash, InvalidRequirementsInput, PypaErrorList } from "./errors.js";
import { hashAlgorithm, HashSet } from "../model/hash-set.js";

export { decodeRequirementsBytes, expandEnvVars, logicalLines, shlexSplit, splitArgsOptions } from "./requirements-txt-lines.js";

/** Reads a resolved absolute path; throws (any error, e.g. ENOENT) if it cannot. */
export type FileReader = (path: string) => { text: string } | { bytes: Uint8Array };

export interface ReqLine {
  /** Null for a bare wheel URL or path (the project comes from the wheel's file name). */
  requirement: Requirement | null;
  /** Set for a bare wheel URL/path and for `name @ <wheel URL>`. `path` is absolute. */
  wheel?: { url?: string; path?: string; extras?: string[]; marker?: string };
  /** `<alg>:<lowercase hex>`, from --hash options and `#sha256=` URL fragments. */
  hashes: string[];
  source: { file: string; line: number; text: string };
}

export interface ParsedRequirements {
  requirements: ReqLine[];
  constraints: ReqLine[];
  indexUrl?: string;
  extraIndexUrls: string[];
  noIndex: boolean;
  /** URLs as written; local directories absolute. */
  findLinks: string[];
  trustedHosts: string[];
  pre: boolean;
  preferBinary: boolean;
  /** Canonical names, or ":all:". */
  onlyBinary: string[];
  noBinary: string[];
  /** True with --require-hashes or any --hash. */
  requireHashes: boolean;
  /** Every file read, absolute, in reading order. */
  files: string[];
  /** Things pip accepts that have no effect here. */
  warnings: string[];
}

export interface ParseOptions {
  /** Parse the top file as a constraints file (-c). */
  constraint?: boolean;
  /** Show paths relative to this directory in messages. */
  cwd?: string;
}

const URL_RE = /^[a-z][a-z0-9+.-]*:\/\//i;
const VCS_RE = /^(git|hg|svn|bzr)\+/i;
const NAMED_URL_RE = /^\s*[A-Za-z0-9][A-Za-z0-9._-]*\s*(\[[^\]]*\])?\s*@/;
const WHEELS_HINT = "a bundle ships wheels; build the wheel first (pip wheel / python -m build) and reference it";


/** The longest logical line accepted (characters). */
export const MAX_LINE_CHARS = 65_536;

interface Ctx {
  read: FileReader;
  /** `r:<path>` / `c:<path>` of every file read. */
  seen: Set<string>;
  env: Record<string, string | undefined>;
  cwd?: string;
  out: ParsedRequirements;
  hashOnRequirement: boolean;
}

interface Where {
  file: string;
  line: number;
  text: string;
}

function shown(ctx: Ctx, file: string): string {
  if (!ctx.cwd) return file;
  const r = relative(ctx.cwd, file);
  return r && !r.startsWith("..") && !isAbsolute(r) ? r : file;
}

function fail(ctx: Ctx, at: Where, what: string, hint?: string | string[]): InvalidRequirementsInput {
  const text = redactUrlsInText(at.text);
  // A long line is quoted by its start only (a message is read on a terminal).
  const quoted = text.length > 200 ? `${text.slice(0, 200)}… (${text.length} characters)` : text;
  return new InvalidRequirementsInput(`${shown(ctx, at.file)}:${at.line}: ${what}: ${quoted}`, { hint, where: { file: at.file, line: at.line, text: quoted } });
}

export function parseRequirementsFile(path: string, read: FileReader, env: Record<string, string | undefined>, opts: ParseOptions = {}): ParsedRequirements {
  const out: ParsedRequirements = {
    requirements: [],
    constraints: [],
    extraIndexUrls: [],
    noIndex: false,
    findLinks: [],
    trustedHosts: [],
    pre: false,
    preferBinary: false,
    onlyBinary: [],
    noBinary: [],
    requireHashes: false,
    files: [],
    warnings: [],
  };
  const ctx: Ctx = { read, env, cwd: opts.cwd, out, hashOnRequirement: false, seen: new Set() };
  const top = !isAbsolute(path) && opts.cwd ? join(opts.cwd, path) : path;
  parseFile(ctx, top, opts.constraint ?? false, [], null);
  if (ctx.hashOnRequirement) out.requireHashes = true;
  if (out.requireHashes) checkHashMode(ctx);
  return out;
}

function parseFile(ctx: Ctx, file: string, constraint: boolean, chain: string[], from: Where | null): void {
  let content: { text: string } | { bytes: Uint8Array };
  try {
    content = ctx.read(file);
  } catch (e) {
    const why = (e as NodeJS.ErrnoException).code ?? (e as Error).message;
    const kind = constraint ? "constraints" : "requirements";
    if (from) throw fail(ctx, from, `cannot read the ${kind} file ${shown(ctx, file)} (${why})`);
    throw new InvalidRequirementsInput(`cannot read the ${kind} file ${shown(ctx, file)}: ${why}`, { where: { file } });
  }
  ctx.out.files.push(file);
  ctx.seen.add(`${constraint ? "c" : "r"}:${file}`);
  let text: string;
  if ("text" in content) text = content.text.replace(/^\uFEFF/, "");
  else {
    const decoded = decodeRequirementsBytes(content.bytes);
    if (!decoded.ok) {
      throw new InvalidRequirementsInput(`${shown(ctx, file)}:${decoded.line}: ${decoded.reason}`, {
        hint: "save the file as UTF-8, or declare its encoding in the first line: # -*- coding: latin-1 -*-",
        where: { file, line: decoded.line },
      });
    }
    text = decoded.text;
  }
  const here = [...chain, file];
  for (const l of logicalLines(text)) {
    if (l.text.length > MAX_LINE_CHARS) {
      throw new InvalidRequirementsInput(`${shown(ctx, file)}:${l.line}: the line is ${l.text.length} characters long, more than the ${MAX_LINE_CHARS} a requirement line may have: ${redactUrlsInText(l.text.slice(0, 60))}…`, {
        hint: "a requirement line is a name, a version specifier, a marker and hashes; this looks like a generated or damaged file",
        where: { file, line: l.line, length: l.text.length, limit: MAX_LINE_CHARS },
      });
    }
    parseLine(ctx, { file, line: l.line, text: l.text }, constraint, here);
  }
}

function parseLine(ctx: Ctx, at: Where, constraint: boolean, chain: string[]): void {
  const expanded = expandEnvVars(at.text, ctx.env);
  const [args, optionText] = splitArgsOptions(expanded);
  let options: ParsedOption[];
  try {
    const parsed = parseOptionTokens(shlexSplit(optionText));
    if (parsed.positional.length) throw new Error(`unexpected argument '${parsed.positional[0]}'`);
    options = parsed.options;
  } catch (e) {
    const msg = (e as Error).message;
    const hint = msg.startsWith("unknown option") ? "options pip accepts in requirement files that make sense for wheels: -r, -c, -i, --extra-index-url, --no-index, -f, --trusted-host, --pre, --prefer-binary, --only-binary, --no-binary, --require-hashes, --hash" : undefined;
    throw fail(ctx, at, msg, hint);
  }
  const editable = options.find((o) => o.key === "editable");
  if (editable) throw fail(ctx, at, "editable requirements are not supported", WHEELS_HINT);
  if (args) {
    const hashes: string[] = [];
    for (const o of options) {
      if (o.key === "hash") hashes.push(parseHash(ctx, at, o.value!));
      else if (o.key === "config-settings") ctx.out.warnings.push(`${shown(ctx, at.file)}:${at.line}: ${o.name} is ignored: wheels are not built`);
      else throw fail(ctx, at, `option ${o.name} cannot follow a requirement; put it on a line of its own`);
    }
    const line = requirementLine(ctx, at, args, hashes);
    if (constraint) {
      if (!line.requirement) throw fail(ctx, at, "a constraint must name its project", "write name==version, or name @ URL");
      if (line.requirement.extras.length) throw fail(ctx, at, "constraints cannot have extras");
      ctx.out.constraints.push(line);
    } else {
      if (hashes.length) ctx.hashOnRequirement = true;
      ctx.out.requirements.push(line);
    }
    return;
  }
  for (const o of options) applyOption(ctx, at, o, chain);
}

function applyOption(ctx: Ctx, at: Where, o: ParsedOption, chain: string[]): void {
  const out = ctx.out;
  const v = o.value ?? "";
  switch (o.key) {
    case "requirement":
    case "constraint":
      return include(ctx, at, v, o.key === "constraint", chain);
    case "index-url":
      if (!out.noIndex) {
        out.indexUrl = v;
        out.extraIndexUrls = [];
      }
      return;
    case "extra-index-url":
      if (!out.noIndex && !out.extraIndexUrls.includes(v)) out.extraIndexUrls.push(v);
      return;
    case "no-index":
      out.noIndex = true;
      delete out.indexUrl;
      out.extraIndexUrls = [];
      return;
    case "find-links": {
      const link = URL_RE.test(v) || isAbsolute(v) ? v : join(dirname(at.file), v);
      if (!out.findLinks.includes(link)) out.findLinks.push(link);
      return;
    }
    case "trusted-host":
      if (!out.trustedHosts.includes(v)) out.trustedHosts.push(v);
      return;
    case "pre":
      out.pre = true;
      return;
    case "prefer-binary":
      out.preferBinary = true;
      return;
    case "require-hashes":
      out.requireHashes = true;
      return;
    case "only-binary":
    case "no-binary":
      if (v.startsWith("-") || v === "") throw fail(ctx, at, `${o.name} needs a list of project names, :all: or :none:`);
      return o.key === "only-binary" ? formatControl(v, out.onlyBinary, out.noBinary) : formatControl(v, out.noBinary, out.onlyBinary);
    case "hash":
      out.warnings.push(`${shown(ctx, at.file)}:${at.line}: --hash without a requirement is ignored`);
      return;
    case "config-settings":
    case "use-feature":
      out.warnings.push(`${shown(ctx, at.file)}:${at.line}: ${o.name} is ignored`);
      return;
  }
}

/** pip's FormatControl.handle_mutual_excludes. */
function formatControl(value: string, target: string[], other: string[]): void {
  let names = value.split(",");
  while (names.includes(":all:")) {
    other.length = 0;
    target.length = 0;
    target.push(":all:");
    names = names.slice(names.indexOf(":all:") + 1);
    if (!names.includes(":none:")) return;
  }
  for (const raw of names) {
    if (raw === ":none:") {
      target.length = 0;
      continue;
    }
    const n = canonicalizeName(raw);
    const i = other.indexOf(n);
    if (i >= 0) other.splice(i, 1);
    if (!target.includes(n)) target.push(n);
  }
}

function include(ctx: Ctx, at: Where, target: string, constraint: boolean, chain: string[]): void {
  let path: string;
  if (/^file:/i.test(target)) {
    try {
      path = fileURLToPath(target);
    } catch {
      throw fail(ctx, at, `not a local file URL: ${target}`);
    }
  } else if (URL_RE.test(target)) {
    throw fail(ctx, at, "remote requirement files are not supported", "download the file and reference the local copy (bundles are built from pinned, reviewable inputs)");
  } else {
    path = isAbsolute(target) ? join(target) : join(dirname(at.file), target);
  }
  const seen = chain.indexOf(path);
  if (seen >= 0) {
    const cycle = [...chain.slice(seen), path].map((f) => shown(ctx, f)).join(" -> ");
    throw fail(ctx, at, `requirements files include each other in a cycle (${cycle})`);
  }
  if (ctx.seen.has(`${constraint ? "c" : "r"}:${path}`)) return; // already read: its lines are in the result
  parseFile(ctx, path, constraint, chain, at);
}

function parseHash(ctx: Ctx, at: Where, value: string): string {
  try {
    return parseHashOption(value).format(":")[0]!;
  } catch (e) {
    if (e instanceof InvalidHash) throw fail(ctx, at, e.what, e.hints.length ? e.hints : undefined);
    throw e;
  }
}

/** `#sha256=<hex>` (and sha384/sha512) in a URL fragment, as pip's Link reads them; malformed ones are ignored. */
function fragmentHashes(url: string): string[] {
  const { hashes } = parseHashFragment(url);
  return HashSet.of(hashes.digests().filter((d) => hashAlgorithm(d.alg)?.integrity)).format(":");
}

function withHashes(own: string[], url: string): string[] {
  return [...new Set([...own, ...fragmentHashes(url)])];
}

function requirementLine(ctx: Ctx, at: Where, args: string, hashes: string[]): ReqLine {
  const source = { ...at };
  const trimmed = args.trim();
  if (VCS_RE.test(trimmed)) throw fail(ctx, at, "VCS requirements are not supported", WHEELS_HINT);
  if (NAMED_URL_RE.test(trimmed)) {
    const req = parseReq(ctx, at, trimmed);
    const url = req.url ?? "";
    const wheel = checkWheelUrl(ctx, at, url);
    const wf = parseWheelFilename(wheel);
    if (wf.canonicalName !== canonicalizeName(req.name)) throw fail(ctx, at, `the wheel ${wheel} is not a file of ${req.name}`);
    return { requirement: req, wheel: { url }, hashes: withHashes(hashes, url), source };
  }
  if (URL_RE.test(trimmed)) {
    const [url, marker] = splitOnce(trimmed, /;\s/);
    checkWheelUrl(ctx, at, url.trim());
    return { requirement: null, wheel: bareWheel({ url: url.trim() }, [], marker), hashes: withHashes(hashes, url.trim()), source };
  }
  const [pathPart, marker] = splitOnce(trimmed, /;/);
  const extrasMatch = /^(.+?)\s*\[([^\]]*)\]\s*$/.exec(pathPart.trim());
  const p = (extrasMatch ? extrasMatch[1]! : pathPart).trim();
  const extras = extrasMatch ? extrasMatch[2]!.split(",").map((x) => x.trim()).filter(Boolean) : [];
  const looksLikePath = /[\\/]/.test(p) || p.startsWith(".");
  if (looksLikePath || isWheelFilename(p) || isSdistFilename(p)) {
    if (isSdistFilename(p)) throw fail(ctx, at, "source distributions are not supported", WHEELS_HINT);
    if (!isWheelFilename(p)) throw fail(ctx, at, "local directories (source trees) are not supported", WHEELS_HINT);
    parseWheelName(ctx, at, filenameFromUrl(p));
    const abs = isAbsolute(p) ? join(p) : join(dirname(at.file), p);
    return { requirement: null, wheel: bareWheel({ path: abs }, extras, marker), hashes, source };
  }
  const req = parseReq(ctx, at, trimmed);
  return { requirement: req, hashes, source };
}

function bareWheel(loc: { url?: string; path?: string }, extras: string[], marker: string | undefined): NonNullable<ReqLine["wheel"]> {
  const w: NonNullable<ReqLine["wheel"]> = { ...loc };
  if (extras.length) w.extras = extras;
  if (marker?.trim()) w.marker = marker.trim();
  return w;
}

function splitOnce(s: string, sep: RegExp): [string, string | undefined] {
  const m = sep.exec(s);
  return m ? [s.slice(0, m.index), s.slice(m.index + m[0].length)] : [s, undefined];
}

function parseWheelName(ctx: Ctx, at: Where, filename: string): void {
  try {
    parseWheelFilename(filename);
  } catch (e) {
    throw fail(ctx, at, (e as Error).message);
  }
}

/** The file name of a wheel URL, or a precise rejection. */
function checkWheelUrl(ctx: Ctx, at: Where, url: string): string {
  if (VCS_RE.test(url)) throw fail(ctx, at, "VCS requirements are not supported", WHEELS_HINT);
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(url)?.[1]?.toLowerCase();
  if (!scheme || !["http", "https", "file"].includes(scheme)) throw fail(ctx, at, `unsupported URL scheme${scheme ? ` '${scheme}'` : ""}`, "use an https, http or file URL of a .whl file");
  const filename = filenameFromUrl(url);
  if (isSdistFilename(filename)) throw fail(ctx, at, "source distributions are not supported", WHEELS_HINT);
  if (!isWheelFilename(filename)) throw fail(ctx, at, "the URL does not name a wheel (.whl)", WHEELS_HINT);
  parseWheelName(ctx, at, filename);
  return filename;
}

function parseReq(ctx: Ctx, at: Where, text: string): Requirement {
  try {
    return parseRequirement(text);
  } catch (e) {
    // The recursive-descent parsers run out of stack on absurd nesting: that is the input's fault.
    if (e instanceof RangeError) throw fail(ctx, at, "invalid requirement (nested or repeated too deeply to parse)");
    if (!(e instanceof RequirementSyntaxError)) throw e;
    const hints: string[] = [];
    if (/^[^=<>!~]*[^=<>!~]=[^=]/.test(text)) hints.push("= is not a valid operator. Did you mean == ?");
    throw fail(ctx, at, `invalid requirement (${e.reason}, at column ${e.column + 1})`, hints.length ? hints : undefined);
  }
}

function checkHashMode(ctx: Ctx): void {
  const problems: InvalidRequirementsInput[] = [];
  const why = ctx.hashOnRequirement ? "--hash is used" : "--require-hashes is set";
  for (const l of ctx.out.requirements) {
    const at = l.source;
    if (l.requirement && !l.requirement.url && !isExactPin(l.requirement.specifier)) {
      problems.push(fail(ctx, at, `not pinned with == or === (hash checking is on because ${why})`, "pin it: name==version"));
    }
    if (l.hashes.length === 0) {
      problems.push(fail(ctx, at, `no --hash (hash checking is on because ${why}, so every requirement needs one)`, "add --hash=sha256:<hex>; `pip-compile --generate-hashes` or `uv pip compile --generate-hashes` write them"));
    }
  }
  if (problems.length === 1) throw problems[0]!;
  if (problems.length > 1) throw new PypaErrorList(problems);
}
