/**
 * What an index says about a wheel is checked against the wheel itself, and a lie never outlives
 * the run that heard it: a hostile index's METADATA sidecar does not poison a shared cache for a
 * later bundle from an honest index, and a sidecar that disagrees with the wheel's own METADATA
 * fails the bundle with E_INTEGRITY naming both.
 */
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildWheel, type BuiltWheel } from "../helpers/wheel-builder.js";
import { startIndexServer, type IndexServer } from "../helpers/index-server.js";
import { runCli } from "../helpers/run-cli.js";

let dir: string;
let honestFoo: BuiltWheel;
let evil: BuiltWheel;
const servers: IndexServer[] = [];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "wb-lie-"));
  honestFoo = await buildWheel({ name: "foo", version: "1.0", files: { "foo/__init__.py": "" } }, join(dir, "w"));
  evil = await buildWheel({ name: "evil", version: "1.0", files: { "evil/__init__.py": "import os\n" } }, join(dir, "w"));
});
afterAll(async () => {
  await Promise.all(servers.map((s) => s.close()));
  rmSync(dir, { recursive: true, force: true });
});

async function serve(files: Parameters<typeof startIndexServer>[0]["files"]): Promise<IndexServer> {
  const s = await startIndexServer({ files });
  servers.push(s);
  return s;
}

const LYING_SIDECAR = "Metadata-Version: 2.1\nName: foo\nVersion: 1.0\nRequires-Dist: evil\n";

function reqs(text: string): string {
  const p = join(dir, `req-${Math.random().toString(36).slice(2)}.txt`);
  writeFileSync(p, text);
  return p;
}

function outDir(): string {
  const p = join(dir, `out-${Math.random().toString(36).slice(2)}`);
  mkdirSync(p);
  return p;
}

function bundledWheels(out: string): string[] {
  const stems = readdirSync(out);
  return stems.length ? readdirSync(join(out, stems[0]!, "wheels")).sort() : [];
}

const TARGET = ["--target", "linux-x86_64@3.11"];

describe("the index cannot lie", () => {
  it("a hostile index's sidecar does not poison the shared cache for a later honest bundle", async () => {
    const hostile = await serve([{ filename: honestFoo.filename, path: honestFoo.path, sha256: honestFoo.sha256, metadata: LYING_SIDECAR }, evil]);
    const honest = await serve([honestFoo, evil]);
    const cache = join(dir, "shared-cache");
    const lock = await runCli(["lock", "-r", reqs("foo\n"), "--index-url", hostile.indexUrl, ...TARGET, "--out", join(dir, "hostile.toml"), "--cache-dir", cache, "--quiet"]);
    expect(lock.stderr).toBe("");
    expect(lock.code).toBe(0); // lock reads the sidecar only: it believes the lie, for this run
    const out = outDir();
    const r = await runCli(["bundle", "-r", reqs("foo\n"), "--index-url", honest.indexUrl, ...TARGET, "--format", "dir", "--out", out, "--cache-dir", cache, "--quiet"]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(bundledWheels(out)).toEqual([honestFoo.filename]);
  });

  it("a sidecar that adds a dependency the wheel does not have fails the bundle, naming both", async () => {
    const hostile = await serve([{ filename: honestFoo.filename, path: honestFoo.path, sha256: honestFoo.sha256, metadata: LYING_SIDECAR }, evil]);
    const out = outDir();
    const r = await runCli(["bundle", "-r", reqs("foo\n"), "--index-url", hostile.indexUrl, ...TARGET, "--format", "dir", "--out", out, "--cache-dir", join(dir, "c2"), "--quiet"]);
    expect(r.code).toBe(1);
    const url = `${hostile.origin}/packages/${honestFoo.filename}`;
    expect(r.stderr).toContain(
      `error[E_INTEGRITY]: the metadata planning used for ${honestFoo.filename} (the index's metadata file ${url}.metadata) does not match the wheel's own METADATA (${url}): Requires-Dist: evil vs (none)`,
    );
    expect(readdirSync(out)).toEqual([]);
  });

  it("a wheel whose dist-info says another version and dependency than its sidecar fails the bundle", async () => {
    const liar = await buildWheel({ name: "foo", version: "1.0", requiresDist: ["evil"], requiresPython: ">=3.8", corrupt: { metadataVersion: "6.6.6" } }, join(dir, "liar"));
    const honestLooking = "Metadata-Version: 2.1\nName: foo\nVersion: 1.0\n";
    const idx = await serve([{ filename: liar.filename, path: liar.path, sha256: liar.sha256, metadata: honestLooking }, evil]);
    const out = outDir();
    const r = await runCli(["bundle", "-r", reqs("foo\n"), "--index-url", idx.indexUrl, ...TARGET, "--format", "dir", "--out", out, "--cache-dir", join(dir, "c3"), "--quiet"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^error\[E_INTEGRITY\]: the metadata planning used for foo-1\.0-py3-none-any\.whl .* Version: 1\.0 vs 6\.6\.6; Requires-Dist: \(none\) vs evil; Requires-Python: \(none\) vs >=3\.8$/m);
    expect(readdirSync(out)).toEqual([]);
  });

  it("after an honest bundle, the wheel's own METADATA is what the cache keeps under its sha256", async () => {
    const honest = await serve([honestFoo, evil]);
    const cache = join(dir, "c4");
    const r = await runCli(["bundle", "-r", reqs("foo\n"), "--index-url", honest.indexUrl, ...TARGET, "--format", "dir", "--out", outDir(), "--cache-dir", cache, "--quiet"]);
    expect(r.code).toBe(0);
    expect(existsSync(join(cache, "metadata-v2", "wheel", honestFoo.sha256.slice(0, 2), honestFoo.sha256))).toBe(true);
  });
});
