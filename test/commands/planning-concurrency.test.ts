/**
 * A fully pinned set plans concurrently: every pin's file is known from the index pages alone, so
 * their METADATA reads (PEP 658 sidecars, range reads, or whole wheels) are out at once, at most
 * --jobs of them; never one after another.
 */
import type http from "node:http";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startIndexServer, type IndexServer } from "../helpers/index-server.js";
import { buildWheel, type BuiltWheel } from "../helpers/wheel-builder.js";
import { runCli } from "../helpers/run-cli.js";

let dir: string;
let req: string;
let wheels: BuiltWheel[];
const NAMES = ["alpha", "beta", "gamma", "delta", "epsilon", "zeta"];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "wb-plan-conc-"));
  wheels = [];
  for (const n of NAMES) wheels.push(await buildWheel({ name: n, version: "1.0", files: { [`${n}/__init__.py`]: "x = 1\n" } }, join(dir, "wheels")));
  req = join(dir, "req.txt");
  writeFileSync(req, NAMES.map((n) => `${n}==1.0\n`).join(""));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A server that holds every request for a wheel or its sidecar a moment, counting how many are held at once. */
async function countingServer(o: { metadata: "sidecar" | "none"; ranges: boolean }): Promise<{ server: IndexServer; max: () => number; seen: () => number }> {
  let now = 0;
  let max = 0;
  let seen = 0;
  const hold = async (r: http.IncomingMessage): Promise<boolean> => {
    if (!r.url?.startsWith("/packages/")) return false;
    seen++;
    now++;
    max = Math.max(max, now);
    await new Promise((res) => setTimeout(res, 40));
    now--;
    return false; // then served as usual
  };
  const server = await startIndexServer({ files: wheels, metadata: o.metadata, ranges: o.ranges, faults: [hold] });
  return { server, max: () => max, seen: () => seen };
}

describe("a pinned set's METADATA is read concurrently, under --jobs", () => {
  for (const kind of [
    { what: "PEP 658 sidecars", metadata: "sidecar", ranges: true },
    { what: "whole wheels (no sidecar, no Range)", metadata: "none", ranges: false },
  ] as const) {
    it(kind.what, async () => {
      const c = await countingServer(kind);
      try {
        const lock = join(dir, `pylock-${kind.metadata}.toml`);
        const r = await runCli(["lock", "-r", req, "--index-url", c.server.indexUrl, "--cache-dir", join(dir, `cache-${kind.metadata}`), "-o", lock, "--jobs", "4", "--target", "linux-x86_64@3.11", "--no-progress"]);
        expect(r.code, r.stderr).toBe(0);
        expect(c.seen()).toBeGreaterThanOrEqual(NAMES.length);
        expect(c.max()).toBeGreaterThan(1);
        expect(c.max()).toBeLessThanOrEqual(4);
      } finally {
        await c.server.close();
      }
    });
  }

  it("--jobs 1 reads one at a time", async () => {
    const c = await countingServer({ metadata: "sidecar", ranges: true });
    try {
      const r = await runCli(["lock", "-r", req, "--index-url", c.server.indexUrl, "--cache-dir", join(dir, "cache-1"), "-o", join(dir, "pylock-1.toml"), "--jobs", "1", "--target", "linux-x86_64@3.11", "--no-progress"]);
      expect(r.code, r.stderr).toBe(0);
      expect(c.max()).toBe(1);
    } finally {
      await c.server.close();
    }
  });
});
