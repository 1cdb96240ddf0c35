/**
 * The field matrix: cold-cache `bundle` runs of a multi-megabyte set against real third-party
 * servers started here (python3 -m http.server: HTTP/1.0, close-delimited, no Range; nginx:
 * HTTP/1.1 keep-alive with Range, without Range (max_ranges 0), and over TLS with a test CA;
 * squid as a forward proxy in front of python's server), each behind a TCP proxy that adds
 * latency; and, where this machine has its real wheel mirror, a cold lock + bundle of
 * numpy/pandas/scipy/matplotlib/scikit-learn served by python's server. Every run must succeed and every run must produce the same archive bytes. A server
 * that is not installed skips its case with the reason.
 *
 * Run with `npm run test:field` (vitest.field.config.ts); .ci/run runs it after `npm test`.
 */
import { createHash } from "node:crypto";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, dirname, join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { findLocalMirror } from "../helpers/mirror.js";
import { runCliProcess } from "./cli.js";
import { startSquid, squidBinary } from "../helpers/squid.js";
import { testPki } from "../helpers/tls.js";
import { writeFieldIndex, type FieldSet } from "./index-tree.js";
import { nginxBinary, python3Binary, startLatencyProxy, startNginx, startPythonHttpServer, type Running } from "./servers.js";

const RUNS = 3;
const WHEELS = 5;
const MIB_PER_WHEEL = 3;
const DELAY_MS = 3;

let dir: string;
let set: FieldSet;
let reqFile: string;
const running: Running[] = [];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "wb-field-"));
  set = await writeFieldIndex(join(dir, "www"), WHEELS, MIB_PER_WHEEL);
  reqFile = join(dir, "requirements.txt");
  writeFileSync(reqFile, set.requirements);
});
afterAll(async () => {
  for (const r of running.splice(0).reverse()) await r.stop();
  rmSync(dir, { recursive: true, force: true });
});

async function track<T extends Running | null>(p: Promise<T>): Promise<T> {
  const r = await p;
  if (r) running.push(r);
  return r;
}

/** RUNS cold-cache bundles in a row; returns the archives' sha256 of each run. */
async function coldBundles(label: string, indexUrl: string, extra: string[] = [], env: Record<string, string> = {}): Promise<void> {
  const results: Record<string, string>[] = [];
  for (let run = 1; run <= RUNS; run++) {
    const out = join(dir, `${label}-out-${run}`);
    const cache = join(dir, `${label}-cache-${run}`);
    const r = await runCliProcess(["bundle", "-r", reqFile, "--name", "field", "--version", "1.0", "--target", "linux-x86_64@3.11", "--index-url", indexUrl, "--out", out, "--cache-dir", cache, "--quiet", ...extra], env);
    expect(r.stderr, `${label} run ${run}`).toBe("");
    expect(r.code, `${label} run ${run}: ${r.stderr}`).toBe(0);
    const sums: Record<string, string> = {};
    for (const f of readdirSync(out).sort()) sums[f] = createHash("sha256").update(readFileSync(join(out, f))).digest("hex");
    expect(Object.keys(sums).length).toBeGreaterThan(0);
    results.push(sums);
    rmSync(cache, { recursive: true, force: true });
    rmSync(out, { recursive: true, force: true });
  }
  for (const r of results.slice(1)) expect(r).toEqual(results[0]);
}

