/**
 * The bundle spec file (README "Spec files"; schema: manifests/bundle-spec.schema.json): one
 * `[bundle]` table and any number of `[[index]]` tables, read into a BundleSpec whose paths are
 * absolute (paths in the file are relative to the spec file).
 *
 * Decisions:
 * - Keys are kebab-case, exactly as the schema lists them; any other key is E_USAGE naming the key
 *   (with its line where it can be found, and the nearest known key as a hint): a typo in CI must
 *   fail, not be ignored.
 * - `[[index]]` order is priority order: the first index is the primary one (`--index-url`), the
 *   others are extra indexes. A project is pinned to a named index with that index's
 *   `projects = ["internal-lib", ...]`; names are PEP 503-normalised; a project pinned to two
 *   indexes is an error.
 * - `requirements` and `lock` are mutually exclusive (a pylock.toml is already the full pin set).
 * - Bad TOML is E_USAGE "<file>:<line>:<col>: invalid TOML: <what smol-toml says>".
 */
import { readFile } from "node:fs/promises";
import { dirname, isAbsolute, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { parse, TomlError } from "smol-toml";
import { editDistance } from "../util/edit-distance.js";
import { WbError } from "../errors.js";
import { redactUrl } from "../text/redact-url.js";
import { canonicalizeName } from "../pypa/names.js";
import { isValidVersion } from "../pypa/versions.js";

export interface SpecIndex {
  name: string;
  url: string;
  /** Canonical names of the projects pinned to this index. */
  projects?: string[];
}

/** A `[[python]]` table: the interpreter archive for one target (or every target). */
export interface SpecPython {
  target?: string;
  /** A URL as written, or an absolute path. */
  url: string;
  sha256?: string;
}

export interface BundleSpec {
  /** The spec file itself (as given: callers pass an absolute path). */
  file: string;
  name?: string;
  version?: string;
  /** Absolute. */
  app?: string;
  entry?: string;
  /** Absolute paths. */
  requirements: string[];
  /** Absolute paths. */
  constraints: string[];
  /** Absolute. */
  lock?: string;
  targets: string[];
  indexes: SpecIndex[];
  /** URLs as written, local directories absolute. */
  findLinks: string[];
  exclude: string[];
  /** App-relative paths kept in DEST/shared across releases (`media/`, `db.sqlite3`). */
  state: string[];
  /** Patterns that ship secret-looking app files on purpose. */
  include: string[];
  /** Ship the target's pip wheel and install it into the venv. */
  withPip: boolean;
  format?: string;
  /** Absolute. */
  out?: string;
  embedPython?: boolean;
  pythonMirror?: string;
  pythons: SpecPython[];
}

const BUNDLE_KEYS = ["name", "version", "app", "entry", "requirements", "constraints", "lock", "targets", "find-links", "exclude", "include", "state", "with-pip", "format", "out", "embed-python", "python-mirror"] as const;
const PYTHON_KEYS = ["target", "url", "sha256"] as const;
/** A state path: relative, `/`-separated, no `.`/`..` segments; a trailing `/` marks a directory. */
export const STATE_PATH_RE = /^(?!.*(?:^|\/)\.{1,2}(?:\/|$))[A-Za-z0-9_.][A-Za-z0-9_.\/-]*$/;
const INDEX_KEYS = ["name", "url", "projects"] as const;
const TOP_KEYS = ["bundle", "index", "python"] as const;
export const FORMATS = ["tar.gz", "zip", "dir"] as const;

const NAME_RE = /^[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?$/;
const IDENT = "[A-Za-z_][A-Za-z0-9_]*";
const ENTRY_RE = new RegExp(`^(?:${IDENT}(?:\\.${IDENT})*:${IDENT}(?:\\.${IDENT})*|.+\\.py)$`);
const URL_RE = /^[a-z][a-z0-9+.-]+:\/\//i;

export async function readSpecFile(path: string): Promise<BundleSpec> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code ?? (e as Error).message;
    throw new WbError("E_USAGE", `cannot read the spec file ${path}: ${code}`, { details: { file: path } });
  }
  return parseSpecText(text, path);
}

