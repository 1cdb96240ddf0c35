/**
 * Bounded concurrent downloads into the content-addressed cache, with streaming sha256.
 *
 * - One download per file, however many targets need it: requests are deduplicated by sha256
 *   (by URL when the index gave no hash).
 * - The file must match the index's sha256 and, when the requirements carry `--hash` values,
 *   at least one of them (pip's rule). A mismatch is retried once (a proxy may have served a
 *   stale or truncated body), then fails with E_INTEGRITY {expected, found, url}.
 * - If the index gives no sha256, the downloader computes it and records url -> sha256 in the
 *   cache so --offline can find the file again; DownloadRequest.sha256 is then undefined.
 * - Bytes go to a temp file beside their final place and are renamed in only when verified; on
 *   any failure the temp file is removed, so the cache never holds a partial or corrupt file.
 * - --offline: the cache alone; a missing file is E_NETWORK naming the file.
 * - On the first failure no new download starts; those in flight finish or clean up, then the
 *   first error is thrown.
 */
import { createHash } from "node:crypto";
import { createReadStream, rmSync } from "node:fs";
import pLimit from "p-limit";
import { WbError } from "../errors.js";
import type { Net } from "../net/dispatcher.js";
import type { Cache } from "../store/cache.js";
import { silentReporter, type Reporter } from "./reporter.js";

export interface DownloadRequest {
  /** May carry credentials; never shown. */
  url: string;
  /** Redacted, for messages. */
  displayUrl: string;
  filename: string;
  /** Lowercase hex from the index; undefined when the index served no sha256 (computed then). */
  sha256?: string;
  size?: number;
  /** `alg:hex` values from `--hash` (sha256, sha384, sha512); the file must match one of them. */
  extraHashes?: string[];
}

export interface DownloadedFile {
  path: string;
  sha256: string;
  size: number;
  filename: string;
  url: string;
  /** Served from the cache without a download. */
  cached: boolean;
}

export interface DownloadAllOptions {
  net: Net;
  cache: Cache;
  /** Concurrent downloads (--jobs, default 8). */
  jobs: number;
  offline: boolean;
  reporter?: Reporter;
}

const ALGS = new Set(["sha256", "sha384", "sha512"]);

function parseExtra(extra: string[] | undefined): { alg: string; hex: string }[] {
  return (extra ?? []).flatMap((h) => {
    const i = h.indexOf(":");
    const alg = h.slice(0, i).toLowerCase();
    return i > 0 && ALGS.has(alg) ? [{ alg, hex: h.slice(i + 1).toLowerCase() }] : [];
  });
}

async function hashWith(path: string, alg: string): Promise<string> {
  const h = createHash(alg);
  for await (const chunk of createReadStream(path)) h.update(chunk as Buffer);
  return h.digest("hex");
}

function integrityError(req: DownloadRequest, expected: string[], found: string, attempts: number): WbError {
  return new WbError("E_INTEGRITY", `${req.filename} from ${req.displayUrl} does not match its expected hash (${attempts === 1 ? "cached copy" : `${attempts} attempts`}): expected ${expected.join(" or ")}, found sha256:${found}`, {
    hint: ["the index, a proxy or a cache in between served different bytes; retry later, or ask the index's owner", "if the requirements' --hash values are outdated, regenerate them"],
    details: { expected, found: `sha256:${found}`, url: req.displayUrl, file: req.filename },
  });
}

/** Which hashes a downloaded file failed, or null when it passes. */
async function mismatch(req: DownloadRequest, path: string, sha256: string, size: number): Promise<string[] | null> {
  const expected: string[] = [];
  let ok = true;
  if (req.sha256) {
    expected.push(`sha256:${req.sha256.toLowerCase()}`);
    if (req.sha256.toLowerCase() !== sha256) ok = false;
  }
  const extra = parseExtra(req.extraHashes);
  if (extra.length) {
    let any = false;
    for (const e of extra) {
      const got = e.alg === "sha256" ? sha256 : await hashWith(path, e.alg);
      if (got === e.hex) any = true;
    }
    if (!any) {
      ok = false;
      expected.push(...extra.map((e) => `${e.alg}:${e.hex}`).filter((x) => !expected.includes(x)));
    }
  }
  if (ok && !req.sha256 && !extra.length && req.size !== undefined && req.size !== size) {
    return [`size ${req.size}`];
  }
  return ok ? null : expected;
}

