/**
 * Against this machine's local package mirror (the file:// index in `pip config list`, e.g.
 * file:///opt/pypi/simple), read directly and served over HTTP by a static server: both give
 * the same files, and METADATA read with HTTP range requests equals what Python's zipfile reads
 * from the same wheel. Skips cleanly where there is no mirror.
 */
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Cache } from "../../src/store/cache.js";
import { Sources } from "../../src/index/sources.js";
import { findLocalMirror } from "../helpers/mirror.js";
import { startStaticServer, type StaticServer } from "../helpers/index-server.js";
import { tempDir, testNet } from "../net/net-helpers.js";

const mirror = findLocalMirror();
const PREFERRED = ["six", "idna", "packaging", "numpy", "certifi", "urllib3"];

describe.skipIf(!mirror)("the machine's local mirror", () => {
  let server: StaticServer;
  let projects: string[];

  beforeAll(async () => {
    projects = PREFERRED.filter((p) => existsSync(join(mirror!.path, p, "index.html"))).slice(0, 4);
    // Serve the mirror's parent so `../../files/...` links resolve as they do on disk.
    server = await startStaticServer(dirname(mirror!.path));
  });
  afterAll(async () => {
    await server?.close();
  });

  it("file:// and HTTP give the same files", async () => {
    expect(projects.length).toBeGreaterThan(0);
    const httpIndex = `${server.origin}/${mirror!.path.split("/").at(-1)}/`;
    const net = testNet({ readTimeoutMs: 10_000 });
    const fileNet = testNet();
    const viaFile = new Sources({ indexUrl: mirror!.url, extraIndexUrls: [], findLinks: [], noIndex: false }, fileNet, new Cache(tempDir()), { cwd: "/" });
    const viaHttp = new Sources({ indexUrl: httpIndex, extraIndexUrls: [], findLinks: [], noIndex: false }, net, new Cache(tempDir()), { cwd: "/" });
    for (const p of projects) {
      const a = (await viaFile.getProject(p))!;
      const b = (await viaHttp.getProject(p))!;
      expect(a.files.length).toBeGreaterThan(0);
      expect(b.files.map((f) => [f.filename, f.hashes])).toEqual(a.files.map((f) => [f.filename, f.hashes]));
      for (const f of a.files) expect(existsSync(fileURLToPath(f.url.reveal()))).toBe(true);
    }
    await Promise.all([net.close(), fileNet.close()]);
  });

  it("METADATA by HTTP range requests equals Python zipfile's reading", async () => {
    const httpIndex = `${server.origin}/${mirror!.path.split("/").at(-1)}/`;
    const net = testNet({ readTimeoutMs: 10_000 });
    const s = new Sources({ indexUrl: httpIndex, extraIndexUrls: [], findLinks: [], noIndex: false }, net, new Cache(tempDir()), { cwd: "/" });
    for (const p of projects) {
      const wheel = (await s.getProject(p))!.files.find((f) => f.filename.endsWith(".whl"));
      if (!wheel) continue;
      const before = server.requests.length;
      const text = await s.fetchMetadata(wheel);
      const local = join(dirname(mirror!.path), decodeURIComponent(new URL(wheel.url.reveal()).pathname));
      const oracle = execFileSync(
        "python3",
        ["-c", "import sys,zipfile\nz=zipfile.ZipFile(sys.argv[1])\nn=[x for x in z.namelist() if x.count('/')==1 and x.endswith('.dist-info/METADATA')][0]\nsys.stdout.buffer.write(z.read(n))", local],
        { encoding: "utf8" },
      );
      expect(text).toBe(oracle);
      const reqs = server.requests.slice(before);
      expect(reqs.every((r) => typeof r.headers["range"] === "string")).toBe(true);
      expect(reqs.length).toBeLessThanOrEqual(4);
    }
    await net.close();
  });
});
