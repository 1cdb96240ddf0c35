// `wheelbarrow targets`: the alias table and target explanations, text and --json, through a
// fake Context that captures stdout and stderr.
import type { CommandArgs, TargetsFlags } from "../../src/commands/flags.js";
import { describe, expect, it } from "vitest";
import type { Context } from "../../src/context.js";
import { DEFAULT_PYTHON, TAGS_SHOWN, targetsCommand } from "../../src/commands/targets.js";
import { TARGET_ALIASES } from "../../src/targets/aliases.js";
import { parseTarget } from "../../src/targets/parse-target.js";

function fakeContext(): { ctx: Context; out: () => string; err: () => string } {
  let out = "";
  let err = "";
  const ctx: Context = {
    cwd: "/nowhere",
    env: {},
    stdout: { write: (t) => void (out += t), isTTY: false },
    stderr: { write: (t) => void (err += t), isTTY: false },
    now: () => new Date(0),
  };
  return { ctx, out: () => out, err: () => err };
}

describe("targets (no arguments)", () => {
  it("prints every alias with its platform, markers and tag count", async () => {
    const { ctx, out, err } = fakeContext();
    expect(await targetsCommand([[]], { json: false, targetFile: [], embedPython: false }, ctx)).toBe(0);
    const text = out();
    expect(err()).toBe("");
    expect(text).toContain("wheelbarrow aliases:");
    expect(text).toContain("uv --python-platform names (uv's meanings):");
    expect(text).toMatch(/^ {2}ALIAS +PLATFORM +SYS_PLATFORM +PLATFORM_MACHINE +TAGS@3\.12$/m);
    expect(text).toMatch(/^ {2}linux-x86_64 +manylinux_2_17_x86_64 +linux +x86_64 +\d+$/m);
    expect(text).toMatch(/^ {2}windows-arm64 +win_arm64 +win32 +ARM64 +\d+$/m);
    const winCount = parseTarget(`win_amd64@${DEFAULT_PYTHON}`).tags.length;
    expect(text).toMatch(new RegExp(`^ {2}windows-amd64 +win_amd64 +win32 +AMD64 +${winCount}$`, "m"));
    for (const a of TARGET_ALIASES) expect(text).toMatch(new RegExp(`^ {2}${a.alias.replace(/[.]/g, "\\.")} +${a.platform} `, "m"));
    expect(text).toContain("Tag counts are for CPython 3.12");
  });

  it("--json lists the aliases as data", async () => {
    const { ctx, out } = fakeContext();
    expect(await targetsCommand([[]], { json: true, targetFile: [], embedPython: false }, ctx)).toBe(0);
    const doc = JSON.parse(out()) as { python: string; aliases: Record<string, unknown>[]; forms: string[] };
    expect(doc.python).toBe("3.12");
    expect(doc.aliases).toHaveLength(TARGET_ALIASES.length);
    expect(doc.aliases[0]).toEqual({
      alias: "linux-x86_64",
      source: "wheelbarrow",
      platform: "manylinux_2_17_x86_64",
      os: "linux",
      arch: "x86_64",
      sys_platform: "linux",
      platform_machine: "x86_64",
      tagCount: parseTarget("manylinux_2_17_x86_64@3.12").tags.length,
    });
    expect(doc.forms.length).toBe(3);
  });
});

describe("targets TARGET...", () => {
  it("explains a target: platform, python tag, markers and the first tags", async () => {
    const { ctx, out } = fakeContext();
    expect(await targetsCommand([["linux-x86_64@3.12"]], { json: false, targetFile: [], embedPython: false }, ctx)).toBe(0);
    const text = out();
    const t = parseTarget("manylinux_2_17_x86_64@3.12");
    expect(text.split("\n")[0]).toBe("manylinux_2_17_x86_64@3.12");
    expect(text).toContain("  input:           linux-x86_64@3.12\n");
    expect(text).toContain("  description:     CPython 3.12 on Linux x86_64 (glibc 2.17 or newer)\n");
    expect(text).toContain(`  platform:        manylinux_2_17_x86_64 (${t.platforms.length} compatible: manylinux_2_17_x86_64, manylinux2014_x86_64, manylinux_2_16_x86_64,`);
    expect(text).toContain("  python tag:      cp312\n");
    expect(text).toContain("  requires-python: checked against 3.12.0\n");
    expect(text).toContain("platform_machine=x86_64\n");
    expect(text).toContain("platform_release=(not fixed by the target)\n");
    expect(text).toContain(`  tags:            ${t.tags.length} supported, best first:\n${" ".repeat(19)}cp312-cp312-manylinux_2_17_x86_64\n`);
    expect(text).toContain(`… ${t.tags.length - TAGS_SHOWN} more (--json lists all)`);
  });

  it("--json prints the full ordered tag list and the marker environment", async () => {
    const { ctx, out } = fakeContext();
    expect(await targetsCommand([["manylinux_2_28_x86_64@3.12", "win_amd64@3.11"]], { json: true, targetFile: [], embedPython: false }, ctx)).toBe(0);
    const doc = JSON.parse(out()) as { targets: Record<string, unknown>[] };
    expect(doc.targets.map((t) => t["spec"])).toEqual(["manylinux_2_28_x86_64@3.12", "win_amd64@3.11"]);
    const first = doc.targets[0] ?? {};
    expect(first["tagCount"]).toBe(744);
    expect(first["tags"]).toEqual(parseTarget("manylinux_2_28_x86_64@3.12").tags);
    expect(first["libc"]).toEqual({ family: "glibc", version: "2.28" });
    expect(first["macos"]).toBeNull();
    expect(first["markerEnv"]).toMatchObject({ sys_platform: "linux", platform_release: null, python_full_version: "3.12.0" });
    expect(doc.targets[1]).toMatchObject({ platform: "win_amd64", pythonTag: "cp311", arch: "x86_64", tagCount: parseTarget("win_amd64@3.11").tags.length });
  });

  it("a bad target is E_USAGE with the valid forms", async () => {
    const { ctx, out } = fakeContext();
    await expect(targetsCommand([["win_amd64@2.7"]], { json: false, targetFile: [], embedPython: false }, ctx)).rejects.toMatchObject({
      code: "E_USAGE",
      message: "invalid target 'win_amd64@2.7': unknown Python version '2.7'",
    });
    expect(out()).toBe("");
  });
});

describe("wired through the CLI parser", () => {
  it("receives the variadic targets and --json the way buildProgram passes them", async () => {
    const { buildProgram } = await import("../../src/cli/main.js");
    const { ctx, out } = fakeContext();
    let code = -1;
    const program = buildProgram(async (name, args, opts) => {
      expect(name).toBe("targets");
      code = await targetsCommand(args as CommandArgs["targets"], opts as TargetsFlags, ctx);
    });
    await program.parseAsync(["targets", "linux-aarch64@3.11", "win_arm64@3.12", "--json"], { from: "user" });
    expect(code).toBe(0);
    const doc = JSON.parse(out()) as { targets: { spec: string }[] };
    expect(doc.targets.map((t) => t.spec)).toEqual(["manylinux_2_17_aarch64@3.11", "win_arm64@3.12"]);
  });
});
