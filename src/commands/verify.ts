/**
 * `wheelbarrow verify BUNDLE [--json]`: checks an archive or unpacked bundle end to end
 * (src/bundle/verify.ts). Success: a one-line summary (or the JSON report) on stdout, exit 0.
 * Damage: with --json, `{ok: false, problems: [...]}` on stdout; always E_BUNDLE listing every
 * damaged or unexpected file on stderr, exit 1.
 */
import { resolve } from "node:path";
import type { Context } from "../context.js";
import { WbError, usageError } from "../errors.js";
import { openBundle } from "../bundle/read-bundle.js";
import { verifyOpened } from "../bundle/verify.js";
import { terminalSafe, terminalSafeJson } from "../text/terminal-safe.js";

export async function verifyCommand(args: unknown[], opts: Record<string, unknown>, ctx: Context): Promise<number> {
  const arg = args[0];
  if (typeof arg !== "string" || arg === "") throw usageError("verify needs the bundle to check", "wheelbarrow verify dist/shop-2.3.0-manylinux_2_28_x86_64-cp311.tar.gz");
  const json = Boolean(opts["json"]);
  try {
    const report = verifyOpened(await openBundle(resolve(ctx.cwd, arg), { hash: true, display: arg }));
    const s = terminalSafe;
    if (json) ctx.stdout.write(terminalSafeJson({ ok: true, ...report }) + "\n");
    else ctx.stdout.write(`OK ${s(arg)}: ${s(report.name)} ${s(report.version)} for ${s(report.target)}, ${report.packages} packages, ${report.files} files verified\n`);
    return 0;
  } catch (e) {
    if (json && e instanceof WbError && e.code === "E_BUNDLE") {
      ctx.stdout.write(terminalSafeJson({ ok: false, bundle: arg, error: e.toJSON() }) + "\n");
    }
    throw e;
  }
}
