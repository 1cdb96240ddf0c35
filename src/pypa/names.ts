/**
 * Project and extra names: PEP 503 normalisation, the core-metadata `Name` rule, PEP 685 extras.
 *
 * Decision: every name comparison in wheelbarrow goes through canonicalizeName; the name as
 * written is only kept for display.
 */

/** Core metadata `Name`: ASCII letters/digits, `.`/`_`/`-` inside, alphanumeric at both ends. */
const VALID_NAME = /^(?:[A-Za-z0-9]|[A-Za-z0-9][A-Za-z0-9._-]*[A-Za-z0-9])$/;

/** PEP 503: lowercase, every run of `-`, `_`, `.` becomes one `-`. */
export function canonicalizeName(name: string): string {
  return name.toLowerCase().replace(/[-_.]+/g, "-");
}

export function isValidProjectName(name: string): boolean {
  return VALID_NAME.test(name);
}

/** True when canonicalizeName(name) === name for a valid name. */
export function isNormalizedName(name: string): boolean {
  return isValidProjectName(name) && canonicalizeName(name) === name;
}

/** PEP 685: extras compare with the same normalisation as project names. */
export function canonicalizeExtra(extra: string): string {
  return canonicalizeName(extra);
}
