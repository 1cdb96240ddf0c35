/**
 * Regression: undici 7 asserts (`assert(!this.paused)` in its HTTP/1 parser, uncatchable) when a
 * response body is under back-pressure while the server closes the connection. The client must
 * consume bodies so the parser is never paused: a close-delimited HTTP/1.0 body, sent faster
 * than the consumer takes it, then the socket closed, is read to the end every time.
 */
import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { join, resolve } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { closeDelimited, startRawServer, type RawServer } from "../helpers/http-faults.js";
import { tempDir } from "./net-helpers.js";

const servers: RawServer[] = [];
afterAll(async () => {
  await Promise.all(servers.map((s) => s.close()));
});

function runChild(url: string, dest: string, times: number): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const script = resolve(import.meta.dirname, "backpressure-child.ts");
  return new Promise((res) => {
    execFile(process.execPath, ["--import", "tsx", script, url, dest, String(times)], { cwd: resolve(import.meta.dirname, "../.."), maxBuffer: 1 << 24 }, (err, stdout, stderr) =>
      res({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

describe("back-pressure while the server closes", () => {
  it("a close-delimited HTTP/1.0 body sent faster than it is consumed never crashes the client", async () => {
    const body = randomBytes(8 * 1024 * 1024);
    const s = await startRawServer(closeDelimited(body));
    servers.push(s);
    const r = await runChild(`${s.url}big.whl`, join(tempDir(), "big.whl"), 6);
    expect(r.stderr).not.toMatch(/AssertionError/);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual(Array(12).fill(body.length));
  }, 120_000);
});
