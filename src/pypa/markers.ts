/**
 * PEP 508 environment markers: tokenizer (shared with requirement.ts), parser, evaluation and
 * string form, following pypa/packaging 26.2 (vectors: fixtures/vectors/markers.json).
 *
 * Decisions:
 *  - `and` binds tighter than `or`; parentheses are kept in the tree (`grouped`) so that
 *    markerToString prints what packaging's str(Marker) prints.
 *  - Legacy names map to the PEP 508 ones (`os.name` -> os_name, `python_implementation` ->
 *    platform_python_implementation). `extra` literals are normalised (PEP 685) at parse time.
 *  - Version fields (python_version, python_full_version, implementation_version,
 *    platform_release) compare as a PEP 440 specifier when `op + value` is one (pre-releases
 *    allowed); otherwise, and for every other field, string rules: `in`/`not in` substring,
 *    `==`/`<=`/`>=` equality, `!=`, `<`/`>` false, `~=`/`===` -> MarkerEvaluationError.
 *  - An environment value that is `undefined` means the target cannot know it: the marker is
 *    evaluated three-valued and UnknownMarkerValueError is thrown only when the result depends
 *    on that value (`sys_platform == "win32" and platform_release >= "10"` is false on Linux).
 *  - Where packaging misbehaves we differ on purpose (left out of the vectors): a comparison of
 *    two literals or two variables throws MarkerEvaluationError (packaging looks the literal up
 *    as an environment key); quoted strings are taken verbatim (packaging runs Python's
 *    literal_eval, so backslashes are escapes); `a and ((b or c))` keeps its parentheses
 *    (packaging prints `a and b or c`); a literal containing `"` prints in single quotes.
 */
import { canonicalizeName } from "./names.js";
import { SPECIFIER_PATTERN, singleSpecifierContains } from "./versions.js";

// ---------------------------------------------------------------------------------------------
// Tokenizer (context-sensitive: the parser asks for the token kind it can accept next)
// ---------------------------------------------------------------------------------------------

/** A failure at [spanStart, spanEnd) of the source; the caret is at spanEnd. */
export class ParseFailure extends Error {
  constructor(
    readonly reason: string,
    readonly spanStart: number,
    readonly spanEnd: number,
  ) {
    super(reason);
  }
}

const W = "[\\p{L}\\p{N}_]"; // Python's \w
const B = `(?:(?<=${W})(?!${W})|(?<!${W})(?=${W}))`; // Python's \b
const VARIABLE_NAMES =
  "python_version|python_full_version|os[._]name|sys[._]platform|platform_(?:release|system)" +
  "|platform[._](?:version|machine|python_implementation)|python_implementation" +
  "|implementation_(?:name|version)|extras?|dependency_groups";

const RULES = {
  LEFT_PARENTHESIS: /\(/y,
  RIGHT_PARENTHESIS: /\)/y,
  LEFT_BRACKET: /\[/y,
  RIGHT_BRACKET: /\]/y,
  SEMICOLON: /;/y,
  COMMA: /,/y,
  QUOTED_STRING: /'[^']*'|"[^"]*"/y,
  OP: /===|==|~=|!=|<=|>=|<|>/y,
  BOOLOP: new RegExp(`${B}(?:or|and)${B}`, "yu"),
  IN: new RegExp(`${B}in${B}`, "yu"),
  NOT: new RegExp(`${B}not${B}`, "yu"),
  VARIABLE: new RegExp(`${B}(?:${VARIABLE_NAMES})${B}`, "yu"),
  SPECIFIER: new RegExp(SPECIFIER_PATTERN, "yi"),
  AT: /@/y,
  URL: /[^ \t]+/y,
  IDENTIFIER: new RegExp(`${B}[a-zA-Z0-9][a-zA-Z0-9._-]*${B}`, "yu"),
  VERSION_PREFIX_TRAIL: /\.\*/y,
  VERSION_LOCAL_LABEL_TRAIL: /\+[a-z0-9]+(?:[-_.][a-z0-9]+)*/y,
  WS: /[ \t]+/y,
} as const;

