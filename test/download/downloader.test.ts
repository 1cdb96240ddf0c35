/**
 * The downloader against a real server: one download per file, bounded concurrency, streaming
 * sha256 with one retry then E_INTEGRITY (nothing left in the cache), resume of a cut body,
 * `--hash` values, files without an index hash, --offline, a damaged cache entry, and two
 * downloaders (in-process and in another process) sharing one cache directory.
 */
import { execFileSync } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import type http from "node:http";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Cache } from "../../src/store/cache.js";
import { downloadAll, type DownloadRequest } from "../../src/download/downloader.js";
import { RecordingReporter } from "../helpers/recording-reporter.js";
import { buildWheel, type BuiltWheel } from "../helpers/wheel-builder.js";
import { startIndexServer, type IndexServer, type IndexServerOptions } from "../helpers/index-server.js";
import { alwaysStatus, cutBody, delay, neverAnswer, wrongBody } from "../helpers/http-faults.js";
import { expectNoSecrets, rejection, tempDir, testNet } from "../net/net-helpers.js";
import { SafeUrl } from "../../src/text/safe-url.js";

const SECRET = "dl-s3cret-token";
let wheels: BuiltWheel[];
const servers: IndexServer[] = [];

beforeAll(async () => {
  const d = tempDir("wb-dl-");
  wheels = [];
  for (let i = 0; i < 6; i++) wheels.push(await buildWheel({ name: `pkg${i}`, version: "1.0", files: { [`pkg${i}/data.bin`]: randomBytes(120_000) } }, d));
});
afterAll(async () => {
  await Promise.all(servers.map((s) => s.close()));
});

async function serve(o: Partial<IndexServerOptions> = {}): Promise<IndexServer> {
  const s = await startIndexServer({ files: wheels, ...o });
  servers.push(s);
  return s;
}

function req(s: IndexServer, w: BuiltWheel, extra: Omit<Partial<DownloadRequest>, "url"> & { url?: string } = {}): DownloadRequest {
  const url = extra.url ?? `${s.origin}/packages/${w.filename}`;
  return { filename: w.filename, sha256: w.sha256, size: w.size, ...extra, url: SafeUrl.of(url) };
}

/** Every regular file under the cache root (temp files included). */
function cacheFiles(root: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    let entries: string[];
    try {
      entries = readdirSync(d);
    } catch {
      return;
    }
    for (const e of entries) {
      const p = join(d, e);
      if (statSync(p).isDirectory()) walk(p);
      else out.push(p.slice(root.length + 1));
    }
  };
  walk(root);
  return out.sort();
}

