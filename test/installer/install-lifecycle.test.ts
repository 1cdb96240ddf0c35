/**
 * The site life cycle with real processes and real users: v1 -> v2 -> rollback -> v3 with
 * shared/.env and declared state (a directory and a file) surviving every step byte for byte; an
 * HTTP server of the app started from v1 keeps serving during and after the v2 install (even
 * modules it imports only afterwards come from v1) and serves v2 after a restart; drift found by
 * `verify` and repaired only with --repair; prune keeps the current and the previous release; a
 * non-root app user installs into a DEST it owns under a root-owned parent (root only); a
 * tampered manifest's escape sequences never reach the terminal raw.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { chmodSync, chownSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildBundle, writeManifest, type Manifest } from "../helpers/bundle-builder.js";
import { DEFAULT_PYTHON as PY, distroPython, fixtureWheels, leftovers, pythonTags, releases, run, runInstaller } from "./harness.js";

const root = mkdtempSync(join(tmpdir(), "wb-inst-life-"));
chmodSync(root, 0o755); // the app user of the last test reads the bundles from here
afterAll(() => rmSync(root, { recursive: true, force: true }));
const TARGET = { platform: "manylinux_2_17_x86_64", python: PY.version };

const WEB = `import http.server, os, sys
from pathlib import Path

VERSION = (Path(__file__).parent / "version.txt").read_text().strip()

class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        if self.path == "/page":
            from shop import page  # imported on first use: must come from the release this process started in
            body = page.PAGE
        else:
            body = "%s %s %s" % (VERSION, os.environ.get("GREETING"), Path("media/upload.bin").exists())
        data = body.encode()
        self.send_response(200)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args):
        pass

def main():
    server = http.server.HTTPServer(("127.0.0.1", 0), Handler)
    print("port", server.server_address[1], flush=True)
    server.serve_forever()
`;

async function shopBundle(version: string, dir: string): Promise<string> {
  const tags = pythonTags(PY.exe);
  const built = await buildBundle(
    {
      name: "shop",
      version,
      entry: "shop.web:main",
      target: TARGET,
      app: { "shop/__init__.py": "", "shop/web.py": WEB, "shop/page.py": `PAGE = "page ${version}"\n`, "shop/version.txt": `${version}\n`, "media/seed.txt": `seed ${version}\n` },
      wheels: fixtureWheels(tags, PY.version),
    },
    dir,
  );
  const m = built.manifest as Manifest & { app: Record<string, unknown> };
  m.app = { ...m.app, state: ["media/", "db.sqlite3"] };
  writeManifest(built.dir, m);
  return built.dir;
}

/** Every file under shared/ with its bytes and mode. */
function snapshot(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string): void => {
    for (const name of readdirSync(d)) {
      const p = join(d, name);
      const st = lstatSync(p);
      if (st.isDirectory()) walk(p);
      else out[relative(dir, p)] = `${(st.mode & 0o777).toString(8)} ${readFileSync(p).toString("base64")}`;
    }
  };
  walk(dir);
  return out;
}

function json(r: { stdout: string }): Record<string, unknown> {
  return JSON.parse(r.stdout) as Record<string, unknown>;
}

async function get(port: number, path = "/"): Promise<string> {
  const res = await fetch(`http://127.0.0.1:${port}${path}`);
  return res.text();
}

function startServer(dest: string): Promise<{ child: ChildProcess; port: number }> {
  const child = spawn(join(dest, "bin", "shop"), [], { cwd: join(dest, "current", "app"), stdio: ["ignore", "pipe", "inherit"] });
  return new Promise((resolve, reject) => {
    let out = "";
    child.stdout!.on("data", (d: Buffer) => {
      out += d.toString();
      const m = /port (\d+)/.exec(out);
      if (m) resolve({ child, port: Number(m[1]) });
    });
    child.on("exit", (code) => reject(new Error(`the server exited with ${code}`)));
  });
}

