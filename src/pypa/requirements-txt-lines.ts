/**
 * The lexical half of requirements.txt parsing (requirements-txt.ts is the other half), each step
 * as pip's req_file.py does it: decoding, line splitting (Python's str.splitlines), `\` joining,
 * comment stripping, `${VAR}` expansion, the args/options split, shlex splitting and optparse-style
 * option parsing. Pure; the decisions live in requirements-txt.ts.
 */

export type Decoded = { ok: true; text: string } | { ok: false; line: number; reason: string };

/** BOM (UTF-8/16/32), else a PEP 263 coding comment in the first two lines, else strict UTF-8. */
export function decodeRequirementsBytes(bytes: Uint8Array): Decoded {
  const b = bytes;
  const starts = (...sig: number[]) => sig.every((x, i) => b[i] === x);
  if (starts(0xef, 0xbb, 0xbf)) return decodeWith("utf-8", b.subarray(3));
  if (starts(0xff, 0xfe, 0, 0)) return utf32(b.subarray(4), true);
  if (starts(0, 0, 0xfe, 0xff)) return utf32(b.subarray(4), false);
  if (starts(0xff, 0xfe)) return decodeWith("utf-16le", b.subarray(2));
  if (starts(0xfe, 0xff)) return decodeWith("utf-16be", b.subarray(2));
  let start = 0;
  for (let n = 0; n < 2 && start <= b.length; n++) {
    let end = b.indexOf(0x0a, start);
    if (end < 0) end = b.length;
    if (b[start] === 0x23 /* # */) {
      const line = bytesToLatin1(b.subarray(start, end));
      const m = /coding[:=]\s*([-\w.]+)/.exec(line);
      if (m) return decodeWith(m[1]!, b);
    }
    start = end + 1;
  }
  return decodeWith("utf-8", b);
}

function decodeWith(pythonName: string, b: Uint8Array): Decoded {
  const norm = pythonName.toLowerCase().replace(/_/g, "-");
  if (["latin-1", "latin1", "l1", "iso-8859-1", "iso8859-1", "8859", "cp819"].includes(norm)) {
    return { ok: true, text: bytesToLatin1(b) };
  }
  if (["ascii", "us-ascii", "646"].includes(norm)) {
    const bad = b.findIndex((c) => c > 0x7f);
    if (bad >= 0) return { ok: false, line: lineAt(b, bad), reason: "not valid ascii (the encoding its coding line declares)" };
    return { ok: true, text: bytesToLatin1(b) };
  }
  if (["cp1252", "windows-1252", "1252"].includes(norm)) return cp1252(b);
  if (["utf-32", "utf-32le", "utf-32-le"].includes(norm)) return utf32(b, true);
  if (["utf-32be", "utf-32-be"].includes(norm)) return utf32(b, false);
  const label = ({ utf8: "utf-8", "utf-8-sig": "utf-8", u8: "utf-8", "utf-16": "utf-16le", "utf-16-le": "utf-16le", "utf-16-be": "utf-16be" } as Record<string, string>)[norm] ?? norm;
  let decoder: TextDecoder;
  try {
    decoder = new TextDecoder(label, { fatal: true });
  } catch {
    return { ok: false, line: 1, reason: `unknown encoding '${pythonName}'` };
  }
  try {
    return { ok: true, text: decoder.decode(b) };
  } catch {
    const loose = new TextDecoder(label).decode(b);
    const upto = loose.slice(0, Math.max(0, loose.indexOf("\uFFFD")));
    return { ok: false, line: upto.split("\n").length, reason: `not valid ${label === "utf-8" ? "UTF-8" : pythonName}` };
  }
}

/** 0x80..0x9f of Windows-1252 (undefined bytes: null). Node's TextDecoder reads these as latin-1. */
const CP1252_HIGH = [
  0x20ac, null, 0x201a, 0x0192, 0x201e, 0x2026, 0x2020, 0x2021, 0x02c6, 0x2030, 0x0160, 0x2039, 0x0152, null, 0x017d, null,
  null, 0x2018, 0x2019, 0x201c, 0x201d, 0x2022, 0x2013, 0x2014, 0x02dc, 0x2122, 0x0161, 0x203a, 0x0153, null, 0x017e, 0x0178,
];

function cp1252(b: Uint8Array): Decoded {
  let text = "";
  for (let i = 0; i < b.length; i++) {
    const c = b[i]!;
    const cp = c >= 0x80 && c < 0xa0 ? CP1252_HIGH[c - 0x80] : c;
    if (cp === null || cp === undefined) return { ok: false, line: lineAt(b, i), reason: "not valid cp1252" };
    text += String.fromCharCode(cp);
  }
  return { ok: true, text };
}

