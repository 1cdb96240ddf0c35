/**
 * Real-world runs against this machine's package mirror (the file:// indexes of `pip config
 * list`, served over HTTP on 127.0.0.1 as "PyPI"), through a real squid proxy. Skipped cleanly
 * where the mirror or squid is absent.
 *  - bundle a Django app and a FastAPI app for manylinux_2_28_x86_64@3.11 through squid, install
 *    each with no network, run `manage.py check` and import the FastAPI app; squid's log shows
 *    every request;
 *  - the files `lock` selects for those pins equal what `pip download` picks (expanded platforms);
 *  - resolving loose top-level requirements gives the versions pip resolves.
 */
import { execFile, spawnSync } from "node:child_process";
import { promisify } from "node:util";
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { findMirror } from "../helpers/mirror.js";
import { squidBinary, startSquid, type Squid } from "../helpers/squid.js";
import { runCli } from "../helpers/run-cli.js";
import { serveStatic, type StaticServer } from "../../scripts/lib/static-index.js";
import { parseTarget } from "../../src/targets/parse-target.js";

const root = resolve(import.meta.dirname, "..", "..");
const mirror = findMirror();
const TARGET = "manylinux_2_28_x86_64@3.11";
const canUnshare = spawnSync("unshare", ["-n", "true"]).status === 0;

let dir = "";
let servers: StaticServer[] = [];
let squid: Squid | null = null;
let indexArgs: string[] = [];