export type TokenName = keyof typeof RULES | "END";
export interface Token {
  name: TokenName;
  text: string;
  position: number;
}

export class Tokenizer {
  position = 0;
  private next: Token | null = null;
  constructor(readonly source: string) {}

  private match(name: TokenName): string | null {
    if (name === "END") {
      // Python's `$`: the end, or just before a final newline
      const rest = this.source.length - this.position;
      return rest === 0 || (rest === 1 && this.source[this.position] === "\n") ? "" : null;
    }
    const re = RULES[name];
    re.lastIndex = this.position;
    const m = re.exec(this.source);
    return m ? m[0] : null;
  }

  /** Is the next token `name`? Unless peeking, a match must be read before the next check. */
  check(name: TokenName, peek = false): boolean {
    if (this.next) throw new Error(`tokenizer: cannot check ${name}, ${this.next.name} is pending`);
    const text = this.match(name);
    if (text === null) return false;
    if (!peek) this.next = { name, text, position: this.position };
    return true;
  }

  consume(name: TokenName): void {
    if (this.check(name)) this.read();
  }

  expect(name: TokenName, expected: string): Token {
    if (!this.check(name)) this.fail(`Expected ${expected}`);
    return this.read();
  }

  read(): Token {
    const token = this.next;
    if (!token) throw new Error("tokenizer: nothing to read");
    this.position += token.text.length;
    this.next = null;
    return token;
  }

  fail(reason: string, spanStart = this.position, spanEnd = this.position): never {
    throw new ParseFailure(reason, spanStart, spanEnd);
  }

  /** `open body close` where the brackets are optional but must pair up. */
  enclosing<T>(open: TokenName, close: TokenName, around: string, body: () => T): T {
    let openPosition: number | null = null;
    if (this.check(open)) {
      openPosition = this.position;
      this.read();
    }
    const result = body();
    if (openPosition === null) return result;
    if (!this.check(close)) this.fail(`Expected matching ${close} for ${open}, after ${around}`, openPosition);
    this.read();
    return result;
  }
}

// ---------------------------------------------------------------------------------------------
// Tree
// ---------------------------------------------------------------------------------------------

export const MARKER_VARIABLES = [
  "python_version", "python_full_version", "os_name", "sys_platform", "platform_release",
  "platform_system", "platform_version", "platform_machine", "platform_python_implementation",
  "implementation_name", "implementation_version", "extra", "extras", "dependency_groups",
] as const;
export type MarkerVariable = (typeof MARKER_VARIABLES)[number];
export type MarkerOperator = "===" | "==" | "~=" | "!=" | "<=" | ">=" | "<" | ">" | "in" | "not in";
export type MarkerOperand = { kind: "variable"; name: MarkerVariable } | { kind: "literal"; value: string };
export interface MarkerComparison {
  kind: "compare";
  left: MarkerOperand;
  op: MarkerOperator;
  right: MarkerOperand;
}
export interface MarkerBoolean {
  kind: "and" | "or";
  items: Marker[];
  /** Written in parentheses (printed back when nested). */
  grouped: boolean;
}
export type Marker = MarkerComparison | MarkerBoolean;

/** Values a target knows; `undefined` = cannot know. */
export type MarkerEnvironment = Record<string, string | undefined>;
/** For pylock: `extras` and `dependency_groups` are sets of names. */
export type MarkerEvalEnvironment = Record<string, string | readonly string[] | undefined>;

export class MarkerSyntaxError extends Error {
  constructor(
    readonly marker: string,
    readonly reason: string,
    readonly column: number,
  ) {
    super(`invalid marker '${marker}': ${reason} (at column ${column + 1})`);
    this.name = "MarkerSyntaxError";
  }
}

export class UnknownMarkerValueError extends Error {
  constructor(readonly variable: string) {
    super(`the marker needs '${variable}', which this target does not define`);
    this.name = "UnknownMarkerValueError";
  }
}

export class MarkerEvaluationError extends Error {
  constructor(
    readonly kind: "undefined-comparison" | "invalid-comparison",
    message: string,
  ) {
    super(message);
    this.name = "MarkerEvaluationError";
  }
}

