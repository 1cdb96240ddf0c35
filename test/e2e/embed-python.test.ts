/**
 * Embedding an interpreter through the CLI with small PBS-shaped archives made here (fast, no
 * pyenv or patchelf needed; test/field/embed-python.test.ts does it with a real CPython):
 * - a Linux archive whose python/bin/python3 is this machine's /bin/true (a real x86_64 ELF, so
 *   its glibc floor is real: readelf gives the expected number independently);
 * - a macOS archive whose interpreter is a synthetic x86_64 Mach-O needing macOS 10.15.
 * A file:// mirror with SHA256SUMS holds them. Covered: the mirror URL with and without a trailing
 * slash, WHEELBARROW_PYTHON_MIRROR and its precedence under the spec file's python-mirror, a spec
 * file's [[python]] table, the floors (glibc and macOS) refused with both numbers, and every
 * coded refusal of a bad archive, each with its hint and nothing left in --out.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildWheel } from "../helpers/wheel-builder.js";
import { runCli } from "../helpers/run-cli.js";
import { serveStatic } from "../../scripts/lib/static-index.js";

const BUILD = "20990101";
const LINUX_PBS = `cpython-3.12.7+${BUILD}-x86_64-unknown-linux-gnu-install_only.tar.gz`;
const MAC_PBS = `cpython-3.12.7+${BUILD}-x86_64-apple-darwin-install_only_stripped.tar.gz`;
const why =
  process.platform !== "linux" || process.arch !== "x64"
    ? "needs linux x86_64 (the Linux archive carries this machine's /bin/true)"
    : spawnSync("readelf", ["--version"]).status !== 0
      ? "no readelf"
      : spawnSync("tar", ["--version"]).status !== 0
        ? "no tar"
        : null;

let dir: string;
let mirror: string;
let reqs: string;
let wheels: string;
/** /bin/true's glibc floor as readelf sees it, e.g. "2.34". */
let floor: string;
let linuxTarget: string;

const sha = (p: string) => createHash("sha256").update(readFileSync(p)).digest("hex");

/** A thin x86_64 Mach-O executable header with one LC_BUILD_VERSION (platform macOS). */
function machO(minMajor: number, minMinor: number): Buffer {
  const h = Buffer.alloc(32);
  h.writeUInt32LE(0xfeedfacf, 0);
  h.writeUInt32LE(0x01000007, 4);
  h.writeUInt32LE(2, 12);
  h.writeUInt32LE(1, 16);
  h.writeUInt32LE(24, 20);
  const c = Buffer.alloc(24);
  c.writeUInt32LE(0x32, 0);
  c.writeUInt32LE(24, 4);
  c.writeUInt32LE(1, 8);
  c.writeUInt32LE((minMajor << 16) | (minMinor << 8), 12);
  c.writeUInt32LE(14 << 16, 16);
  return Buffer.concat([h, c]);
}

/** tar.gz of `files` (relative path -> content, or {link}) under a fresh directory. */
function archive(path: string, files: Record<string, string | Buffer | { link: string }>, top = "python"): string {
  const tree = mkdtempSync(join(dir, "tree-"));
  for (const [rel, content] of Object.entries(files)) {
    const p = join(tree, rel);
    mkdirSync(join(p, ".."), { recursive: true });
    if (typeof content === "object" && !Buffer.isBuffer(content)) symlinkSync(content.link, p);
    else writeFileSync(p, content, { mode: 0o755 });
  }
  execFileSync("tar", ["-czf", path, "-C", tree, top]);
  return path;
}

function linuxFiles(minor = "3.12"): Record<string, string | Buffer> {
  return { "python/bin/python3": readFileSync("/bin/true"), [`python/lib/python${minor}/os.py`]: "# os\n" };
}