/** The pure part of readSpecFile: `file` names the document and anchors relative paths. */
export function parseSpecText(text: string, file: string): BundleSpec {
  let doc: Record<string, unknown>;
  try {
    doc = parse(text.replace(/^\uFEFF/, "")) as Record<string, unknown>;
  } catch (e) {
    if (e instanceof TomlError) {
      const what = (e.message.split("\n")[0] ?? "").replace(/^Invalid TOML document:\s*/, "");
      throw new WbError("E_USAGE", `${file}:${e.line}:${e.column}: invalid TOML: ${what}`, {
        hint: "see manifests/bundle-spec.schema.json for the spec file's keys",
        details: { file, line: e.line, column: e.column },
      });
    }
    throw e;
  }
  const p = new SpecReader(text, file);
  p.checkKeys(doc, TOP_KEYS, "", "");
  const base = dirname(file);
  const abs = (x: string) => resolve(base, x);
  const bundleRaw = doc["bundle"];
  if (bundleRaw === undefined) throw p.fail("no [bundle] table", null, 'start the file with [bundle] and name = "..."');
  if (!isTable(bundleRaw)) throw p.fail("'bundle' must be a table ([bundle])", null);
  const b = bundleRaw;
  p.checkKeys(b, BUNDLE_KEYS, "bundle.", "bundle");

  const spec: BundleSpec = { file, requirements: [], constraints: [], targets: [], indexes: [], findLinks: [], exclude: [], state: [], include: [], withPip: false, pythons: [] };
  const name = p.str(b, "name", "bundle");
  if (name !== undefined) {
    if (!NAME_RE.test(name)) throw p.fail(`bundle.name must be letters, digits, '.', '_' or '-' (it names the archive), got '${name}'`, p.lineOf("bundle", "name"));
    spec.name = name;
  }
  const version = p.str(b, "version", "bundle");
  if (version !== undefined) {
    if (!isValidVersion(version)) throw p.fail(`bundle.version is not a PEP 440 version: '${version}'`, p.lineOf("bundle", "version"), "for example 2.3.0 or 1.0rc1");
    spec.version = version;
  }
  const app = p.str(b, "app", "bundle");
  if (app !== undefined) spec.app = abs(app);
  const entry = p.str(b, "entry", "bundle");
  if (entry !== undefined) {
    if (!ENTRY_RE.test(entry)) throw p.fail(`bundle.entry must be module:function or a path to a .py script, got '${entry}'`, p.lineOf("bundle", "entry"));
    spec.entry = entry;
  }
  spec.requirements = p.strList(b, "requirements", "bundle").map(abs);
  spec.constraints = p.strList(b, "constraints", "bundle").map(abs);
  const lock = p.str(b, "lock", "bundle");
  if (lock !== undefined) spec.lock = abs(lock);
  if (spec.lock && spec.requirements.length) {
    throw p.fail("give either bundle.requirements or bundle.lock, not both", p.lineOf("bundle", "lock"), "a pylock.toml is already a complete pin set");
  }
  spec.targets = [...new Set(p.strList(b, "targets", "bundle"))];
  spec.findLinks = p.strList(b, "find-links", "bundle").map((x) => (URL_RE.test(x) && !isAbsolute(x) ? x : abs(x)));
  spec.exclude = p.strList(b, "exclude", "bundle");
  spec.include = p.strList(b, "include", "bundle");
  spec.state = p.strList(b, "state", "bundle");
  for (const st of spec.state) {
    if (!STATE_PATH_RE.test(st) || st.includes("//")) throw p.fail(`bundle.state entries are paths inside the app such as 'media/' or 'db.sqlite3', got '${st}'`, p.lineOf("bundle", "state"));
  }
  const withPip = b["with-pip"];
  if (withPip !== undefined && typeof withPip !== "boolean") throw p.fail("bundle.with-pip must be true or false", p.lineOf("bundle", "with-pip"));
  spec.withPip = withPip === true;
  const format = p.str(b, "format", "bundle");
  if (format !== undefined) {
    if (!(FORMATS as readonly string[]).includes(format)) throw p.fail(`bundle.format must be one of ${FORMATS.join(", ")}, got '${format}'`, p.lineOf("bundle", "format"));
    spec.format = format;
  }
  const out = p.str(b, "out", "bundle");
  if (out !== undefined) spec.out = abs(out);

  const embed = b["embed-python"];
  if (embed !== undefined) {
    if (typeof embed !== "boolean") throw p.fail("bundle.embed-python must be true or false", p.lineOf("bundle", "embed-python"));
    spec.embedPython = embed;
  }
  const mirror = p.str(b, "python-mirror", "bundle");
  if (mirror !== undefined) spec.pythonMirror = URL_RE.test(mirror) ? mirror : pathToFileURL(abs(mirror)).href;

  spec.indexes = readIndexes(p, doc["index"]);
  spec.pythons = readPythons(p, doc["python"], abs);
  return spec;
}

