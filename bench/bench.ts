/**
 * `npm run bench`: wall time and peak RSS of whole processes, wheelbarrow vs pip (or a plain
 * tool) on the same work in the same run, on wheel sets from the machine's package mirror
 * (mirror rows skip with a message where there is none). Prints one table with ratios;
 * `--write` also writes it to bench/last-run.md. bench/RESULTS.md documents the options and rows.
 *
 * Options:
 *   --only GROUP[,GROUP]   run only these groups: bundle, latency, torch, floor, embed, install, lock
 *                          (default: all; `--lock-only` is `--only lock`)
 *   --server KIND[,KIND]   which servers serve the mirror for the bundle rows: nginx (HTTP/1.1
 *                          keep-alive, Range), http.server (`python3 -m http.server`: HTTP/1.0, a
 *                          connection per request, no Range), node (scripts/lib/static-index.ts)
 *                          (default: nginx,http.server)
 *   --runs N               each measurement N times, the median reported (default 1)
 *   --write                also write the table to bench/last-run.md
 */
import { execFile, execFileSync } from "node:child_process";
import { promisify } from "node:util";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { cpus, loadavg, tmpdir, totalmem } from "node:os";
import { basename, join, resolve } from "node:path";
import { serveStatic } from "../scripts/lib/static-index.js";
import { botoWorld, numpyWorld, requiresPythonWorld, writeSyntheticIndex } from "../scripts/lib/synthetic-index.js";
import { findMirror, type MirrorConfig } from "../test/helpers/mirror.js";
import { buildPbsArchive, pbsUnavailable, pyenvPrefix } from "../test/helpers/pbs-archive.js";
import { startLatencyProxy, startNginx, startPythonHttpServer } from "../test/field/servers.js";
import { parseTarget } from "../src/targets/parse-target.js";

const GROUPS = ["bundle", "latency", "torch", "floor", "embed", "install", "lock"] as const;
type Group = (typeof GROUPS)[number];
const SERVER_KINDS = ["nginx", "http.server", "node"] as const;
type ServerKind = (typeof SERVER_KINDS)[number];

function option(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  if (i === -1) return undefined;
  const v = process.argv[i + 1];
  if (v === undefined || v.startsWith("--")) throw new Error(`${name} needs a value`);
  return v;
}

function listOption<T extends string>(name: string, allowed: readonly T[], dflt: readonly T[]): T[] {
  const v = option(name);
  if (v === undefined) return [...dflt];
  const out = v.split(",").map((s) => s.trim()).filter(Boolean);
  for (const s of out) if (!allowed.includes(s as T)) throw new Error(`${name}: unknown ${s} (one of ${allowed.join(", ")})`);
  return out as T[];
}

const only: Group[] = process.argv.includes("--lock-only") ? ["lock"] : listOption("--only", GROUPS, GROUPS);
const serverKinds: ServerKind[] = listOption("--server", SERVER_KINDS, ["nginx", "http.server"]);
const runs = Number(option("--runs") ?? "1");
if (!Number.isInteger(runs) || runs < 1) throw new Error("--runs needs a positive integer");
const wants = (g: Group): boolean => only.includes(g);

const root = resolve(import.meta.dirname, "..");
const cli = join(root, "bin", "wheelbarrow.js");
const work = mkdtempSync(join(tmpdir(), "wb-bench-"));
const python = "python3";

interface Measure {
  seconds: number;
  maxRssMb: number;
}

const execFileAsync = promisify(execFile);

/**
 * Runs a command under a tiny python wrapper that reports wall time and the children's peak RSS.
 * Asynchronous on purpose: servers may run in this process and must keep answering.
 */
async function measure(cmd: string[], env: NodeJS.ProcessEnv = {}): Promise<Measure> {
  const wrapper = `
import json, resource, subprocess, sys, time
t = time.perf_counter()
r = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
dt = time.perf_counter() - t
if r.returncode != 0:
    sys.stderr.write(r.stderr.decode(errors="replace")[-3000:])
    sys.exit(r.returncode)
print(json.dumps({"seconds": dt, "maxRssMb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024}))
`;
  try {
    const r = await execFileAsync(python, ["-c", wrapper, ...cmd], { env: { ...process.env, ...env }, encoding: "utf8", maxBuffer: 1 << 26 });
    return JSON.parse(r.stdout) as Measure;
  } catch (e) {
    throw new Error(`${cmd.join(" ")} failed:\n${(e as { stderr?: string }).stderr ?? String(e)}`);
  }
}

