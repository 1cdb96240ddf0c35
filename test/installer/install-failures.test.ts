/**
 * Failures of install.py. Each one exits 1 with its pinned `error[E_CODE]: message`, leaves no temp
 * dir or lock in DEST, and leaves an existing install untouched: `current` still points at the
 * good release, the operator's files in shared/ are unchanged (the failing bundle is a new
 * release, so only the build-beside-and-switch discipline can save it).
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { INSTALLER_DIR, buildBundle, writeManifest, type BundleSpec } from "../helpers/bundle-builder.js";
import { DEFAULT_PYTHON as PY, currentVenv, fixtureWheels, leftovers, pureWheel, pyenvPython, pythonTags, releases, run, runInstaller, toolWheel } from "./harness.js";

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

/** A DEST holding a good install plus an operator file in shared/; returns [parent, dest]. */
function existingInstall(): [string, string] {
  const parent = mkdtempSync(join(root, "dest-"));
  const dest = join(parent, "shop");
  const r = runInstaller(PY.exe, good, [dest, "--no-compile"]);
  expect(r.code, r.stderr).toBe(0);
  writeFileSync(join(dest, "shared", ".env"), "MARKER=still here\n", { mode: 0o600 });
  return [parent, dest];
}

function expectIntact(parent: string, dest: string): void {
  expect(leftovers(dest)).toEqual([]);
  expect(readdirSync(parent)).toEqual(["shop"]);
  expect(releases(dest)).toHaveLength(1);
  expect(readFileSync(join(dest, "shared", ".env"), "utf8")).toBe("MARKER=still here\n");
  expect(readFileSync(join(dest, "current", "manifest.json"), "utf8")).toBe(readFileSync(join(good, "manifest.json"), "utf8"));
  expect(run(join(currentVenv(dest), "bin", "python"), ["-c", "import tool_pkg; print(tool_pkg.VALUE)"]).stdout).toBe("42\n");
}

/** Runs the failing bundle (a new release) over a good install; returns stderr. */
function failOverExisting(dir: string, code: string, extraArgs: string[] = [], env?: Record<string, string | undefined>): string {
  const [parent, dest] = existingInstall();
  const r = runInstaller(PY.exe, dir, [dest, ...extraArgs], { env });
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

  it("a wheel holding a symlink member is E_BUNDLE and is not installed", async () => {
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

describe("install.py refuses a DEST it must not touch (E_DEST_OCCUPIED, E_INSTALL, E_USAGE)", () => {
  it("a foreign directory (with and without a manifest.json), the bundle directory, a symlink: refused, nothing deleted, --force or not", async () => {
    const parent = mkdtempSync(join(root, "occupied-"));
    const other = await bundle({});
    const web = join(parent, "www");
    mkdirSync(web);
    writeFileSync(join(web, "index.html"), "mine");
    writeFileSync(join(web, "manifest.json"), '{"name": "a web app manifest"}');
    for (const args of [[web], [web, "--force"]]) {
      const r = runInstaller(PY.exe, other, args);
      expect(r.code).toBe(1);
      expect(errorText(r.stderr)).toBe(
        `error[E_DEST_OCCUPIED]: ${web} is not empty and is not a wheelbarrow install (it holds index.html, manifest.json); refusing to install there\n` +
          "hint: nothing in it was changed or deleted; give an empty or new directory as DEST\n" +
          "hint: it holds a manifest.json but is not an installed site: is it an unpacked bundle?\n",
      );
    }
    expect(readdirSync(web).sort()).toEqual(["index.html", "manifest.json"]);
    const home = join(parent, "home");
    mkdirSync(home);
    writeFileSync(join(home, "notes.txt"), "mine");
    const h = runInstaller(PY.exe, other, [home, "--force", "--json"]);
    expect(JSON.parse(h.stdout).error).toMatchObject({ code: "E_DEST_OCCUPIED", dest: home });
    expect(readdirSync(home)).toEqual(["notes.txt"]);
    const before = readdirSync(other).sort();
    const self = runInstaller(PY.exe, other, [".", "--force"], { cwd: other });
    expect(errorText(self.stderr)).toBe(`error[E_DEST_OCCUPIED]: ${other} is the unpacked bundle itself; refusing to install there\nhint: give another directory as DEST, e.g. /srv/shop\n`);
    expect(readdirSync(other).sort()).toEqual(before);
    const [, dest] = existingInstall();
    const link = join(parent, "link");
    symlinkSync(dest, link);
    const l = runInstaller(PY.exe, other, [link]);
    expect(errorText(l.stderr)).toBe(`error[E_DEST_OCCUPIED]: ${link} is a symlink (to ${dest}); refusing to install there\nhint: give the directory it points to as DEST: ${dest}\n`);
    expect(releases(dest)).toHaveLength(1);
  });

  it("an install of another app; an old-layout install; a missing parent; a bad flag", async () => {
    const [parent, dest] = existingInstall();
    const otherApp = (await buildBundle({ name: "blog", version: "1.0", target: TARGET, wheels: [{ spec: pureWheel() }] }, join(root, `bad-${n++}`))).dir;
    const r = runInstaller(PY.exe, otherApp, [dest, "--force"]);
    expect(errorText(r.stderr)).toBe(
      `error[E_DEST_OCCUPIED]: ${dest} holds an install of another app (shop); refusing to install there\nhint: nothing in it was changed or deleted; give another DEST for blog\n`,
    );
    expectIntact(parent, dest);
    const old = join(parent, "old-layout");
    mkdirSync(join(old, "venv"), { recursive: true });
    writeFileSync(join(old, "manifest.json"), "{}");
    const o = runInstaller(PY.exe, good, [old]);
    expect(errorText(o.stderr)).toContain("hint: it looks like an install made by an older wheelbarrow installer (venv/ at the top)");
    expect(readdirSync(old).sort()).toEqual(["manifest.json", "venv"]);
    const m = runInstaller(PY.exe, good, [join(parent, "no", "such", "dest")]);
    expect(errorText(m.stderr)).toBe(`error[E_INSTALL]: the parent directory ${join(parent, "no", "such")} of DEST does not exist\nhint: create it first: mkdir -p '${join(parent, "no", "such")}'\n`);
    const u = runInstaller(PY.exe, good, ["--frobnicate"]);
    expect(u.code).toBe(1);
    expect(u.stderr).toMatch(/^error\[E_USAGE\]: unrecognized arguments: --frobnicate\nhint: usage: install.py \[-h\]/);
  });

  it("two wheels that install the same file with different contents", async () => {
    const dir = await bundle({ wheels: [{ spec: pureWheel() }, { spec: { name: "clash", version: "1.0", files: { "pure_lib/__init__.py": "X = 2\n" } } }] });
    const stderr = failOverExisting(dir, "E_INSTALL");
    expect(stderr).toMatch(/^error\[E_INSTALL\]: (pure_lib|clash)-1.0-py3-none-any.whl and (pure_lib|clash)-1.0-py3-none-any.whl both install venv\/lib\/python3\.\d+\/site-packages\/pure_lib\/__init__.py with different contents\n/);
  });
});
