/**
 * The errors the packaging-standards code throws. src/pypa does not know the tool's coded
 * errors (src/errors.ts): each class carries what is wrong and where, and the plan/command
 * boundary turns it into a coded error with `toCodedError` (src/errors.ts), keeping the code,
 * message and hints the user sees (docs/architecture.md "Errors").
 */

export interface PypaErrorOptions {
  hint?: string | string[];
  /** Where the bad input is: file, line, entry, text, filename... (already redacted). */
  where?: Record<string, unknown>;
}

export abstract class PypaError extends Error {
  readonly hints: string[];
  readonly where: Record<string, unknown>;

  constructor(message: string, options: PypaErrorOptions = {}) {
    super(message);
    this.hints = options.hint === undefined ? [] : Array.isArray(options.hint) ? options.hint : [options.hint];
    this.where = options.where ?? {};
  }
}

/** A requirements file, constraints file or pylock.toml that does not parse or breaks its rules. */
export class InvalidRequirementsInput extends PypaError {
  override readonly name = "InvalidRequirementsInput";
}

/** A wheel file name that breaks the binary distribution format (packaging.python.org). */
export class InvalidWheelFilename extends PypaError {
  override readonly name = "InvalidWheelFilename";
  readonly filename: string;
  readonly reason: string;

  constructor(filename: string, reason: string) {
    super(`invalid wheel filename ${JSON.stringify(filename)}: ${reason}`, { where: { filename, reason } });
    this.filename = filename;
    this.reason = reason;
  }
}

/**
 * A hash value that is not `alg:hex` / `alg=hex` of a known algorithm with the right number of
 * hex digits. `what` and `hint` describe the value alone; the caller adds where it was.
 */
export class InvalidHash extends PypaError {
  override readonly name = "InvalidHash";
  readonly what: string;

  constructor(what: string, hint?: string) {
    super(what, hint === undefined ? {} : { hint });
    this.what = what;
  }
}

/** Several problems found in one pass (every bad line of a requirements file). */
export class PypaErrorList extends PypaError {
  override readonly name = "PypaErrorList";
  readonly errors: PypaError[];

  constructor(errors: PypaError[]) {
    super(`${errors.length} problems found`);
    this.errors = errors;
  }
}