function writeMirror(root: string, files: { name: string; sha256: string }[]): void {
  mkdirSync(root, { recursive: true });
  writeFileSync(join(root, "SHA256SUMS"), files.map((f) => `${f.sha256}  ${f.name}\n`).join(""));
}

function readelfFloor(file: string): string {
  const out = execFileSync("readelf", ["-V", "-W", file], { encoding: "utf8" });
  const versions = [...out.matchAll(/Name: GLIBC_(\d+)\.(\d+)/g)].map((m) => [Number(m[1]), Number(m[2])] as [number, number]);
  versions.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  const top = versions.pop()!;
  return `${top[0]}.${top[1]}`;
}

beforeAll(async () => {
  if (why) return;
  dir = mkdtempSync(join(tmpdir(), "wb-embed-e2e-"));
  mirror = join(dir, "mirror", "pbs");
  mkdirSync(mirror, { recursive: true });
  archive(join(mirror, LINUX_PBS), linuxFiles());
  archive(join(mirror, MAC_PBS), { "python/bin/python3": machO(10, 15), "python/lib/python3.12/os.py": "# os\n" });
  const zero = "0".repeat(64);
  writeMirror(mirror, [
    { name: `cpython-3.11.9+${BUILD}-x86_64-unknown-linux-gnu-install_only.tar.gz`, sha256: zero },
    { name: `cpython-3.12.7+${BUILD}-x86_64-unknown-linux-gnu-debug-full.tar.zst`, sha256: zero },
    { name: `cpython-3.12.7+${BUILD}-aarch64-unknown-linux-gnu-install_only.tar.gz`, sha256: zero },
    { name: LINUX_PBS, sha256: sha(join(mirror, LINUX_PBS)) },
    { name: MAC_PBS, sha256: sha(join(mirror, MAC_PBS)) },
  ]);
  floor = readelfFloor("/bin/true");
  linuxTarget = `manylinux_${floor.replace(".", "_")}_x86_64@3.12`;
  wheels = join(dir, "wheels");
  await buildWheel({ name: "hello", version: "1.0", files: { "hello.py": "def main():\n    print('hello')\n" } }, wheels);
  reqs = join(dir, "requirements.txt");
  writeFileSync(reqs, "hello==1.0\n");
}, 60_000);

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

let n = 0;
function bundle(target: string, ...extra: string[]) {
  const out = join(dir, `out-${n++}`);
  const args = ["bundle", "-r", reqs, "--no-index", "-f", wheels, "--target", target, "--name", "hello", "--version", "1.0", "--out", out, "--cache-dir", join(dir, "cache"), "--quiet", ...extra];
  return { out, args };
}
const stemOf = (target: string) => `hello-1.0-${target.split("@")[0]}-cp312`;
const archiveOf = (out: string, target: string) => join(out, `${stemOf(target)}.tar.gz`);
const manifestOf = (out: string, target: string) => JSON.parse(execFileSync("tar", ["-xzOf", archiveOf(out, target), `${stemOf(target)}/manifest.json`], { encoding: "utf8" }));

