/**
 * PEP 508 dependency specifiers: `name [extras] (specifier | @ URL) [; marker]`, parsed with the
 * grammar and error messages of pypa/packaging 26.2 (vectors: fixtures/vectors/requirements.json).
 *
 * Decisions:
 *  - `name` is kept as written; `extras` are canonicalised (PEP 685), de-duplicated and sorted;
 *    `specifier` is str(SpecifierSet) (items as written, sorted, equivalent duplicates dropped).
 *  - `foo[]`, `foo()`, `foo (>=1.0)` and a trailing comma in the specifier are accepted. The URL
 *    form needs whitespace between the URL and `;` (the `;` could belong to the URL).
 *  - The URL is not validated here (packaging 26 does not either); callers decide what they
 *    accept (wheelbarrow rejects VCS and sdist URLs elsewhere).
 */
import { ParseFailure, Tokenizer, markerToString, parseMarkerAt, type Marker } from "./markers.js";
import { canonicalizeExtra } from "./names.js";
import { redactUrl } from "../text/redact-url.js";
import { InvalidSpecifierError, specifierSetToString } from "./versions.js";

export interface Requirement {
  /** As written. */
  name: string;
  /** Canonicalised, sorted, unique. */
  extras: string[];
  /** Normalised comma-joined specifier set, "" if none. */
  specifier: string;
  url?: string;
  marker?: Marker;
  /** markerToString(marker). */
  markerText?: string;
}

export class RequirementSyntaxError extends Error {
  /** 0-based position of the problem in `requirement` (packaging's caret). */
  readonly column: number;
  readonly reason: string;
  readonly requirement: string;
  constructor(reason: string, column: number, requirement = "") {
    super(`invalid requirement '${requirement}': ${reason} (at column ${column + 1})`);
    this.name = "RequirementSyntaxError";
    this.reason = reason;
    this.column = column;
    this.requirement = requirement;
  }
}

function parseExtras(t: Tokenizer): string[] {
  if (!t.check("LEFT_BRACKET", true)) return [];
  return t.enclosing("LEFT_BRACKET", "RIGHT_BRACKET", "extras", () => {
    t.consume("WS");
    const extras: string[] = [];
    if (t.check("IDENTIFIER")) {
      extras.push(t.read().text);
      for (;;) {
        t.consume("WS");
        if (t.check("IDENTIFIER", true)) t.fail("Expected comma between extra names");
        if (!t.check("COMMA")) break;
        t.read();
        t.consume("WS");
        extras.push(t.expect("IDENTIFIER", "extra name after comma").text);
      }
    }
    t.consume("WS");
    return extras;
  });
}

function parseVersionMany(t: Tokenizer): string {
  let text = "";
  while (t.check("SPECIFIER")) {
    const start = t.position;
    text += t.read().text;
    if (t.check("VERSION_PREFIX_TRAIL", true)) {
      t.fail(".* suffix can only be used with `==` or `!=` operators", start, t.position + 1);
    }
    if (t.check("VERSION_LOCAL_LABEL_TRAIL", true)) {
      t.fail("Local version label can only be used with `==` or `!=` operators", start, t.position);
    }
    t.consume("WS");
    if (!t.check("COMMA")) break;
    text += t.read().text;
    t.consume("WS");
  }
  return text;
}

function parseMarkerAfter(t: Tokenizer, spanStart: number, expected: string): Marker {
  if (!t.check("SEMICOLON")) t.fail(`Expected ${expected} or end`, spanStart);
  t.read();
  const marker = parseMarkerAt(t);
  t.consume("WS");
  return marker;
}

interface Details {
  url?: string;
  specifier: string;
  marker?: Marker;
}

function parseDetails(t: Tokenizer): Details {
  if (t.check("AT")) {
    t.read();
    t.consume("WS");
    const urlStart = t.position;
    const url = t.expect("URL", "URL after @").text;
    if (t.check("END", true)) return { url, specifier: "" };
    t.expect("WS", "whitespace after URL");
    if (t.check("END", true)) return { url, specifier: "" };
    return { url, specifier: "", marker: parseMarkerAfter(t, urlStart, "semicolon (after URL and whitespace)") };
  }
  const specStart = t.position;
  const specifier = t.enclosing("LEFT_PARENTHESIS", "RIGHT_PARENTHESIS", "version specifier", () => {
    t.consume("WS");
    const many = parseVersionMany(t);
    t.consume("WS");
    return many;
  });
  t.consume("WS");
  if (t.check("END", true)) return { specifier };
  const expected = specifier
    ? "comma (within version specifier), semicolon (after version specifier)"
    : "semicolon (after name with no version specifier)";
  return { specifier, marker: parseMarkerAfter(t, specStart, expected) };
}

export function parseRequirement(text: string): Requirement {
  const t = new Tokenizer(text);
  try {
    t.consume("WS");
    const name = t.expect("IDENTIFIER", "package name at the start of dependency specifier").text;
    t.consume("WS");
    const extras = parseExtras(t);
    t.consume("WS");
    const details = parseDetails(t);
    t.expect("END", "end of dependency specifier");
    let specifier: string;
    try {
      specifier = specifierSetToString(details.specifier);
    } catch (e) {
      // `===` swallows commas (`name===a,b`); the set then has an invalid item
      if (e instanceof InvalidSpecifierError) throw new RequirementSyntaxError(e.message, text.length, text);
      throw e;
    }
    const req: Requirement = {
      name,
      extras: [...new Set(extras.map(canonicalizeExtra))].sort(),
      specifier,
    };
    if (details.url !== undefined) req.url = details.url;
    if (details.marker !== undefined) {
      req.marker = details.marker;
      req.markerText = markerToString(details.marker);
    }
    return req;
  } catch (e) {
    if (e instanceof ParseFailure) throw new RequirementSyntaxError(e.reason, e.spanEnd, text);
    throw e;
  }
}

/** str(Requirement) for messages: `name[extras]specifier`, ` @ url` (credentials masked), `; marker` (` ; ` after a URL). */
export function requirementToString(r: Requirement): string {
  let out = r.name;
  if (r.extras.length > 0) out += `[${[...r.extras].sort().join(",")}]`;
  out += r.specifier;
  if (r.url !== undefined) out += ` @ ${redactUrl(r.url)}${r.marker ? " " : ""}`;
  if (r.marker) out += `; ${markerToString(r.marker)}`;
  return out;
}
