/**
 * install.py with every real python this machine has (pyenv 3.8 … 3.13 and the distro python3),
 * each with a bundle built for that python's own tags: a pure wheel, a wheel with console and
 * gui scripts + .data/{scripts,data,headers}, a platlib wheel, and an app with a module entry.
 * The older pythons pyenv has (2.7, 3.6, 3.7) get the coded E_TARGET_MISMATCH, not a SyntaxError.
 */
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { buildBundle } from "../helpers/bundle-builder.js";
import { APP, PYENV_VERSIONS, distroPython, fixtureWheels, leftovers, pyenvPython, pythonTags, releases, run, runInstaller, type Python } from "./harness.js";

const root = mkdtempSync(join(tmpdir(), "wb-inst-py-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const cases: { label: string; python: Python | null }[] = [
  ...PYENV_VERSIONS.map((v) => ({ label: `pyenv ${v}`, python: pyenvPython(v) })),
  { label: "distro /usr/bin/python3", python: distroPython() },
];

/** Checks every RECORD row of every installed dist against the file on disk, from the venv itself. */
const RECORD_CHECK = `
import base64, hashlib, json, sys
from importlib import metadata
out = {}
for dist in metadata.distributions():
    bad, n = [], 0
    for f in dist.files or []:
        if f.hash is None:
            continue
        n += 1
        data = f.locate().read_bytes()
        digest = base64.urlsafe_b64encode(hashlib.new(f.hash.mode, data).digest()).rstrip(b"=").decode()
        if digest != f.hash.value or f.size != len(data):
            bad.append(str(f))
    out[dist.metadata["Name"]] = {"rows": n, "bad": bad, "installer": dist.read_text("INSTALLER"), "requested": dist.read_text("REQUESTED") is not None}
print(json.dumps(out, sort_keys=True))
`;

const PYC_FILENAME = `
import marshal, sys, importlib.util
src = sys.argv[1]
with open(importlib.util.cache_from_source(src), "rb") as f:
    print(marshal.loads(f.read()[16:]).co_filename)
`;

function filesUnder(dir: string): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...filesUnder(p));
    else if (e.isFile()) out.push(p);
  }
  return out;
}

