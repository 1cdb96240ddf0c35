/**
 * `wheelbarrow diff OLD NEW [--json]`: packages added, removed, upgraded, downgraded and rebuilt
 * (same version, different sha256), and shipped files changed, between two bundles
 * (src/bundle/diff.ts). Exit 0 whether or not they differ (like `git diff`); scripts read --json.
 */
import { resolve } from "node:path";
import type { Context } from "../context.js";
import type { CommandArgs, DiffFlags } from "./flags.js";
import { usageError } from "../errors.js";
import { diffManifests, formatDiff } from "../bundle/diff.js";
import { manifestOf } from "../bundle/inspect.js";
import { openBundle } from "../bundle/read-bundle.js";
import { terminalSafeJson } from "../text/terminal-safe.js";

export async function diffCommand(args: CommandArgs["diff"], opts: DiffFlags, ctx: Context): Promise<number> {
  const [a, b] = args;
  if (a === "" || b === "") throw usageError("diff needs two bundles: OLD NEW");
  const [oldB, newB] = await Promise.all([
    openBundle(resolve(ctx.cwd, a), { hash: false, display: a }),
    openBundle(resolve(ctx.cwd, b), { hash: false, display: b }),
  ]);
  const d = diffManifests(manifestOf(oldB), manifestOf(newB), { old: { bundle: a, stem: oldB.root }, new: { bundle: b, stem: newB.root } });
  ctx.stdout.write(opts.json ? terminalSafeJson(d) + "\n" : formatDiff(d));
  return 0;
}