function bytesToLatin1(b: Uint8Array): string {
  let s = "";
  for (let i = 0; i < b.length; i += 8192) s += String.fromCharCode(...b.subarray(i, i + 8192));
  return s;
}

function lineAt(b: Uint8Array, index: number): number {
  let line = 1;
  for (let i = 0; i < index; i++) if (b[i] === 0x0a) line++;
  return line;
}

function utf32(b: Uint8Array, le: boolean): Decoded {
  if (b.length % 4 !== 0) return { ok: false, line: 1, reason: "not valid UTF-32 (truncated)" };
  const view = new DataView(b.buffer, b.byteOffset, b.byteLength);
  let text = "";
  for (let i = 0; i < b.length; i += 4) {
    const cp = view.getUint32(i, le);
    if (cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return { ok: false, line: text.split("\n").length, reason: "not valid UTF-32" };
    text += String.fromCodePoint(cp);
  }
  return { ok: true, text };
}

/** Python's str.splitlines(): the separators it knows, no trailing empty line. */
export function splitLines(text: string): string[] {
  const lines = text.split(/\r\n|[\n\r\v\f\x1c\x1d\x1e\x85\u2028\u2029]/);
  if (lines.length && lines[lines.length - 1] === "") lines.pop();
  return lines;
}

const COMMENT_START = /^\s*#/;

/** The line before its comment: a `#` at the start or after whitespace (pip's `(^|\s+)#.*$`), in one pass. */
function stripComment(line: string): string {
  for (let i = line.indexOf("#"); i >= 0; i = line.indexOf("#", i + 1)) {
    if (i === 0 || /\s/.test(line[i - 1]!)) return line.slice(0, i);
  }
  return line;
}

/** Python's str.strip("\\"), without a regex that backtracks on long runs. */
function stripBackslashes(line: string): string {
  let a = 0;
  let b = line.length;
  while (a < b && line.charCodeAt(a) === 0x5c) a++;
  while (b > a && line.charCodeAt(b - 1) === 0x5c) b--;
  return line.slice(a, b);
}

export interface LogicalLine {
  /** 1-based number of the first physical line. */
  line: number;
  text: string;
}

/**
 * pip's join_lines + ignore_comments: `\` continuations joined, comments and blank lines gone.
 * Linear in the size of the text (a file of 200k continuation lines is one pass).
 */
export function logicalLines(text: string): LogicalLine[] {
  const joined: LogicalLine[] = [];
  let parts: string[] = [];
  let first = 0;
  splitLines(text).forEach((raw, i) => {
    let line = raw;
    const isComment = COMMENT_START.test(line);
    if (!line.endsWith("\\") || isComment) {
      if (isComment) line = " " + line;
      if (parts.length) {
        parts.push(line);
        joined.push({ line: first, text: parts.join("") });
        parts = [];
      } else joined.push({ line: i + 1, text: line });
    } else {
      if (!parts.length) first = i + 1;
      parts.push(stripBackslashes(line));
    }
  });
  if (parts.length) joined.push({ line: first, text: parts.join("") });
  const out: LogicalLine[] = [];
  for (const l of joined) {
    const t = stripComment(l.text).trim();
    if (t) out.push({ line: l.line, text: t });
  }
  return out;
}

/** `${NAME}` (uppercase, digits, `_`) from env; unset or empty leaves the text as written. */
export function expandEnvVars(line: string, env: Record<string, string | undefined>): string {
  return line.replace(/\$\{([A-Z0-9_]+)\}/g, (whole, name: string) => env[name] || whole);
}

/** pip's break_args_options: the args end at the first space-separated token starting with `-`. */
export function splitArgsOptions(line: string): [string, string] {
  const tokens = line.split(" ");
  const i = tokens.findIndex((t) => t.startsWith("-"));
  if (i < 0) return [tokens.join(" "), ""];
  return [tokens.slice(0, i).join(" "), tokens.slice(i).join(" ")];
}

/** POSIX shlex.split (no comments): quotes, backslash escapes; throws on an open quote. */
export function shlexSplit(s: string): string[] {
  const out: string[] = [];
  let cur = "";
  let inWord = false;
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    if (c === " " || c === "\t" || c === "\r" || c === "\n") {
      if (inWord) out.push(cur);
      cur = "";
      inWord = false;
    } else if (c === "'") {
      const end = s.indexOf("'", i + 1);
      if (end < 0) throw new Error("cannot split the options: no closing quotation");
      cur += s.slice(i + 1, end);
      i = end;
      inWord = true;
    } else if (c === '"') {
      let j = i + 1;
      for (; j < s.length && s[j] !== '"'; j++) {
        if (s[j] === "\\" && j + 1 < s.length && (s[j + 1] === "\\" || s[j + 1] === '"')) j++;
        cur += s[j];
      }
      if (j >= s.length) throw new Error("cannot split the options: no closing quotation");
      i = j;
      inWord = true;
    } else if (c === "\\") {
      if (i + 1 >= s.length) throw new Error("cannot split the options: no escaped character");
      cur += s[++i];
      inWord = true;
    } else {
      cur += c;
      inWord = true;
    }
  }
  if (inWord) out.push(cur);
  return out;
}