// ---------------------------------------------------------------------------------------------
// Parser
// ---------------------------------------------------------------------------------------------

type Flat = Array<Flat | MarkerComparison | "and" | "or">;

function parseFlat(t: Tokenizer): Flat {
  const items: Flat = [parseAtom(t)];
  while (t.check("BOOLOP")) {
    items.push(t.read().text as "and" | "or", parseAtom(t));
  }
  return items;
}

function parseAtom(t: Tokenizer): Flat | MarkerComparison {
  t.consume("WS");
  let atom: Flat | MarkerComparison;
  if (t.check("LEFT_PARENTHESIS", true)) {
    atom = t.enclosing("LEFT_PARENTHESIS", "RIGHT_PARENTHESIS", "marker expression", () => {
      t.consume("WS");
      const inner = parseFlat(t);
      t.consume("WS");
      return inner;
    });
  } else {
    atom = parseItem(t);
  }
  t.consume("WS");
  return atom;
}

function parseItem(t: Tokenizer): MarkerComparison {
  t.consume("WS");
  const left = parseOperand(t);
  t.consume("WS");
  const op = parseOperator(t);
  t.consume("WS");
  const right = parseOperand(t);
  t.consume("WS");
  return normalizeExtra({ kind: "compare", left, op, right });
}

function parseOperand(t: Tokenizer): MarkerOperand {
  if (t.check("VARIABLE")) {
    const name = t.read().text.replace(".", "_");
    return { kind: "variable", name: (name === "python_implementation" ? "platform_python_implementation" : name) as MarkerVariable };
  }
  if (t.check("QUOTED_STRING")) return { kind: "literal", value: t.read().text.slice(1, -1) };
  return t.fail("Expected a marker variable or quoted string");
}

function parseOperator(t: Tokenizer): MarkerOperator {
  if (t.check("IN")) {
    t.read();
    return "in";
  }
  if (t.check("NOT")) {
    t.read();
    t.expect("WS", "whitespace after 'not'");
    t.expect("IN", "'in' after 'not'");
    return "not in";
  }
  if (t.check("OP")) return t.read().text as MarkerOperator;
  return t.fail("Expected marker operator, one of <=, <, !=, ==, >=, >, ~=, ===, in, not in");
}

function normalizeExtra(c: MarkerComparison): MarkerComparison {
  const isExtra = (o: MarkerOperand) => o.kind === "variable" && o.name === "extra";
  if (isExtra(c.left) && c.right.kind === "literal") return { ...c, right: { kind: "literal", value: canonicalizeName(c.right.value) } };
  if (isExtra(c.right) && c.left.kind === "literal") return { ...c, left: { kind: "literal", value: canonicalizeName(c.left.value) } };
  return c;
}

function toTree(flat: Flat): Marker {
  const groups: Marker[][] = [[]];
  for (const item of flat) {
    if (item === "or") groups.push([]);
    else if (item !== "and") groups[groups.length - 1]!.push(Array.isArray(item) ? grouped(toTree(item)) : item);
  }
  const ands = groups.map((g): Marker => (g.length === 1 ? g[0]! : { kind: "and", items: g, grouped: false }));
  return ands.length === 1 ? ands[0]! : { kind: "or", items: ands, grouped: false };
}

const grouped = (m: Marker): Marker => (m.kind === "compare" ? m : { ...m, grouped: true });

/** Used by requirement.ts after its `;`: parse a marker at the tokenizer's position. */
export function parseMarkerAt(t: Tokenizer): Marker {
  return toTree(parseFlat(t));
}

export function parseMarker(text: string): Marker {
  const t = new Tokenizer(text);
  try {
    const marker = parseMarkerAt(t);
    t.expect("END", "end of marker expression");
    return marker;
  } catch (e) {
    if (e instanceof ParseFailure) throw new MarkerSyntaxError(text, e.reason, e.spanEnd);
    throw e;
  }
}

// ---------------------------------------------------------------------------------------------
// String form
// ---------------------------------------------------------------------------------------------

