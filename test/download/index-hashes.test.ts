/**
 * Every hash an index gives is checked (md5, sha1, sha224, sha256, sha384, sha512, blake2b, as
 * pip accepts them), against digests computed by Python's hashlib; a malformed digest is
 * E_INTEGRITY naming the URL; a remote file with no hash at all is downloaded with a warning;
 * and `--require-hashes` still demands the user's own hashes.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Cache } from "../../src/store/cache.js";
import { downloadAll, type DownloadRequest } from "../../src/download/downloader.js";
import { digestBytes, digestProblem, INDEX_HASH_ALGS } from "../../src/download/digests.js";
import { RecordingReporter } from "../helpers/recording-reporter.js";
import { Sources } from "../../src/index/sources.js";
import { buildWheel, type BuiltWheel } from "../helpers/wheel-builder.js";
import { startIndexServer, type IndexServer } from "../helpers/index-server.js";
import { runCli } from "../helpers/run-cli.js";
import { rejection, tempDir, testNet } from "../net/net-helpers.js";
import { SafeUrl } from "../../src/text/safe-url.js";

const hasPython = spawnSync("python3", ["-c", "import hashlib"]).status === 0;
let wheel: BuiltWheel;
let other: BuiltWheel;
let server: IndexServer;
/** Python's hashlib digests of the wheel, by algorithm. */
let pyDigests: Record<string, string> = {};

beforeAll(async () => {
  const d = tempDir("wb-hashes-");
  wheel = await buildWheel({ name: "hashed", version: "1.0", files: { "hashed/__init__.py": "x = 1\n" } }, d);
  other = await buildWheel({ name: "other", version: "1.0" }, d);
  server = await startIndexServer({ files: [wheel, other] });
  if (hasPython) {
    const out = execFileSync("python3", ["-c", "import hashlib,json,sys;d=open(sys.argv[1],'rb').read();print(json.dumps({a:hashlib.new(a,d).hexdigest() for a in ['md5','sha1','sha224','sha256','sha384','sha512','blake2b']}))", wheel.path], { encoding: "utf8" });
    pyDigests = JSON.parse(out) as Record<string, string>;
  }
});
afterAll(async () => {
  await server.close();
});

function req(extra: Omit<Partial<DownloadRequest>, "url">): DownloadRequest {
  const url = `${server.origin}/packages/${wheel.filename}`;
  return { filename: wheel.filename, size: wheel.size, ...extra, url: SafeUrl.of(url) };
}

describe("digests", () => {
  it.skipIf(!hasPython)("computes every algorithm as Python's hashlib does (blake2b is BLAKE2b-512)", async () => {
    const { readFileSync } = await import("node:fs");
    expect(digestBytes(readFileSync(wheel.path), INDEX_HASH_ALGS)).toEqual(pyDigests);
  });

  it("names what is wrong with a malformed digest", () => {
    expect(digestProblem("sha256", "abcd")).toBe("the sha256 digest 'abcd' has 4 hex digits, not 64");
    expect(digestProblem("md5", "z".repeat(32))).toBe(`the md5 digest '${"z".repeat(32)}' is not hexadecimal`);
    expect(digestProblem("sha1", "a".repeat(40))).toBeNull();
  });
});

