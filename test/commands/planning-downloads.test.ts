/**
 * Wheels downloaded while planning (the index offers neither PEP 658 sidecars nor Range, so a
 * wheel is fetched whole for its METADATA) are reported as downloads: a line each as they
 * happen, and the summary counts them as downloaded in this run, not as cache hits. A second
 * run over the same cache says "from the cache".
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startIndexServer, type IndexServer } from "../helpers/index-server.js";
import { buildWheel } from "../helpers/wheel-builder.js";
import { runCli } from "../helpers/run-cli.js";

let dir: string;
let server: IndexServer;
let req: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "wb-plan-dl-"));
  const wheels = [
    await buildWheel({ name: "alpha", version: "1.0", requiresDist: ["beta==2.0"], files: { "alpha/__init__.py": "x = 1\n".repeat(2000) } }, join(dir, "wheels")),
    await buildWheel({ name: "beta", version: "2.0", files: { "beta/__init__.py": "y = 2\n".repeat(3000) } }, join(dir, "wheels")),
  ];
  server = await startIndexServer({ files: wheels, metadata: "none", ranges: false });
  req = join(dir, "req.txt");
  writeFileSync(req, "alpha==1.0\nbeta==2.0\n");
});
afterAll(async () => {
  await server.close();
  rmSync(dir, { recursive: true, force: true });
});

const args = (out: string) => ["bundle", "-r", req, "--index-url", server.indexUrl, "--cache-dir", join(dir, "cache"), "--out", out, "--target", "linux-x86_64@3.11"];

describe("downloads made while planning", () => {
  it("show as downloads, in order, and the summary counts them", async () => {
    const r = await runCli(args(join(dir, "a")));
    expect(r.code).toBe(0);
    const lines = r.stderr.split("\n");
    const a = lines.findIndex((l) => /^downloaded alpha-1\.0-py3-none-any\.whl \([0-9.]+ (B|KiB)\)$/.test(l));
    const b = lines.findIndex((l) => /^downloaded beta-2\.0-py3-none-any\.whl \([0-9.]+ (B|KiB)\)$/.test(l));
    const fetching = lines.findIndex((l) => l.startsWith("fetching "));
    const summary = lines.findIndex((l) => /^2 files: /.test(l));
    expect(a).toBeGreaterThanOrEqual(0);
    // both while planning (in either order: pins may plan concurrently), before the batch begins
    expect(b).toBeGreaterThanOrEqual(0);
    expect(fetching).toBeGreaterThan(Math.max(a, b));
    expect(summary).toBeGreaterThan(fetching);
    expect(lines[fetching]).toMatch(/^fetching 2 files \([0-9.]+ (B|KiB); 2 downloaded while planning\)$/);
    expect(lines[summary]).toMatch(/^2 files: 2 downloaded \([0-9.]+ (B|KiB) in [0-9.]+ s, [0-9.]+ (B|KiB|MiB)\/s\)$/);
    expect(r.stderr).not.toContain("from the cache");
    // One Range probe (the server answers with the whole file), then one plain GET per wheel:
    // once Range is known to be ignored, no further wheel is probed.
    const gets = server.requests.filter((q) => q.url.startsWith("/packages/"));
    expect(gets.filter((q) => q.headers.range !== undefined)).toHaveLength(1);
    expect(gets.filter((q) => q.headers.range === undefined).map((q) => q.url).sort()).toEqual(["/packages/alpha-1.0-py3-none-any.whl", "/packages/beta-2.0-py3-none-any.whl"]);
  });

  it("a later run over the same cache reports cache hits", async () => {
    const r = await runCli(args(join(dir, "b")));
    expect(r.code).toBe(0);
    expect(r.stderr).not.toMatch(/^downloaded /m);
    expect(r.stderr).toMatch(/^2 files: 0 downloaded \(0 B in [0-9.]+ s, 0 B\/s\), 2 from the cache$/m);
  });
});
