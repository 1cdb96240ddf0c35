/**
 * install.sh run by `sh` (dash here): which python it picks from a controlled PATH, what it says
 * when none fits, --python, and argument pass-through. PATH holds only a directory of chosen
 * python symlinks plus the few tools the script uses (dirname, sed, head).
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildBundle } from "../helpers/bundle-builder.js";
import { leftovers, pureWheel, pyenvPython, run } from "./harness.js";

const root = mkdtempSync(join(tmpdir(), "wb-inst-sh-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const py311 = pyenvPython("3.11.7");
const py312 = pyenvPython("3.12.1");
const py38 = pyenvPython("3.8.18");
const tools = join(root, "tools");
let bundle: string;
let n = 0;

beforeAll(async () => {
  mkdirSync(tools);
  for (const t of ["dirname", "sed", "head", "tr"]) symlinkSync(`/usr/bin/${t}`, join(tools, t));
  bundle = (await buildBundle({ name: "shop", version: "1.0", target: { platform: "manylinux_2_17_x86_64", python: "3.11" }, wheels: [{ spec: pureWheel() }] }, join(root, "bundle")))
    .dir;
});

/** A PATH directory with these names linked to these pythons. */
function pathWith(links: Record<string, string>): string {
  const dir = join(root, `path-${n++}`);
  mkdirSync(dir);
  for (const [name, target] of Object.entries(links)) symlinkSync(target, join(dir, name));
  return `${dir}:${tools}`;
}

function sh(args: string[], path: string) {
  return run("/bin/sh", [join(bundle, "install.sh"), ...args], { env: { PATH: path, HOME: root }, cwd: root });
}

function venvVersion(dest: string): string {
  return /^version(?:_info)? = (.*)$/m.exec(readFileSync(join(dest, "current", "venv", "pyvenv.cfg"), "utf8"))![1]!;
}

const all = Boolean(py311 && py312 && py38);

describe("install.sh", () => {
  it.skipIf(!all)("prefers python3.X over python3, and passes every argument through", () => {
    const path = pathWith({ "python3.11": py311!.exe, python3: py312!.exe });
    const dest = join(root, "d1");
    const r = sh([dest, "--json", "--no-compile"], path);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ ok: true, action: "installed", compiled: false, previous: null, paths: { dest } });
    expect(venvVersion(dest)).toBe("3.11.7");
    expect(leftovers(dest)).toEqual([]);
  });

  it.skipIf(!all)("falls back to python3 when it is the right version", () => {
    const dest = join(root, "d2");
    const r = sh([dest, "--check"], pathWith({ python3: py311!.exe, python: py38!.exe }));
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain(`the bundle is intact and this python fits; would install release 1.0-`);
  });

  it.skipIf(!all)("explains when no python on PATH fits", () => {
    const path = pathWith({ python3: py312!.exe, python: py38!.exe });
    const dir = path.split(":")[0]!;
    const r = sh([], path);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe("");
    expect(r.stderr).toBe(
      `error[E_TARGET_MISMATCH]: no python 3.11 on PATH: ${dir}/python3 is 3.12, ${dir}/python is 3.8\n` +
        "hint: install Python 3.11 (the package is usually named python3.11), then run ./install.sh again\n" +
        "hint: or name one: ./install.sh --python /path/to/python3.11\n",
    );
    const none = sh([], pathWith({}));
    expect(none.stderr.split("\n")[0]).toBe("error[E_TARGET_MISMATCH]: no python found on PATH (looked for python3.11, python3, python)");
  });

  it("--json prints the error object on stdout when no python is found", () => {
    const r = sh([join(root, "never"), "--json"], pathWith({}));
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stdout)).toEqual({
      ok: false,
      error: {
        code: "E_TARGET_MISMATCH",
        message: "no python found on PATH (looked for python3.11, python3, python)",
        hints: ["install Python 3.11 (the package is usually named python3.11), then run ./install.sh again", "or name one: ./install.sh --python /path/to/python3.11"],
      },
    });
    expect(r.stderr.split("\n")[0]).toBe("error[E_TARGET_MISMATCH]: no python found on PATH (looked for python3.11, python3, python)");
  });

  it.skipIf(!all)("--python PATH and --python=PATH use that interpreter; a bad one is E_USAGE", () => {
    const dest = join(root, "d3");
    const r = sh(["--python", py311!.exe, dest, "--no-compile"], pathWith({}));
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.split("\n")[0]).toMatch(new RegExp(`^installed shop 1.0 in ${dest} \\(release 1.0-[0-9a-f]{12}\\)$`));
    const mismatch = sh([`--python=${py312!.exe}`, join(root, "d4")], pathWith({}));
    expect(mismatch.code).toBe(1);
    expect(mismatch.stderr).toContain(`error[E_TARGET_MISMATCH]: ${py312!.exe} does not fit this bundle's target manylinux_2_17_x86_64@3.11: it is Python 3.12.1, the bundle needs 3.11\n`);
    const bad = sh(["--python", "/no/such/python"], pathWith({}));
    expect(bad.stderr).toBe("error[E_USAGE]: --python /no/such/python is not an executable file\n");
    expect(bad.code).toBe(1);
  });

  it.skipIf(!run("sh", ["-c", "command -v shellcheck"]).stdout)("is shellcheck-clean as POSIX sh", () => {
    const r = run("shellcheck", ["-s", "sh", join(bundle, "install.sh")]);
    expect(r.stdout).toBe("");
    expect(r.code).toBe(0);
  });
});

describe("install.py --python", () => {
  it.skipIf(!all)("re-runs itself with the named interpreter", () => {
    const dest = join(root, "d5");
    const r = run(py312!.exe, [join(bundle, "install.py"), dest, "--python", py311!.exe, "--no-compile", "--json"], { env: { PATH: tools } });
    expect(r.code, r.stderr).toBe(0);
    expect(venvVersion(dest)).toBe("3.11.7");
  });
});