describe("downloadAll", () => {
  it("downloads each file once, however many requests name it, and reports it", async () => {
    const s = await serve();
    const cache = new Cache(tempDir("wb-cache-"));
    const net = testNet();
    const reporter = new RecordingReporter();
    const reqs = [req(s, wheels[0]!), req(s, wheels[0]!), req(s, wheels[1]!), req(s, wheels[1]!, { url: `${s.origin}/packages/${wheels[1]!.filename}?mirror=2` })];
    const got = await downloadAll(reqs, { net, cache, jobs: 8, reporter });
    expect(s.requests.map((r) => r.url).sort()).toEqual([`/packages/${wheels[0]!.filename}`, `/packages/${wheels[1]!.filename}`]);
    expect(got.get(reqs[0]!.url.key)!.path).toBe(cache.wheelPath(wheels[0]!.sha256));
    expect(got.get(wheels[1]!.sha256)!.size).toBe(wheels[1]!.size);
    expect(got.get(reqs[3]!.url.key)!.sha256).toBe(wheels[1]!.sha256);
    expect(cacheFiles(cache.root)).toEqual([wheels[0]!, wheels[1]!].map((w) => `wheels-v1/sha256/${w.sha256.slice(0, 2)}/${w.sha256}`).sort());
    expect(reporter.events[0]).toEqual({ type: "start", files: 2, bytes: wheels[0]!.size + wheels[1]!.size });
    expect(reporter.events.filter((e) => e.type === "file-done").map((e) => (e as { cached: boolean }).cached)).toEqual([false, false]);
    expect(reporter.events.at(-1)).toEqual({ type: "finish" });

    // A second run is served from the cache: no request.
    const before = s.requests.length;
    const again = new RecordingReporter();
    await downloadAll(reqs, { net, cache, jobs: 8, reporter: again });
    expect(s.requests.length).toBe(before);
    expect(again.events.filter((e) => e.type === "file-done").every((e) => (e as { cached: boolean }).cached)).toBe(true);
    await net.close();
  });

  it("never runs more than --jobs downloads at once", async () => {
    let active = 0;
    let peak = 0;
    const track = (_req: http.IncomingMessage, res: http.ServerResponse) => {
      active++;
      peak = Math.max(peak, active);
      res.once("finish", () => active--);
      return false;
    };
    const s = await serve({ faults: [track, delay(/^\/packages\//, 80)] });
    const cache = new Cache(tempDir("wb-cache-"));
    const net = testNet();
    await downloadAll(wheels.map((w) => req(s, w)), { net, cache, jobs: 2 });
    expect(s.requests).toHaveLength(6);
    expect(peak).toBe(2);
    await net.close();
  });

  it("a wrong hash: one retry, then E_INTEGRITY with expected and found; nothing left in the cache", async () => {
    const bad = wrongBody(`/packages/${wheels[2]!.filename}`, "not the wheel you are looking for");
    const s = await serve({ faults: [bad] });
    const cache = new Cache(tempDir("wb-cache-"));
    const net = testNet();
    const url = `${s.origin.replace("http://", `http://u:${SECRET}@`)}/packages/${wheels[2]!.filename}`;
    const r = req(s, wheels[2]!, { url });
    const e = await rejection(downloadAll([r], { net, cache, jobs: 2 }));
    expect(e.code).toBe("E_INTEGRITY");
    const found = "sha256:" + (await import("node:crypto")).createHash("sha256").update("not the wheel you are looking for").digest("hex");
    expect(e.message).toBe(`${wheels[2]!.filename} from http://***@127.0.0.1:${new URL(s.origin).port}/packages/${wheels[2]!.filename} does not match its expected hash (2 attempts): expected sha256:${wheels[2]!.sha256}, found ${found}`);
    expect(e.details).toMatchObject({ expected: [`sha256:${wheels[2]!.sha256}`], found, url: `http://***@127.0.0.1:${new URL(s.origin).port}/packages/${wheels[2]!.filename}` });
    expect(bad.hits).toBe(2);
    expect(cacheFiles(cache.root)).toEqual([]);
    expectNoSecrets(e, [SECRET]);
    await net.close();
  });

  it("a wrong body once, then the right one: the retry succeeds", async () => {
    const bad = wrongBody(`/packages/${wheels[2]!.filename}`, "stale proxy copy", 1);
    const s = await serve({ faults: [bad] });
    const cache = new Cache(tempDir("wb-cache-"));
    const net = testNet();
    const got = await downloadAll([req(s, wheels[2]!)], { net, cache, jobs: 2 });
    expect(got.get(wheels[2]!.sha256)!.sha256).toBe(wheels[2]!.sha256);
    expect(bad.hits).toBe(1);
    await net.close();
  });

  it("a body cut mid-stream is resumed and verified", async () => {
    const cut = cutBody(`/packages/${wheels[3]!.filename}`, wheels[3]!.path, 40_000);
    const s = await serve({ faults: [cut] });
    const cache = new Cache(tempDir("wb-cache-"));
    const net = testNet();
    const got = await downloadAll([req(s, wheels[3]!)], { net, cache, jobs: 2 });
    expect(got.get(wheels[3]!.sha256)!.cached).toBe(false);
    expect(s.requests.map((r) => r.headers["range"] ?? "full")).toEqual(["full", "bytes=40000-"]);
    expect(cacheFiles(cache.root)).toEqual([`wheels-v1/sha256/${wheels[3]!.sha256.slice(0, 2)}/${wheels[3]!.sha256}`]);
    await net.close();
  });

  it("--hash values from the requirements: any one must match", async () => {
    const s = await serve();
    const net = testNet();
    const ok = await downloadAll([req(s, wheels[4]!, { extraHashes: [`sha256:${"f".repeat(64)}`, `sha256:${wheels[4]!.sha256}`] })], { net, cache: new Cache(tempDir()), jobs: 1 });
    expect(ok.size).toBe(2);
    const cache = new Cache(tempDir());
    const e = await rejection(downloadAll([req(s, wheels[4]!, { extraHashes: [`sha512:${"a".repeat(128)}`] })], { net, cache, jobs: 1 }));
    expect(e.code).toBe("E_INTEGRITY");
    expect(e.message).toContain(`expected sha512:${"a".repeat(128)}, found sha512:${createHash("sha512").update(readFileSync(wheels[4]!.path)).digest("hex")}`);
    expect(cacheFiles(cache.root)).toEqual([]);
    await net.close();
  });

  it("no sha256 from the index: computed, recorded, and found again with --offline", async () => {
    const s = await serve();
    const cache = new Cache(tempDir("wb-cache-"));
    const net = testNet();
    const r = req(s, wheels[5]!, { sha256: undefined });
    const got = await downloadAll([r], { net, cache, jobs: 1 });
    expect(got.get(r.url.key)!.sha256).toBe(wheels[5]!.sha256);
    expect(cache.shaForUrl(r.url.key)).toBe(wheels[5]!.sha256);
    await net.close();
    const offlineNet = testNet({ offline: true });
    const again = await downloadAll([r], { net: offlineNet, cache, jobs: 1 });
    expect(again.get(r.url.key)!.cached).toBe(true);
    await offlineNet.close();
  });

  it("--offline: a missing file is E_NETWORK naming it, with a hint", async () => {
    const s = await serve();
    const cache = new Cache(tempDir("wb-cache-"));
    const net = testNet({ offline: true });
    const e = await rejection(downloadAll([req(s, wheels[0]!)], { net, cache, jobs: 1 }));
    expect(e.code).toBe("E_NETWORK");
    expect(e.message).toBe(`--offline: ${wheels[0]!.filename} is not in the cache (${cache.root})`);
    expect(e.hints).toEqual(["run the same command once without --offline (with the same --cache-dir) to fill the cache"]);
    expect(s.requests).toHaveLength(0);
    await net.close();
  });

  it("a damaged cache entry is detected and replaced", async () => {
    const s = await serve();
    const cache = new Cache(tempDir("wb-cache-"));
    const net = testNet();
    await downloadAll([req(s, wheels[1]!)], { net, cache, jobs: 1 });
    // a different size than the index's is noticed without --verify-cache
    writeFileSync(cache.wheelPath(wheels[1]!.sha256), "bit rot");
    const got = await downloadAll([req(s, wheels[1]!)], { net, cache, jobs: 1 });
    expect(got.get(wheels[1]!.sha256)!.cached).toBe(false);
    expect(s.requests).toHaveLength(2);
    // same size, other bytes: trusted (the archive writer's check catches it) unless verifyCache
    const p = cache.wheelPath(wheels[1]!.sha256);
    const bytes = readFileSync(p);
    bytes[0] = bytes[0]! ^ 0xff;
    writeFileSync(p, bytes);
    expect((await downloadAll([req(s, wheels[1]!)], { net, cache, jobs: 1 })).get(wheels[1]!.sha256)!.cached).toBe(true);
    expect(s.requests).toHaveLength(2);
    const again = await downloadAll([req(s, wheels[1]!)], { net, cache, jobs: 1, verifyCache: true });
    expect(again.get(wheels[1]!.sha256)!.cached).toBe(false);
    expect(s.requests).toHaveLength(3);
    await net.close();
  });
});

describe("faults leave nothing in the cache", () => {
  const w = () => wheels[0]!;
  const cases: [string, () => IndexServerOptions["faults"], Partial<IndexServerOptions>, string, (port: string) => string][] = [
    ["503 forever", () => [alwaysStatus(/^\/packages\//, 503)], {}, "E_NETWORK", (p) => `cannot fetch http://***@127.0.0.1:${p}/packages/${w().filename} after 3 attempts: HTTP 503`],
    ["401", () => [], { auth: { username: "u", password: "other" } }, "E_AUTH", (p) => `http://***@127.0.0.1:${p}/packages/${w().filename} refused the credentials for its host (HTTP 401)`],
    ["a server that never answers", () => [neverAnswer(/^\/packages\//)], {}, "E_NETWORK", (p) => `cannot fetch http://***@127.0.0.1:${p}/packages/${w().filename} after 3 attempts: no response within the read timeout (UND_ERR_HEADERS_TIMEOUT)`],
    ["a body always cut at the same byte, without Range", () => [cutBody(/^\/packages\//, w().path, 30_000, 99, true)], { ranges: false }, "E_NETWORK", (p) => `cannot fetch http://***@127.0.0.1:${p}/packages/${w().filename} after 3 attempts: the connection closed unexpectedly (UND_ERR_SOCKET)`],
  ];
  it.each(cases)("%s", async (_name, faults, extra, code, message) => {
    const s = await serve({ faults: faults(), ...extra });
    const root = tempDir("wb-cache-");
    const net = testNet({ retries: 2, readTimeoutMs: 250 });
    const url = `${s.origin.replace("http://", `http://u:${SECRET}@`)}/packages/${w().filename}`;
    const reporter = new RecordingReporter();
    const e = await rejection(downloadAll([req(s, w(), { url })], { net, cache: new Cache(root), jobs: 1, reporter }));
    expect(e.code).toBe(code);
    expect(e.message).toBe(message(new URL(s.origin).port));
    expect(cacheFiles(root)).toEqual([]);
    expectNoSecrets(e, [SECRET], reporter.events.map((ev) => JSON.stringify(ev)));
    await net.close();
  });
});

describe("two downloaders on one cache directory", () => {
  it("in one process, concurrently: both succeed, one copy of each file, no temp file left", async () => {
    const s = await serve({ faults: [delay(/^\/packages\//, 30)] });
    const root = tempDir("wb-cache-");
    const run = async () => {
      const net = testNet();
      try {
        return await downloadAll(wheels.map((w) => req(s, w)), { net, cache: new Cache(root), jobs: 3 });
      } finally {
        await net.close();
      }
    };
    const [x, y] = await Promise.all([run(), run()]);
    for (const w of wheels) {
      expect(x.get(w.sha256)!.path).toBe(y.get(w.sha256)!.path);
      expect(statSync(x.get(w.sha256)!.path).size).toBe(w.size);
    }
    expect(cacheFiles(root)).toEqual(wheels.map((w) => `wheels-v1/sha256/${w.sha256.slice(0, 2)}/${w.sha256}`).sort());
  });

  it("in two processes at once", async () => {
    const s = await serve({ faults: [delay(/^\/packages\//, 30)] });
    const root = tempDir("wb-cache-");
    const reqsFile = join(tempDir(), "reqs.json");
    writeFileSync(reqsFile, JSON.stringify(wheels.map((w) => req(s, w))));
    const script = resolve(import.meta.dirname, "download-child.ts");
    const child = new Promise<string>((res, rej) => {
      import("node:child_process").then(({ execFile }) =>
        execFile(process.execPath, ["--import", "tsx", script, root, reqsFile], { cwd: resolve(import.meta.dirname, "../..") }, (err, out) => (err ? rej(err) : res(out))),
      );
    });
    const net = testNet();
    const mine = await downloadAll(wheels.map((w) => req(s, w)), { net, cache: new Cache(root), jobs: 3 });
    await net.close();
    const theirs = JSON.parse(await child) as Record<string, string>;
    for (const w of wheels) expect(theirs[w.sha256]).toBe(mine.get(w.sha256)!.path);
    expect(cacheFiles(root)).toEqual(wheels.map((w) => `wheels-v1/sha256/${w.sha256.slice(0, 2)}/${w.sha256}`).sort());
    const hashes = execFileSync("sha256sum", cacheFiles(root).map((f) => join(root, f)), { encoding: "utf8" });
    for (const w of wheels) expect(hashes).toContain(w.sha256 + " ");
  });
});