beforeAll(async () => {
  if (!mirror) return;
  dir = mkdtempSync(join(tmpdir(), "wb-real-"));
  servers = await Promise.all(mirror.indexDirs.map((d) => serveStatic(resolve(d, ".."))));
  indexArgs = servers.flatMap((s, i) => [i === 0 ? "--index-url" : "--extra-index-url", `${s.url}/simple/`]);
  squid = await startSquid();
}, 60_000);
afterAll(async () => {
  await squid?.stop();
  for (const s of servers) await s.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

function pipPlatformArgs(): string[] {
  const t = parseTarget(TARGET);
  const platforms = [...new Set(t.tags.map((x) => x.split("-")[2]!).filter((p) => p !== "any"))];
  return ["--only-binary=:all:", "--python-version", "3.11", "--implementation", "cp", "--abi", "cp311", ...platforms.flatMap((p) => ["--platform", p])];
}

function pipEnv(): NodeJS.ProcessEnv {
  return { ...process.env, PIP_CONFIG_FILE: "/dev/null", PIP_DISABLE_PIP_VERSION_CHECK: "1", PIP_NO_CACHE_DIR: "1" };
}

const run = promisify(execFile);

/** Async on purpose: the index servers live in this process and must keep answering. */
async function sh(cmd: string[], env?: NodeJS.ProcessEnv): Promise<string> {
  const r = await run(cmd[0]!, cmd.slice(1), { encoding: "utf8", env: env ?? process.env, maxBuffer: 1 << 26 });
  return r.stdout;
}

function offline(cmd: string[]): Promise<string> {
  return sh(canUnshare ? ["unshare", "-n", ...cmd] : cmd);
}

describe.skipIf(!mirror)("real-world apps from the machine's mirror", () => {
  for (const app of [
    { name: "mysite", dir: "django-app", entry: "manage.py", check: (dest: string) => offline([join(dest, "current", "venv", "bin", "python"), join(dest, "current", "app", "manage.py"), "check"]), expect: "System check identified no issues" },
    { name: "api", dir: "fastapi-app", entry: "api.main:main", check: (dest: string) => offline([join(dest, "bin", "api")]), expect: "routes: ['/docs', '/docs/oauth2-redirect', '/items', '/openapi.json', '/redoc']" },
  ]) {
    it.skipIf(!squidBinary())(`bundles ${app.dir} through squid, installs it offline and runs it`, async () => {
      if (!squid) throw new Error("squid is installed but did not start");
      const out = join(dir, `${app.name}-out`);
      const before = servers.map((s) => s.requests.length);
      const r = await runCli(
        ["bundle", "-r", join(root, "examples", app.dir, "requirements.txt"), "--app", join(root, "examples", app.dir), "--name", app.name, "--version", "1.0.0", "--entry", app.entry, "--target", TARGET, ...indexArgs, "--proxy", squid.url, "--format", "dir", "--out", out, "--cache-dir", join(dir, `${app.name}-cache`)],
        { env: { NO_PROXY: "" } },
      );
      expect(r.stderr).not.toContain("error[");
      expect(r.code).toBe(0);
      const bundle = join(out, readdirSync(out)[0]!);
      const dest = join(dir, `${app.name}-installed`);
      await offline(["python3", join(bundle, "install.py"), dest]);
      expect(await app.check(dest)).toContain(app.expect);
      // Every request the index servers saw went through squid.
      await new Promise((res) => setTimeout(res, 500));
      const log = squid.accessLog();
      const seen = servers.flatMap((s, i) => s.requests.slice(before[i]).map((q) => `${q.split(" ")[0]} ${s.url}${q.split(" ")[1]}`));
      expect(seen.length).toBeGreaterThan(3);
      for (const line of seen) expect(log).toContain(line.replace(/^(\w+) /, "$1 "));
    }, 240_000);
  }

  it("lock selects the same files as pip download for the Django and FastAPI pins", async () => {
    for (const app of ["django-app", "fastapi-app"]) {
      const reqs = join(root, "examples", app, "requirements.txt");
      const r = await runCli(["lock", "-r", reqs, "--target", TARGET, ...indexArgs, "--out", join(dir, `${app}.toml`), "--cache-dir", join(dir, "lock-cache"), "--json"]);
      expect(r.stderr).not.toContain("error[");
      const ours = (JSON.parse(r.stdout) as { targets: { packages: { filename: string }[] }[] }).targets[0]!.packages.map((p) => p.filename).sort();
      const pipDir = join(dir, `pip-${app}`);
      mkdirSync(pipDir, { recursive: true });
      await sh(["python3", "-m", "pip", "download", "-q", "--no-deps", "-d", pipDir, "-r", reqs, ...pipPlatformArgs(), ...indexArgs], pipEnv());
      expect(ours).toEqual(readdirSync(pipDir).sort());
    }
  }, 240_000);

  for (const top of ["django", "fastapi uvicorn[standard]", "pandas scikit-learn matplotlib"]) {
    it(`resolving '${top}' gives the versions pip resolves`, async () => {
      const reqs = join(dir, `top-${top.replace(/\W+/g, "_")}.txt`);
      writeFileSync(reqs, top.split(" ").join("\n") + "\n");
      const r = await runCli(["lock", "-r", reqs, "--target", TARGET, ...indexArgs, "--out", join(dir, "resolved.toml"), "--cache-dir", join(dir, "lock-cache"), "--json"]);
      expect(r.stderr).not.toContain("error[");
      const ours = (JSON.parse(r.stdout) as { targets: { packages: { name: string; version: string }[] }[] }).targets[0]!.packages.map((p) => `${p.name}==${p.version}`).sort();
      const report = join(dir, "report.json");
      await sh(["python3", "-m", "pip", "install", "-q", "--dry-run", "--ignore-installed", "--target", join(dir, "pip-target"), "--report", report, ...pipPlatformArgs(), ...indexArgs, "-r", reqs], pipEnv());
      const pip = (JSON.parse(await sh(["python3", "-c", "import json,sys;print(json.dumps([i['metadata']['name'].lower().replace('_','-').replace('.','-')+'=='+i['metadata']['version'] for i in json.load(open(sys.argv[1]))['install']]))", report])) as string[]).sort();
      expect(ours).toEqual(pip);
    }, 240_000);
  }
});