describe.skipIf(why !== null)(`embedding through the CLI${why ? ` (skipped: ${why})` : ""}`, () => {
  it("a file:// mirror without a trailing slash: the archive ships verbatim, the manifest records it with the measured floor, verify and inspect show it", async () => {
    const { out, args } = bundle(linuxTarget, "--embed-python", "--python-mirror", pathToFileURL(mirror).href);
    const r = await runCli(args);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    const m = manifestOf(out, linuxTarget);
    expect(m.python).toEqual({ implementation: "cpython", version: "3.12.7", build: BUILD, triple: "x86_64-unknown-linux-gnu", path: `python/${LINUX_PBS}`, sha256: sha(join(mirror, LINUX_PBS)), size: readFileSync(join(mirror, LINUX_PBS)).length, source: LINUX_PBS, floor: { glibc: floor, macos: null } });
    const inner = execFileSync("tar", ["-xzOf", archiveOf(out, linuxTarget), `${stemOf(linuxTarget)}/python/${LINUX_PBS}`]);
    expect(inner.equals(readFileSync(join(mirror, LINUX_PBS)))).toBe(true);
    const sbom = JSON.parse(execFileSync("tar", ["-xzOf", archiveOf(out, linuxTarget), `${stemOf(linuxTarget)}/sbom.cdx.json`], { encoding: "utf8" }));
    expect(sbom.components.find((c: { "bom-ref": string }) => c["bom-ref"] === `python:${LINUX_PBS}`)).toMatchObject({ name: "cpython", version: "3.12.7" });
    expect((await runCli(["verify", archiveOf(out, linuxTarget)])).code).toBe(0);
    const ins = await runCli(["inspect", archiveOf(out, linuxTarget)]);
    expect(ins.stdout).toMatch(new RegExp(`^python +cpython 3\\.12\\.7\\+${BUILD} x86_64-unknown-linux-gnu, [0-9.]+ [kM]B, floor glibc ${floor.replace(".", "\\.")} \\(python/`, "m"));
  });

  it("the same bundle, byte for byte, from the mirror with a trailing slash, from WHEELBARROW_PYTHON_MIRROR and from a spec file's [[python]] table", async () => {
    const a = bundle(linuxTarget, "--embed-python", "--python-mirror", pathToFileURL(mirror).href);
    const b = bundle(linuxTarget, "--embed-python", "--python-mirror", pathToFileURL(mirror).href + "/");
    const c = bundle(linuxTarget, "--embed-python");
    const spec = join(dir, "wb.toml");
    writeFileSync(spec, `[bundle]\nname = "hello"\n\n[[python]]\ntarget = "${linuxTarget}"\nurl = "mirror/pbs/${LINUX_PBS}"\nsha256 = "${sha(join(mirror, LINUX_PBS))}"\n`);
    const d = bundle(linuxTarget);
    expect((await runCli(a.args)).code).toBe(0);
    expect((await runCli(b.args)).stderr).toBe("");
    expect((await runCli(c.args, { env: { WHEELBARROW_PYTHON_MIRROR: pathToFileURL(mirror).href } })).stderr).toBe("");
    expect((await runCli([d.args[0]!, spec, ...d.args.slice(1)])).stderr).toBe("");
    const first = readFileSync(archiveOf(a.out, linuxTarget));
    for (const o of [b, c, d]) expect(readFileSync(archiveOf(o.out, linuxTarget)).equals(first)).toBe(true);
  });

  it("the spec file's python-mirror wins over WHEELBARROW_PYTHON_MIRROR; --python-mirror wins over both", async () => {
    const spec = join(dir, "wb-mirror.toml");
    writeFileSync(spec, `[bundle]\nname = "hello"\nembed-python = true\npython-mirror = "mirror/pbs"\n`);
    const env = { WHEELBARROW_PYTHON_MIRROR: pathToFileURL(join(dir, "nowhere")).href };
    const s = bundle(linuxTarget);
    const r = await runCli([s.args[0]!, spec, ...s.args.slice(1)], { env });
    expect(r.stderr).toBe("");
    expect(manifestOf(s.out, linuxTarget).python.path).toBe(`python/${LINUX_PBS}`);
    const f = bundle(linuxTarget, "--python-mirror", pathToFileURL(join(dir, "elsewhere")).href);
    const flag = await runCli([f.args[0]!, spec, ...f.args.slice(1)], { env });
    expect(flag.code).toBe(1);
    expect(flag.stderr).toMatch(/^error\[E_PYTHON_DIST\]: file:\/\/.*\/elsewhere\/ has no SHA256SUMS/m);
  });

  it("--offline rebuilds the same bundle from the cache alone, from an http mirror (no request) and a file:// one", async () => {
    const server = await serveStatic(join(dir, "mirror"));
    try {
      const cache = join(dir, "cache-offline");
      const online = bundle(linuxTarget, "--embed-python", "--python-mirror", `${server.url}/pbs`, "--cache-dir", cache);
      expect((await runCli(online.args)).stderr).toBe("");
      server.requests.length = 0;
      const offline = bundle(linuxTarget, "--embed-python", "--python-mirror", `${server.url}/pbs`, "--cache-dir", cache, "--offline");
      const r = await runCli(offline.args);
      expect(r.stderr).toBe("");
      expect(server.requests).toEqual([]);
      expect(readFileSync(archiveOf(offline.out, linuxTarget)).equals(readFileSync(archiveOf(online.out, linuxTarget)))).toBe(true);
      const local = bundle(linuxTarget, "--embed-python", "--python-mirror", pathToFileURL(mirror).href, "--cache-dir", cache, "--offline");
      expect((await runCli(local.args)).stderr).toBe("");
      // An archive that is not in the cache is named, with what to do.
      const cold = bundle(linuxTarget, "--embed-python", "--python-mirror", `${server.url}/pbs`, "--cache-dir", join(dir, "cache-cold"), "--offline");
      const c = await runCli(cold.args);
      expect(c.code).toBe(1);
      expect(c.stderr).toMatch(/^error\[E_NETWORK\]: --offline: /m);
      expect(c.stderr).toContain("hint: run the same command once without --offline (with the same --cache-dir) to fill the cache\n");
    } finally {
      await server.close();
    }
  });

  it("an http mirror with credentials in its URL: the manifest records the source without them, and no byte of the bundle holds the password", async () => {
    const server = await serveStatic(join(dir, "mirror"));
    try {
      const withCreds = server.url.replace("http://", "http://deploy:s3cr3t-pw@");
      const { out, args } = bundle(linuxTarget, "--embed-python", "--python-mirror", `${withCreds}/pbs/`);
      const r = await runCli(args);
      expect(r.stderr).toBe("");
      expect(manifestOf(out, linuxTarget).python.source).toBe(`${server.url}/pbs/${LINUX_PBS}`);
      const unpacked = execFileSync("gzip", ["-dc", archiveOf(out, linuxTarget)], { maxBuffer: 64 * 1024 * 1024 });
      expect(unpacked.includes("s3cr3t-pw")).toBe(false);
      expect(server.requests.some((q) => q.includes("SHA256SUMS"))).toBe(true);
    } finally {
      await server.close();
    }
  });

  it("a target below the interpreter's glibc floor is refused with both numbers, and nothing is written", async () => {
    const { out, args } = bundle("manylinux_2_17_x86_64@3.12", "--embed-python", "--python-mirror", pathToFileURL(mirror).href);
    const r = await runCli(args);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(
      `error[E_PYTHON_DIST]: target manylinux_2_17_x86_64@3.12 promises glibc 2.17, but the interpreter needs glibc ${floor} (python/bin/python3)\n` +
        `hint: target a platform of glibc ${floor} or newer, or embed an interpreter built for glibc 2.17\n`,
    );
    expect(existsSync(out)).toBe(false);
  });

  it("macOS: the floor is the Mach-O's minimum; a target below it is refused with both numbers", async () => {
    const ok = bundle("macosx_11_0_x86_64@3.12", "--embed-python", "--python-mirror", pathToFileURL(mirror).href);
    expect((await runCli(ok.args)).stderr).toBe("");
    expect(manifestOf(ok.out, "macosx_11_0_x86_64@3.12").python).toMatchObject({ triple: "x86_64-apple-darwin", path: `python/${MAC_PBS}`, floor: { glibc: null, macos: "10.15" } });
    const low = bundle("macosx_10_9_x86_64@3.12", "--embed-python", "--python-mirror", pathToFileURL(mirror).href);
    const r = await runCli(low.args);
    expect(r.stderr).toBe(
      "error[E_PYTHON_DIST]: target macosx_10_9_x86_64@3.12 promises macOS 10.9, but the interpreter needs macOS 10.15 (python/bin/python3)\n" +
        "hint: target a platform of macOS 10.15 or newer, or embed an interpreter built for macOS 10.9\n",
    );
    expect(existsSync(low.out)).toBe(false);
  });

  it("a mirror without a fitting archive says what it has for that triple and version", async () => {
    const { out, args } = bundle(linuxTarget.replace("@3.12", "@3.12.1"), "--embed-python", "--python-mirror", pathToFileURL(mirror).href);
    const r = await runCli(args);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^error\[E_PYTHON_DIST\]: file:\/\/.*\/mirror\/pbs\/: no install_only archive of CPython 3\.12\.1 for x86_64-unknown-linux-gnu in its SHA256SUMS$/m);
    expect(r.stderr).toContain(`hint: it has for x86_64-unknown-linux-gnu: 3.12.7+${BUILD}, 3.11.9+${BUILD}\n`);
    expect(r.stderr).toContain("hint: mirror the python-build-standalone release that has it, or name an archive with --python-dist\n");
    expect(existsSync(out)).toBe(false);
    // A SHA256SUMS that is not one (an HTML error page saved under that name).
    const html = join(dir, "mirror-html");
    mkdirSync(html);
    writeFileSync(join(html, "SHA256SUMS"), "<html>Not Found</html>\n");
    const h = bundle(linuxTarget, "--embed-python", "--python-mirror", pathToFileURL(html).href);
    const e = await runCli(h.args);
    expect(e.stderr).toMatch(/^error\[E_PYTHON_DIST\]: file:\/\/.*\/mirror-html\/SHA256SUMS lists no files\nhint: it must be the release's SHA256SUMS: one '<sha256>  <archive name>' line per archive\nhint: line 1 is not a '<sha256>  <path>' line: "<html>Not Found<\/html>"\n$/);
    expect(existsSync(h.out)).toBe(false);
  });

  it("a SHA256SUMS line that does not match the archive is E_INTEGRITY with its hint; nothing is written or cached", async () => {
    const bad = join(dir, "mirror-bad");
    mkdirSync(bad);
    copyFileSync(join(mirror, LINUX_PBS), join(bad, LINUX_PBS));
    writeMirror(bad, [{ name: LINUX_PBS, sha256: "ab".repeat(32) }]);
    const cache = join(dir, "cache-bad");
    const { out, args } = bundle(linuxTarget, "--embed-python", "--python-mirror", pathToFileURL(bad).href, "--cache-dir", cache);
    const r = await runCli(args);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(new RegExp(`^error\\[E_INTEGRITY\\]: ${LINUX_PBS.replace(/[.+]/g, "\\$&")} from file://\\S+ does not match its expected hash .*expected sha256:${"ab".repeat(32)}, found sha256:${sha(join(mirror, LINUX_PBS))}$`, "m"));
    expect(r.stderr).toContain("\nhint: ");
    expect(existsSync(out)).toBe(false);
    const cached = spawnSync("find", [cache, "-type", "f", "-name", "*.tar.gz"], { encoding: "utf8" }).stdout;
    expect(cached).toBe("");
  });

  /** Runs --python-dist ARCHIVE for `target`; returns stderr, after checking exit 1 and an empty --out. */
  async function refused(target: string, ref: string): Promise<string> {
    const { out, args } = bundle(target, "--python-dist", ref);
    const r = await runCli(args);
    expect(r.code).toBe(1);
    expect(existsSync(out)).toBe(false);
    return r.stderr;
  }

  it("archives that are not PBS-shaped are E_PYTHON_DIST with the hint, one reason each", async () => {
    const hint = "hint: use an install_only or install_only_stripped .tar.gz from python-build-standalone (every entry under python/)\n";
    const cases: [string, Record<string, string | Buffer | { link: string }>, string, string?][] = [
      ["flat", { "bin/python3": readFileSync("/bin/true") }, 'entry "bin" is not under python/', "bin"],
      ["link-out", { ...linuxFiles(), "python/lib/evil": { link: "../../../etc/passwd" } }, "link python/lib/evil points outside python/ (../../../etc/passwd)"],
      ["absolute-link", { ...linuxFiles(), "python/lib/abs": { link: "/etc/passwd" } }, "link python/lib/abs points outside python/ (/etc/passwd)"],
      ["no-interpreter", { "python/lib/python3.12/os.py": "" }, "it holds neither python/bin/python3 nor python/python.exe"],
      ["bad-elf", { "python/bin/python3": Buffer.concat([readFileSync("/bin/true").subarray(0, 64), Buffer.alloc(8)]), "python/lib/python3.12/os.py": "" }, "python/bin/python3: malformed binary"],
    ];
    for (const [label, files, reason, top] of cases) {
      const path = archive(join(mkdtempSync(join(dir, `${label}-`)), LINUX_PBS), files, top);
      const err = await refused(linuxTarget, path);
      expect(err, label).toContain(`error[E_PYTHON_DIST]: ${LINUX_PBS} is not shaped like a python-build-standalone install_only archive: ${reason}`);
      expect(err, label).toContain(hint);
    }
    const notGzip = join(mkdtempSync(join(dir, "plain-")), LINUX_PBS);
    writeFileSync(notGzip, "not a tar.gz");
    expect(await refused(linuxTarget, notGzip)).toMatch(/is not shaped like a python-build-standalone install_only archive: cannot read it as a tar\.gz: /);
  });

  it("an archive for another triple, Python or threading, or one named for what it does not hold, is E_PYTHON_DIST with a hint", async () => {
    const linux = join(mirror, LINUX_PBS);
    expect(await refused("macosx_11_0_x86_64@3.12", linux)).toBe(
      `error[E_PYTHON_DIST]: ${LINUX_PBS} is built for x86_64-unknown-linux-gnu, target macosx_11_0_x86_64@3.12 needs x86_64-apple-darwin\nhint: name the archive for that triple, or give TARGET=ARCHIVE for each target\n`,
    );
    expect(await refused("musllinux_1_2_x86_64@3.12", linux)).toContain("is built for x86_64-unknown-linux-gnu, target musllinux_1_2_x86_64@3.12 needs x86_64-unknown-linux-musl\nhint: ");
    expect(await refused(linuxTarget.replace("@3.12", "@3.11"), linux)).toMatch(/^error\[E_PYTHON_DIST\]: \S+ is CPython 3\.12\.7, target \S+@3\.11 needs Python 3\.11\nhint: /);
    expect(await refused(linuxTarget.replace("@3.12", "@3.13t"), linux.replace("3.12.7", "3.13.1"))).toMatch(/E_PYTHON_DIST\]: \S+ is not a free-threaded build, target \S+@3\.13t is free-threaded\nhint: /);
    // Named 3.12 but holding lib/python3.11; named aarch64 but holding an x86_64 interpreter.
    const wrongLib = archive(join(mkdtempSync(join(dir, "lib-")), LINUX_PBS), linuxFiles("3.11"));
    expect(await refused(linuxTarget, wrongLib)).toMatch(/^error\[E_PYTHON_DIST\]: \S+ is named CPython 3\.12\.7 but holds python\/lib\/python3\.11\nhint: /);
    const armName = join(mkdtempSync(join(dir, "arm-")), LINUX_PBS.replace("x86_64-unknown", "aarch64-unknown"));
    copyFileSync(linux, armName);
    expect(await refused(linuxTarget.replace("x86_64", "aarch64"), armName)).toMatch(/E_PYTHON_DIST\]: \S+ is named for aarch64-unknown-linux-gnu but its interpreter is built for x86_64\nhint: /);
  });
});