/** `runs` measurements of the same work (each from its own cold state); the median time, the largest RSS. */
async function median(work: () => Promise<Measure>): Promise<Measure> {
  const ms: Measure[] = [];
  for (let i = 0; i < runs; i++) ms.push(await work());
  const sorted = [...ms].sort((a, b) => a.seconds - b.seconds);
  return { seconds: sorted[Math.floor((sorted.length - 1) / 2)]!.seconds, maxRssMb: Math.max(...ms.map((m) => m.maxRssMb)) };
}

function sum(ms: Measure[]): Measure {
  return { seconds: ms.reduce((a, m) => a + m.seconds, 0), maxRssMb: Math.max(...ms.map((m) => m.maxRssMb)) };
}

function fresh(name: string): string {
  const d = join(work, name);
  rmSync(d, { recursive: true, force: true });
  mkdirSync(d, { recursive: true });
  return d;
}

const pipEnv = { PIP_CONFIG_FILE: "/dev/null", PIP_DISABLE_PIP_VERSION_CHECK: "1" };
const wbEnv = { WHEELBARROW_FROM_SOURCE: existsSync(join(root, "dist", "cli", "entry.js")) ? "" : "1" };

/** Where the mirror is served from for one set of rows. */
interface Served {
  label: string;
  /** Simple-index URLs, pip's order (index-url first). */
  indexes: string[];
  /** A find-links page listing the torch wheel, when the mirror has one. */
  torchLinks: string | null;
}

function indexArgs(indexes: string[]): string[] {
  return ["--index-url", indexes[0]!, ...indexes.slice(1).flatMap((i) => ["--extra-index-url", i])];
}

function wbBundleArgs(reqs: string, targets: string[], indexes: string[], out: string, cache: string, extra: string[] = []): string[] {
  return [process.execPath, cli, "bundle", "-r", reqs, "--out", out, "--cache-dir", cache, "--quiet", "--no-progress", ...indexArgs(indexes), ...targets.flatMap((t) => ["--target", t]), ...extra];
}

function wbBundle(reqs: string, targets: string[], indexes: string[], extra: string[] = []): Promise<Measure> {
  return median(() => measure(wbBundleArgs(reqs, targets, indexes, fresh("wb-out"), fresh("wb-cache"), extra), wbEnv));
}

function pipPlatformArgs(spec: string): string[] {
  const t = parseTarget(spec);
  const platforms = [...new Set(t.tags.map((tag) => tag.split("-")[2]!).filter((p) => p !== "any"))];
  return ["--only-binary=:all:", "--python-version", t.pythonVersion, "--implementation", "cp", "--abi", t.pythonTag, ...platforms.flatMap((p) => ["--platform", p])];
}

/** `pip download` once per target, one after another, as a release script would. */
function pipDownload(reqs: string, targets: string[], indexes: string[], extra: string[] = []): Promise<Measure> {
  return median(async () => {
    const ms: Measure[] = [];
    for (const spec of targets) {
      const args = [python, "-m", "pip", "download", "--isolated", "--no-cache-dir", "-q", ...pipPlatformArgs(spec), "-d", fresh("pip-out"), "-r", reqs, ...indexArgs(indexes)];
      ms.push(await measure([...args, ...extra], pipEnv));
    }
    return sum(ms);
  });
}

/** The URLs of the files wheelbarrow selects for this work (from an untimed `lock`). */
async function selectedUrls(reqs: string, target: string, indexes: string[], extra: string[] = []): Promise<string[]> {
  const lock = join(fresh("floor-lock"), "pylock.toml");
  await execFileAsync(process.execPath, [cli, "lock", "-r", reqs, "-o", lock, "--cache-dir", fresh("floor-cache"), "--quiet", "--no-progress", ...indexArgs(indexes), "--target", target, ...extra], { env: { ...process.env, ...wbEnv } });
  return [...readFileSync(lock, "utf8").matchAll(/^url = "(https?:[^"]+)"$/gm)].map((m) => m[1]!);
}

