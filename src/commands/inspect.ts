/**
 * `wheelbarrow inspect BUNDLE [--json]`: target, packages, sizes and provenance of a bundle,
 * read from its manifest (src/bundle/inspect.ts). Data on stdout; it does not verify hashes.
 */
import { resolve } from "node:path";
import type { Context } from "../context.js";
import type { CommandArgs, InspectFlags } from "./flags.js";
import { usageError } from "../errors.js";
import { formatInspect, inspectOpened } from "../bundle/inspect.js";
import { openBundle } from "../bundle/read-bundle.js";
import { inspectSignature, signatureFlags } from "./signature-flags.js";
import { terminalSafeJson } from "../text/terminal-safe.js";

export async function inspectCommand(args: CommandArgs["inspect"], opts: InspectFlags, ctx: Context): Promise<number> {
  const arg = args[0];
  if (arg === "") throw usageError("inspect needs the bundle to read", "wheelbarrow inspect dist/shop-2.3.0-manylinux_2_28_x86_64-cp311.tar.gz");
  const sigOpts = await signatureFlags(opts, ctx);
  const opened = await openBundle(resolve(ctx.cwd, arg), { hash: false, display: arg });
  const report = { ...inspectOpened(opened), signature: inspectSignature(opened, sigOpts) };
  ctx.stdout.write(opts.json ? terminalSafeJson(report) + "\n" : formatInspect(report));
  return 0;
}
