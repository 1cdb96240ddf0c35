/**
 * A marker that cannot be evaluated for a target, as the coded error both planning paths (the
 * resolver and the closure check of pins) raise: E_REQUIREMENTS naming where the requirement
 * came from (an input line, or a package's Requires-Dist) and the marker. Two causes: the
 * marker needs a value a target cannot know (platform_release, platform_version), or it
 * compares in a way PEP 508 leaves undefined (`os_name ~= "posix"`, where packaging raises
 * UndefinedComparison).
 */
import { WbError } from "../errors.js";
import { evaluateMarker, MarkerEvaluationError, UnknownMarkerValueError, type MarkerEnvironment } from "../pypa/markers.js";
import type { Requirement } from "../pypa/requirement.js";
import type { Target } from "../targets/target.js";

export function markerFailure(e: unknown, where: string, target: Target): WbError {
  if (e instanceof UnknownMarkerValueError) {
    return new WbError("E_REQUIREMENTS", `${where}: the marker needs ${e.variable}, which target ${target.spec} does not define`, {
      hint: `${e.variable} depends on the exact machine (kernel / OS build); wheelbarrow will not guess it. Rewrite the marker with sys_platform, platform_machine or python_version`,
      details: { variable: e.variable, target: target.spec },
    });
  }
  if (e instanceof MarkerEvaluationError) {
    return new WbError("E_REQUIREMENTS", `${where}: the marker cannot be evaluated on ${target.spec}: ${e.message}`, {
      hint: "PEP 508 defines ~= and === only between versions, and < > only for version fields; packaging refuses the same marker. Fix the marker (or pin a release of the package whose metadata has a valid one)",
      details: { target: target.spec },
    });
  }
  throw e;
}

/** Does the requirement's marker hold? A marker that cannot be evaluated throws markerFailure's error. */
export function markerHoldsOrThrow(req: Requirement, env: MarkerEnvironment, where: string, target: Target): boolean {
  if (req.marker === undefined) return true;
  try {
    return evaluateMarker(req.marker, env);
  } catch (e) {
    throw markerFailure(e, where, target);
  }
}