/**
 * The I/O floor: every selected file fetched once by one `curl` (which reuses one keep-alive
 * connection where the server allows it), written to disk, then sha256'd by `sha256sum`.
 */
function floorRun(urls: string[]): Promise<Measure> {
  const script = 'cd "$1" && shift && curl -sS --fail --remote-name-all "$@" && sha256sum -- * > /dev/null';
  return median(() => measure(["sh", "-c", script, "sh", fresh("floor-out"), ...urls]));
}

function wbLock(reqs: string, targets: string[], index: string): Promise<Measure> {
  return median(() => measure([process.execPath, cli, "lock", "-r", reqs, "-o", join(fresh("wb-lock"), "pylock.toml"), "--cache-dir", fresh("wb-cache"), "--quiet", "--no-progress", "--index-url", index, ...targets.flatMap((t) => ["--target", t])], wbEnv));
}

/** pip's resolver for one target: the same platform/python flags as pipDownload, nothing installed. */
function pipDryRun(reqs: string, targets: string[], index: string): Promise<Measure> {
  return median(async () => {
    const ms: Measure[] = [];
    for (const spec of targets) {
      const args = [python, "-m", "pip", "install", "--dry-run", "--ignore-installed", "--isolated", "--no-cache-dir", "-q", "--report", join(fresh("pip-report"), "report.json"), "--target", fresh("pip-target"), ...pipPlatformArgs(spec), "-r", reqs, "--index-url", index];
      ms.push(await measure(args, pipEnv));
    }
    return sum(ms);
  });
}

const rows: string[][] = [];
/** A row; the ratio is the other tool's time over ours (above 1: we are faster). */
function row(what: string, ours: Measure, theirs: Measure | null, theirsName: string, note = ""): void {
  const ratio = theirs ? `${(theirs.seconds / ours.seconds).toFixed(2)}x${note}` : note;
  rows.push([what, `${ours.seconds.toFixed(2)} s`, `${ours.maxRssMb.toFixed(0)} MB`, theirs ? `${theirs.seconds.toFixed(2)} s` : "", theirs ? `${theirs.maxRssMb.toFixed(0)} MB` : "", theirsName, ratio]);
  process.stderr.write(`  ${rows.at(-1)!.join(" | ")}\n`);
}

function skip(what: string, why: string): void {
  process.stderr.write(`bench: ${what} skipped: ${why}\n`);
}

const stops: (() => Promise<void>)[] = [];

/** Lock rows on synthetic PyPI-shaped indexes (no mirror needed). */
async function syntheticRows(): Promise<void> {
  const dir = join(work, "synthetic");
  process.stderr.write("lock on synthetic PyPI-shaped indexes (writing the index...)\n");
  const files = await writeSyntheticIndex(requiresPythonWorld(numpyWorld(botoWorld())), dir);
  const s = await serveStatic(dir);
  stops.push(() => s.close());
  const index = `${s.url}/simple/`;
  const targets = ["manylinux_2_28_x86_64@3.11", "win_amd64@3.12", "macosx_11_0_arm64@3.11", "musllinux_1_2_aarch64@3.10"];
  for (const [what, req] of [
    ["boto3 (2,000 x 2,000 chain)", "boto3"],
    ["numpy (100 versions x 40 wheels)", "numpy"],
    ["300 newest fail Requires-Python", "pyfresh"],
  ] as const) {
    const reqs = join(work, `${req}.txt`);
    writeFileSync(reqs, `${req}\n`);
    row(`lock 4 targets: ${what}`, await wbLock(reqs, targets, index), await pipDryRun(reqs, targets, index), "pip install --dry-run x4");
  }
  process.stderr.write(`  (${files} files on the synthetic index)\n`);
}

