/**
 * Failures of install.py. Each one exits 1 with its pinned `error[E_CODE]: message`, leaves no temp
 * dir next to DEST, and leaves an existing install in DEST untouched (it is attempted with
 * --force over a good install, so only atomicity can save it).
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { INSTALLER_DIR, buildBundle, writeManifest, type BundleSpec } from "../helpers/bundle-builder.js";
import { DEFAULT_PYTHON as PY, fixtureWheels, leftovers, pureWheel, pyenvPython, pythonTags, run, runInstaller, toolWheel } from "./harness.js";

const root = mkdtempSync(join(tmpdir(), "wb-inst-fail-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const TARGET = { platform: "manylinux_2_17_x86_64", python: PY.version };
let tags: string[] = [];
let good: string;
/** What install.py says about this machine: "Linux x86_64, glibc 2.36" in its messages. */
const me = JSON.parse(run(PY.exe, [join(INSTALLER_DIR, "install.py"), "--describe-interpreter"]).stdout);
const glibc = me.libc?.family === "glibc";
const ownPlatform: string = me.platforms.find((p: string) => !p.startsWith("linux_"));
const platformText = `Linux ${me.arch}${me.libc ? `, ${me.libc.family} ${me.libc.version}` : ""}`;
let n = 0;

beforeAll(async () => {
  tags = pythonTags(PY.exe);
  good = (await buildBundle({ name: "shop", version: "1.0", target: TARGET, wheels: fixtureWheels(tags, PY.version) }, join(root, "good"))).dir;
});

async function bundle(spec: Partial<BundleSpec>): Promise<string> {
  return (await buildBundle({ name: "shop", version: "2.0", target: TARGET, wheels: [{ spec: pureWheel() }], ...spec }, join(root, `bad-${n++}`))).dir;
}

/** A DEST holding a good install plus a marker file; returns [parent, dest]. */
function existingInstall(): [string, string] {
  const parent = mkdtempSync(join(root, "dest-"));
  const dest = join(parent, "shop");
  const r = runInstaller(PY.exe, good, [dest, "--no-compile"]);
  expect(r.code, r.stderr).toBe(0);
  writeFileSync(join(dest, "marker"), "still here");
  return [parent, dest];
}

function expectIntact(parent: string, dest: string): void {
  expect(leftovers(parent)).toEqual([]);
  expect(readFileSync(join(dest, "marker"), "utf8")).toBe("still here");
  expect(readFileSync(join(dest, "manifest.json"), "utf8")).toBe(readFileSync(join(good, "manifest.json"), "utf8"));
  expect(run(join(dest, "venv", "bin", "python"), ["-c", "import tool_pkg; print(tool_pkg.VALUE)"]).stdout).toBe("42\n");
}

/** Runs the failing bundle with --force over a good install; returns stderr. */
function failOverExisting(dir: string, code: string, extraArgs: string[] = [], env?: Record<string, string | undefined>): string {
  const [parent, dest] = existingInstall();
  const r = runInstaller(PY.exe, dir, [dest, "--force", ...extraArgs], { env });
  expect(r.code, r.stderr).toBe(1);
  expect(r.stderr).toContain(`error[${code}]: `);
  expectIntact(parent, dest);
  return errorText(r.stderr);
}

/** stderr without the `wheelbarrow: ` progress lines. */
function errorText(stderr: string): string {
  return stderr
    .split("\n")
    .filter((l) => !l.startsWith("wheelbarrow: "))
    .join("\n");
}