function readPythons(p: SpecReader, raw: unknown, abs: (x: string) => string): SpecPython[] {
  if (raw === undefined) return [];
  if (!Array.isArray(raw)) throw p.fail("'python' must be an array of tables: write [[python]], not [python]", p.headerLine("python", 0));
  return raw.map((entry, i) => {
    const where = `python[${i}]`;
    if (!isTable(entry)) throw p.fail(`${where} must be a table`, null);
    p.checkKeys(entry, PYTHON_KEYS, `${where}.`, ["python", i]);
    const url = p.str(entry, "url", ["python", i]);
    if (url === undefined) throw p.fail(`${where} has no url`, p.headerLine("python", i), 'every [[python]] needs url = "..." (an archive path or URL)');
    const sha256 = p.str(entry, "sha256", ["python", i]);
    if (sha256 !== undefined && !/^[0-9a-fA-F]{64}$/.test(sha256)) throw p.fail(`${where}.sha256 must be 64 hex digits`, p.lineOf(["python", i], "sha256"));
    const target = p.str(entry, "target", ["python", i]);
    return { url: URL_RE.test(url) ? url : abs(url), ...(sha256 ? { sha256: sha256.toLowerCase() } : {}), ...(target ? { target } : {}) };
  });
}

function readIndexes(p: SpecReader, raw: unknown): SpecIndex[] {
  if (raw === undefined) return [];
  if (!Array.isArray(raw)) throw p.fail("'index' must be an array of tables: write [[index]], not [index]", p.headerLine("index", 0));
  const out: SpecIndex[] = [];
  const pinnedBy = new Map<string, string>();
  raw.forEach((entry, i) => {
    const where = `index[${i}]`;
    if (!isTable(entry)) throw p.fail(`${where} must be a table`, null);
    p.checkKeys(entry, INDEX_KEYS, `${where}.`, ["index", i]);
    const name = p.str(entry, "name", ["index", i]);
    const url = p.str(entry, "url", ["index", i]);
    if (name === undefined) throw p.fail(`${where} has no name`, p.headerLine("index", i), 'every [[index]] needs name = "..." and url = "..."');
    if (url === undefined) throw p.fail(`index '${name}' has no url`, p.headerLine("index", i), 'every [[index]] needs name = "..." and url = "..."');
    if (!NAME_RE.test(name)) throw p.fail(`index name must be letters, digits, '.', '_' or '-', got '${name}'`, p.lineOf(["index", i], "name"));
    if (out.some((x) => x.name === name)) throw p.fail(`two [[index]] tables are named '${name}'`, p.lineOf(["index", i], "name"));
    let parsed: URL | undefined;
    try {
      parsed = new URL(url);
    } catch {
      parsed = undefined;
    }
    if (!parsed || !["http:", "https:", "file:"].includes(parsed.protocol)) {
      throw p.fail(`index '${name}': url must be an https, http or file URL, got '${redactUrl(url)}'`, p.lineOf(["index", i], "url"));
    }
    const idx: SpecIndex = { name, url };
    if (entry["projects"] !== undefined) {
      const projects = p.strList(entry, "projects", ["index", i]).map((proj) => {
        if (!NAME_RE.test(proj)) throw p.fail(`index '${name}': not a project name: '${proj}'`, p.lineOf(["index", i], "projects"));
        return canonicalizeName(proj);
      });
      for (const proj of projects) {
        const other = pinnedBy.get(proj);
        if (other !== undefined && other !== name) {
          throw p.fail(`project '${proj}' is pinned to two indexes: '${other}' and '${name}'`, p.lineOf(["index", i], "projects"), "a project comes from exactly one source");
        }
        pinnedBy.set(proj, name);
      }
      idx.projects = [...new Set(projects)];
    }
    out.push(idx);
  });
  return out;
}