/** A directory with the torch wheel (a symlink) and an index.html listing it with its sha256, for --find-links URL. */
function torchLinksDir(mirror: MirrorConfig): string | null {
  const dir = mirror.findLinks.find((d) => existsSync(d) && statSync(d).isDirectory() && readdirSync(d).some((f) => f.startsWith("torch-") && f.endsWith(".whl")));
  if (!dir) return null;
  const wheel = readdirSync(dir).find((f) => f.startsWith("torch-") && f.endsWith(".whl"))!;
  const out = join(work, "torch-links");
  mkdirSync(out, { recursive: true });
  symlinkSync(join(dir, wheel), join(out, wheel));
  const sha = execFileSync("sha256sum", [join(dir, wheel)], { encoding: "utf8" }).split(" ")[0]!;
  writeFileSync(join(out, "index.html"), `<!DOCTYPE html><html><body>\n<a href="${encodeURIComponent(wheel)}#sha256=${sha}">${wheel}</a>\n</body></html>\n`);
  return out;
}

/** Starts one server of `kind` for `dir`; its origin, or null when that server is not installed. */
async function startServer(kind: ServerKind, dir: string, delayMs: number): Promise<string | null> {
  let origin: string;
  let port: number;
  if (kind === "node") {
    const s = await serveStatic(dir);
    stops.push(() => s.close());
    origin = s.url;
    port = Number(new URL(s.url).port);
  } else {
    const s = kind === "nginx" ? await startNginx(dir, { ranges: true }) : await startPythonHttpServer(dir);
    if (!s) return null;
    stops.push(() => s.stop());
    origin = s.origin;
    port = s.port;
  }
  if (!delayMs) return origin;
  // Half the added round trip each way: +delayMs per request/response exchange.
  const p = await startLatencyProxy(port, delayMs / 2);
  stops.push(() => p.stop());
  return p.origin;
}

async function serve(kind: ServerKind, mirror: MirrorConfig, torchLinks: string | null, delayMs: number): Promise<Served | null> {
  const indexes: string[] = [];
  for (const simple of mirror.indexDirs) {
    const origin = await startServer(kind, resolve(simple, ".."), delayMs);
    if (!origin) return null;
    indexes.push(`${origin}/${basename(simple)}/`);
  }
  const links = torchLinks ? await startServer(kind, torchLinks, delayMs) : null;
  return { label: `${kind}${delayMs ? `, +${delayMs} ms/request` : ""}`, indexes, torchLinks: links ? `${links}/` : null };
}

const web = join(root, "bench", "sets", "web.txt");
const torchSet = join(root, "bench", "sets", "torch.txt");
const four = ["manylinux_2_28_x86_64@3.11", "manylinux_2_31_x86_64@3.11", "manylinux_2_34_x86_64@3.11", "manylinux_2_39_x86_64@3.11"];

function floorNote(ours: Measure, floor: Measure): string {
  return ` (ours ${(ours.seconds / floor.seconds).toFixed(2)}x the floor's time)`;
}