describe.each(cases)("install.py with $label", ({ label, python }) => {
  it.skipIf(!python)("installs a bundle built for it: venv, scripts, data, app launcher, RECORDs, bytecode", async () => {
    const py = python!;
    const tags = pythonTags(py.exe);
    const platform = (tags.find((t) => /-manylinux_\d+_\d+_/.test(t)) ?? tags[0]!).split("-")[2]!;
    const dir = join(root, `b-${py.full}-${label.length}`);
    const bundle = await buildBundle(
      { name: "shop", version: "1.0.0", entry: "shop.main:main", target: { platform, python: py.version, tags }, app: APP, wheels: fixtureWheels(tags, py.version) },
      dir,
    );
    const parent = mkdtempSync(join(root, "dest-"));
    const dest = join(parent, "shop");
    const r = runInstaller(py.exe, bundle.dir, [dest, "--json"]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout);
    const [name] = releases(dest);
    expect(name).toMatch(/^1\.0\.0-[0-9a-f]{12}$/);
    const release = join(dest, "releases", name!);
    const venv = join(release, "venv");
    const cur = join(dest, "current");
    expect(report).toMatchObject({ ok: true, action: "installed", previous: null, current: name, release, compiled: true });
    expect(report.paths).toEqual({
      dest, current: cur, venv: join(cur, "venv"), python: join(cur, "venv", "bin", "python"),
      site_packages: join(cur, "venv", "lib", `python${py.version}`, "site-packages"), app: join(cur, "app"), bin: join(dest, "bin", "shop"), shared: join(dest, "shared"),
    });
    expect(report.packages).toEqual([
      { name: "pure-lib", version: "1.0", requested: false },
      { name: "tool-pkg", version: "2.0", requested: true },
      { name: "plat-lib", version: "0.3", requested: true },
    ]);
    expect(leftovers(dest)).toEqual([]);
    expect(readdirSync(dest).sort()).toEqual([".wheelbarrow-site.json", "bin", "current", "install.py", "releases", "shared"]);
    expect(readFileSync(join(cur, "manifest.json"), "utf8")).toBe(readFileSync(join(bundle.dir, "manifest.json"), "utf8"));
    // the app launcher, with and without shared/.env
    expect(run(join(dest, "bin", "shop"), ["a b"]).stdout).toBe("shop 42 1 True None ['a b']\n");
    writeFileSync(join(dest, "shared", ".env"), "SHOP_MODE=prod\n");
    expect(run(join(dest, "bin", "shop"), []).stdout).toBe("shop 42 1 True prod []\n");
    // console, gui and .data scripts
    const bin = join(venv, "bin");
    expect(run(join(bin, "tool"), ["x"]).stdout).toBe("tool 42 ['x']\n");
    expect(run(join(bin, "tool-cli"), []).code).toBe(5);
    expect(run(join(bin, "tool-gui"), []).stdout).toBe("cli ran\n");
    expect(readFileSync(join(bin, "tool-script"), "utf8").split("\n")[0]).toBe(`#!${join(bin, "python")}`);
    expect(run(join(bin, "tool-script"), []).stdout).toBe(`script ok ${join(bin, "python")}\n`);
    expect(run(join(bin, "plain.sh"), []).stdout).toBe("plain sh\n");
    expect(statSync(join(bin, "tool")).mode & 0o111).toBe(0o111);
    expect(readFileSync(join(venv, "share", "tool-pkg", "readme.txt"), "utf8")).toBe("data file\n");
    expect(readFileSync(join(venv, "include", "site", `python${py.version}`, "tool-pkg", "tool.h"), "utf8")).toBe("int tool;\n");

    // RECORD rows verify, INSTALLER and REQUESTED
    const records = JSON.parse(run(join(bin, "python"), ["-c", RECORD_CHECK]).stdout);
    expect(records["tool-pkg"]).toMatchObject({ bad: [], installer: "wheelbarrow\n", requested: true });
    expect(records["pure-lib"]).toMatchObject({ bad: [], installer: "wheelbarrow\n", requested: false });
    expect(records["plat-lib"]).toMatchObject({ bad: [], requested: true });
    // 2 modules, 4 .data files, 3 launchers, METADATA, WHEEL, entry_points.txt, INSTALLER, REQUESTED (.pyc rows carry no hash)
    expect(records["tool-pkg"].rows).toBe(14);
    // bytecode names the final path, and no file anywhere in DEST mentions the temp dir
    const src = join(venv, "lib", `python${py.version}`, "site-packages", "tool_pkg", "__init__.py");
    expect(run(py.exe, ["-c", PYC_FILENAME, src]).stdout.trim()).toBe(src);
    const tempMentions = filesUnder(dest).filter((f) => !f.endsWith("install.py") && /\.tmp-\d/.test(readFileSync(f, "latin1")));
    expect(tempMentions).toEqual([]);

    // the same bundle again: verified, a no-op; --check: reports and changes nothing
    const before = statSync(join(release, "manifest.json")).mtimeMs;
    const again = runInstaller(py.exe, bundle.dir, [dest, "--json"]);
    expect(again.code).toBe(0);
    expect(JSON.parse(again.stdout)).toMatchObject({ ok: true, action: "unchanged", current: name, paths: report.paths });
    const check = runInstaller(py.exe, bundle.dir, [dest, "--check"]);
    expect(check.code).toBe(0);
    expect(check.stdout.split("\n")[0]).toBe(`checked shop 1.0.0 for ${platform}@${py.version}: the bundle is intact and this python fits; ${dest} already runs this bundle, intact: nothing to do`);
    expect(statSync(join(release, "manifest.json")).mtimeMs).toBe(before);
    expect(readFileSync(join(dest, "shared", ".env"), "utf8")).toBe("SHOP_MODE=prod\n");
  });
});

