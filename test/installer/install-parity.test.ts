/**
 * Parity with pip: the same wheels installed by install.py and by `pip install --no-index
 * --find-links` into a second venv give the same files (ignoring INSTALLER, RECORD, REQUESTED,
 * direct_url.json and bytecode) with the same bytes outside bin/; `pip check` passes in ours; pip
 * can uninstall from ours (our RECORD is complete). pip comes from python's own ensurepip wheel.
 * Fixture wheels always; real wheels (Django, numpy, pydantic-core …) where the machine's mirror
 * exists. And the install works with no network at all (`unshare -n`).
 */
import { createHash } from "node:crypto";
import { existsSync, lstatSync, mkdtempSync, readFileSync, readdirSync, realpathSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { buildBundle, type BundleWheel } from "../helpers/bundle-builder.js";
import { APP, DEFAULT_PYTHON as PY, fixtureWheels, pythonTags, run, runInstaller } from "./harness.js";

const root = mkdtempSync(join(tmpdir(), "wb-inst-parity-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** pip from python's ensurepip wheel, unpacked once (running it from the zip recompiles pip on every run). */
const pipDir = (() => {
  const dir = join(root, "pip");
  const code = [
    "import ensurepip, os, shutil, sys, zipfile",
    "d = os.path.join(os.path.dirname(ensurepip.__file__), '_bundled')",
    "z = zipfile.ZipFile(os.path.join(d, [f for f in os.listdir(d) if f.startswith('pip-')][0]))",
    "z.extractall(sys.argv[1])",
    "[shutil.rmtree(os.path.join(sys.argv[1], n)) for n in os.listdir(sys.argv[1]) if n.endswith('.dist-info')]",
    "import compileall; compileall.compile_dir(sys.argv[1], quiet=2, workers=0)",  // even under PYTHONDONTWRITEBYTECODE
  ].join("\n");
  return run(PY.exe, ["-c", code, dir]).code === 0 ? dir : null;
})();

// bin/pip* in our venv are the stubs that say pip is not installed (a bundle without --with-pip)
const IGNORED = /(^|\/)(__pycache__\/.*|[^/]+\.pyc|[^/]+\.dist-info\/(INSTALLER|RECORD|REQUESTED|direct_url\.json))$|^bin\/pip(3(\.\d+)?)?$/;

/** path -> sha256 (or "symlink"/"dir") of everything in a venv that parity cares about. */
function inventory(venv: string): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (dir: string): void => {
    for (const name of readdirSync(dir)) {
      const full = join(dir, name);
      const rel = relative(venv, full);
      if (IGNORED.test(rel)) continue;
      const st = lstatSync(full);
      if (st.isSymbolicLink()) out.set(rel, "symlink");
      else if (st.isDirectory()) walk(full);
      else out.set(rel, createHash("sha256").update(readFileSync(full)).digest("hex"));
    }
  };
  walk(venv);
  return out;
}

/** pip in a fresh --without-pip venv, running from ensurepip's wheel. */
function pipInstall(wheelsDir: string, names: string[]): string {
  const venv = mkdtempSync(join(root, "pip-venv-"));
  expect(run(PY.exe, ["-m", "venv", "--without-pip", venv]).code).toBe(0);
  const r = run(join(venv, "bin", "python"), [
    join(pipDir!, "pip"),
    "install",
    "--no-index",
    "--find-links",
    wheelsDir,
    "--no-compile",
    "--disable-pip-version-check",
    "--no-cache-dir",
    ...names,
  ]);
  expect(r.code, r.stderr).toBe(0);
  return venv;
}

function pip(venv: string, args: string[]) {
  return run(join(venv, "bin", "python"), [join(pipDir!, "pip"), "--disable-pip-version-check", ...args]);
}

function compare(ours: string, theirs: string): void {
  const a = inventory(ours);
  const b = inventory(theirs);
  expect([...a.keys()].sort()).toEqual([...b.keys()].sort());
  const differ = [...a.keys()].filter((k) => a.get(k) !== b.get(k) && !k.startsWith("bin/") && k !== "pyvenv.cfg");
  expect(differ).toEqual([]);
}

async function ourInstall(wheels: BundleWheel[], name: string): Promise<{ dest: string; venv: string; bundle: string }> {
  const bundle = await buildBundle({ name: "shop", version: "1.0", entry: "shop.main:main", app: APP, target: { platform: "manylinux_2_17_x86_64", python: PY.version }, wheels }, join(root, name));
  const dest = join(root, `${name}-dest`);
  const r = runInstaller(PY.exe, bundle.dir, [dest, "--no-compile"]);
  expect(r.code, r.stderr).toBe(0);
  return { dest, venv: realpathSync(join(dest, "current", "venv")), bundle: bundle.dir };
}

/** Django, numpy and pydantic with their dependencies from the machine's mirror, or null. */
function realWheels(): string[] | null {
  const mirror = "/opt/pypi/files";
  if (!existsSync(mirror)) return null;
  const supported = new Set(pythonTags(PY.exe));
  const all = readdirSync(mirror).sort();
  const fits = (f: string) => {
    const [py, abi, plat] = f.slice(0, -4).split("-").slice(-3) as [string, string, string];
    return py.split(".").some((a) => abi.split(".").some((b) => plat.split(".").some((c) => supported.has(`${a}-${b}-${c}`))));
  };
  const newest = (re: RegExp) => all.filter((f) => re.test(f) && fits(f)).at(-1);
  const pydantic = newest(/^pydantic-2\..*\.whl$/);
  if (!pydantic) return null;
  // pydantic pins an exact pydantic-core: take the one it names
  const code = "import sys, zipfile, re\nz = zipfile.ZipFile(sys.argv[1])\nm = [n for n in z.namelist() if n.endswith('.dist-info/METADATA')][0]\nprint(re.search(r'Requires-Dist: pydantic-core==(\\S+)', z.read(m).decode()).group(1))";
  const pin = run(PY.exe, ["-c", code, join(mirror, pydantic)]).stdout.trim();
  const picks = [
    newest(/^django-5\..*-py3-none-any\.whl$/),
    newest(/^asgiref-.*\.whl$/),
    newest(/^sqlparse-.*\.whl$/),
    newest(/^numpy-.*\.whl$/),
    pydantic,
    all.find((f) => f.startsWith(`pydantic_core-${pin}-`) && fits(f)),
    newest(/^typing_extensions-.*\.whl$/),
    newest(/^annotated_types-.*\.whl$/),
    newest(/^typing_inspection-.*\.whl$/),
  ];
  return picks.every(Boolean) ? picks.map((f) => join(mirror, f!)) : null;
}

describe("parity with pip", () => {
  it.skipIf(!pipDir)("fixture wheels: same files, pip check passes, scripts run, pip uninstall removes every file", async () => {
    const tags = pythonTags(PY.exe);
    const { venv, bundle } = await ourInstall(fixtureWheels(tags, PY.version), "fixture");
    const theirs = pipInstall(join(bundle, "wheels"), ["pure-lib", "tool-pkg", "plat-lib"]);
    compare(venv, theirs);
    expect(inventory(venv).has("include/site/python3.11/tool-pkg/tool.h")).toBe(PY.version === "3.11");

    const check = pip(venv, ["check"]);
    expect(check.stdout).toBe("No broken requirements found.\n");
    expect(check.code).toBe(0);
    const list = JSON.parse(pip(venv, ["list", "--format=json"]).stdout) as { name: string; version: string }[];
    expect(list.map((p) => `${p.name}==${p.version}`).sort()).toEqual(["plat-lib==0.3", "pure-lib==1.0", "tool-pkg==2.0"]);
    expect(run(join(venv, "bin", "tool"), ["y"]).stdout).toBe("tool 42 ['y']\n");

    const un = pip(venv, ["uninstall", "-y", "tool-pkg"]);
    expect(un.code, un.stderr).toBe(0);
    for (const gone of ["bin/tool", "bin/tool-cli", "bin/tool-gui", "bin/tool-script", "share/tool-pkg/readme.txt", `lib/python${PY.version}/site-packages/tool_pkg/__init__.py`]) {
      expect(existsSync(join(venv, gone)), gone).toBe(false);
    }
  });

  const picked = realWheels();
  it.skipIf(!pipDir || !picked)("real wheels from the mirror: Django, numpy, pydantic + pydantic-core", async () => {
    const { venv, bundle } = await ourInstall(picked!.map((file) => ({ file })), "real");
    const theirs = pipInstall(join(bundle, "wheels"), ["django", "numpy", "pydantic"]);
    compare(venv, theirs);
    const check = pip(venv, ["check"]);
    expect(check.stdout).toBe("No broken requirements found.\n");
    const py = join(venv, "bin", "python");
    const probe = run(py, ["-c", "import django, numpy, pydantic, pydantic_core; print(numpy.arange(4).sum(), pydantic.BaseModel.__name__)"]);
    expect(probe.stdout).toBe("6 BaseModel\n");
    expect(run(join(venv, "bin", "django-admin"), ["--version"]).stdout).toBe(`${/django-([^-]+)-/.exec(picked![0]!)![1]}\n`);
  });
});

describe("offline", () => {
  const canUnshare = run("unshare", ["-n", "true"]).code === 0;
  it.skipIf(!canUnshare)("installs inside `unshare -n` (no network interface but lo, which is down)", async () => {
    const tags = pythonTags(PY.exe);
    const bundle = await buildBundle({ name: "shop", version: "1.0", entry: "shop.main:main", app: APP, target: { platform: "manylinux_2_17_x86_64", python: PY.version }, wheels: fixtureWheels(tags, PY.version) }, join(root, "offline"));
    const noNet = run("unshare", ["-n", PY.exe, "-c", "import socket\ntry:\n    socket.create_connection(('1.1.1.1', 443), timeout=2)\n    print('online')\nexcept OSError:\n    print('offline')"]);
    expect(noNet.stdout).toBe("offline\n");
    const dest = join(root, "offline-dest");
    const r = run("unshare", ["-n", PY.exe, join(bundle.dir, "install.py"), dest, "--json"]);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ ok: true, action: "installed" });
    expect(run(join(dest, "bin", "shop"), []).stdout).toBe("shop 42 1 True None []\n");
  });
});
