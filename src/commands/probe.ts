/**
 * `wheelbarrow probe --script`: prints the target probe (src/installer/probe.sh, shipped verbatim
 * and also in every bundle as probe.sh). Run on the target, `sh probe.sh > target.json` describes
 * that machine; `--target-file target.json` plans for it (README "Probing the target").
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { Context } from "../context.js";
import { WbError } from "../errors.js";
import type { CommandArgs, ProbeFlags } from "./flags.js";
import { installerDir } from "./bundle.js";

export const PROBE_SCRIPT = "probe.sh";

export function probeScript(): string {
  return readFileSync(join(installerDir(), PROBE_SCRIPT), "utf8");
}

export async function probeCommand(_args: CommandArgs["probe"], flags: ProbeFlags, ctx: Context): Promise<number> {
  if (!flags.script) {
    throw new WbError("E_USAGE", "wheelbarrow probe prints the probe script: give --script", {
      hint: ["wheelbarrow probe --script > probe.sh; on the target: sh probe.sh > target.json; here: wheelbarrow bundle --target-file target.json ..."],
    });
  }
  ctx.stdout.write(probeScript());
  return 0;
}
