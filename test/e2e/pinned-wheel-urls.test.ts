/**
 * A requirements line that names a wheel by URL ships exactly that wheel: `name @ https://.../x.whl`,
 * `name @ file:///.../x.whl` and bare URLs, through the CLI, against an index that holds another
 * version of the same project (which must not be asked for it).
 */
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildWheel, type BuiltWheel } from "../helpers/wheel-builder.js";
import { startIndexServer, startStaticServer, type IndexServer, type StaticServer } from "../helpers/index-server.js";
import { runCli } from "../helpers/run-cli.js";

let dir: string;
let index: IndexServer;
let files: StaticServer;
let pinned: BuiltWheel;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "wb-pinned-url-"));
  const onIndex = await buildWheel({ name: "foo", version: "2.0", requiresDist: ["bar"] }, join(dir, "index-wheels"));
  const bar = await buildWheel({ name: "bar", version: "1.0" }, join(dir, "index-wheels"));
  pinned = await buildWheel({ name: "foo", version: "1.0" }, join(dir, "direct"));
  index = await startIndexServer({ files: [onIndex, bar] });
  files = await startStaticServer(join(dir, "direct"));
});
afterAll(async () => {
  await index.close();
  await files.close();
  rmSync(dir, { recursive: true, force: true });
});

function reqs(text: string): string {
  const p = join(dir, `req-${Math.random().toString(36).slice(2)}.txt`);
  writeFileSync(p, text);
  return p;
}

async function bundled(line: string): Promise<{ code: number; stderr: string; wheels: string[] }> {
  const out = join(dir, `out-${Math.random().toString(36).slice(2)}`);
  mkdirSync(out);
  const r = await runCli(["bundle", "-r", reqs(line + "\n"), "--index-url", index.indexUrl, "--target", "linux-x86_64@3.11", "--format", "dir", "--out", out, "--cache-dir", join(dir, "cache"), "--quiet"]);
  const stems = readdirSync(out);
  const wheels = stems.length ? readdirSync(join(out, stems[0]!, "wheels")).sort() : [];
  return { code: r.code, stderr: r.stderr, wheels };
}

describe("pinned wheel URLs", () => {
  it("`name @ https://.../x.whl` ships that wheel, not the index's other version", async () => {
    index.requests.length = 0;
    const r = await bundled(`foo @ ${files.origin}/${pinned.filename}`);
    // Nothing but the connection vouches for a remote wheel given without --hash: said, not refused.
    expect(r.stderr).toBe(`warning: ${pinned.filename} from ${files.origin}/${pinned.filename} comes with no hash from the index or the requirements: nothing but the connection vouches for its bytes\n`);
    expect(r.code).toBe(0);
    expect(r.wheels).toEqual([pinned.filename]);
    expect(index.requests.filter((q) => q.url.includes("/foo"))).toEqual([]);
  });

  it("`name @ file:///.../x.whl` ships that wheel", async () => {
    const r = await bundled(`foo @ ${pathToFileURL(pinned.path).href}`);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(r.wheels).toEqual([pinned.filename]);
  });

  it("a bare wheel URL still ships that wheel", async () => {
    const r = await bundled(`${files.origin}/${pinned.filename} --hash=sha256:${pinned.sha256}`);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(r.wheels).toEqual([pinned.filename]);
  });

  it("`name @ URL` whose wheel is another project is E_REQUIREMENTS", async () => {
    const r = await bundled(`bar @ ${files.origin}/${pinned.filename}`);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^error\[E_REQUIREMENTS\]: .*not a file of bar/m);
  });

  it("the `--hash` of a `name @ URL` line is enforced on the downloaded wheel", async () => {
    const r = await bundled(`foo @ ${files.origin}/${pinned.filename} --hash=sha256:${"0".repeat(64)}`);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^error\[E_INTEGRITY\]: foo-1\.0-py3-none-any\.whl .*does not match/m);
  });
});
