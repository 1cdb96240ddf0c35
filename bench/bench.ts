/**
 * `npm run bench`: wall time and peak RSS of whole processes, wheelbarrow vs pip on the same work
 * in the same run, on wheel sets from the machine's package mirror (skips with a message where
 * the mirror is absent). Prints a table with ratios; `--write` also records it in bench/RESULTS.md.
 *
 *  - bundle 1 and 4 targets vs `pip download` once per target (with the expanded --platform list
 *    pip needs), index on loopback, and with 20 ms added to every response;
 *  - install vs `pip install --no-index` (compile on / off) vs plain zipfile extraction;
 *  - peak RSS of bundling a set with a >100 MB wheel (torch-cpu);
 *  - `lock` for 4 targets vs `pip install --dry-run --report` once per target on synthetic
 *    PyPI-shaped indexes (scripts/lib/synthetic-index.ts): boto3/botocore 2,000-version chains,
 *    numpy 100 versions x 40 wheels, 300 newest versions failing Requires-Python. These rows
 *    need no mirror.
 * `--lock-only` runs only the synthetic lock rows.
 * Each wheelbarrow/pip run starts with a cold cache (pip --no-cache-dir; a fresh --cache-dir).
 */
import { execFile, execFileSync } from "node:child_process";
import { promisify } from "node:util";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { cpus, tmpdir, totalmem } from "node:os";
import { join, resolve } from "node:path";
import { serveStatic, type StaticServer } from "../scripts/lib/static-index.js";
import { botoWorld, numpyWorld, requiresPythonWorld, writeSyntheticIndex } from "../scripts/lib/synthetic-index.js";
import { findMirror } from "../test/helpers/mirror.js";
import { parseTarget } from "../src/targets/parse-target.js";

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
 * Asynchronous on purpose: the index servers run in this process and must keep answering.
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

function wbBundle(reqs: string, targets: string[], indexes: string[], extra: string[] = []): Promise<Measure> {
  const args = [process.execPath, cli, "bundle", "-r", reqs, "--out", fresh("wb-out"), "--cache-dir", fresh("wb-cache"), "--quiet", "--no-progress", "--index-url", indexes[0]!];
  for (const i of indexes.slice(1)) args.push("--extra-index-url", i);
  for (const t of targets) args.push("--target", t);
  return measure([...args, ...extra], wbEnv);
}

async function pipDownload(reqs: string, targets: string[], indexes: string[], extra: string[] = []): Promise<Measure> {
  const runs: Measure[] = [];
  for (const spec of targets) {
    runs.push(
      await (async () => {
      const t = parseTarget(spec);
      const platforms = [...new Set(t.tags.map((tag) => tag.split("-")[2]!).filter((p) => p !== "any"))];
      const args = [python, "-m", "pip", "download", "--isolated", "--no-cache-dir", "-q", "--only-binary=:all:", "--python-version", t.pythonVersion, "--implementation", "cp", "--abi", t.pythonTag, "-d", fresh("pip-out"), "-r", reqs, "--index-url", indexes[0]!];
      for (const i of indexes.slice(1)) args.push("--extra-index-url", i);
      for (const p of platforms) args.push("--platform", p);
        return measure([...args, ...extra], pipEnv);
      })(),
    );
  }
  return sum(runs);
}

function wbLock(reqs: string, targets: string[], index: string): Promise<Measure> {
  const args = [process.execPath, cli, "lock", "-r", reqs, "-o", join(fresh("wb-lock"), "pylock.toml"), "--cache-dir", fresh("wb-cache"), "--quiet", "--no-progress", "--index-url", index];
  for (const t of targets) args.push("--target", t);
  return measure(args, wbEnv);
}

/** pip's resolver for one target: the same platform/python flags as pipDownload, nothing installed. */
async function pipDryRun(reqs: string, targets: string[], index: string): Promise<Measure> {
  const runs: Measure[] = [];
  for (const spec of targets) {
    const t = parseTarget(spec);
    const platforms = [...new Set(t.tags.map((tag) => tag.split("-")[2]!).filter((p) => p !== "any"))];
    const args = [python, "-m", "pip", "install", "--dry-run", "--ignore-installed", "--isolated", "--no-cache-dir", "-q", "--report", join(fresh("pip-report"), "report.json"), "--target", fresh("pip-target"), "--only-binary=:all:", "--python-version", t.pythonVersion, "--implementation", "cp", "--abi", t.pythonTag, "-r", reqs, "--index-url", index];
    for (const p of platforms) args.push("--platform", p);
    runs.push(await measure(args, pipEnv));
  }
  return sum(runs);
}