describe.each(["2.7.18", "3.6.15", "3.7.16"].map((v) => ({ v, python: pyenvPython(v) })))("install.py with pyenv $v", ({ v, python }) => {
  it.skipIf(!python)("prints the coded E_TARGET_MISMATCH (and the JSON object with --json), exit 1, nothing written", async () => {
    const bundle = await buildBundle({ name: "shop", version: "1.0", target: { platform: "manylinux_2_17_x86_64", python: "3.11" }, wheels: [] }, join(root, `old-${v}`));
    const dest = join(root, `old-dest-${v}`);
    const r = runInstaller(python!.exe, bundle.dir, [dest, "--json"]);
    expect(r.code).toBe(1);
    const first = r.stderr.split("\n")[0];
    expect(first).toBe(`error[E_TARGET_MISMATCH]: ${python!.exe} is Python ${v}: this bundle needs CPython 3.11 (and its installer Python 3.8 or newer)`);
    expect(r.stderr).not.toContain("SyntaxError");
    const out = JSON.parse(r.stdout);
    expect(out).toMatchObject({ ok: false, error: { code: "E_TARGET_MISMATCH", machine: { version: v }, target: { python: "3.11" } } });
    const fit = pyenvPython("3.11.7");
    const withFit = runInstaller(python!.exe, bundle.dir, [dest], { env: { ...process.env, PATH: fit ? join(fit.exe, "..") : "/nonexistent" } });
    expect(withFit.stderr).toContain(fit ? `hint: ${join(fit.exe, "..", "python3.11")} fits: run ./install.sh --python ${join(fit.exe, "..", "python3.11")}` : "hint: no python3.11 on PATH");
    expect(existsSync(dest)).toBe(false);
  });
});

describe("install.py options", () => {
  const py = pyenvPython("3.11.7");
  it.skipIf(!py)("--no-compile writes no bytecode, DEST defaults to ./<name>, --force is --repair and deletes nothing of the operator's", async () => {
    const tags = pythonTags(py!.exe);
    const bundle = await buildBundle(
      { name: "opt", version: "1.0", entry: "scripts/hello.py", target: { platform: "manylinux_2_17_x86_64", python: "3.11" }, app: APP, wheels: fixtureWheels(tags, "3.11") },
      join(root, "opt-bundle"),
    );
    const cwd = mkdtempSync(join(root, "cwd-"));
    const first = runInstaller(py!.exe, bundle.dir, ["--no-compile"], { cwd });
    expect(first.code).toBe(0);
    const dest = join(cwd, "opt");
    const [name] = releases(dest);
    expect(first.stdout.split("\n")[0]).toBe(`installed opt 1.0 in ${dest} (release ${name})`);
    const release = join(dest, "releases", name!);
    const site = join(release, "venv", "lib", "python3.11", "site-packages");
    expect(existsSync(join(site, "tool_pkg", "__pycache__"))).toBe(false);
    expect(run(join(dest, "bin", "opt"), ["x"]).stdout).toBe(`hello from ${join(release, "app", "scripts", "hello.py")}\n`);
    writeFileSync(join(dest, "shared", "marker"), "mine");
    const forced = runInstaller(py!.exe, bundle.dir, ["opt", "--force", "--json"], { cwd });
    expect(forced.code).toBe(0);
    expect(JSON.parse(forced.stdout)).toMatchObject({ action: "repaired", previous: name, current: name, compiled: true });
    expect(readFileSync(join(dest, "shared", "marker"), "utf8")).toBe("mine");
    expect(existsSync(join(site, "tool_pkg", "__pycache__"))).toBe(true);
    expect(leftovers(dest)).toEqual([]);
  });
});
