/**
 * `wheelbarrow lock`: read inputs, select and check the closure for every target, write one
 * multi-target pylock.toml. Downloads no wheel body when the index serves metadata (PEP 658) or
 * answers range requests.
 */
import { mkdirSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { basename, dirname } from "node:path";
import type { Context } from "../context.js";
import { writePylock } from "../pypa/pylock.js";
import { planToPylock } from "../plan/to-pylock.js";
import type { Plan } from "../plan/types.js";
import { TOOL_NAME, TOOL_VERSION } from "../version.js";
import { tempName, untrackTemp } from "../store/temp-files.js";
import { noSpaceError } from "./no-space.js";
import { readSettings, runPlan } from "./run-plan.js";
import type { CommandArgs, LockFlags } from "./flags.js";
import { WbErrorList } from "../errors.js";

export async function lockCommand(args: CommandArgs["lock"], flags: LockFlags, ctx: Context): Promise<number> {
  const opts = await readSettings("lock", args[0], flags, ctx);
  const name = basename(opts.out);
  if (!opts.quiet && name !== "pylock.toml" && !/^pylock\.[^.]+\.toml$/.test(name)) {
    ctx.stderr.write(`warning: ${opts.out}: pip and packaging only read lock files named pylock.toml or pylock.<name>.toml (PEP 751)\n`);
  }
  const { plan, session, failures } = await runPlan(opts, ctx);
  try {
    const text = writePylock(planToPylock(plan, `${TOOL_NAME} ${TOOL_VERSION}`));
    try {
      writeAtomic(opts.out, text);
    } catch (e) {
      throw noSpaceError(e, { path: dirname(opts.out), what: "the lock", needed: Buffer.byteLength(text) }) ?? e;
    }
    if (opts.json) {
      // --keep-going with failed targets: one document, with the written targets and the errors of the others.
      const failed = failures.length ? { failed: failures.map((e) => e.toJSON()) } : {};
      ctx.stdout.write(JSON.stringify({ ok: failures.length === 0, ...planJson(plan, opts.out), ...failed }, null, 2) + "\n");
      if (failures.length) {
        for (const e of failures) ctx.stderr.write(`${e.format()}\n`);
        return 1;
      }
    }
    else if (!opts.quiet) {
      const n = new Set(plan.targets.flatMap((t) => t.packages.map((p) => `${p.name}==${p.version}`))).size;
      ctx.stderr.write(`wrote ${opts.out}: ${n} packages for ${plan.targets.length} target(s)${failures.length ? ` (--keep-going: the other targets failed, below)` : ""}\n`);
    }
    if (failures.length) throw failures.length === 1 ? failures[0]! : new WbErrorList(failures);
  } finally {
    await session.close();
  }
  return 0;
}

export function writeAtomic(path: string, text: string): void {
  mkdirSync(dirname(path), { recursive: true });
  const tmp = tempName(path);
  try {
    writeFileSync(tmp, text);
    renameSync(tmp, path);
  } finally {
    rmSync(tmp, { force: true });
    untrackTemp(tmp);
  }
}

/** The `--json` shape of a plan: per target, the selected packages. */
export function planJson(plan: Plan, lockPath?: string): Record<string, unknown> {
  return {
    ...(lockPath ? { lock: lockPath } : {}),
    targets: plan.targets.map((tp) => ({
      target: tp.target.spec,
      platform: tp.target.platform,
      python: tp.target.pythonVersion,
      packages: tp.packages.map((p) => ({
        name: p.name,
        version: p.version,
        filename: p.file.filename,
        sha256: p.sha256,
        size: p.file.size ?? null,
        requested: p.requested,
        url: p.file.url.display,
        index: p.file.source.url.display,
      })),
      warnings: tp.warnings,
    })),
  };
}