function operandToString(o: MarkerOperand): string {
  if (o.kind === "variable") return o.name;
  return o.value.includes('"') ? `'${o.value}'` : `"${o.value}"`;
}

function render(m: Marker, top: boolean): string {
  if (m.kind === "compare") return `${operandToString(m.left)} ${m.op} ${operandToString(m.right)}`;
  const inner = m.items.map((i) => render(i, false)).join(` ${m.kind} `);
  return m.grouped && !top ? `(${inner})` : inner;
}

export function markerToString(m: Marker): string {
  return render(m, true);
}

// ---------------------------------------------------------------------------------------------
// Evaluation
// ---------------------------------------------------------------------------------------------

const VERSION_FIELDS = new Set(["python_version", "python_full_version", "implementation_version", "platform_release"]);
const SET_FIELDS = new Set(["extras", "dependency_groups"]);

/** true / false, or the name of the unknown variable the answer depends on. */
type Tri = boolean | { unknown: string };

function stringOp(lhs: string, op: MarkerOperator, rhs: string | readonly string[]): boolean {
  switch (op) {
    case "in":
      return rhs.includes(lhs);
    case "not in":
      return !rhs.includes(lhs);
    case "<":
    case ">":
      return false;
    case "<=":
    case "==":
    case ">=":
      return rhs === lhs;
    case "!=":
      return rhs !== lhs;
    default:
      throw new MarkerEvaluationError(
        "undefined-comparison",
        `undefined comparison '${op}' between '${lhs}' and '${typeof rhs === "string" ? rhs : [...rhs].join(",")}' (not versions)`,
      );
  }
}

function evalCompare(c: MarkerComparison, env: MarkerEvalEnvironment): Tri {
  const { left, right, op } = c;
  if (left.kind === right.kind) {
    throw new MarkerEvaluationError("invalid-comparison", `marker '${markerToString(c)}' must compare a variable with a quoted string`);
  }
  const key = left.kind === "variable" ? left.name : (right as { name: MarkerVariable }).name;
  let value = env[key];
  if (value === undefined) return { unknown: key };
  if (key === "python_full_version" && typeof value === "string" && value.endsWith("+")) value = `${value}local`;
  if (key === "extra" && typeof value === "string") value = value === "" ? "" : canonicalizeName(value);
  let lhs: string | readonly string[] = left.kind === "variable" ? value : left.value;
  let rhs: string | readonly string[] = right.kind === "variable" ? value : right.value;
  if (typeof lhs !== "string") {
    throw new MarkerEvaluationError("invalid-comparison", `marker '${markerToString(c)}': '${key}' is a set and must be on the right of 'in'`);
  }
  if (SET_FIELDS.has(key)) {
    lhs = canonicalizeName(lhs);
    rhs = typeof rhs === "string" ? canonicalizeName(rhs) : rhs.map(canonicalizeName);
  }
  if (VERSION_FIELDS.has(key) && typeof rhs === "string") {
    const asVersion = singleSpecifierContains(`${op}${rhs}`, lhs);
    if (asVersion !== null) return asVersion;
  }
  return stringOp(lhs, op, rhs);
}

function evalTri(m: Marker, env: MarkerEvalEnvironment): Tri {
  if (m.kind === "compare") return evalCompare(m, env);
  // every item is evaluated, so an invalid comparison is reported wherever it sits
  const results = m.items.map((i) => evalTri(i, env));
  const decisive = m.kind === "and" ? false : true;
  if (results.includes(decisive)) return decisive;
  const unknown = results.find((r): r is { unknown: string } => typeof r === "object");
  return unknown ?? !decisive;
}

/**
 * Evaluate against a target's environment. Set `extra: ""` for base requirements and the
 * extra's name for each requested extra. Throws UnknownMarkerValueError (answer depends on an
 * undefined value) or MarkerEvaluationError (comparison PEP 508 leaves undefined).
 */
export function evaluateMarker(m: Marker, env: MarkerEnvironment | MarkerEvalEnvironment): boolean {
  const r = evalTri(m, env);
  if (typeof r === "object") throw new UnknownMarkerValueError(r.unknown);
  return r;
}