async function bundleRows(kind: ServerKind, mirror: MirrorConfig, torchLinks: string | null): Promise<void> {
  if (wants("bundle") || wants("floor") || wants("torch")) {
    const s = await serve(kind, mirror, torchLinks, 0);
    if (!s) return skip(`${kind} rows`, `${kind} is not installed`);
    process.stderr.write(`bundle rows (${s.label})\n`);
    let web1: Measure | null = null;
    if (wants("bundle")) {
      web1 = await wbBundle(web, four.slice(0, 1), s.indexes);
      row(`bundle web.txt 1 target (${s.label})`, web1, await pipDownload(web, four.slice(0, 1), s.indexes), "pip download x1");
    }
    if (wants("floor")) {
      web1 ??= await wbBundle(web, four.slice(0, 1), s.indexes);
      const urls = await selectedUrls(web, four[0]!, s.indexes);
      const floor = await floorRun(urls);
      row(`floor: ${urls.length} files of web.txt (${s.label})`, web1, floor, "curl + sha256sum", floorNote(web1, floor));
    }
    if (wants("torch")) {
      if (!s.torchLinks) skip("torch rows", "no torch wheel in the mirror's find-links");
      else {
        // Only the primary index + the find-links page: the extra index has a CUDA torch, which would win (first source that has it).
        const extra = ["--find-links", s.torchLinks];
        const ours = await wbBundle(torchSet, four.slice(0, 1), s.indexes.slice(0, 1), extra);
        row(`bundle torch.txt 1 target (${s.label})`, ours, await pipDownload(torchSet, four.slice(0, 1), s.indexes.slice(0, 1), extra), "pip download x1");
        if (wants("floor")) {
          const urls = await selectedUrls(torchSet, four[0]!, s.indexes.slice(0, 1), extra);
          const floor = await floorRun(urls);
          row(`floor: ${urls.length} files of torch.txt (${s.label})`, ours, floor, "curl + sha256sum", floorNote(ours, floor));
        }
      }
    }
  }
  if (wants("latency")) {
    const s = await serve(kind, mirror, null, 20);
    if (!s) return skip(`${kind} rows`, `${kind} is not installed`);
    process.stderr.write(`bundle rows (${s.label})\n`);
    row(`bundle web.txt 4 targets (${s.label})`, await wbBundle(web, four, s.indexes), await pipDownload(web, four, s.indexes), "pip download x4");
  }
}

async function installRows(mirror: MirrorConfig): Promise<void> {
  process.stderr.write("install\n");
  const s = await serve(serverKinds[0]!, mirror, null, 0);
  if (!s) return skip("install rows", `${serverKinds[0]} is not installed`);
  const out = fresh("install-bundle");
  await execFileAsync(process.execPath, [cli, "bundle", "-r", web, "--target", four[0]!, ...indexArgs(s.indexes), "--format", "dir", "--out", out, "--quiet", "--no-progress", "--cache-dir", join(work, "wb-cache")], { env: { ...process.env, ...wbEnv } });
  const bundleDir = join(out, readdirSync(out).find((n) => n !== "SHA256SUMS")!);
  const wheels = join(bundleDir, "wheels");
  const pipVenv = join(work, "pip-venv");
  for (const compile of [true, false]) {
    const ours = await median(() => measure([python, join(bundleDir, "install.py"), fresh("ours") + "/app", ...(compile ? [] : ["--no-compile"])]));
    const pip = await median(async () => {
      rmSync(pipVenv, { recursive: true, force: true });
      execFileSync(python, ["-m", "venv", pipVenv]);
      return measure([join(pipVenv, "bin", "python"), "-m", "pip", "install", "-q", "--no-index", "--find-links", wheels, "-r", join(bundleDir, "requirements.txt"), ...(compile ? [] : ["--no-compile"])], pipEnv);
    });
    row(`install web.txt ${compile ? "with" : "without"} bytecode`, ours, pip, "pip install --no-index");
  }
  const extract = await median(() => measure([python, "-c", "import sys,zipfile,glob\nfor w in glob.glob(sys.argv[1]+'/*.whl'): zipfile.ZipFile(w).extractall(sys.argv[2])", wheels, fresh("extract")]));
  const oursNoCompile = await median(() => measure([python, join(bundleDir, "install.py"), fresh("ours2") + "/app", "--no-compile"]));
  row("install (no compile) vs plain unzip", oursNoCompile, extract, "zipfile extractall");
}

/**
 * The same bundle with and without an embedded interpreter (a PBS-shaped archive built from this
 * machine's pyenv CPython 3.11, test/helpers/pbs-archive.ts): archive size, bundle time, and the
 * operator's install (`tar xzf` + `install.sh`; the plain one with the real pyenv python3.11).
 */