/** Which hashes the file fails for any of the requests, or null when it passes all. */
async function mismatchAll(reqs: DownloadRequest[], path: string, sha256: string, size: number): Promise<string[] | null> {
  for (const r of reqs) {
    const bad = await mismatch(r, path, sha256, size);
    if (bad) return bad;
  }
  return null;
}

/** Download (or find in the cache) one file; `others` are further requests for the same file. */
export async function fetchToCache(req: DownloadRequest, o: Omit<DownloadAllOptions, "jobs">, others: DownloadRequest[] = []): Promise<DownloadedFile> {
  const reporter = o.reporter ?? silentReporter;
  const id = req.sha256 ?? req.url;
  const known = req.sha256?.toLowerCase() ?? o.cache.shaForUrl(req.url) ?? undefined;
  if (known && (await o.cache.verifyWheel(known))) {
    const path = o.cache.wheelPath(known);
    const size = o.cache.wheelSize(known) ?? 0;
    const bad = await mismatchAll([{ ...req, sha256: known }, ...others], path, known, size);
    if (!bad) {
      reporter.fileDone(id, { filename: req.filename, bytes: size, cached: true });
      return { path, sha256: known, size, filename: req.filename, url: req.url, cached: true };
    }
    // The index's own hash matched these bytes, so a new download would bring the same ones.
    if (req.sha256) throw integrityError(req, bad, known, 1);
  }
  if (o.offline && !req.url.startsWith("file:")) {
    throw new WbError("E_NETWORK", `--offline: ${req.filename} is not in the cache (${o.cache.root})`, {
      hint: ["run the same command once without --offline (with the same --cache-dir) to fill the cache"],
      details: { file: req.filename, url: req.displayUrl, cache: o.cache.root },
    });
  }
  reporter.fileStart(id, { filename: req.filename, size: req.size });
  let lastFound = "";
  let expected: string[] = [];
  for (let attempt = 1; attempt <= 2; attempt++) {
    const tmp = o.cache.downloadTempPath();
    try {
      const r = await o.net.download(req.url, tmp, { maxBytes: req.size, onProgress: (b) => reporter.fileProgress(id, b) });
      const bad = await mismatchAll([req, ...others], tmp, r.sha256, r.size);
      if (bad) {
        lastFound = r.sha256;
        expected = bad;
        rmSync(tmp, { force: true });
        if (attempt === 1) reporter.debug(`${req.filename}: hash mismatch, downloading it again`);
        continue;
      }
      const path = o.cache.commitWheel(tmp, r.sha256);
      if (!req.sha256) o.cache.recordUrlSha(req.url, r.sha256);
      reporter.fileDone(id, { filename: req.filename, bytes: r.size, cached: false });
      return { path, sha256: r.sha256, size: r.size, filename: req.filename, url: req.url, cached: false };
    } catch (e) {
      rmSync(tmp, { force: true });
      throw e;
    }
  }
  throw integrityError(req, expected, lastFound, 2);
}

/**
 * Download every request (deduplicated) into the cache. The map is keyed by each request's URL
 * and by each file's sha256, both pointing at the same DownloadedFile.
 */
export async function downloadAll(reqs: DownloadRequest[], o: DownloadAllOptions): Promise<Map<string, DownloadedFile>> {
  const reporter = o.reporter ?? silentReporter;
  const unique = new Map<string, DownloadRequest[]>();
  for (const r of reqs) {
    const key = r.sha256 ? `sha256:${r.sha256.toLowerCase()}` : `url:${r.url}`;
    const list = unique.get(key);
    if (list) list.push(r);
    else unique.set(key, [r]);
  }
  const groups = [...unique.values()];
  const sizes = groups.map((g) => g[0]!.size);
  reporter.start({ files: groups.length, bytes: sizes.every((s) => s !== undefined) ? sizes.reduce<number>((a, b) => a + (b ?? 0), 0) : undefined });
  const limit = pLimit(Math.max(1, o.jobs));
  const out = new Map<string, DownloadedFile>();
  let failed: unknown = null;
  try {
    await Promise.all(
      groups.map((group) =>
        limit(async () => {
          if (failed) return;
          const [first, ...others] = group as [DownloadRequest, ...DownloadRequest[]];
          try {
            // Every --hash set of every request for this file must be honoured.
            const f = await fetchToCache(first, o, others);
            for (const r of group) out.set(r.url, f);
            out.set(f.sha256, f);
          } catch (e) {
            failed ??= e;
          }
        }),
      ),
    );
  } finally {
    reporter.finish();
  }
  if (failed) throw failed;
  return out;
}
