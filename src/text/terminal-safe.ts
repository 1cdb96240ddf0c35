/**
 * Text from a bundle or an index (manifest strings, package and file names, URLs, archive member
 * names) shown on a terminal: control characters are escaped so that no ANSI/OSC sequence
 * (`ESC [ 2 J`, `ESC ] 8 ; ; url`), no C1 control (U+0080-U+009F, e.g. the one-character CSI
 * U+009B), no bidirectional override and no line separator reaches the terminal raw. They show
 * as `\x1b`, `\x9b`, `\u202e`, so the reader sees that the bundle holds them. Pure.
 *
 * Backslashes are left as they are (Windows paths stay readable); an escaped control is
 * therefore recognisable but not distinguishable from the same characters typed literally,
 * which is acceptable for display.
 */

// C0 (with TAB, LF, CR), DEL, C1; bidi embeddings, overrides and isolates, LRM/RLM/ALM, line and
// paragraph separators.
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;
const UNSAFE_KEEP_NEWLINES = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

function escapeChar(c: string): string {
  const n = c.charCodeAt(0);
  return n <= 0xff ? `\\x${n.toString(16).padStart(2, "0")}` : `\\u${n.toString(16).padStart(4, "0")}`;
}

/** One value (a name, a path, a URL) as it may be printed: every control character escaped, newlines too. */
export function terminalSafe(s: string): string {
  return s.replace(UNSAFE, escapeChar);
}

/** A multi-line text of ours that embeds foreign values: escaped like terminalSafe, but `\n` kept. */
export function terminalSafeText(s: string): string {
  return s.replace(UNSAFE_KEEP_NEWLINES, escapeChar);
}

const JSON_UNSAFE = /[\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

/**
 * JSON.stringify for stdout: JSON already escapes C0 controls; DEL, C1, bidi controls and line
 * separators are written as \uXXXX too (still the same JSON value).
 */
export function terminalSafeJson(value: unknown, indent = 2): string {
  return JSON.stringify(value, null, indent).replace(JSON_UNSAFE, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
}
