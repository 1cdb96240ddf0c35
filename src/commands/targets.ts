/**
 * `wheelbarrow targets [TARGET...] [--json]`: what a `--target` means.
 *
 * Without arguments: every alias with its platform tag, the marker values that tell targets
 * apart (sys_platform, platform_machine) and the number of supported tags for CPython
 * DEFAULT_PYTHON (3.12, the Python the table is computed for; any PYTHON works in --target).
 * With arguments: each target explained (platform, baseline, Python tag, marker environment,
 * tag count and the first tags); `--json` prints the same as data, with the full ordered tag
 * list. Data goes to stdout; a bad target is an E_USAGE error (thrown, printed by the CLI).
 */
import type { Context } from "../context.js";
import type { CommandArgs, TargetsFlags } from "./flags.js";
import { TARGET_ALIASES } from "../targets/aliases.js";
import { parseTarget, TARGET_FORM_HINTS } from "../targets/parse-target.js";
import { runTargets } from "./target-files.js";
import { describeTarget, type Target } from "../targets/target.js";

export const DEFAULT_PYTHON = "3.12";
/** Tags shown per target in the text explanation (`--json` has them all). */
export const TAGS_SHOWN = 12;

function markerJson(t: Target): Record<string, string | null> {
  const out: Record<string, string | null> = {};
  for (const key of Object.keys(t.markerEnv).sort()) out[key] = t.markerEnv[key] ?? null;
  return out;
}

export function targetJson(t: Target): Record<string, unknown> {
  return {
    input: t.input,
    spec: t.spec,
    description: describeTarget(t),
    platform: t.platform,
    os: t.os,
    arch: t.arch,
    libc: t.libc ? { family: t.libc.family, version: `${t.libc.major}.${t.libc.minor}` } : null,
    macos: t.macos ? `${t.macos.major}.${t.macos.minor}` : null,
    implementation: t.implementation,
    pythonVersion: t.pythonVersion,
    pythonFullVersion: t.pythonFullVersion,
    freeThreaded: t.freeThreaded,
    pythonTag: t.pythonTag,
    markerEnv: markerJson(t),
    platforms: t.platforms,
    tagCount: t.tags.length,
    tags: t.tags,
  };
}

function table(rows: string[][]): string {
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? "").length))) ?? [];
  return rows.map((r) => "  " + r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i] ?? 0))).join("  ")).join("\n") + "\n";
}

function aliasRows(source: "wheelbarrow" | "uv"): { rows: string[][]; json: Record<string, unknown>[] } {
  const rows = [["ALIAS", "PLATFORM", "SYS_PLATFORM", "PLATFORM_MACHINE", `TAGS@${DEFAULT_PYTHON}`]];
  const json: Record<string, unknown>[] = [];
  for (const a of TARGET_ALIASES.filter((x) => x.source === source)) {
    const t = parseTarget(`${a.alias}@${DEFAULT_PYTHON}`);
    rows.push([a.alias, t.platform, t.markerEnv["sys_platform"] ?? "", t.markerEnv["platform_machine"] ?? "", String(t.tags.length)]);
    json.push({
      alias: a.alias,
      source: a.source,
      platform: t.platform,
      os: t.os,
      arch: t.arch,
      sys_platform: t.markerEnv["sys_platform"],
      platform_machine: t.markerEnv["platform_machine"],
      tagCount: t.tags.length,
    });
  }
  return { rows, json };
}

function listAliases(ctx: Context, json: boolean): void {
  const own = aliasRows("wheelbarrow");
  const uv = aliasRows("uv");
  if (json) {
    const doc = { python: DEFAULT_PYTHON, aliases: [...own.json, ...uv.json], forms: TARGET_FORM_HINTS };
    ctx.stdout.write(JSON.stringify(doc, null, 2) + "\n");
    return;
  }
  let out = "Targets are PLATFORM@PYTHON. PLATFORM is a wheel platform tag or one of these aliases.\n\n";
  out += "wheelbarrow aliases:\n" + table(own.rows);
  out += "\nuv --python-platform names (uv's meanings):\n" + table(uv.rows);
  out += `\nTag counts are for CPython ${DEFAULT_PYTHON}; they differ per Python version.\n`;
  out += TARGET_FORM_HINTS.map((h) => `${h}\n`).join("");
  out += "Explain one: wheelbarrow targets manylinux_2_28_x86_64@3.12 [--json]\n";
  ctx.stdout.write(out);
}

function explain(t: Target): string {
  const lines = [`${t.spec}`];
  const field = (k: string, v: string) => lines.push(`  ${(k + ":").padEnd(17)}${v}`);
  if (t.input.trim() !== t.spec) field("input", t.input);
  field("description", describeTarget(t));
  const shownPlatforms = t.platforms.slice(0, 6).join(", ") + (t.platforms.length > 6 ? ", …" : "");
  field("platform", `${t.platform} (${t.platforms.length} compatible: ${shownPlatforms})`);
  field("python tag", t.pythonTag);
  field("requires-python", `checked against ${t.pythonFullVersion}`);
  const env = Object.keys(t.markerEnv)
    .sort()
    .map((k) => `${k}=${t.markerEnv[k] ?? "(not fixed by the target)"}`);
  field("markers", env[0] ?? "");
  for (const e of env.slice(1)) lines.push(`${" ".repeat(19)}${e}`);
  field("tags", `${t.tags.length} supported, best first:`);
  for (const tag of t.tags.slice(0, TAGS_SHOWN)) lines.push(`${" ".repeat(19)}${tag}`);
  if (t.tags.length > TAGS_SHOWN) lines.push(`${" ".repeat(19)}… ${t.tags.length - TAGS_SHOWN} more (--json lists all)`);
  return lines.join("\n") + "\n";
}

function targetArgs([targets]: CommandArgs["targets"]): string[] {
  return targets.filter((a) => a.trim() !== "");
}

export async function targetsCommand(args: CommandArgs["targets"], opts: TargetsFlags, ctx: Context): Promise<number> {
  const json = opts.json;
  const inputs = targetArgs(args);
  const files = opts.targetFile;
  if (inputs.length === 0 && files.length === 0) {
    listAliases(ctx, json);
    return 0;
  }
  const { targets, warnings } = runTargets({ targets: inputs, targetFiles: files, embedPython: opts.embedPython, cwd: ctx.cwd });
  for (const w of warnings) ctx.stderr.write(`warning: ${w}\n`);
  if (json) ctx.stdout.write(JSON.stringify({ targets: targets.map(targetJson) }, null, 2) + "\n");
  else ctx.stdout.write(targets.map(explain).join("\n"));
  return 0;
}
