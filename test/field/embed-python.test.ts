/**
 * Embedding an interpreter end to end: a python-build-standalone-shaped archive made from this
 * machine's pyenv CPython 3.12 (test/helpers/pbs-archive.ts) in a mirror directory with a
 * SHA256SUMS, served by `python3 -m http.server` on 127.0.0.1 and as file://; bundles through the
 * CLI, verify, the manifest's python entry, every coded refusal, and install.sh installing with
 * the embedded interpreter.
 */
import { execFileSync, spawn, spawnSync, type ChildProcess } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildWheel, sha256File } from "../helpers/wheel-builder.js";
import { buildPbsArchive, pbsUnavailable, pyenvPrefix, PBS_BUILD, type PbsArchive } from "../helpers/pbs-archive.js";
import { runCli } from "../helpers/run-cli.js";

const why = pbsUnavailable("3.12") ?? (spawnSync("python3", ["--version"]).status === 0 ? null : "no python3 for http.server");

let dir: string;
let pbs: PbsArchive;
let mirror: string;
let server: ChildProcess | undefined;
let httpMirror: string;
let wheels: string;
let reqs: string;
/** The archive's glibc floor as readelf sees it (an independent check of scan-dist). */
let floor: string;
let target: string;

function readelfFloor(root: string): string {
  const files = execFileSync("find", [root, "-type", "f", "(", "-name", "*.so*", "-o", "-path", "*/bin/*", ")"], { encoding: "utf8" }).split("\n").filter(Boolean);
  let best: [number, number] = [0, 0];
  for (const f of files) {
    const head = readFileSync(f).subarray(0, 4);
    if (head.toString("latin1") !== "\x7fELF") continue;
    const out = execFileSync("readelf", ["-V", "-W", f], { encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
    const needs = out.slice(Math.max(0, out.indexOf("Version needs section")));
    for (const m of needs.matchAll(/Name: GLIBC_(\d+)\.(\d+)/g)) {
      const v: [number, number] = [Number(m[1]), Number(m[2])];
      if (v[0] > best[0] || (v[0] === best[0] && v[1] > best[1])) best = v;
    }
  }
  return `${best[0]}.${best[1]}`;
}

function startHttpServer(root: string): Promise<{ proc: ChildProcess; url: string }> {
  return new Promise((resolve, reject) => {
    const proc = spawn("python3", ["-u", "-m", "http.server", "0", "--bind", "127.0.0.1", "--directory", root], { stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    const onData = (d: Buffer) => {
      out += d.toString();
      const m = /port (\d+)/.exec(out);
      if (m) resolve({ proc, url: `http://127.0.0.1:${m[1]}` });
    };
    proc.stdout!.on("data", onData);
    proc.stderr!.on("data", () => undefined);
    proc.once("error", reject);
    proc.once("exit", (c) => reject(new Error(`http.server exited (${c}): ${out}`)));
  });
}

function writeMirror(root: string, files: { name: string; sha256: string }[]): void {
  mkdirSync(root, { recursive: true });
  writeFileSync(join(root, "SHA256SUMS"), files.map((f) => `${f.sha256}  ${f.name}\n`).join(""));
}

beforeAll(async () => {
  if (why) return;
  dir = mkdtempSync(join(tmpdir(), "wb-embed-"));
  pbs = buildPbsArchive("3.12");
  mirror = join(dir, "mirror", "pbs");
  mkdirSync(mirror, { recursive: true });
  copyFileSync(pbs.path, join(mirror, pbs.filename));
  const sha = sha256File(pbs.path);
  // Realistic neighbours the selection must skip: other triples, versions, flavours (files absent).
  const other = (n: string) => ({ name: n, sha256: "0".repeat(64) });
  writeMirror(mirror, [
    other(`cpython-${pbs.version}+${PBS_BUILD}-aarch64-unknown-linux-gnu-install_only.tar.gz`),
    other(`cpython-${pbs.version}+${PBS_BUILD}-x86_64-unknown-linux-gnu-debug-full.tar.zst`),
    other(`cpython-3.11.9+${PBS_BUILD}-aarch64-unknown-linux-gnu-install_only.tar.gz`),
    other(`cpython-3.12.0+20231002-x86_64-unknown-linux-gnu-install_only.tar.gz`),
    { name: pbs.filename, sha256: sha },
  ]);
  const unpacked = join(dir, "unpacked");
  mkdirSync(unpacked);
  execFileSync("tar", ["-xzf", pbs.path, "-C", unpacked]);
  floor = readelfFloor(unpacked);
  target = `manylinux_${floor.replace(".", "_")}_x86_64@3.12`;
  const s = await startHttpServer(join(dir, "mirror"));
  server = s.proc;
  httpMirror = `${s.url}/pbs`;
  wheels = join(dir, "wheels");
  await buildWheel({ name: "hello", version: "1.0", files: { "hello.py": "import sys\n\ndef main():\n    print('hello from', sys.version_info[:2], sys.base_prefix)\n" } }, wheels);
  reqs = join(dir, "requirements.txt");
  writeFileSync(reqs, "hello==1.0\n");
}, 120_000);

afterAll(() => {
  if (server?.pid) server.kill("SIGTERM");
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const stemOf = () => `hello-1.0-manylinux_${floor.replace(".", "_")}_x86_64-cp312`;
const base = (out: string, target: string) => ["bundle", "-r", reqs, "--no-index", "-f", wheels, "--target", target, "--name", "hello", "--version", "1.0", "--entry", "hello:main", "--out", out, "--cache-dir", join(dir, "cache"), "--quiet"];

describe.skipIf(why !== null)(`embedded interpreter${why ? ` (skipped: ${why})` : ""}`, () => {

  let stem = "";
  beforeAll(() => {
    stem = why ? "" : stemOf();
  });

  it("--embed-python --python-mirror (http, no trailing slash) ships the archive verbatim, records it, and verifies", async () => {
    const out = join(dir, "out-http");
    const r = await runCli([...base(out, target), "--embed-python", "--python-mirror", httpMirror]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(readdirSync(out).sort()).toEqual(["SHA256SUMS", `${stem}.tar.gz`]);
    const name = `${stem}.tar.gz`;
    const manifest = JSON.parse(execFileSync("tar", ["-xzOf", join(out, name), `${stem}/manifest.json`], { encoding: "utf8" }));
    expect(manifest.python).toEqual({
      implementation: "cpython",
      version: pbs.version,
      build: PBS_BUILD,
      triple: "x86_64-unknown-linux-gnu",
      path: `python/${pbs.filename}`,
      sha256: sha256File(pbs.path),
      size: readFileSync(pbs.path).length,
      source: `${httpMirror}/${pbs.filename.replace("+", "+")}`,
      floor: { glibc: floor, macos: null },
    });
    const inner = execFileSync("tar", ["-xzOf", join(out, name), `${stem}/python/${pbs.filename}`], { maxBuffer: 256 * 1024 * 1024 });
    expect(inner.equals(readFileSync(pbs.path))).toBe(true);
    expect(execFileSync("tar", ["-xzOf", join(out, name), `${stem}/SHA256SUMS`], { encoding: "utf8" })).toContain(`  python/${pbs.filename}\n`);
    const v = await runCli(["verify", join(out, name)]);
    expect(v.code).toBe(0);
    const ins = await runCli(["inspect", join(out, name)]);
    expect(ins.stdout).toMatch(new RegExp(`^python +cpython ${pbs.version}\\+${PBS_BUILD} x86_64-unknown-linux-gnu, [0-9.]+ MB, floor glibc ${floor} \\(python/`, "m"));
  }, 120_000);

  it("a file:// mirror with a trailing slash, and --python-dist PATH#sha256, give the same archive; WHEELBARROW_PYTHON_MIRROR works", async () => {
    const a = await runCli([...base(join(dir, "out-file"), target), "--embed-python", "--python-mirror", pathToFileURL(mirror).href + "/"]);
    expect(a.stderr).toBe("");
    const b = await runCli([...base(join(dir, "out-dist"), target), "--python-dist", `${join(mirror, pbs.filename)}#sha256=${sha256File(pbs.path)}`]);
    expect(b.stderr).toBe("");
    const c = await runCli([...base(join(dir, "out-env"), target), "--embed-python"], { env: { WHEELBARROW_PYTHON_MIRROR: pathToFileURL(mirror).href } });
    expect(c.stderr).toBe("");
    const n = `${stem}.tar.gz`;
    // Same bytes: a local archive is recorded by its file name only.
    expect(readFileSync(join(dir, "out-dist", n)).equals(readFileSync(join(dir, "out-file", n)))).toBe(true);
    expect(readFileSync(join(dir, "out-env", n)).equals(readFileSync(join(dir, "out-file", n)))).toBe(true);
  }, 120_000);

  it("a target below the interpreter's glibc floor is refused with both numbers", async () => {
    const r = await runCli([...base(join(dir, "out-low"), "manylinux_2_17_x86_64@3.12"), "--embed-python", "--python-mirror", httpMirror]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^error\[E_PYTHON_DIST\]: target manylinux_2_17_x86_64@3\.12 promises glibc 2\.17, but the interpreter needs glibc (\d+\.\d+) \(python\/\S+\)/m);
    expect(/needs glibc (\d+\.\d+)/.exec(r.stderr)?.[1]).toBe(floor);
    expect(existsSync(join(dir, "out-low"))).toBe(false);
  }, 120_000);

  it("a mirror without a fitting archive lists what it has for that triple", async () => {
    const r = await runCli([...base(join(dir, "out-311"), target.replace("@3.12", "@3.11")), "--embed-python", "--python-mirror", httpMirror]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("error[E_PYTHON_DIST]: http://127.0.0.1:");
    expect(r.stderr).toContain("no install_only archive of CPython 3.11 for x86_64-unknown-linux-gnu");
    expect(r.stderr).toContain(`hint: it has for x86_64-unknown-linux-gnu: ${pbs.version}+${PBS_BUILD}, 3.12.0+20231002`);
  }, 120_000);

  it("--embed-python without a mirror or archive is E_USAGE naming both options", async () => {
    const r = await runCli([...base(join(dir, "out-none"), target), "--embed-python"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/error\[E_USAGE\]: --embed-python: no interpreter source for target/);
    expect(r.stderr).toContain("--python-mirror");
    expect(r.stderr).toContain("--python-dist");
  });

  it("a SHA256SUMS that does not match the archive is E_INTEGRITY, and nothing is cached or written", async () => {
    const bad = join(dir, "mirror-bad");
    mkdirSync(bad);
    copyFileSync(pbs.path, join(bad, pbs.filename));
    writeMirror(bad, [{ name: pbs.filename, sha256: "ab".repeat(32) }]);
    const r = await runCli([...base(join(dir, "out-bad"), target), "--embed-python", "--python-mirror", pathToFileURL(bad).href, "--cache-dir", join(dir, "cache-bad")]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^error\[E_INTEGRITY\]: cpython-3\.12\.\d+\+20990101-x86_64-unknown-linux-gnu-install_only\.tar\.gz from .* does not match its expected hash/m);
    expect(existsSync(join(dir, "out-bad"))).toBe(false);
  }, 120_000);

  it("--python-dist refusals: wrong sha256, a non-PBS name, another triple, not PBS-shaped, a mislabelled arch", async () => {
    const wrong = await runCli([...base(join(dir, "o1"), target), "--python-dist", `${pbs.path}#sha256=${"cd".repeat(32)}`]);
    expect(wrong.stderr).toMatch(/^error\[E_INTEGRITY\]/m);

    const plain = join(dir, "python.tar.gz");
    copyFileSync(pbs.path, plain);
    const notPbs = await runCli([...base(join(dir, "o2"), target), "--python-dist", plain]);
    expect(notPbs.stderr).toMatch(/^error\[E_PYTHON_DIST\]: python\.tar\.gz is not a python-build-standalone install_only archive name/m);

    const other = await runCli([...base(join(dir, "o3"), "musllinux_1_2_x86_64@3.12"), "--python-dist", pbs.path]);
    expect(other.stderr).toMatch(/^error\[E_PYTHON_DIST\]: cpython-.* is built for x86_64-unknown-linux-gnu, target musllinux_1_2_x86_64@3\.12 needs x86_64-unknown-linux-musl/m);

    const flat = join(dir, "flat");
    mkdirSync(join(flat, "bin"), { recursive: true });
    writeFileSync(join(flat, "bin", "python3"), "#!/bin/sh\n");
    const flatName = join(dir, `cpython-3.12.9+${PBS_BUILD}-x86_64-unknown-linux-gnu-install_only.tar.gz`);
    execFileSync("tar", ["-C", flat, "-czf", flatName, "bin"]);
    const shape = await runCli([...base(join(dir, "o4"), target), "--python-dist", flatName]);
    expect(shape.stderr).toMatch(/^error\[E_PYTHON_DIST\]: cpython-3\.12\.9\+20990101-x86_64-unknown-linux-gnu-install_only\.tar\.gz is not shaped like a python-build-standalone install_only archive: entry "bin" is not under python\//m);

    const armName = join(dir, pbs.filename.replace("x86_64-unknown", "aarch64-unknown"));
    copyFileSync(pbs.path, armName);
    const arm = await runCli([...base(join(dir, "o5"), target.replace("x86_64", "aarch64")), "--python-dist", armName]);
    expect(arm.stderr).toMatch(/^error\[E_PYTHON_DIST\]: .* is named for aarch64-unknown-linux-gnu but its interpreter is built for x86_64/m);
    for (const o of ["o1", "o2", "o3", "o4", "o5"]) expect(existsSync(join(dir, o))).toBe(false);
  }, 120_000);

  it("TARGET=archive must name a target", async () => {
    const r = await runCli([...base(join(dir, "o6"), target), "--python-dist", `linux-aarch64@3.12=${pbs.path}`]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("error[E_USAGE]: --python-dist linux-aarch64@3.12=...: linux-aarch64@3.12 is not one of the targets");
  });

  it("install.sh verifies and unpacks the embedded interpreter beside DEST and builds the venv from it", async () => {
    const out = join(dir, "out-http");
    const site = join(dir, "site");
    mkdirSync(site);
    execFileSync("tar", ["-xzf", join(out, `${stem}.tar.gz`), "-C", site]);
    const b = join(site, stem);
    // The embedded interpreter is chosen even where PATH has a python3 (this host's /usr/bin).
    const env = { PATH: "/usr/bin:/bin", HOME: site };
    const bin = spawnSync("sh", [join(b, "install.sh"), join(site, "app")], { env, encoding: "utf8" });
    expect(bin.status).toBe(0);
    const homes = readdirSync(join(site, ".app.python"));
    expect(bin.stderr).toContain(`wheelbarrow: python ${join(site, ".app.python", homes[0]!, "python", "bin", "python3")} (CPython ${pbs.version}, Linux x86_64`);
    expect(homes).toEqual([sha256File(pbs.path).slice(0, 16)]);
    const cfg = readFileSync(join(site, "app", "current", "venv", "pyvenv.cfg"), "utf8");
    expect(cfg).toContain(`home = ${join(site, ".app.python", homes[0]!, "python", "bin")}`);
    const run = spawnSync(join(site, "app", "bin", "hello"), [], { env, encoding: "utf8" });
    expect(run.stdout).toBe(`hello from (3, 12) ${join(site, ".app.python", homes[0]!, "python")}\n`);
    // --system-python prefers a fitting python on PATH (pyenv's 3.12 here).
    const py312 = join(pyenvPrefix("3.12")!, "bin");
    const sys = spawnSync("sh", [join(b, "install.sh"), join(site, "app3"), "--system-python"], { env: { ...env, PATH: `${py312}:/usr/bin:/bin` }, encoding: "utf8" });
    expect(sys.status).toBe(0);
    expect(readFileSync(join(site, "app3", "current", "venv", "pyvenv.cfg"), "utf8")).toContain(`home = ${py312}`);
    expect(existsSync(join(site, ".app3.python"))).toBe(false);
    // --check unpacks into a temp dir and leaves nothing beside DEST.
    const check = spawnSync("sh", [join(b, "install.sh"), join(site, "app4"), "--check"], { env, encoding: "utf8" });
    expect(check.status).toBe(0);
    expect(existsSync(join(site, ".app4.python"))).toBe(false);
    // A damaged archive is refused before anything is unpacked.
    const archive = join(b, "python", pbs.filename);
    const data = readFileSync(archive);
    data[data.length - 100] = (data[data.length - 100] ?? 0) ^ 0xff;
    writeFileSync(archive, data);
    const bad = spawnSync("sh", [join(b, "install.sh"), join(site, "app2")], { env, encoding: "utf8" });
    expect(bad.status).toBe(1);
    expect(bad.stderr).toMatch(/^error\[E_BUNDLE\]: python\/cpython-.* does not match manifest\.json \(sha256 expected [0-9a-f]{64}, found [0-9a-f]{64}\)/m);
    expect(existsSync(join(site, ".app2.python"))).toBe(false);
  }, 180_000);
});
