/**
 * One error base for the whole tool. Every failure a user can cause carries a stable `code`
 * (README "Exit codes and errors"), a message naming the offending input, optional `hint`
 * lines, and structured fields (expected/found/target/...) that `--json` prints verbatim.
 * Anything that is not a WbError reaching the CLI is a bug and exits 2.
 */
import { InvalidHash, InvalidRequirementsInput, InvalidWheelFilename, PypaError, PypaErrorList } from "./pypa/errors.js";

export const ERROR_CODES = [
  "E_USAGE",
  "E_REQUIREMENTS",
  "E_NOT_PINNED",
  "E_NO_SUCH_PACKAGE",
  "E_NO_COMPATIBLE_WHEEL",
  "E_SDIST_ONLY",
  "E_MISSING_DEPENDENCY",
  "E_CONFLICT",
  "E_REQUIRES_PYTHON",
  "E_INTEGRITY",
  "E_NETWORK",
  "E_PROXY",
  "E_TLS",
  "E_AUTH",
  "E_BUNDLE",
  "E_SIGNATURE",
  "E_TARGET_MISMATCH",
  "E_INSTALL",
  "E_PYTHON_DIST",
  "E_NO_SPACE",
  "E_INTERRUPTED",
  "E_INTERNAL",
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

export interface WbErrorOptions {
  hint?: string | string[];
  cause?: unknown;
  /** Structured, already-redacted details (expected, found, target, url, file, line...). */
  details?: Record<string, unknown>;
}

export class WbError extends Error {
  readonly code: ErrorCode;
  readonly hints: string[];
  readonly details: Record<string, unknown>;

  constructor(code: ErrorCode, message: string, options: WbErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = "WbError";
    this.code = code;
    this.hints = options.hint === undefined ? [] : Array.isArray(options.hint) ? options.hint : [options.hint];
    this.details = options.details ?? {};
  }

  /** `error[E_CODE]: message` followed by `hint:` lines, as printed on stderr. */
  format(): string {
    return [`error[${this.code}]: ${this.message}`, ...this.hints.map((h) => `hint: ${h}`)].join("\n");
  }

  toJSON(): Record<string, unknown> {
    return { code: this.code, message: this.message, hints: this.hints, ...this.details };
  }
}

/**
 * Several problems found in one pass (for example every closure problem of every target).
 * Its code is the code of the first problem; `format()` prints all of them.
 */
export class WbErrorList extends WbError {
  readonly errors: WbError[];

  constructor(errors: WbError[]) {
    const first = errors[0];
    if (!first) throw new Error("WbErrorList needs at least one error");
    super(first.code, errors.length === 1 ? first.message : `${errors.length} problems found`, {
      details: { problems: errors.map((e) => e.toJSON()) },
    });
    this.errors = errors;
  }

  override format(): string {
    return this.errors.map((e) => e.format()).join("\n");
  }
}

export function isWbError(e: unknown): e is WbError {
  return e instanceof WbError;
}

/** Throw E_USAGE (bad flag, bad target, bad argument). */
export function usageError(message: string, hint?: string | string[]): WbError {
  return new WbError("E_USAGE", message, { hint });
}

/** The coded error each pypa error class becomes (src/pypa/errors.ts). */
const PYPA_CODES: ReadonlyArray<[abstract new (...args: never[]) => PypaError, ErrorCode]> = [
  [InvalidRequirementsInput, "E_REQUIREMENTS"],
  [InvalidWheelFilename, "E_REQUIREMENTS"],
  [InvalidHash, "E_REQUIREMENTS"],
];

/**
 * The plan/command boundary's one converter: a pypa error (src/pypa/errors.ts) as the coded
 * error the user sees, with the same message and hints and its `where` as details; a list
 * stays a list. Anything else is returned unchanged.
 */
export function fromPypaError(e: unknown): unknown {
  if (e instanceof PypaErrorList) return new WbErrorList(e.errors.map((x) => fromPypaError(x) as WbError));
  if (!(e instanceof PypaError)) return e;
  const code = PYPA_CODES.find(([cls]) => e instanceof cls)?.[1];
  if (code === undefined) throw new Error(`internal: no error code for ${e.name}`);
  return new WbError(code, e.message, { hint: e.hints, details: { ...e.where } });
}

/** Run pypa code from an I/O layer: its errors come out coded. */
export function codedPypa<T>(fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    throw fromPypaError(e);
  }
}
