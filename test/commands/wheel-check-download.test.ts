/**
 * `bundle` checks each wheel as soon as it is downloaded, under --jobs, while the others still
 * download: a hostile wheel among several fails the run with the same E_BUNDLE error the archive
 * writer's check gives, no archive is left in --out, and (with --jobs 1) no download starts
 * after it. A wheel that passed is not checked again by a later run; --verify-cache checks it again.
 */
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { wheelChecks } from "../../src/bundle/validate-wheel.js";
import { startIndexServer, type IndexServer } from "../helpers/index-server.js";
import { buildWheel, type BuiltWheel } from "../helpers/wheel-builder.js";
import { runCli } from "../helpers/run-cli.js";

let dir: string;
let server: IndexServer;
let good: BuiltWheel[];
let hostile: BuiltWheel;
let fresh: BuiltWheel[];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "wb-check-dl-"));
  good = [];
  for (const name of ["beta", "gamma", "delta", "epsilon"]) good.push(await buildWheel({ name, version: "1.0", files: { [`${name}/__init__.py`]: `x = "${name}"\n` } }, join(dir, "wheels")));
  hostile = await buildWheel({ name: "alpha", version: "1.0", files: { "alpha/__init__.py": "x = 1\n" }, corrupt: { extraRawMember: { name: "../evil.py", content: "import os\n" } } }, join(dir, "wheels"));
  // Used by the last test alone: the process remembers the verdicts of the wheels above.
  fresh = [];
  for (const name of ["zeta", "eta"]) fresh.push(await buildWheel({ name, version: "1.0", files: { [`${name}/__init__.py`]: "x = 0\n" } }, join(dir, "wheels")));
  server = await startIndexServer({ files: [hostile, ...good, ...fresh] });
});
afterAll(async () => {
  await server.close();
  rmSync(dir, { recursive: true, force: true });
});

function requirements(name: string, pins: string[]): string {
  const p = join(dir, name);
  writeFileSync(p, pins.map((n) => `${n}==1.0\n`).join(""));
  return p;
}

const bundle = (req: string, cache: string, out: string, ...more: string[]) => runCli(["bundle", "-r", req, "--index-url", server.indexUrl, "--cache-dir", join(dir, cache), "--out", out, "--target", "linux-x86_64@3.11", "--quiet", "--json", ...more]);
const downloads = (w: BuiltWheel) => server.requests.filter((q) => q.url === `/packages/${w.filename}`).length;
const left = (out: string) => (existsSync(out) ? readdirSync(out) : []);

describe("wheels are checked as they are downloaded", () => {
  it("a hostile wheel among several fails the run with its E_BUNDLE error; nothing is left in --out", async () => {
    const out = join(dir, "out-hostile");
    const r = await bundle(requirements("all.txt", ["alpha", "beta", "gamma", "delta", "epsilon"]), "c1", out, "--jobs", "4");
    expect(r.code).toBe(1);
    const err = (JSON.parse(r.stdout) as { error: { code: string; message: string; file: string } }).error;
    expect(err.code).toBe("E_BUNDLE");
    expect(err.message).toBe(`${hostile.filename} holds an unsafe member '../evil.py' ('..' component)`);
    expect(err.file).toBe(hostile.filename);
    expect(left(out)).toEqual([]);
  });

  it("with --jobs 1, no download starts after the hostile wheel is refused", async () => {
    const out = join(dir, "out-serial");
    const before = good.map(downloads);
    const r = await bundle(requirements("all1.txt", ["alpha", "beta", "gamma", "delta", "epsilon"]), "c2", out, "--jobs", "1");
    expect(r.code).toBe(1);
    expect((JSON.parse(r.stdout) as { error: { code: string } }).error.code).toBe("E_BUNDLE");
    expect(downloads(hostile)).toBeGreaterThan(0);
    // The refusal came from the download step: the files after it in the queue were never fetched.
    expect(good.map(downloads)).toEqual(before);
    expect(left(out)).toEqual([]);
  });

  it("a later run does not check a passed wheel again; --verify-cache does", async () => {
    const req = requirements("good.txt", ["zeta", "eta"]);
    const runs0 = wheelChecks.runs;
    expect((await bundle(req, "c3", join(dir, "out-a"))).code).toBe(0);
    expect(wheelChecks.runs - runs0).toBe(2);
    const runs1 = wheelChecks.runs;
    expect((await bundle(req, "c3", join(dir, "out-b"))).code).toBe(0);
    expect(wheelChecks.runs - runs1).toBe(0);
    const runs2 = wheelChecks.runs;
    expect((await bundle(req, "c3", join(dir, "out-c"), "--verify-cache")).code).toBe(0);
    expect(wheelChecks.runs - runs2).toBe(2);
  });
});