describe("cold bundles against real servers, behind added latency", () => {
  it.skipIf(!python3Binary())("python3 -m http.server (HTTP/1.0, close-delimited, no Range)", async () => {
    const py = (await track(startPythonHttpServer(set.root)))!;
    const lag = await track(startLatencyProxy(py.port, DELAY_MS));
    await coldBundles("python", `${lag.origin}/simple/`);
  });

  it.skipIf(!nginxBinary())("nginx, HTTP/1.1 keep-alive with Range", async () => {
    const ng = (await track(startNginx(set.root, { ranges: true })))!;
    const lag = await track(startLatencyProxy(ng.port, DELAY_MS));
    await coldBundles("nginx-ranges", `${lag.origin}/simple/`);
  });

  it.skipIf(!nginxBinary())("nginx with max_ranges 0 (no Range support)", async () => {
    const ng = (await track(startNginx(set.root, { ranges: false })))!;
    const lag = await track(startLatencyProxy(ng.port, DELAY_MS));
    await coldBundles("nginx-noranges", `${lag.origin}/simple/`);
  });

  it.skipIf(!nginxBinary())("nginx over TLS with a private CA (--cert)", async () => {
    const pki = testPki();
    const ng = (await track(startNginx(set.root, { ranges: true, tls: { cert: pki.serverCert, key: pki.serverKey } })))!;
    const lag = await track(startLatencyProxy(ng.port, DELAY_MS, "https"));
    await coldBundles("nginx-tls", `${lag.origin}/simple/`, ["--cert", pki.caCertPath]);
  });

  it.skipIf(!squidBinary() || !python3Binary())("squid forward proxy in front of python3 -m http.server", async () => {
    const py = (await track(startPythonHttpServer(set.root)))!;
    const lag = await track(startLatencyProxy(py.port, DELAY_MS));
    const squid = (await startSquid())!;
    running.push({ origin: squid.url, port: squid.port, stop: () => squid.stop() });
    await coldBundles("squid", `${lag.origin}/simple/`, ["--proxy", squid.url]);
    const log = squid.accessLog();
    for (const w of set.wheels) expect(log).toContain(`/packages/${w.filename}`);
  });
});

describe("the machine's real wheel mirror behind python3 -m http.server", () => {
  const mirror = findLocalMirror();
  const root = mirror ? dirname(mirror.path) : "";
  const REAL_SET = ["numpy", "pandas", "scipy", "matplotlib", "scikit-learn"];
  const available = mirror !== null && REAL_SET.every((n) => existsSync(join(mirror.path, n)));

  it.skipIf(!available || !python3Binary())(`cold lock, then cold bundle --lock, of ${REAL_SET.join(", ")}: ${RUNS} runs, same bytes`, async () => {
    const py = (await track(startPythonHttpServer(root)))!;
    const lag = await track(startLatencyProxy(py.port, DELAY_MS));
    const indexUrl = `${lag.origin}/${basename(mirror!.path)}/`;
    const req = join(dir, "real-requirements.txt");
    writeFileSync(req, REAL_SET.join("\n") + "\n");
    const locks: string[] = [];
    const archives: Record<string, string>[] = [];
    for (let run = 1; run <= RUNS; run++) {
      const lockFile = join(dir, `real-${run}.toml`);
      const lockCache = join(dir, `real-lock-cache-${run}`);
      const l = await runCliProcess(["lock", "-r", req, "--target", "manylinux_2_28_x86_64@3.11", "--index-url", indexUrl, "--cache-dir", lockCache, "--quiet", "-o", lockFile]);
      expect(l.code, `lock run ${run}: ${l.stderr}`).toBe(0);
      locks.push(readFileSync(lockFile, "utf8"));
      rmSync(lockCache, { recursive: true, force: true });
      const out = join(dir, `real-out-${run}`);
      const cache = join(dir, `real-cache-${run}`);
      const b = await runCliProcess(["bundle", "--lock", lockFile, "--name", "real", "--version", "1.0", "--target", "manylinux_2_28_x86_64@3.11", "--index-url", indexUrl, "--out", out, "--cache-dir", cache, "--quiet"]);
      expect(b.code, `bundle run ${run}: ${b.stderr}`).toBe(0);
      const sums: Record<string, string> = {};
      for (const f of readdirSync(out).sort()) sums[f] = createHash("sha256").update(readFileSync(join(out, f))).digest("hex");
      archives.push(sums);
      rmSync(cache, { recursive: true, force: true });
      rmSync(out, { recursive: true, force: true });
    }
    for (const l of locks.slice(1)) expect(l).toBe(locks[0]);
    for (const a of archives.slice(1)) expect(a).toEqual(archives[0]);
  });
});
