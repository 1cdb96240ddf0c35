/**
 * The part `lock` and `bundle` share: inputs -> targets -> sources -> per-target plan.
 * All problems of all targets are raised together as one WbErrorList.
 */
import { resolve } from "node:path";
import type { Context } from "../context.js";
import { WbError, WbErrorList } from "../errors.js";
import { planTargets, MemoSource } from "../plan/plan-targets.js";
import type { Plan } from "../plan/types.js";
import { loadInputs } from "./load-inputs.js";
import { noSpaceError } from "./no-space.js";
import { readSpecFile } from "../spec/spec-file.js";
import { resolveSettings, withRequirementsOptions, type RunFlags, type Settings } from "./settings.js";
import { runTargets } from "./target-files.js";
import { openSession, type Session } from "./session.js";

/** Reads the spec file (if one is named) and resolves the settings of its layers (settings.ts). */
export async function readSettings(command: "bundle" | "lock", specArg: string | undefined, flags: RunFlags, ctx: Context): Promise<Settings> {
  const spec = specArg !== undefined && specArg !== "" ? await readSpecFile(resolve(ctx.cwd, specArg)) : undefined;
  return resolveSettings({ command, cwd: ctx.cwd, flags, spec, env: ctx.env, platform: process.platform });
}

/**
 * With `opts.keepGoing` (lock only) and several targets, the targets that planned are returned
 * in `plan` and the others' errors in `failures`; otherwise any error is thrown.
 */
export async function runPlan(opts: Settings, ctx: Context): Promise<{ plan: Plan; session: Session; failures: WbError[] }> {
  if (opts.targets.length === 0 && opts.targetFiles.length === 0) {
    throw new WbError("E_USAGE", "no target given", {
      hint: ["name at least one: --target manylinux_2_28_x86_64@3.11 (or linux-x86_64@3.12, win_amd64@3.11, macos-arm64@3.12)", "`wheelbarrow targets` lists the aliases", "or describe the machine itself: --target-file target.json (from `sh probe.sh` run there)"],
    });
  }
  const { targets, warnings: targetWarnings } = runTargets(opts);
  const loaded = loadInputs(opts, ctx.env);
  const settings = withRequirementsOptions(opts, loaded.fileOptions);
  const session = await openSession(settings, ctx);
  try {
    if (!opts.quiet) for (const w of [...targetWarnings, ...loaded.warnings]) session.reporter.log.warn(w);
    const source = new MemoSource(session.planSource);
    const { plan, errors, failed } = await planTargets(loaded.inputs, targets, source, {
      pre: settings.pre,
      resolve: !opts.pinsOnly,
      excludeNewer: opts.excludeNewer,
      maxSteps: opts.maxSteps,
    }, loaded.constraints);
    const planned = plan.targets.filter((_, i) => !failed[i]);
    if (errors.length && !(opts.keepGoing && targets.length > 1 && planned.length > 0)) throw errors.length === 1 ? errors[0]! : new WbErrorList(errors);
    const kept: Plan = { targets: planned };
    if (!opts.quiet) for (const w of new Set(kept.targets.flatMap((t) => t.warnings))) session.reporter.log.warn(w);
    return { plan: kept, session, failures: errors };
  } catch (e) {
    await session.close();
    throw noSpaceError(e, { path: session.cache.root, what: "the cache" }) ?? e;
  }
}