describe("install.py refuses a damaged bundle (E_BUNDLE) before or during the build", () => {
  it("a flipped byte in a wheel", async () => {
    const dir = await bundle({});
    const wheel = join(dir, "wheels", "pure_lib-1.0-py3-none-any.whl");
    const bytes = readFileSync(wheel);
    bytes[100] = bytes[100]! ^ 0xff;
    writeFileSync(wheel, bytes);
    const stderr = failOverExisting(dir, "E_BUNDLE");
    expect(stderr).toMatch(
      /^error\[E_BUNDLE\]: the bundle does not match its manifest.json: wheels\/pure_lib-1.0-py3-none-any.whl has sha256 [0-9a-f]{64}, manifest.json says [0-9a-f]{64}\nhint: the bundle was damaged or altered after it was built: copy it again from its source and check it with `sha256sum -c SHA256SUMS`\n$/,
    );
  });

  it("a wheel whose RECORD lies (found while installing, inside the temp dir)", async () => {
    const dir = await bundle({ wheels: [{ spec: toolWheel() }, { spec: pureWheel({ corrupt: { recordLiesAbout: "pure_lib/__init__.py" } }) }] });
    const stderr = failOverExisting(dir, "E_BUNDLE");
    expect(stderr).toBe(
      "error[E_BUNDLE]: pure_lib-1.0-py3-none-any.whl: pure_lib/__init__.py does not match the hash or size in the wheel's RECORD\n" +
        "hint: the wheel is broken as published or was altered before the bundle was built: rebuild the bundle from a trusted index\n",
    );
  });

  it("a zip-slip member (../)", async () => {
    const dir = await bundle({ wheels: [{ spec: toolWheel() }, { spec: pureWheel({ corrupt: { extraRawMember: { name: "../../evil.py", content: "boom" } } }) }] });
    const stderr = failOverExisting(dir, "E_BUNDLE");
    expect(stderr).toBe(
      "error[E_BUNDLE]: pure_lib-1.0-py3-none-any.whl holds an unsafe member '../../evil.py' ('..' component)\n" +
        "hint: the wheel tries to write outside its install directory: do not install it\n",
    );
    expect(existsSync(join(root, "evil.py"))).toBe(false);
  });

  it("an absolute path member", async () => {
    const target = join(root, "abs-evil.py");
    const dir = await bundle({ wheels: [{ spec: pureWheel({ corrupt: { extraRawMember: { name: target, content: "boom" } } }) }] });
    const stderr = failOverExisting(dir, "E_BUNDLE");
    expect(stderr).toContain(`error[E_BUNDLE]: pure_lib-1.0-py3-none-any.whl holds an unsafe member '${target}' (absolute path)\n`);
    expect(existsSync(target)).toBe(false);
  });

  it("a symlink member", async () => {
    const dir = await bundle({ wheels: [{ spec: pureWheel({ corrupt: { symlinkMember: "pure_lib/__init__.py" } }) }] });
    expect(failOverExisting(dir, "E_BUNDLE")).toBe(
      "error[E_BUNDLE]: pure_lib-1.0-py3-none-any.whl holds a symlink member pure_lib/__init__.py\nhint: wheels must not contain symlinks: do not install it\n",
    );
  });

  it("a file under app/ that manifest.json does not list, and a missing wheel", async () => {
    const dir = await bundle({ app: { "a.py": "x = 1\n" } });
    writeFileSync(join(dir, "app", "smuggled.py"), "import os\n");
    rmSync(join(dir, "wheels", "pure_lib-1.0-py3-none-any.whl"));
    expect(failOverExisting(dir, "E_BUNDLE")).toContain(
      "error[E_BUNDLE]: the bundle does not match its manifest.json: wheels/pure_lib-1.0-py3-none-any.whl is missing (and 1 more problems)\n",
    );
  });

  it("a manifest from a newer format, and a manifest path that escapes the bundle", async () => {
    const dir = await bundle({ formatVersion: "2.0.0" });
    expect(failOverExisting(dir, "E_BUNDLE")).toBe(
      "error[E_BUNDLE]: manifest.json has formatVersion 2.0.0; this installer reads 1.x\nhint: use the install.py shipped inside the same bundle: it always matches its manifest\n",
    );
    const dir2 = await bundle({});
    const m = JSON.parse(readFileSync(join(dir2, "manifest.json"), "utf8"));
    m.files.push({ path: "../outside.txt", sha256: "0".repeat(64), size: 1 });
    writeManifest(dir2, m);
    expect(failOverExisting(dir2, "E_BUNDLE")).toContain("error[E_BUNDLE]: manifest.json lists an unsafe path '../outside.txt' ('..' component)\n");
  });
});

