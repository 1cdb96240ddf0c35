/**
 * The fast slice of the field suite (test/field/, `npm run test:field`), kept in `npm test`: one
 * cold `bundle` of a small multi-megabyte set from `python3 -m http.server` (HTTP/1.0, the
 * connection closed after every response, no Range) and from nginx without Range, each behind
 * added latency, run as a real CLI process. Skipped where python3 or nginx is absent.
 */
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCliProcess } from "../field/cli.js";
import { writeFieldIndex, type FieldSet } from "../field/index-tree.js";
import { nginxBinary, python3Binary, startLatencyProxy, startNginx, startPythonHttpServer, type Running } from "../field/servers.js";

let dir: string;
let set: FieldSet;
const running: Running[] = [];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "wb-static-"));
  set = await writeFieldIndex(join(dir, "www"), 3, 1.5);
  writeFileSync(join(dir, "requirements.txt"), set.requirements);
});
afterAll(async () => {
  for (const r of running.splice(0).reverse()) await r.stop();
  rmSync(dir, { recursive: true, force: true });
});

async function coldBundle(label: string, port: number): Promise<void> {
  const lag = await startLatencyProxy(port, 2);
  running.push(lag);
  const out = join(dir, `${label}-out`);
  const r = await runCliProcess(["bundle", "-r", join(dir, "requirements.txt"), "--name", "fast", "--version", "1.0", "--target", "linux-x86_64@3.11", "--index-url", `${lag.origin}/simple/`, "--out", out, "--cache-dir", join(dir, `${label}-cache`), "--quiet"]);
  expect(r.stderr).toBe("");
  expect(r.code).toBe(0);
  expect(readdirSync(out).some((f) => f.endsWith(".tar.gz") || f.endsWith(".zip"))).toBe(true);
}

describe("cold bundle from real static servers", () => {
  it.skipIf(!python3Binary())("python3 -m http.server", async () => {
    const py = (await startPythonHttpServer(set.root))!;
    running.push(py);
    await coldBundle("python", py.port);
  });

  it.skipIf(!nginxBinary())("nginx with max_ranges 0", async () => {
    const ng = (await startNginx(set.root, { ranges: false }))!;
    running.push(ng);
    await coldBundle("nginx", ng.port);
  });
});