interface OptionSpec {
  key: string;
  short?: string;
  long: string[];
  takesValue: boolean;
}

/** What pip's requirement-file parser accepts (SUPPORTED_OPTIONS + SUPPORTED_OPTIONS_REQ). */
const OPTIONS: OptionSpec[] = [
  { key: "index-url", short: "-i", long: ["--index-url", "--pypi-url"], takesValue: true },
  { key: "extra-index-url", long: ["--extra-index-url"], takesValue: true },
  { key: "no-index", long: ["--no-index"], takesValue: false },
  { key: "constraint", short: "-c", long: ["--constraint"], takesValue: true },
  { key: "requirement", short: "-r", long: ["--requirement"], takesValue: true },
  { key: "editable", short: "-e", long: ["--editable"], takesValue: true },
  { key: "find-links", short: "-f", long: ["--find-links"], takesValue: true },
  { key: "no-binary", long: ["--no-binary"], takesValue: true },
  { key: "only-binary", long: ["--only-binary"], takesValue: true },
  { key: "prefer-binary", long: ["--prefer-binary"], takesValue: false },
  { key: "require-hashes", long: ["--require-hashes"], takesValue: false },
  { key: "pre", long: ["--pre"], takesValue: false },
  { key: "trusted-host", long: ["--trusted-host"], takesValue: true },
  { key: "use-feature", long: ["--use-feature"], takesValue: true },
  { key: "hash", long: ["--hash"], takesValue: true },
  { key: "config-settings", short: "-C", long: ["--config-settings"], takesValue: true },
];
const LONG = OPTIONS.flatMap((o) => o.long.map((l) => [l, o] as const));

export interface ParsedOption {
  key: string;
  /** As the user wrote it (`--extra-index-url`, `-i`). */
  name: string;
  value?: string;
}

/** optparse semantics: `--opt=v`, `--opt v`, `-xv`, `-x v`; unique prefixes of long options. */
export function parseOptionTokens(tokens: string[]): { options: ParsedOption[]; positional: string[] } {
  const options: ParsedOption[] = [];
  const positional: string[] = [];
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i]!;
    if (t === "--") {
      positional.push(...tokens.slice(i + 1));
      break;
    }
    if (t.startsWith("--")) {
      const eq = t.indexOf("=");
      const written = eq >= 0 ? t.slice(0, eq) : t;
      const exact = LONG.find(([l]) => l === written);
      const candidates = exact ? [exact] : LONG.filter(([l]) => l.startsWith(written));
      const specs = [...new Set(candidates.map(([, o]) => o))];
      if (specs.length === 0) throw new Error(`unknown option ${written}`);
      if (specs.length > 1) throw new Error(`ambiguous option ${written} (${candidates.map(([l]) => l).sort().join(", ")})`);
      const spec = specs[0]!;
      if (!spec.takesValue) {
        if (eq >= 0) throw new Error(`option ${written} takes no value`);
        options.push({ key: spec.key, name: written });
      } else if (eq >= 0) options.push({ key: spec.key, name: written, value: t.slice(eq + 1) });
      else {
        if (i + 1 >= tokens.length) throw new Error(`option ${written} needs a value`);
        options.push({ key: spec.key, name: written, value: tokens[++i]! });
      }
    } else if (t.startsWith("-") && t.length > 1) {
      const flag = t.slice(0, 2);
      const spec = OPTIONS.find((o) => o.short === flag);
      if (!spec) throw new Error(`unknown option ${flag}`);
      if (t.length > 2) options.push({ key: spec.key, name: flag, value: t.slice(2) });
      else {
        if (i + 1 >= tokens.length) throw new Error(`option ${flag} needs a value`);
        options.push({ key: spec.key, name: flag, value: tokens[++i]! });
      }
    } else positional.push(t);
  }
  return { options, positional };
}
