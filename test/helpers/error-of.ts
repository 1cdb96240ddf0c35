/** The WbError a function throws (the test fails if it throws nothing or something else). */
import { expect } from "vitest";
import { WbError } from "../../src/errors.js";

export function errorOf(fn: () => unknown): WbError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(WbError);
    return e as WbError;
  }
  throw new Error("expected an error");
}