async function embedRows(mirror: MirrorConfig): Promise<void> {
  const why = pbsUnavailable("3.11");
  if (why) return skip("embedded-interpreter rows", why);
  process.stderr.write("embedded interpreter\n");
  const pbs = buildPbsArchive("3.11");
  const glibc = execFileSync("getconf", ["GNU_LIBC_VERSION"], { encoding: "utf8" }).trim().split(" ")[1]!;
  const target = `manylinux_${glibc.replace(".", "_")}_x86_64@3.11`;
  const s = await serve(serverKinds[0]!, mirror, null, 0);
  if (!s) return skip("embedded-interpreter rows", `${serverKinds[0]} is not installed`);
  // The real interpreter, not pyenv's shim (which would be timed too).
  const py311 = join(pyenvPrefix("3.11")!, "bin", "python3.11");
  const one = async (embed: boolean): Promise<{ bundle: Measure; install: Measure; bytes: number }> => {
    const extra = embed ? ["--python-dist", pbs.path] : [];
    let archive = "";
    const bundle = await median(async () => {
      const out = fresh(embed ? "embed-out" : "plain-out");
      const m = await measure(wbBundleArgs(web, [target], s.indexes, out, fresh("wb-cache"), extra), wbEnv);
      archive = join(out, readdirSync(out).find((n) => n.endsWith(".tar.gz"))!);
      return m;
    });
    const install = await median(() => {
      const script = 'cd "$1" && tar -xzf "$2" && ./*/install.sh "$1/site" "$@"';
      return measure(["sh", "-c", script.replace('"$@"', embed ? "" : '--python "$3"'), "sh", fresh("embed-install"), archive, py311]);
    });
    return { bundle, install, bytes: statSync(archive).size };
  };
  const plain = await one(false);
  const embedded = await one(true);
  const mb = (n: number) => `${(n / 1e6).toFixed(1)} MB`;
  row(`embed: bundle web.txt --python-dist (vs plain); archive ${mb(embedded.bytes)} vs ${mb(plain.bytes)}`, embedded.bundle, plain.bundle, "wheelbarrow, no interpreter");
  row(`embed: tar xzf + install.sh (vs plain, system python3.11)`, embedded.install, plain.install, "the plain bundle");
}

async function main(): Promise<void> {
  process.stderr.write(`bench: groups ${only.join(",")}; servers ${serverKinds.join(",")}; runs ${runs}; load average ${loadavg().map((l) => l.toFixed(2)).join(" ")}\n`);
  const loadBefore = loadavg();
  try {
    if (wants("lock")) await syntheticRows();
    const mirror = findMirror();
    const mirrorGroups = only.filter((g) => g !== "lock");
    if (mirrorGroups.length && !mirror) skip(`${mirrorGroups.join(", ")} rows`, "no local package mirror found in `pip config list` (file:// index)");
    if (mirror) {
      const torchLinks = wants("torch") ? torchLinksDir(mirror) : null;
      for (const kind of serverKinds) await bundleRows(kind, mirror, torchLinks);
      if (wants("embed")) await embedRows(mirror);
      if (wants("install")) await installRows(mirror);
    }
  } finally {
    for (const stop of stops.reverse()) await stop();
    rmSync(work, { recursive: true, force: true });
  }
  printTable(loadBefore);
}

function printTable(loadBefore: number[]): void {
  const header = ["work", "wheelbarrow", "peak RSS", "other", "peak RSS", "other tool", "speed-up"];
  const table = [header, header.map(() => "---"), ...rows].map((r) => `| ${r.join(" | ")} |`).join("\n");
  const la = (l: number[]) => l.map((x) => x.toFixed(2)).join(" ");
  const machine = `${cpus().length} x ${cpus()[0]?.model ?? "cpu"}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, node ${process.version}, ${execFileSync(python, ["--version"], { encoding: "utf8" }).trim()}, pip ${execFileSync(python, ["-m", "pip", "--version"], { encoding: "utf8" }).split(" ")[1]}; load average ${la(loadBefore)} at the start, ${la(loadavg())} at the end; runs ${runs}`;
  process.stdout.write(`\n${table}\n\nmachine: ${machine}\ndate: ${new Date().toISOString()}\n`);
  if (process.argv.includes("--write")) {
    writeFileSync(join(root, "bench", "last-run.md"), `${table}\n\nmachine: ${machine}\ndate: ${new Date().toISOString()}\n`);
    process.stderr.write("wrote bench/last-run.md; copy the table into bench/RESULTS.md with the notes\n");
  }
}

await main();