describe("install.py refuses a python that does not fit (E_TARGET_MISMATCH)", () => {
  const py312 = pyenvPython("3.12.1");
  it.skipIf(!py312)("the wrong python version, naming a python on PATH that fits", async () => {
    const dir = await bundle({ target: { platform: "manylinux_2_17_x86_64", python: "3.12" } });
    const env = { ...process.env, PATH: `${join(py312!.exe, "..")}:/usr/bin:/bin` };
    const stderr = failOverExisting(dir, "E_TARGET_MISMATCH", [], env);
    const fit = join(py312!.exe, "..", "python3.12");
    expect(stderr).toBe(
      `error[E_TARGET_MISMATCH]: ${PY.exe} does not fit this bundle's target manylinux_2_17_x86_64@3.12: it is Python ${PY.full}, the bundle needs 3.12\n` +
        `hint: this machine has: CPython ${PY.full}, ${platformText}\n` +
        "hint: the bundle needs: CPython 3.12 on manylinux_2_17_x86_64\n" +
        `hint: ${fit} fits: run ./install.sh --python ${fit}\n`,
    );
  });

  it.skipIf(!glibc)("a musl bundle on glibc, with no python that fits", async () => {
    const dir = await bundle({ target: { platform: "musllinux_1_2_x86_64", python: PY.version } });
    const env = { ...process.env, PATH: "/nonexistent" };
    const stderr = failOverExisting(dir, "E_TARGET_MISMATCH", ["--json"], env);
    expect(stderr).toBe(
      `error[E_TARGET_MISMATCH]: ${PY.exe} does not fit this bundle's target musllinux_1_2_x86_64@${PY.version}: its C library is glibc, the bundle needs musl\n` +
        `hint: this machine has: CPython ${PY.full}, ${platformText}\n` +
        `hint: the bundle needs: CPython ${PY.version} on musllinux_1_2_x86_64\n` +
        `hint: no python on PATH fits: install CPython ${PY.version} (python${PY.version}), or build a bundle for this machine: wheelbarrow bundle --target ${ownPlatform}@${PY.version}\n`,
    );
  });

  it.skipIf(!glibc)("--json prints the error as JSON on stdout too", async () => {
    const dir = await bundle({ target: { platform: "musllinux_1_2_x86_64", python: PY.version } });
    const r = runInstaller(PY.exe, dir, [join(root, "never"), "--json"], { env: { ...process.env, PATH: "/nonexistent" } });
    expect(r.code).toBe(1);
    const out = JSON.parse(r.stdout);
    expect(out.ok).toBe(false);
    expect(out.error).toMatchObject({ code: "E_TARGET_MISMATCH", problems: ["its C library is glibc, the bundle needs musl"] });
    expect(out.error.machine.tags[0]).toBe(tags[0]);
    expect(existsSync(join(root, "never"))).toBe(false);
  });
});

describe("install.py refuses a DEST it must not touch (E_INSTALL, E_USAGE)", () => {
  it("another bundle without --force; a directory that is not an install; a missing parent; a bad flag", async () => {
    const [parent, dest] = existingInstall();
    const other = await bundle({});
    const r = runInstaller(PY.exe, other, [dest]);
    expect(errorText(r.stderr)).toBe(
      `error[E_INSTALL]: ${dest} already holds another bundle (shop 1.0)\nhint: add --force to replace it (the old install is removed only after the new one is in place)\n`,
    );
    expectIntact(parent, dest);
    const foreign = join(parent, "home");
    mkdirSync(foreign);
    writeFileSync(join(foreign, "notes.txt"), "mine");
    const f = runInstaller(PY.exe, other, [foreign, "--force"]);
    expect(f.code).toBe(1);
    expect(errorText(f.stderr)).toBe(
      `error[E_INSTALL]: ${foreign} exists and is not a wheelbarrow install (it has no manifest.json); refusing to replace it\nhint: choose another DEST, or remove ${foreign} yourself if it is safe\n`,
    );
    expect(readFileSync(join(foreign, "notes.txt"), "utf8")).toBe("mine");
    const m = runInstaller(PY.exe, other, [join(parent, "no", "such", "dest")]);
    expect(errorText(m.stderr)).toBe(`error[E_INSTALL]: the parent directory ${join(parent, "no", "such")} of DEST does not exist\nhint: create it first: mkdir -p '${join(parent, "no", "such")}'\n`);
    const u = runInstaller(PY.exe, other, ["--frobnicate"]);
    expect(u.code).toBe(1);
    expect(u.stderr).toMatch(/^error\[E_USAGE\]: unrecognized arguments: --frobnicate\nhint: usage: install.py \[-h\]/);
  });

  it("two wheels that install the same file with different contents", async () => {
    const dir = await bundle({ wheels: [{ spec: pureWheel() }, { spec: { name: "clash", version: "1.0", files: { "pure_lib/__init__.py": "X = 2\n" } } }] });
    const stderr = failOverExisting(dir, "E_INSTALL");
    expect(stderr).toMatch(/^error\[E_INSTALL\]: (pure_lib|clash)-1.0-py3-none-any.whl and (pure_lib|clash)-1.0-py3-none-any.whl both install venv\/lib\/python3\.\d+\/site-packages\/pure_lib\/__init__.py with different contents\n/);
  });
});