function installAsync(bundle: string, dest: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(PY.exe, [join(bundle, "install.py"), dest, "--json"], { stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
  child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
  return new Promise((resolve) => child.on("exit", (code) => resolve({ code, stdout, stderr })));
}

let v1: string;
let v2: string;
let v3: string;
beforeAll(async () => {
  v1 = await shopBundle("1.0", join(root, "v1"));
  v2 = await shopBundle("2.0", join(root, "v2"));
  v3 = await shopBundle("3.0", join(root, "v3"));
}, 60_000);

describe("the site life cycle", () => {
  it("v1 -> v2 -> rollback -> v3: shared/.env and state survive byte for byte; a running server keeps serving, then serves v2 after a restart", async () => {
    const dest = join(mkdtempSync(join(root, "site-")), "shop");
    const first = runInstaller(PY.exe, v1, [dest, "--json"]);
    expect(first.code, first.stderr).toBe(0);
    const r1 = json(first).current as string;
    expect(json(first)).toMatchObject({ ok: true, action: "installed", previous: null });
    // state: seeded from the bundle on the first install, reached through links in the release
    expect(readFileSync(join(dest, "shared", "media", "seed.txt"), "utf8")).toBe("seed 1.0\n");
    expect(lstatSync(join(dest, "current", "app", "media")).isSymbolicLink()).toBe(true);
    writeFileSync(join(dest, "shared", ".env"), "GREETING='hello (from .env) # not a comment'\nexport MODE=prod\n", { mode: 0o600 });
    writeFileSync(join(dest, "shared", "media", "upload.bin"), randomBytes(4096));
    writeFileSync(join(dest, "shared", "db.sqlite3"), randomBytes(8192), { mode: 0o640 });
    expect(readFileSync(join(dest, "current", "app", "db.sqlite3"))).toEqual(readFileSync(join(dest, "shared", "db.sqlite3")));
    const state = snapshot(join(dest, "shared"));

    const { child, port } = await startServer(dest);
    try {
      expect(await get(port)).toBe("1.0 hello (from .env) # not a comment True");
      const install = installAsync(v2, dest);
      let served = 0;
      let finished = false;
      void install.then(() => (finished = true));
      while (!finished) {
        expect(await get(port)).toBe("1.0 hello (from .env) # not a comment True");
        served++;
      }
      const second = await install;
      expect(second.code, second.stderr).toBe(0);
      expect(served).toBeGreaterThan(0);
      const r2 = json(second).current as string;
      expect(json(second)).toMatchObject({ action: "upgraded", previous: r1, current: r2 });
      // still v1, and a module imported only now comes from v1's release, still on disk
      expect(await get(port)).toBe("1.0 hello (from .env) # not a comment True");
      expect(await get(port, "/page")).toBe("page 1.0");
      child.kill("SIGTERM");
      const restarted = await startServer(dest);
      try {
        expect(await get(restarted.port)).toBe("2.0 hello (from .env) # not a comment True");
        expect(await get(restarted.port, "/page")).toBe("page 2.0");
      } finally {
        restarted.child.kill("SIGTERM");
      }
      expect(snapshot(join(dest, "shared"))).toEqual(state);

      const back = run(PY.exe, [join(dest, "install.py"), "rollback", dest, "--json"]);
      expect(back.code, back.stderr).toBe(0);
      expect(json(back)).toMatchObject({ ok: true, action: "rolled-back", previous: r2, current: r1 });
      expect(run(join(dest, "current", "venv", "bin", "python"), ["-c", "print(open('../app/shop/version.txt').read())"], { cwd: join(dest, "current", "venv") }).stdout).toBe("1.0\n\n");
      expect(snapshot(join(dest, "shared"))).toEqual(state);

      const third = runInstaller(PY.exe, v3, [dest, "--json"]);
      expect(third.code, third.stderr).toBe(0);
      const r3 = json(third).current as string;
      expect(json(third)).toMatchObject({ action: "upgraded", previous: r1, current: r3 });
      expect(snapshot(join(dest, "shared"))).toEqual(state);
      expect(readFileSync(join(dest, "shared", "media", "seed.txt"), "utf8")).toBe("seed 1.0\n"); // never overwritten by a later seed
      expect(statSync(join(dest, "shared", ".env")).mode & 0o777).toBe(0o600);

      const listed = run(PY.exe, [join(dest, "install.py"), "releases", dest, "--json"]);
      const rows = json(listed).releases as { name: string; current: boolean; previous: boolean }[];
      expect(rows.map((r) => [r.name, r.current, r.previous])).toEqual([[r1, false, true], [r2, false, false], [r3, true, false]]);
      const pruned = run(PY.exe, [join(dest, "install.py"), "prune", dest, "--keep", "1", "--json"]);
      expect(pruned.code, pruned.stderr).toBe(0);
      expect(json(pruned)).toMatchObject({ action: "pruned", removed: [r2], kept: [r1, r3] });
      expect(releases(dest)).toEqual([r1, r3].sort());
      expect(snapshot(join(dest, "shared"))).toEqual(state);
      expect(leftovers(dest)).toEqual([]);
    } finally {
      child.kill("SIGKILL");
    }
  }, 120_000);

  it("drift: a deleted package file and an edited app file are reported by verify; the re-run repairs only with --repair", () => {
    const dest = join(mkdtempSync(join(root, "drift-")), "shop");
    expect(runInstaller(PY.exe, v1, [dest, "--no-compile"]).code).toBe(0);
    const site = join(dest, "current", "venv", "lib", `python${PY.version}`, "site-packages");
    rmSync(join(site, "tool_pkg", "cli.py"));
    writeFileSync(join(dest, "current", "app", "shop", "page.py"), "PAGE = 'edited'\n");
    writeFileSync(join(site, "tool_pkg", "planted.py"), "");
    const v = run(PY.exe, [join(dest, "install.py"), "verify", dest, "--json"]);
    expect(v.code).toBe(1);
    const error = (json(v) as { error: { code: string; drift: { packages: Record<string, unknown>; app: Record<string, unknown> } } }).error;
    expect(error.code).toBe("E_DRIFT");
    expect(error.drift.packages).toEqual({ "tool-pkg": { missing: ["tool_pkg/cli.py"], unexpected: ["tool_pkg/planted.py"] } });
    expect(error.drift.app).toEqual({ app: { changed: ["shop/page.py"] } });
    const again = runInstaller(PY.exe, v1, [dest]);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain("error[E_DRIFT]: release ");
    expect(again.stderr).toContain("hint: this machine's copy differs from what was installed: tool-pkg: missing tool_pkg/cli.py; tool-pkg: unexpected tool_pkg/planted.py; app/: changed shop/page.py\n");
    expect(existsSync(join(site, "tool_pkg", "planted.py"))).toBe(true); // nothing changed without --repair
    const check = runInstaller(PY.exe, v1, [dest, "--repair", "--check", "--json"]);
    expect(json(check)).toMatchObject({ action: "checked", would: "repair" });
    const repaired = runInstaller(PY.exe, v1, [dest, "--repair", "--json"]);
    expect(repaired.code, repaired.stderr).toBe(0);
    expect(json(repaired)).toMatchObject({ action: "repaired" });
    expect(run(PY.exe, [join(dest, "install.py"), "verify", dest]).code).toBe(0);
    expect(json(runInstaller(PY.exe, v1, [dest, "--json"]))).toMatchObject({ action: "unchanged" });
  });

  it("a tampered manifest's name with escape sequences is refused, and printed escaped", async () => {
    const dir = await shopBundle("1.0", join(root, "evil"));
    const m = JSON.parse(readFileSync(join(dir, "manifest.json"), "utf8")) as Manifest;
    m.app.name = "shop\u001b]0;owned\u0007\u001b[2J$(id)";
    writeManifest(dir, m);
    const r = runInstaller(PY.exe, dir, [join(root, "never-evil")]);
    expect(r.code).toBe(1);
    expect(r.stderr).not.toContain("\u001b");
    expect(r.stderr).not.toContain("\u0007");
    expect(r.stderr).toContain("error[E_BUNDLE]: manifest.json: app.name 'shop\\x1b]0;owned\\x07\\x1b[2J$(id)' is not letters, digits");
    expect(existsSync(join(root, "never-evil"))).toBe(false);
  });
});

const PIP_WHEEL = existsSync("/opt/pypi/files") ? readdirSync("/opt/pypi/files").filter((f) => /^pip-\d[^-]*-py3-none-any\.whl$/.test(f)).sort().at(-1) : undefined;
const systemdAnalyze = existsSync("/usr/bin/systemd-analyze");

describe("operator tools", () => {
  it.skipIf(!PIP_WHEEL)("a bundle with the pip wheel (--with-pip): the venv's pip lists, shows and checks offline", async () => {
    const tags = pythonTags(PY.exe);
    const dir = (await buildBundle({ name: "shop", version: "1.0", target: TARGET, wheels: [...fixtureWheels(tags, PY.version), { file: join("/opt/pypi/files", PIP_WHEEL!) }] }, join(root, "with-pip"))).dir;
    const dest = join(mkdtempSync(join(root, "pip-")), "shop");
    expect(runInstaller(PY.exe, dir, [dest, "--no-compile"]).code).toBe(0);
    const pip = join(dest, "current", "venv", "bin", "pip");
    const env = { PATH: "/usr/bin:/bin", PIP_NO_INDEX: "1", PIP_DISABLE_PIP_VERSION_CHECK: "1" };
    const list = run(pip, ["list", "--format=json"], { env });
    expect(list.code, list.stderr).toBe(0);
    expect((JSON.parse(list.stdout) as { name: string }[]).map((p) => p.name).sort()).toEqual(["pip", "plat-lib", "pure-lib", "tool-pkg"]);
    expect(run(pip, ["show", "tool-pkg"], { env }).stdout).toContain("Requires: pure-lib");
    expect(run(pip, ["check"], { env }).stdout).toBe("No broken requirements found.\n");
  });

  it("without pip, the venv's pip is a stub that says so (a bare `pip` after activate never runs the host's)", () => {
    const dest = join(mkdtempSync(join(root, "nopip-")), "shop");
    expect(runInstaller(PY.exe, v1, [dest, "--no-compile"]).code).toBe(0);
    const r = run("/bin/sh", ["-c", `. ${join(dest, "current", "venv", "bin", "activate")} && pip list`]);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(`pip is not installed in this venv (the bundle was built without --with-pip).\nList the installed packages with: python3 ${join(dest, "install.py")} releases ${dest} --json\n`);
  });

  it.skipIf(!systemdAnalyze)("`install.py unit` prints a unit that systemd-analyze verify accepts, running DEST/bin/<name> in DEST/current/app", () => {
    const dest = join(mkdtempSync(join(root, "unit-")), "shop");
    expect(runInstaller(PY.exe, v1, [dest, "--no-compile"]).code).toBe(0);
    const r = run(PY.exe, [join(dest, "install.py"), "unit", dest]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain(`\nWorkingDirectory=${join(dest, "current", "app")}\nExecStart=${join(dest, "bin", "shop")}\n`);
    const unit = join(root, `shop-${process.pid}.service`);
    writeFileSync(unit, r.stdout);
    const v = run("systemd-analyze", ["verify", unit]);
    expect(v.stderr).toBe("");
    expect(v.code).toBe(0);
  });
});

const distro = distroPython();
const asRoot = process.getuid?.() === 0 && existsSync("/usr/sbin/useradd") && existsSync("/usr/sbin/runuser") && distro?.version === PY.version;
describe("a non-root app user", () => {
  const user = `wbapp${process.pid}`;
  afterAll(() => {
    if (asRoot) run("userdel", [user]);
  });

  it.skipIf(!asRoot)("installs and upgrades into a DEST it owns under a root-owned parent; --check predicts E_PERMISSION where it may not write", () => {
    expect(run("useradd", ["--system", "--no-create-home", "--shell", "/usr/sbin/nologin", user]).code).toBe(0);
    const uid = Number(run("id", ["-u", user]).stdout.trim());
    const parent = mkdtempSync(join(root, "srv-"));
    chmodSync(parent, 0o755);
    const dest = join(parent, "shop");
    mkdirSync(dest);
    chownSync(dest, uid, uid);
    const as = (bundle: string, args: string[]) => run("/usr/sbin/runuser", ["-u", user, "--", distro!.exe, join(bundle, "install.py"), ...args], { env: { PATH: "/usr/bin:/bin", HOME: "/" } });
    const check = as(v1, [dest, "--check"]);
    expect(check.code, check.stderr).toBe(0);
    const first = as(v1, [dest, "--json"]);
    expect(first.code, first.stderr).toBe(0);
    expect(json(first)).toMatchObject({ action: "installed" });
    expect(lstatSync(join(dest, "current", "venv", "bin", "python")).uid).toBe(uid);
    expect(statSync(join(dest, "current", "venv", "pyvenv.cfg")).uid).toBe(uid);
    expect(readdirSync(parent)).toEqual(["shop"]); // nothing built beside DEST
    const second = as(v2, [dest, "--json"]);
    expect(json(second)).toMatchObject({ action: "upgraded" });
    const other = join(parent, "other");
    for (const args of [[other, "--check"], [other]]) {
      const r = as(v1, args);
      expect(r.code).toBe(1);
      expect(r.stderr).toContain(`error[E_PERMISSION]: user ${user} (uid ${uid}) may not create other in ${parent}\n`);
    }
    expect(existsSync(other)).toBe(false);
  });
});
