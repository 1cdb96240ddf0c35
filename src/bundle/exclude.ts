/**
 * `.gitignore`-style exclude patterns for `--app` (a small matcher rather than node's
 * path.matchesGlob, which is experimental in Node 20 and prints a warning).
 *
 * Supported, as in gitignore(5): `#` comments and blank patterns ignored; `!` re-includes; a
 * trailing `/` matches directories only; a pattern with a `/` elsewhere is anchored at the app
 * root (a leading `/` only anchors), one without matches a name at any depth; `*`, `?`, `[...]`
 * (with `!`/`^` negation) never match `/`; `**` as a whole segment matches any number of
 * directories; `\` escapes. The last matching pattern wins; a file inside an excluded directory
 * cannot be re-included (the directory is not entered). Pure: no I/O.
 */

interface Rule {
  negate: boolean;
  dirOnly: boolean;
  re: RegExp;
  source: string;
}

function escapeRe(c: string): string {
  return /[.*+?^${}()|[\]\\/]/.test(c) ? `\\${c}` : c;
}

/** Translates one glob (already stripped of `!`, trailing `/` and anchoring) into a regex body. */
function globBody(pat: string): string {
  let re = "";
  let i = 0;
  while (i < pat.length) {
    const c = pat[i] as string;
    if (c === "*") {
      if (pat[i + 1] === "*") {
        const atStart = i === 0 || pat[i - 1] === "/";
        const j = i + 2;
        if (atStart && j === pat.length) {
          re += ".*";
          i = j;
          continue;
        }
        if (atStart && pat[j] === "/") {
          re += "(?:[^/]*/)*";
          i = j + 1;
          continue;
        }
        re += "[^/]*";
        i = j;
        continue;
      }
      re += "[^/]*";
      i++;
    } else if (c === "?") {
      re += "[^/]";
      i++;
    } else if (c === "[") {
      const close = pat.indexOf("]", i + 2);
      if (close === -1) {
        re += "\\[";
        i++;
        continue;
      }
      let body = pat.slice(i + 1, close);
      let neg = false;
      if (body.startsWith("!") || body.startsWith("^")) {
        neg = true;
        body = body.slice(1);
      }
      body = body.replace(/\\/g, "\\\\").replace(/\]/g, "\\]");
      re += neg ? `(?!/)[^${body}]` : `[${body}]`;
      i = close + 1;
    } else if (c === "\\" && i + 1 < pat.length) {
      re += escapeRe(pat[i + 1] as string);
      i += 2;
    } else {
      re += escapeRe(c);
      i++;
    }
  }
  return re;
}

function compile(raw: string): Rule | null {
  let p = raw.replace(/(?<!\\)\s+$/, "");
  if (p === "" || p.startsWith("#")) return null;
  let negate = false;
  if (p.startsWith("!")) {
    negate = true;
    p = p.slice(1);
  } else if (p.startsWith("\\!") || p.startsWith("\\#")) p = p.slice(1);
  let dirOnly = false;
  if (p.endsWith("/")) {
    dirOnly = true;
    p = p.replace(/\/+$/, "");
  }
  if (p === "") return null;
  const anchored = p.includes("/");
  if (p.startsWith("/")) p = p.replace(/^\/+/, "");
  const body = globBody(p);
  const re = new RegExp(anchored ? `^${body}$` : `^(?:.*/)?${body}$`);
  return { negate, dirOnly, re, source: raw };
}

export class ExcludeMatcher {
  private readonly rules: Rule[];

  constructor(patterns: string[]) {
    this.rules = patterns.map(compile).filter((r): r is Rule => r !== null);
  }

  /** Is `rel` (a `/`-separated path relative to the app root) excluded by the user's patterns? */
  excludes(rel: string, isDir: boolean): boolean {
    let excluded = false;
    for (const r of this.rules) {
      if (r.dirOnly && !isDir) continue;
      if (r.re.test(rel)) excluded = !r.negate;
    }
    return excluded;
  }
}

/** Names never shipped from an app dir, at any depth (README "App source": never .git, caches, virtualenvs). */
export const BUILTIN_EXCLUDED_NAMES: ReadonlySet<string> = new Set([
  ".git",
  ".hg",
  ".svn",
  "__pycache__",
  ".venv",
  "venv",
  "node_modules",
  ".tox",
  ".nox",
  ".mypy_cache",
  ".pytest_cache",
  ".ruff_cache",
  ".DS_Store",
]);

export function builtinExcluded(name: string): boolean {
  return BUILTIN_EXCLUDED_NAMES.has(name) || name.endsWith(".pyc") || name.endsWith(".pyo");
}

/**
 * Names that hold secrets more often than not: never shipped from an app dir unless an `--include`
 * pattern names them (the bundler warns about each one it leaves out).
 */
const SECRET_NAME = /^(\.env|\.netrc|id_rsa.*|.*\.pem|.*\.key)$/;

export function secretName(name: string): boolean {
  return SECRET_NAME.test(name);
}
