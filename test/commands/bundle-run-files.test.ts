/**
 * `bundle` reads the app tree and the installer files once per run, however many targets it
 * writes. The command's reads go through a reader that wraps the real file-system reader and
 * counts the calls (the reads themselves are real); the archives it writes must be the same bytes
 * as those of a plain CLI run.
 */
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildProgram } from "../../src/cli/main.js";
import { commandTable } from "../../src/cli/commands.js";
import { bundleCommand } from "../../src/commands/bundle.js";
import type { BundleFlags, CommandArgs } from "../../src/commands/flags.js";
import { FS_READER, INSTALLER_FILES, type SourceReader } from "../../src/bundle/write-bundle.js";
import { buildWheel } from "../helpers/wheel-builder.js";
import { runCli } from "../helpers/run-cli.js";
import { fakeContext } from "../bundle/helpers.js";

let dir: string;
let wheels: string;
let app: string;
const TARGETS = ["linux-x86_64@3.11", "win_amd64@3.11", "macos-arm64@3.11", "linux-aarch64@3.12"];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "wb-run-files-"));
  wheels = join(dir, "wheels");
  await buildWheel({ name: "tiny", version: "1.0", files: { "tiny/__init__.py": "X = 1\n" } }, wheels);
  writeFileSync(join(dir, "req.txt"), "tiny==1.0\n");
  app = join(dir, "app");
  mkdirSync(join(app, "shop"), { recursive: true });
  writeFileSync(join(app, "shop", "__init__.py"), "");
  writeFileSync(join(app, "shop", "main.py"), "def main():\n    print('shop')\n");
  writeFileSync(join(app, ".env"), "SECRET=1\n");
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function argv(out: string): string[] {
  return ["bundle", "-r", join(dir, "req.txt"), "--no-index", "-f", wheels, "--app", app, "--name", "shop", "--version", "1.0", "--entry", "shop.main:main", ...TARGETS.flatMap((t) => ["--target", t]), "--out", out, "--cache-dir", join(dir, "cache")];
}

/** The real reader, with every call counted. */
function countingReader(): { reader: SourceReader; apps: string[]; files: string[] } {
  const apps: string[] = [];
  const files: string[] = [];
  const reader: SourceReader = {
    collectApp: (appDir, exclude, include) => {
      apps.push(appDir);
      return FS_READER.collectApp(appDir, exclude, include);
    },
    readFile: (path) => {
      files.push(path);
      return FS_READER.readFile(path);
    },
  };
  return { reader, apps, files };
}

/** Parses argv as the CLI does, then runs the bundle command with `reader`. */
async function bundleWith(args: string[], reader: SourceReader): Promise<{ code: number; stderr: string }> {
  const { ctx, err } = fakeContext(dir);
  let code = -1;
  await buildProgram(async (name, a, opts) => {
    expect(await commandTable[name]()).toBe(bundleCommand);
    code = await bundleCommand(a as CommandArgs["bundle"], opts as BundleFlags, ctx, reader);
  }).parseAsync(args, { from: "user" });
  return { code, stderr: err() };
}

describe("bundle reads the app and installer files once per run", () => {
  it(`${TARGETS.length} targets: one app walk, one read per installer file, one warning; the archives equal a plain run's`, async () => {
    const counted = countingReader();
    const out = join(dir, "counted");
    const r = await bundleWith(argv(out), counted.reader);
    expect(r.code, r.stderr).toBe(0);
    // The secret-looking file is reported once for the run, not once per target.
    expect(r.stderr.match(/warning: left out of app\/ because such files usually hold secrets: \.env/g)).toHaveLength(1);
    expect(counted.apps).toEqual([app]);
    expect(counted.files.map((f) => f.split("/").pop()).sort()).toEqual(Object.keys(INSTALLER_FILES).sort());

    const plain = join(dir, "plain");
    const p = await runCli(argv(plain));
    expect(p.code, p.stderr).toBe(0);
    const names = ["shop-1.0-manylinux_2_17_x86_64-cp311.tar.gz", "shop-1.0-win_amd64-cp311.zip", "shop-1.0-macosx_11_0_arm64-cp311.tar.gz", "shop-1.0-manylinux_2_17_aarch64-cp312.tar.gz"];
    for (const n of names) expect(readFileSync(join(out, n)).equals(readFileSync(join(plain, n))), n).toBe(true);
    // Every target carries the same app.
    const appOf = (n: string) => execFileSync("tar", ["-xzOf", join(out, n), `${n.replace(/\.tar\.gz$/, "")}/app/shop/main.py`], { encoding: "utf8" });
    expect(appOf(names[0]!)).toBe(readFileSync(join(app, "shop", "main.py"), "utf8"));
    expect(appOf(names[3]!)).toBe(appOf(names[0]!));
  });
});
