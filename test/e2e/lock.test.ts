/**
 * `wheelbarrow lock` end to end against a real HTTP index on 127.0.0.1 that serves PEP 658
 * metadata: the multi-target lock is right, and no wheel body is downloaded.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildWheel, type BuiltWheel } from "../helpers/wheel-builder.js";
import { runCli } from "../helpers/run-cli.js";
import { serveStatic, writeStaticIndex, type StaticServer } from "../../scripts/lib/static-index.js";
import { parsePylock } from "../../src/pypa/pylock.js";

let dir: string;
let server: StaticServer;
let wheels: BuiltWheel[];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "wb-e2e-lock-"));
  const w = join(dir, "wheels");
  wheels = [
    await buildWheel({ name: "webapp-core", version: "1.0", requiresDist: ["helpers>=2", "pywin-thing; sys_platform == 'win32'"] }, w),
    await buildWheel({ name: "helpers", version: "2.1", files: { "helpers/__init__.py": "" } }, w),
    await buildWheel({ name: "pywin-thing", version: "306", tag: "cp311-cp311-win_amd64" }, w),
    await buildWheel({ name: "native", version: "0.5", tag: "cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64" }, w),
    await buildWheel({ name: "native", version: "0.5", tag: "cp311-cp311-win_amd64" }, w),
    await buildWheel({ name: "Torch_Like", version: "1.0+cpu", tag: "py3-none-any" }, w),
  ];
  writeStaticIndex(wheels, join(dir, "index"));
  server = await serveStatic(join(dir, "index"));
});
afterAll(async () => {
  await server.close();
  rmSync(dir, { recursive: true, force: true });
});

function reqs(text: string): string {
  const p = join(dir, `req-${Math.random().toString(36).slice(2)}.txt`);
  writeFileSync(p, text);
  return p;
}

describe("wheelbarrow lock", () => {
  it("writes one multi-target pylock.toml from metadata alone", async () => {
    const out = join(dir, "pylock.toml");
    server.requests.length = 0;
    const r = await runCli([
      "lock", "-r", reqs("webapp-core==1.0\nhelpers==2.1\nnative==0.5\npywin-thing==306 ; sys_platform == 'win32'\ntorch-like==1.0+cpu\n"),
      "--index-url", `${server.url}/simple/`, "--target", "manylinux_2_28_x86_64@3.11", "--target", "win_amd64@3.11",
      "--out", out, "--cache-dir", join(dir, "cache"), "--json",
    ]);
    expect(r.stderr).not.toContain("error");
    expect(r.code).toBe(0);
    const json = JSON.parse(r.stdout) as { targets: { target: string; packages: { name: string; filename: string; sha256: string; requested: boolean }[] }[] };
    expect(json.targets.map((t) => [t.target, t.packages.map((p) => p.filename)])).toEqual([
      ["manylinux_2_28_x86_64@3.11", ["helpers-2.1-py3-none-any.whl", "native-0.5-cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64.whl", "torch_like-1.0+cpu-py3-none-any.whl", "webapp_core-1.0-py3-none-any.whl"]],
      ["win_amd64@3.11", ["helpers-2.1-py3-none-any.whl", "native-0.5-cp311-cp311-win_amd64.whl", "pywin_thing-306-cp311-cp311-win_amd64.whl", "torch_like-1.0+cpu-py3-none-any.whl", "webapp_core-1.0-py3-none-any.whl"]],
    ]);
    const helpers = json.targets[0]!.packages.find((p) => p.name === "helpers")!;
    expect(helpers.sha256).toBe(wheels[1]!.sha256);
    // No wheel body was fetched: only index pages and PEP 658 sidecars.
    const bodies = server.requests.filter((q) => q.endsWith(".whl"));
    expect(bodies).toEqual([]);
    expect(server.requests.some((q) => q.endsWith(".whl.metadata"))).toBe(true);
    const lock = parsePylock(readFileSync(out, "utf8"), out);
    const native = lock.packages.find((p) => p.name === "native")!;
    expect(native.wheels.map((w) => w.name).sort()).toEqual(["native-0.5-cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64.whl", "native-0.5-cp311-cp311-win_amd64.whl"]);
    expect(native.marker).toBeUndefined();
    expect(lock.packages.find((p) => p.name === "pywin-thing")!.marker).toBe('sys_platform == "win32" and platform_machine == "AMD64" and python_version == "3.11"');
    // The lock written by wheelbarrow is accepted as input again.
    const again = await runCli(["lock", "--lock", out, "--target", "win_amd64@3.11", "--out", join(dir, "again.toml"), "--cache-dir", join(dir, "cache"), "--index-url", `${server.url}/simple/`]);
    expect(again.stderr).not.toContain("error[");
    expect(again.code).toBe(0);
  });

  it("reports every closure problem of every target at once and exits 1", async () => {
    const r = await runCli(["lock", "-r", reqs("webapp-core==1.0\nnative==0.5\n"), "--index-url", `${server.url}/simple/`, "--target", "manylinux_2_28_x86_64@3.11", "--target", "win_amd64@3.11", "--target", "macosx_14_0_arm64@3.11", "--out", join(dir, "x.toml"), "--cache-dir", join(dir, "cache")]);
    expect(r.code).toBe(1);
    const codes = [...r.stderr.matchAll(/^error\[(E_[A-Z_]+)\]: (.*)$/gm)].map((m) => `${m[1]} ${m[2]}`);
    expect(codes).toContain("E_MISSING_DEPENDENCY webapp-core 1.0 requires helpers>=2 on manylinux_2_28_x86_64@3.11, but no pin covers it");
    expect(codes).toContain("E_MISSING_DEPENDENCY webapp-core 1.0 requires pywin-thing on win_amd64@3.11, but no pin covers it");
    expect(codes).toContain("E_NO_COMPATIBLE_WHEEL native 0.5 has no wheel for macosx_14_0_arm64@3.11; the files that exist:");
    expect(r.stderr).toContain("hint: add a pin, e.g. helpers==2.1");
  });

  it("resolves loose requirements and marks dependencies as not requested", async () => {
    const r = await runCli(["lock", "-r", reqs("webapp-core\n"), "--index-url", `${server.url}/simple/`, "--target", "win_amd64@3.11", "--out", join(dir, "r.toml"), "--cache-dir", join(dir, "cache"), "--json"]);
    expect(r.stderr).not.toContain("error[");
    const json = JSON.parse(r.stdout) as { targets: { packages: { name: string; requested: boolean }[] }[] };
    expect(json.targets[0]!.packages.map((p) => `${p.name}:${p.requested}`)).toEqual(["helpers:false", "pywin-thing:false", "webapp-core:true"]);
    const pinsOnly = await runCli(["lock", "-r", reqs("webapp-core\n"), "--pins-only", "--index-url", `${server.url}/simple/`, "--target", "win_amd64@3.11", "--out", join(dir, "r2.toml"), "--cache-dir", join(dir, "cache")], { cwd: dir });
    expect(pinsOnly.code).toBe(1);
    expect(pinsOnly.stderr).toMatch(/^error\[E_NOT_PINNED\]: req-\w+\.txt:1: webapp-core is not pinned to one version/m);
  });

  it("warns that a requirements file's --trusted-host is ignored (TLS is always verified) and still locks", async () => {
    const file = reqs("--trusted-host internal.example\nhelpers==2.1\n");
    const r = await runCli(["lock", "-r", file, "--index-url", `${server.url}/simple/`, "--target", "win_amd64@3.11", "--out", join(dir, "th.toml"), "--cache-dir", join(dir, "cache")]);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain(`warning: ${file}: --trusted-host internal.example is ignored: TLS certificates are always verified`);
    expect(parsePylock(readFileSync(join(dir, "th.toml"), "utf8"), join(dir, "th.toml")).packages.map((p) => p.name)).toEqual(["helpers"]);
  });
});

describe("CLI usage errors", () => {
  it("an unknown target is E_USAGE naming the valid forms", async () => {
    const r = await runCli(["lock", "-r", reqs("x==1\n"), "--target", "solaris@3.11"]);
    expect(r.code).toBe(1);
    expect(r.stderr.split("\n")[0]).toMatch(/^error\[E_USAGE\]: /);
    expect(r.stderr).toContain("solaris");
  });
  it("no target is E_USAGE with examples", async () => {
    const r = await runCli(["lock", "-r", reqs("x==1\n")]);
    expect(r.stderr).toContain("error[E_USAGE]: no target given\nhint: name at least one: --target manylinux_2_28_x86_64@3.11");
  });
  it("a malformed requirement line is E_REQUIREMENTS with file:line and the text", async () => {
    const p = reqs("ok==1.0\nfoo[bar ==1\n");
    const r = await runCli(["lock", "-r", p, "--target", "linux-x86_64@3.11"], { cwd: dir });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(new RegExp(`^error\\[E_REQUIREMENTS\\]: ${p.split("/").pop()}:2: .*foo\\[bar ==1`, "m"));
  });
  it("bad TOML in a spec file is E_USAGE with line and column", async () => {
    const spec = join(dir, "bad.toml");
    writeFileSync(spec, "[bundle]\nname = \n");
    const r = await runCli(["bundle", spec]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^error\[E_USAGE\]: .*bad\.toml:2:\d+: invalid TOML/m);
  });
  it("an unknown flag is E_USAGE, and an internal error would exit 2", async () => {
    const r = await runCli(["bundle", "--frobnicate"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe("error[E_USAGE]: unknown option '--frobnicate'\nhint: run 'wheelbarrow --help' for usage\n");
  });
});

describe("CLI versions", () => {
  it("--version prints the tool's version, and `bundle --version X` sets the bundle's version", async () => {
    const tool = await runCli(["--version"]);
    expect(tool.stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
    const r = await runCli(["bundle", "--version", "9.9.9", "-r", reqs("x==1\n")]);
    // It went on to planning (no target given), which proves --version was taken as the bundle's.
    expect(r.stdout).toBe("");
    expect(r.stderr).toContain("error[E_USAGE]: no target given");
  });
});
