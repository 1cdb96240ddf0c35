/**
 * `wheelbarrow bundle` end to end through the CLI against a real HTTP index: three targets twice
 * into different directories give byte-identical archives that verify; a download that fails
 * mid-bundle leaves --out empty; credentials in the index URL appear in no file of any archive.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, unlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildDemoWheels } from "../../scripts/lib/demo-wheels.js";
import { serveStatic, writeStaticIndex, type StaticServer } from "../../scripts/lib/static-index.js";
import { runCli } from "../helpers/run-cli.js";

const root = resolve(import.meta.dirname, "..", "..");
let dir: string;
let server: StaticServer;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "wb-e2e-bundle-"));
  const wheels = await buildDemoWheels(join(root, "fixtures", "demo-packages"), join(dir, "wheels"));
  writeStaticIndex(wheels, join(dir, "index"));
  server = await serveStatic(join(dir, "index"));
}, 60_000);
afterAll(async () => {
  await server.close();
  rmSync(dir, { recursive: true, force: true });
});

const targets = ["--target", "manylinux_2_17_x86_64@3.11", "--target", "win_amd64@3.11", "--target", "macosx_11_0_arm64@3.11"];

function bundleArgs(out: string, cache: string, indexUrl = `${server.url}/simple/`): string[] {
  return ["bundle", join(root, "manifests", "demo.toml"), "--index-url", indexUrl, ...targets, "--out", out, "--cache-dir", cache, "--quiet"];
}

describe("wheelbarrow bundle", () => {
  it("gives byte-identical archives for the same inputs, and each one verifies", async () => {
    const a = await runCli(bundleArgs(join(dir, "a"), join(dir, "cache-a")));
    expect(a.stderr).toBe("");
    const b = await runCli(bundleArgs(join(dir, "b"), join(dir, "cache-b")));
    expect(b.code).toBe(0);
    const names = readdirSync(join(dir, "a")).filter((n) => n !== "SHA256SUMS").sort();
    expect(readdirSync(join(dir, "a"))).toContain("SHA256SUMS");
    expect(names).toEqual(["shop-2.3.0-macosx_11_0_arm64-cp311.tar.gz", "shop-2.3.0-manylinux_2_17_x86_64-cp311.tar.gz", "shop-2.3.0-win_amd64-cp311.zip"]);
    expect(readdirSync(join(dir, "b")).filter((n) => n !== "SHA256SUMS").sort()).toEqual(names);
    for (const n of names) {
      expect(readFileSync(join(dir, "b", n)).equals(readFileSync(join(dir, "a", n)))).toBe(true);
      const v = await runCli(["verify", join(dir, "a", n)]);
      expect(v.code).toBe(0);
    }
    // The Linux bundle has the C-extension wheel, the others the pure one; winshim only on Windows.
    const list = (n: string) => (n.endsWith(".zip") ? execFileSync("python3", ["-c", "import zipfile,sys;print('\\n'.join(zipfile.ZipFile(sys.argv[1]).namelist()))", join(dir, "a", n)], { encoding: "utf8" }) : execFileSync("tar", ["-tzf", join(dir, "a", n)], { encoding: "utf8" }));
    expect(list(names[1]!)).toContain("wheels/fastsum-0.3.0-cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64.whl");
    expect(list(names[2]!)).toContain("wheels/winshim-1.0.0-py3-none-any.whl");
    expect(list(names[0]!)).not.toContain("winshim");
  }, 120_000);

  it("--offline rebuilds the same bundles from the cache alone, with no request to the index", async () => {
    const before = server.requests.length;
    const r = await runCli([...bundleArgs(join(dir, "offline"), join(dir, "cache-a")), "--offline"]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(server.requests.length).toBe(before);
    for (const n of readdirSync(join(dir, "a"))) expect(readFileSync(join(dir, "offline", n)).equals(readFileSync(join(dir, "a", n)))).toBe(true);
    const cold = await runCli([...bundleArgs(join(dir, "offline-cold"), join(dir, "cache-empty")), "--offline"]);
    expect(cold.code).toBe(1);
    expect(cold.stderr).toMatch(/^error\[E_NETWORK\]: --offline: the index page of \S+ from http:\/\/127\.0\.0\.1:\d+\/simple\/\S+ is not in the cache/m);
  }, 120_000);

  it("never writes index credentials into a bundle", async () => {
    const withCreds = `${server.url.replace("http://", "http://builder:s3cr3t-t0ken@")}/simple/`;
    const r = await runCli([...bundleArgs(join(dir, "creds"), join(dir, "cache-c"), withCreds), "--format", "dir"]);
    expect(r.code).toBe(0);
    const grep = spawnSync("grep", ["-rl", "s3cr3t-t0ken", join(dir, "creds")], { encoding: "utf8" });
    expect(grep.status).toBe(1); // grep: no file matched
    expect(grep.stdout).toBe("");
    expect(readdirSync(join(dir, "creds")).length).toBe(3);
  }, 120_000);

  it("a download that fails mid-bundle leaves nothing in --out", async () => {
    unlinkSync(join(dir, "index", "files", "winshim-1.0.0-py3-none-any.whl"));
    const out = join(dir, "failed");
    const r = await runCli(bundleArgs(out, join(dir, "cache-f")));
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^error\[E_NETWORK\]: .*winshim-1\.0\.0-py3-none-any\.whl/m);
    expect(existsSync(out) ? readdirSync(out) : []).toEqual([]);
  }, 120_000);
});