describe("index hashes on download", () => {
  it.skipIf(!hasPython).each(["md5", "sha1", "sha224", "sha384", "sha512", "blake2b"])("%s alone: the right digest passes, a wrong one is E_INTEGRITY", async (alg) => {
    const net = testNet();
    const ok = await downloadAll([req({ indexHashes: { [alg]: pyDigests[alg]!.toUpperCase() } })], { net, cache: new Cache(tempDir()), jobs: 1 });
    expect(ok.get(pyDigests["sha256"]!)?.sha256).toBe(pyDigests["sha256"]);
    const wrong = pyDigests[alg]!.replace(/^./, (c) => (c === "0" ? "1" : "0"));
    const e = await rejection(downloadAll([req({ indexHashes: { [alg]: wrong } })], { net, cache: new Cache(tempDir()), jobs: 1 }));
    expect(e.code).toBe("E_INTEGRITY");
    expect(e.message).toContain(`expected ${alg}:${wrong}, found ${alg}:${pyDigests[alg]}`);
    await net.close();
  });

  it.skipIf(!hasPython)("every hash the index gives must match, not just one: a right sha256 with a wrong md5 fails", async () => {
    const net = testNet();
    const e = await rejection(downloadAll([req({ sha256: pyDigests["sha256"], indexHashes: { sha256: pyDigests["sha256"]!, md5: "0".repeat(32) } })], { net, cache: new Cache(tempDir()), jobs: 1 }));
    expect(e.code).toBe("E_INTEGRITY");
    expect(e.message).toContain(`expected md5:${"0".repeat(32)}, found md5:${pyDigests["md5"]}`);
    await net.close();
  });

  it("a malformed digest is E_INTEGRITY naming the URL, before anything is downloaded", async () => {
    const net = testNet();
    for (const bad of ["abcd", "g".repeat(64)]) {
      server.requests.length = 0;
      const e = await rejection(downloadAll([req({ indexHashes: { sha256: bad } })], { net, cache: new Cache(tempDir()), jobs: 1 }));
      expect(e.code).toBe("E_INTEGRITY");
      expect(e.message).toMatch(new RegExp(`^the index gives a malformed hash for ${wheel.filename.replace(/\./g, "\\.")} \\(${server.origin}/packages/${wheel.filename.replace(/\./g, "\\.")}\\): the sha256 digest '${bad}'`));
      expect(server.requests).toEqual([]);
    }
    await net.close();
  });

  it("a remote file with no hash from anywhere is downloaded with a warning", async () => {
    const net = testNet();
    const reporter = new RecordingReporter();
    await downloadAll([req({})], { net, cache: new Cache(tempDir()), jobs: 1, reporter });
    expect(reporter.events.filter((e) => e.type === "warn")).toEqual([
      { type: "warn", message: `${wheel.filename} from ${server.origin}/packages/${wheel.filename} comes with no hash from the index or the requirements: nothing but the connection vouches for its bytes` },
    ]);
    const quiet = new RecordingReporter();
    await downloadAll([req({ sha256: wheel.sha256 })], { net, cache: new Cache(tempDir()), jobs: 1, reporter: quiet });
    expect(quiet.events.filter((e) => e.type === "warn")).toEqual([]);
    await net.close();
  });
});

describe("index pages with malformed digests", () => {
  it.each(["html", "json"] as const)("%s page: using the file is E_INTEGRITY with the URL, not an internal error", async (format) => {
    const bad = await startIndexServer({ files: [{ filename: wheel.filename, path: wheel.path, sha256: "abcd", metadata: wheel.metadata }], format });
    const net = testNet();
    const s = new Sources({ indexUrl: bad.indexUrl, extraIndexUrls: [], findLinks: [], noIndex: false }, net, new Cache(tempDir()), { cwd: "/" });
    const file = (await s.getProject("hashed"))!.files[0]!;
    expect(file.hashes).toEqual({});
    const e = await rejection(s.fetchMetadata(file));
    expect(e.code).toBe("E_INTEGRITY");
    expect(e.message).toBe(`the index gives a malformed hash for ${wheel.filename} (${bad.origin}/packages/${wheel.filename}): the sha256 digest 'abcd' has 4 hex digits, not 64`);
    await net.close();
    await bad.close();
  });
});

describe("--require-hashes through the CLI", () => {
  const dir = tempDir("wb-reqhash-");
  const reqs = (text: string) => {
    const p = join(dir, `r-${Math.random().toString(36).slice(2)}.txt`);
    writeFileSync(p, text);
    return p;
  };
  const bundle = (file: string) => {
    const out = join(dir, `out-${Math.random().toString(36).slice(2)}`);
    mkdirSync(out);
    return runCli(["bundle", "-r", file, "--index-url", server.indexUrl, "--target", "linux-x86_64@3.11", "--format", "dir", "--out", out, "--cache-dir", join(dir, "cache"), "--quiet"]);
  };

  it("a requirement without --hash is E_REQUIREMENTS even though the index gives a hash", async () => {
    const r = await bundle(reqs(`--require-hashes\nhashed==1.0\n`));
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^error\[E_REQUIREMENTS\]: .*:2: no --hash \(hash checking is on because --require-hashes is set/m);
  });

  it("the user's hash is enforced even when the index's hash matches the file", async () => {
    const r = await bundle(reqs(`--require-hashes\nhashed==1.0 --hash=sha256:${"0".repeat(64)}\n`));
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^error\[E_INTEGRITY\]: no file of hashed 1\.0 has an allowed hash/m);
    const ok = await bundle(reqs(`--require-hashes\nhashed==1.0 --hash=sha256:${wheel.sha256}\n`));
    expect(ok.stderr).toBe("");
    expect(ok.code).toBe(0);
  });

  it("an index that gives no hash: the bundle warns", async () => {
    const bare = await startIndexServer({ files: [wheel], noHashes: true });
    const out = join(dir, "out-nohash");
    mkdirSync(out);
    const r = await runCli(["bundle", "-r", reqs("hashed==1.0\n"), "--index-url", bare.indexUrl, "--target", "linux-x86_64@3.11", "--format", "dir", "--out", out, "--cache-dir", join(dir, "cache-nohash")]);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain(`${wheel.filename} from ${bare.origin}/packages/${wheel.filename} comes with no hash from the index or the requirements`);
    await bare.close();
  });
});
