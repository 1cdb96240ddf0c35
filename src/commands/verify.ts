/**
 * `wheelbarrow verify BUNDLE [--json]`: checks an archive or unpacked bundle end to end
 * (src/bundle/verify.ts). Success: a one-line summary (or the JSON report) on stdout, exit 0.
 * Damage: E_BUNDLE listing every damaged or unexpected file (with --json the CLI prints it as
 * `{"ok": false, "error": {..., "bundle", "problems": [...]}}` on stdout), exit 1.
 */
import { resolve } from "node:path";
import type { Context } from "../context.js";
import type { CommandArgs, VerifyFlags } from "./flags.js";
import { WbError, usageError } from "../errors.js";
import { openBundle } from "../bundle/read-bundle.js";
import { verifyOpened } from "../bundle/verify.js";
import { checkArchiveSignature, checkBundleSignature } from "../sign/bundle-signature.js";
import { describeSignature, signatureFlags } from "./signature-flags.js";
import { terminalSafe, terminalSafeJson } from "../text/terminal-safe.js";

export async function verifyCommand(args: CommandArgs["verify"], opts: VerifyFlags, ctx: Context): Promise<number> {
  const arg = args[0];
  if (arg === "") throw usageError("verify needs the bundle to check", "wheelbarrow verify dist/shop-2.3.0-manylinux_2_28_x86_64-cp311.tar.gz");
  const json = opts.json;
  const sigOpts = await signatureFlags(opts, ctx);
  try {
    const opened = await openBundle(resolve(ctx.cwd, arg), { hash: true, display: arg });
    const report = verifyOpened(opened);
    const s = terminalSafe;
    const signature = checkBundleSignature(opened, sigOpts);
    const archiveSignature = opened.format === "dir" ? null : await checkArchiveSignature(resolve(ctx.cwd, arg), arg, sigOpts);
    const signed = signature === null ? {} : { signature, archiveSignature };
    if (json) ctx.stdout.write(terminalSafeJson({ ok: true, ...report, ...signed }) + "\n");
    else ctx.stdout.write(`OK ${s(arg)}: ${s(report.name)} ${s(report.version)} for ${s(report.target)}, ${report.packages} packages, ${report.files} files verified\n`);
    if (!json && signature) ctx.stdout.write([signature, archiveSignature].filter((s) => s !== null).map((sig) => `OK ${s(describeSignature(sig))}\n`).join(""));
    return 0;
  } catch (e) {
    if (e instanceof WbError && e.details["bundle"] === undefined) e.details["bundle"] = arg;
    throw e;
  }
}