type TableRef = "bundle" | ["index" | "python", number] | null;

/** Typed access to the document, with errors that name the file, the key and (best effort) the line. */
class SpecReader {
  private readonly lines: string[];
  constructor(
    text: string,
    private readonly file: string,
  ) {
    this.lines = text.split(/\r?\n/);
  }

  fail(message: string, line: number | null | undefined, hint?: string): WbError {
    const at = line ? `${this.file}:${line}` : this.file;
    return new WbError("E_USAGE", `${at}: ${message}`, { hint, details: { file: this.file, ...(line ? { line } : {}) } });
  }

  checkKeys(obj: Record<string, unknown>, known: readonly string[], prefix: string, table: TableRef | ""): void {
    for (const key of Object.keys(obj)) {
      if (known.includes(key)) continue;
      const near = nearest(key, known);
      const line = table === "" ? this.topLine(key) : this.lineOf(table, key);
      throw this.fail(`unknown key '${prefix}${key}'`, line, [
        ...(near ? [`did you mean '${prefix}${near}'?`] : []),
        `known keys${prefix ? ` of ${prefix.slice(0, -1).replace(/\[\d+\]$/, "")}` : ""}: ${known.join(", ")}`,
      ].join("; "));
    }
  }

  str(obj: Record<string, unknown>, key: string, table: TableRef): string | undefined {
    const v = obj[key];
    if (v === undefined) return undefined;
    if (typeof v !== "string" || v.trim() === "") throw this.fail(`${label(table)}${key} must be a non-empty string`, this.lineOf(table, key));
    return v;
  }

  strList(obj: Record<string, unknown>, key: string, table: TableRef): string[] {
    const v = obj[key];
    if (v === undefined) return [];
    if (!Array.isArray(v) || v.some((x) => typeof x !== "string" || x.trim() === "")) {
      throw this.fail(`${label(table)}${key} must be an array of non-empty strings`, this.lineOf(table, key), `for example ${key} = ["..."]`);
    }
    return v as string[];
  }

  /** Line (1-based) of the header of `[name]` / the i-th `[[name]]`. */
  headerLine(name: string, occurrence: number): number | undefined {
    const re = new RegExp(`^\\s*\\[\\[?\\s*${escapeRe(name)}\\s*\\]\\]?\\s*(#.*)?$`);
    let seen = -1;
    for (let i = 0; i < this.lines.length; i++) {
      if (re.test(this.lines[i] ?? "") && ++seen === occurrence) return i + 1;
    }
    return undefined;
  }

  /** Line of `key =` inside a table (best effort: a plain scan of the table's lines). */
  lineOf(table: TableRef, key: string): number | undefined {
    if (table === null) return undefined;
    const [name, occ] = table === "bundle" ? ["bundle", 0] : table;
    const start = this.headerLine(name, occ);
    if (start === undefined) return undefined;
    const keyRe = new RegExp(`^\\s*(?:${escapeRe(key)}|"${escapeRe(key)}"|'${escapeRe(key)}')\\s*=`);
    for (let i = start; i < this.lines.length; i++) {
      const l = this.lines[i] ?? "";
      if (/^\s*\[/.test(l)) break;
      if (keyRe.test(l)) return i + 1;
    }
    return undefined;
  }

  private topLine(key: string): number | undefined {
    const re = new RegExp(`^\\s*(?:\\[\\[?\\s*)?(?:${escapeRe(key)}|"${escapeRe(key)}")\\s*(?:[=.\\]])`);
    const i = this.lines.findIndex((l) => re.test(l));
    return i < 0 ? undefined : i + 1;
  }
}

function label(table: TableRef): string {
  return table === null ? "" : table === "bundle" ? "bundle." : `${table[0]}[${table[1]}].`;
}

function isTable(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v) && !(v instanceof Date);
}

function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}


/** The known key closest to a typo (edit distance <= 2, or a case/separator variant). */
function nearest(key: string, known: readonly string[]): string | undefined {
  const norm = (s: string) => s.toLowerCase().replace(/[_-]/g, "");
  let best: string | undefined;
  let bestD = 3;
  for (const k of known) {
    const d = norm(k) === norm(key) ? 0 : editDistance(key, k);
    if (d < bestD) [best, bestD] = [k, d];
  }
  return best;
}

