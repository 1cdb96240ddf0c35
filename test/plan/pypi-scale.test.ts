/**
 * `lock` on synthetic PyPI-shaped indexes (scripts/lib/synthetic-index.ts) served over HTTP on
 * 127.0.0.1: boto3/botocore chains of 2,000 versions with tight pins, numpy with 100 versions x
 * 40 wheels, and a project whose newest 300 versions need a newer Python than the target.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { botoWorld, numpyWorld, requiresPythonWorld, writeSyntheticIndex } from "../../scripts/lib/synthetic-index.js";
import { serveStatic, type StaticServer } from "../../scripts/lib/static-index.js";
import { runCli } from "../helpers/run-cli.js";
import { writeFileSync } from "node:fs";

const TARGETS = ["manylinux_2_28_x86_64@3.11", "win_amd64@3.12", "macosx_11_0_arm64@3.11", "musllinux_1_2_aarch64@3.10"];
let dir: string;
let server: StaticServer;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "wb-pypi-scale-"));
  await writeSyntheticIndex(requiresPythonWorld(numpyWorld(botoWorld())), join(dir, "index"));
  server = await serveStatic(join(dir, "index"));
}, 120_000);

afterAll(async () => {
  await server?.close();
  rmSync(dir, { recursive: true, force: true });
});

interface LockJson {
  targets: { target: string; packages: { name: string; version: string; filename: string }[] }[];
}

async function lock(requirements: string[], targets = TARGETS): Promise<LockJson> {
  const reqs = join(dir, `req-${requirements.join("_").replace(/[^a-z0-9_]/gi, "")}.txt`);
  writeFileSync(reqs, requirements.join("\n") + "\n");
  const args = ["lock", "-r", reqs, "--index-url", `${server.url}/simple/`, "--cache-dir", join(dir, "cache"), "-o", join(dir, "pylock.toml"), "--json", "--no-progress"];
  for (const t of targets) args.push("--target", t);
  const r = await runCli(args);
  expect(r.stderr).toBe("");
  expect(r.code).toBe(0);
  return JSON.parse(r.stdout) as LockJson;
}

const picks = (j: LockJson) => j.targets.map((t) => t.packages.map((p) => `${p.name}==${p.version}`));

describe("lock on PyPI-shaped indexes", () => {
  it("boto3 with 2,000 versions tightly pinned to botocore resolves to the newest pair for 4 targets", async () => {
    const j = await lock(["boto3"]);
    const expected = ["boto3==1.1999.0", "botocore==1.1999.0", "jmespath==1.0.1", "urllib3==2.3.0"];
    expect(picks(j)).toEqual(TARGETS.map(() => expected));
  }, 120_000);

  it("an upper bound on boto3 walks the chain down and botocore follows it", async () => {
    const j = await lock(["boto3<1.1500", "urllib3<2"]);
    expect(picks(j)[0]).toEqual(["boto3==1.1499.0", "botocore==1.1499.0", "jmespath==1.0.1", "urllib3==1.26.20"]);
  }, 120_000);

  it("numpy picks the newest version and the right one of 40 platform wheels per target", async () => {
    const j = await lock(["numpy"]);
    expect(j.targets.map((t) => t.packages.map((p) => p.filename))).toEqual([
      ["numpy-1.99.0-cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64.whl"],
      ["numpy-1.99.0-cp312-cp312-win_amd64.whl"],
      ["numpy-1.99.0-cp311-cp311-macosx_11_0_arm64.whl"],
      ["numpy-1.99.0-cp310-cp310-musllinux_1_2_aarch64.whl"],
    ]);
  }, 120_000);

  it("the newest 300 versions requiring Python >=3.14 are passed over for 1.99.0", async () => {
    const j = await lock(["pyfresh"]);
    expect(picks(j)).toEqual(TARGETS.map(() => ["pyfresh==1.99.0"]));
  }, 120_000);
});
