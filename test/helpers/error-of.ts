/**
 * The coded error a function's failure becomes (the test fails if it throws nothing or
 * something else). Errors of the pure src/pypa code pass through the boundary's converter
 * (fromPypaError), as the CLI reports them.
 */
import { expect } from "vitest";
import { fromPypaError, WbError } from "../../src/errors.js";

export function errorOf(fn: () => unknown): WbError {
  try {
    fn();
  } catch (thrown) {
    const e = fromPypaError(thrown);
    expect(e).toBeInstanceOf(WbError);
    return e as WbError;
  }
  throw new Error("expected an error");
}