/** Lock rows on synthetic PyPI-shaped indexes (no mirror needed). */
async function syntheticRows(servers: StaticServer[]): Promise<void> {
  const dir = join(work, "synthetic");
  process.stderr.write("lock on synthetic PyPI-shaped indexes (writing the index...)\n");
  const files = await writeSyntheticIndex(requiresPythonWorld(numpyWorld(botoWorld())), dir);
  const s = await serveStatic(dir);
  servers.push(s);
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

const rows: string[][] = [];
function row(what: string, ours: Measure, theirs: Measure | null, theirsName: string): void {
  const ratio = theirs ? `${(theirs.seconds / ours.seconds).toFixed(2)}x` : "";
  rows.push([what, `${ours.seconds.toFixed(2)} s`, `${ours.maxRssMb.toFixed(0)} MB`, theirs ? `${theirs.seconds.toFixed(2)} s` : "", theirs ? `${theirs.maxRssMb.toFixed(0)} MB` : "", theirsName, ratio]);
  process.stderr.write(`  ${rows.at(-1)!.join(" | ")}\n`);
}

async function main(): Promise<void> {
  const mirror = findMirror();
  const servers: StaticServer[] = [];
  await syntheticRows(servers);
  if (!mirror || process.argv.includes("--lock-only")) {
    if (!mirror) process.stderr.write("bench: mirror rows skipped: no local package mirror found in `pip config list` (file:// index)\n");
    for (const s of servers) await s.close();
    rmSync(work, { recursive: true, force: true });
    printTable();
    return;
  }
  const indexUrls = async (delayMs: number) => {
    const urls: string[] = [];
    for (const simple of mirror.indexDirs) {
      const s = await serveStatic(resolve(simple, ".."), { delayMs });
      servers.push(s);
      urls.push(`${s.url}/simple/`);
    }
    return urls;
  };
  const web = join(root, "bench", "sets", "web.txt");
  const four = ["manylinux_2_28_x86_64@3.11", "manylinux_2_31_x86_64@3.11", "manylinux_2_34_x86_64@3.11", "manylinux_2_39_x86_64@3.11"];
  try {
    for (const delay of [0, 20]) {
      const urls = await indexUrls(delay);
      const label = delay ? `+${delay} ms/request` : "loopback";
      process.stderr.write(`bundle (${label})\n`);
      row(`bundle 1 target, ${label}`, await wbBundle(web, four.slice(0, 1), urls), await pipDownload(web, four.slice(0, 1), urls), "pip download x1");
      row(`bundle 4 targets, ${label}`, await wbBundle(web, four, urls), await pipDownload(web, four, urls), "pip download x4");
    }

    process.stderr.write("install\n");
    const urls = await indexUrls(0);
    const out = fresh("install-bundle");
    await execFileAsync(process.execPath, [cli, "bundle", "-r", web, "--target", "manylinux_2_28_x86_64@3.11", "--index-url", urls[0]!, ...urls.slice(1).flatMap((u) => ["--extra-index-url", u]), "--format", "dir", "--out", out, "--quiet", "--no-progress", "--cache-dir", join(work, "wb-cache")], { env: { ...process.env, ...wbEnv } });
    const bundleDir = join(out, readdirSync(out)[0]!);
    const wheels = join(bundleDir, "wheels");
    const pipVenv = join(work, "pip-venv");
    for (const compile of [true, false]) {
      rmSync(pipVenv, { recursive: true, force: true });
      execFileSync(python, ["-m", "venv", pipVenv]);
      const ours = await measure([python, join(bundleDir, "install.py"), fresh("ours") + "/app", ...(compile ? [] : ["--no-compile"])]);
      const pip = await measure([join(pipVenv, "bin", "python"), "-m", "pip", "install", "-q", "--no-index", "--find-links", wheels, "-r", join(bundleDir, "requirements.txt"), ...(compile ? [] : ["--no-compile"])], pipEnv);
      row(`install ${compile ? "with" : "without"} bytecode`, ours, pip, "pip install --no-index");
    }
    const extract = await measure([python, "-c", "import sys,zipfile,glob\nfor w in glob.glob(sys.argv[1]+'/*.whl'): zipfile.ZipFile(w).extractall(sys.argv[2])", wheels, fresh("extract")]);
    const oursNoCompile = await measure([python, join(bundleDir, "install.py"), fresh("ours2") + "/app", "--no-compile"]);
    row("install (no compile) vs plain unzip", oursNoCompile, extract, "zipfile extractall");

    const torchDir = mirror.findLinks.find((d) => existsSync(d) && readdirSync(d).some((f) => f.startsWith("torch-")));
    if (torchDir) {
      process.stderr.write("peak memory with a >100 MB wheel\n");
      const set = join(root, "bench", "sets", "torch.txt");
      // Only the primary index + find-links: the extra index has a CUDA torch, which would win (first source that has it).
      const ours = await wbBundle(set, ["manylinux_2_28_x86_64@3.11"], urls.slice(0, 1), ["--find-links", torchDir]);
      const pip = await pipDownload(set, ["manylinux_2_28_x86_64@3.11"], urls.slice(0, 1), ["--find-links", torchDir]);
      row("bundle torch-cpu set (RSS)", ours, pip, "pip download x1");
    } else process.stderr.write("peak memory: skipped (no torch wheel in the mirror's find-links)\n");
  } finally {
    for (const s of servers) await s.close();
    rmSync(work, { recursive: true, force: true });
  }

  printTable();
}

function printTable(): void {
  const header = ["work", "wheelbarrow", "peak RSS", "other", "peak RSS", "other tool", "speed-up"];
  const table = [header, header.map(() => "---"), ...rows].map((r) => `| ${r.join(" | ")} |`).join("\n");
  const machine = `${cpus().length} x ${cpus()[0]?.model ?? "cpu"}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, node ${process.version}, ${execFileSync(python, ["--version"], { encoding: "utf8" }).trim()}, pip ${execFileSync(python, ["-m", "pip", "--version"], { encoding: "utf8" }).split(" ")[1]}`;
  process.stdout.write(`\n${table}\n\nmachine: ${machine}\n`);
  if (process.argv.includes("--write")) {
    writeFileSync(join(root, "bench", "last-run.md"), `${table}\n\nmachine: ${machine}\ndate: ${new Date().toISOString()}\n`);
    process.stderr.write("wrote bench/last-run.md; copy the table into bench/RESULTS.md with the notes\n");
  }
}

await main();
