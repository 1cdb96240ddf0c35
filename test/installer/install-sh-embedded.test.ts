/**
 * install.sh's choice of interpreter in a bundle that embeds one (written by the real bundle
 * writer with the real installer files). The embedded archive here is a stand-in whose python
 * cannot run, so every case shows which interpreter was chosen: `--python PATH` overrides the
 * embedded one and must fit (install.py refuses one that does not, E_TARGET_MISMATCH);
 * `--system-python` takes a fitting python on PATH and otherwise falls back to the embedded one;
 * without either the embedded one is chosen even where PATH has a fitting python. The real
 * interpreter is installed in test/field/embed-python.test.ts.
 */
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { installerDir } from "../../src/commands/bundle.js";
import { bundleInput, makePackages } from "../bundle/helpers.js";
import { pyenvPython, run } from "./harness.js";
import { writeBundle } from "../helpers/bundle-api.js";

const py311 = pyenvPython("3.11.7");
const py312 = pyenvPython("3.12.1");
const TOOLS = ["dirname", "basename", "sed", "head", "tr", "cut", "cat", "mkdir", "mktemp", "rm", "mv", "tar", "gzip", "sha256sum"];
const missing = TOOLS.filter((t) => !existsSync(`/usr/bin/${t}`) && !existsSync(`/bin/${t}`));
const why = !py311 || !py312 ? "needs pyenv 3.11.7 and 3.12.1" : missing.length ? `missing ${missing.join(", ")}` : null;

const ARCHIVE = "cpython-3.11.7+20990101-x86_64-unknown-linux-gnu-install_only.tar.gz";
let root: string;
let bundle: string;
let tools: string;
let n = 0;

beforeAll(async () => {
  if (why) return;
  root = mkdtempSync(join(tmpdir(), "wb-inst-embedded-"));
  tools = join(root, "tools");
  mkdirSync(tools);
  for (const t of TOOLS) symlinkSync(existsSync(`/usr/bin/${t}`) ? `/usr/bin/${t}` : `/bin/${t}`, join(tools, t));
  // A PBS-shaped stand-in whose interpreter exits 1: it shows up only if it is chosen.
  const tree = join(root, "tree");
  mkdirSync(join(tree, "python", "bin"), { recursive: true });
  writeFileSync(join(tree, "python", "bin", "python3"), "#!/bin/sh\nexit 1\n", { mode: 0o755 });
  const cache = join(root, "cache");
  mkdirSync(cache);
  execFileSync("tar", ["-czf", join(cache, ARCHIVE), "-C", tree, "python"]);
  const data = readFileSync(join(cache, ARCHIVE));
  const python = { implementation: "cpython", version: "3.11.7", build: "20990101", triple: "x86_64-unknown-linux-gnu", filename: ARCHIVE, sha256: createHash("sha256").update(data).digest("hex"), size: data.length, source: ARCHIVE, floor: { glibc: "2.17", macos: null }, cachePath: join(cache, ARCHIVE) };
  const packages = await makePackages(cache);
  const target = { ...bundleInput({ packages, outDir: "", installerDir: "" }).target, spec: "manylinux_2_17_x86_64@3.11", platform: "manylinux_2_17_x86_64", libc: { family: "glibc", version: "2.17" } };
  const r = await writeBundle(bundleInput({ packages, python, target, entry: null, installerDir: installerDir(), format: "dir", outDir: join(root, "out") }));
  bundle = r.path;
});
afterAll(() => {
  if (root) rmSync(root, { recursive: true, force: true });
});

/** PATH: a directory with these names linked to these pythons, then the tools install.sh uses. */
function pathWith(links: Record<string, string>): string {
  const dir = join(root, `path-${n++}`);
  mkdirSync(dir);
  for (const [name, target] of Object.entries(links)) symlinkSync(target, join(dir, name));
  return `${dir}:${tools}`;
}

function sh(args: string[], path: string) {
  return run("/bin/sh", [join(bundle, "install.sh"), ...args], { env: { PATH: path, HOME: root }, cwd: root });
}

const home = (dest: string) => readFileSync(join(dest, "current", "venv", "pyvenv.cfg"), "utf8").match(/^home = (.*)$/m)?.[1];
const unpacked = (dest: string) => existsSync(join(root, `.${dest.split("/").pop()}.python`));
const NOT_RUNNING = `error[E_TARGET_MISMATCH]: the embedded interpreter (python/${ARCHIVE}) does not run on this machine\nhint: it needs glibc 2.17 or newer: check with 'ldd --version'\n`;

describe.skipIf(why !== null)(`install.sh with an embedded interpreter${why ? ` (skipped: ${why})` : ""}`, () => {
  it("--python PATH overrides the embedded interpreter and is used; nothing is unpacked", () => {
    const dest = join(root, "a");
    const r = sh([dest, "--python", py311!.exe, "--no-compile"], pathWith({}));
    expect(r.code, r.stderr).toBe(0);
    expect(home(dest)).toBe(join(py311!.exe, ".."));
    expect(unpacked(dest)).toBe(false);
  });

  it("--python PATH that does not fit is refused (E_TARGET_MISMATCH naming both versions); nothing is installed or unpacked", () => {
    const dest = join(root, "b");
    const r = sh([dest, `--python=${py312!.exe}`], pathWith({}));
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`error[E_TARGET_MISMATCH]: ${py312!.exe} does not fit this bundle's target manylinux_2_17_x86_64@3.11: it is Python 3.12.1, the bundle needs 3.11\n`);
    expect(existsSync(dest)).toBe(false);
    expect(unpacked(dest)).toBe(false);
  });

  it("--system-python prefers a fitting python on PATH over the embedded one", () => {
    const dest = join(root, "c");
    const r = sh([dest, "--system-python", "--no-compile"], pathWith({ python3: py312!.exe, "python3.11": py311!.exe }));
    expect(r.code, r.stderr).toBe(0);
    expect(home(dest)).toBe(join(root, `path-${n - 1}`));
    expect(unpacked(dest)).toBe(false);
  });

  it("--system-python with no fitting python on PATH falls back to the embedded one", () => {
    const dest = join(root, "d");
    const r = sh([dest, "--system-python"], pathWith({ python3: py312!.exe }));
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(NOT_RUNNING + "hint: or name a python here: ./install.sh --python /path/to/python3.11\n");
    // It was verified and unpacked beside DEST before it was tried.
    expect(readdirSync(join(root, ".d.python"))).toHaveLength(1);
    expect(existsSync(dest)).toBe(false);
  });

  it("without either option the embedded interpreter is chosen even where PATH has a fitting python", () => {
    const dest = join(root, "e");
    const r = sh([dest], pathWith({ "python3.11": py311!.exe }));
    expect(r.code).toBe(1);
    expect(r.stderr.startsWith(NOT_RUNNING)).toBe(true);
  });

  it("a damaged archive is refused (E_BUNDLE, both hashes) before tar runs", () => {
    const copy = join(root, "damaged");
    execFileSync("cp", ["-a", bundle, copy]);
    writeFileSync(join(copy, "python", ARCHIVE), "not the archive");
    const r = run("/bin/sh", [join(copy, "install.sh"), join(root, "f")], { env: { PATH: pathWith({}), HOME: root }, cwd: root });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(new RegExp(`^error\\[E_BUNDLE\\]: python/${ARCHIVE.replace(/[.+]/g, "\\$&")} does not match manifest\\.json \\(sha256 expected [0-9a-f]{64}, found ${createHash("sha256").update("not the archive").digest("hex")}\\)\n`));
    expect(existsSync(join(root, ".f.python"))).toBe(false);
  });
});
