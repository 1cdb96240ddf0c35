/**
 * Bounded concurrent downloads into the content-addressed cache, with streaming sha256.
 *
 * - One download per file, however many targets need it: requests are deduplicated by sha256
 *   (by URL when the index gave no hash).
 * - The file must match every hash the index gives (sha256, and md5, sha1, sha224, sha384,
 *   sha512, blake2b when given; all computed while the download streams in, one hasher per
 *   algorithm, src/util/multi-hasher.ts) and,
 *   when the requirements carry `--hash` values, at least one of them (pip's rule). A mismatch
 *   is retried once (a proxy may have served a stale or truncated body), then fails with
 *   E_INTEGRITY {expected, found, url}. A malformed digest is E_INTEGRITY naming the URL. A
 *   remote file with no hash at all from anywhere is downloaded with a warning.
 * - If the index gives no sha256, the downloader computes it and records url -> sha256 in the
 *   cache so --offline can find the file again; DownloadRequest.sha256 is then undefined.
 * - Bytes go to a temp file beside their final place and are renamed in only when verified; on
 *   any failure the temp file is removed, so the cache never holds a partial or corrupt file.
 * - --offline: the cache alone; the offline Net (src/net/offline.ts) refuses a missing file's
 *   download with E_NETWORK naming the file.
 * - On the first failure no new download starts; those in flight finish or clean up, then the
 *   first error is thrown.
 * - `onFile` (the bundle's wheel check) runs on each file as soon as it is in the cache, in the
 *   file's --jobs slot; its failure is the file's failure.
 */
import { rmSync } from "node:fs";
import pLimit from "p-limit";
import { WbError } from "../errors.js";
import type { Net } from "../net/dispatcher.js";
import type { Cache } from "../store/cache.js";
import { digestFile, digestProblem, INDEX_HASH_ALGS, isIndexHashAlg } from "./digests.js";
import { HashSet } from "../model/hash-set.js";
import type { Reporter } from "../model/reporter.js";
import type { SafeUrl } from "../text/safe-url.js";
import { silentReporter } from "./reporter.js";

export interface DownloadRequest {
  /** May carry credentials or a token; prints redacted. */
  url: SafeUrl;
  filename: string;
  /** Lowercase hex from the index; undefined when the index served no sha256 (computed then). */
  sha256?: string;
  size?: number;
  /** Every hash the index gives (algorithm -> hex); the file must match all of them. */
  indexHashes?: Record<string, string>;
  /** `alg:hex` values from `--hash` (sha256, sha384, sha512); the file must match one of them. */
  extraHashes?: string[];
}

export interface DownloadedFile {
  path: string;
  sha256: string;
  size: number;
  filename: string;
  /** The request's `url.key`: an identity, never shown. */
  url: string;
  /** Served from the cache without a download. */
  cached: boolean;
}

export interface DownloadAllOptions {
  net: Net;
  cache: Cache;
  /** Concurrent downloads (--jobs, default 8). */
  jobs: number;
  /**
   * Re-hash a cached wheel before using it (--verify-cache; once per run). Otherwise a cache entry is trusted:
   * it was verified when it was written, and the archive writer checks every wheel's sha256 as
   * it copies it, so a damaged entry still fails the bundle (E_INTEGRITY) rather than shipping.
   */
  verifyCache?: boolean;
  reporter?: Reporter;
  /**
   * Called with each file as soon as it is in the cache (downloaded or a hit), in its --jobs
   * slot, so that work on it overlaps the other downloads; a rejection fails the run as a
   * failed download does.
   */
  onFile?: (f: DownloadedFile) => Promise<void>;
}

function parseExtra(extra: string[] | undefined): { alg: string; hex: string }[] {
  return (extra ?? []).flatMap((h) => {
    const i = h.indexOf(":");
    const alg = h.slice(0, i).toLowerCase();
    return i > 0 && isIndexHashAlg(alg) ? [{ alg, hex: h.slice(i + 1).toLowerCase() }] : [];
  });
}

/** The index's hashes of a request (sha256 included), checked for syntax: a malformed one is E_INTEGRITY. */
function indexHashes(req: DownloadRequest): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [a, hex] of Object.entries(req.indexHashes ?? {})) {
    const alg = a.toLowerCase();
    if (isIndexHashAlg(alg)) out[alg] = hex.toLowerCase();
  }
  if (req.sha256) out["sha256"] = req.sha256.toLowerCase();
  for (const alg of INDEX_HASH_ALGS) {
    const bad = out[alg] === undefined ? null : digestProblem(alg, out[alg]);
    if (bad) {
      throw new WbError("E_INTEGRITY", `the index gives a malformed hash for ${req.filename} (${req.url}): ${bad}`, {
        hint: "the index page is broken or was tampered with; report it to the index's owner",
        details: { url: req.url.display, file: req.filename },
      });
    }
  }
  return out;
}

function hasAnyHash(req: DownloadRequest): boolean {
  return Object.keys(indexHashes(req)).length > 0 || parseExtra(req.extraHashes).length > 0;
}

function integrityError(req: DownloadRequest, expected: string[], found: string, attempts: number): WbError {
  return new WbError("E_INTEGRITY", `${req.filename} from ${req.url} does not match its expected hash (${attempts === 1 ? "cached copy" : `${attempts} attempts`}): expected ${expected.join(" or ")}, found ${found}`, {
    hint: ["the index, a proxy or a cache in between served different bytes; retry later, or ask the index's owner", "if the requirements' --hash values are outdated, regenerate them"],
    details: { expected, found, url: req.url.display, file: req.filename },
  });
}

/** Which hashes a file fails for one request ({expected, found} as `alg:hex`), or null when it passes. */
function mismatch(req: DownloadRequest, digests: Record<string, string>, size: number): { expected: string[]; found: string } | null {
  const given = indexHashes(req);
  for (const alg of INDEX_HASH_ALGS) {
    const want = given[alg];
    if (want !== undefined && digests[alg] !== want) return { expected: [`${alg}:${want}`], found: `${alg}:${digests[alg]}` };
  }
  const extra = parseExtra(req.extraHashes);
  if (extra.length && !extra.some((e) => digests[e.alg] === e.hex)) {
    const algs = [...new Set(extra.map((e) => e.alg))];
    return { expected: extra.map((e) => `${e.alg}:${e.hex}`), found: algs.map((a) => `${a}:${digests[a]}`).join(", ") };
  }
  if (Object.keys(given).length === 0 && !extra.length && req.size !== undefined && req.size !== size) {
    return { expected: [`size ${req.size}`], found: `size ${size}` };
  }
  return null;
}

/** Every algorithm besides sha256 that any of the requests needs checked. */
function extraAlgorithms(reqs: DownloadRequest[]): string[] {
  const algs = new Set<string>();
  for (const r of reqs) {
    for (const a of Object.keys(indexHashes(r))) algs.add(a);
    for (const e of parseExtra(r.extraHashes)) algs.add(e.alg);
  }
  algs.delete("sha256");
  return [...algs];
}

/** Which hashes the file's digests (computed in the one pass that read it) fail for any of the requests, or null. */
function mismatchAll(reqs: DownloadRequest[], computed: HashSet, size: number): { expected: string[]; found: string } | null {
  const digests = computed.toRecord();
  for (const r of reqs) {
    const bad = mismatch(r, digests, size);
    if (bad) return bad;
  }
  return null;
}

/**
 * Digests computed in this run, per cache (one Cache per session) and sha256: a file
 * downloaded or verified once in a run is not hashed again by a later request for it (the
 * planner may have downloaded it for its METADATA), only for an algorithm not computed yet.
 */
const runDigests = new WeakMap<Cache, Map<string, HashSet>>();

function remember(cache: Cache, sha256: string, digests: HashSet): void {
  let m = runDigests.get(cache);
  if (!m) runDigests.set(cache, (m = new Map()));
  m.set(sha256, (m.get(sha256) ?? HashSet.EMPTY).union(digests));
}

/**
 * The digests of a cache entry, or null when it is missing or damaged (a damaged one is
 * removed). A trusted entry (verified when it was written, size as the index says) is not read
 * at all unless --verify-cache asks or a request needs an algorithm besides sha256; then one
 * pass computes sha256 and every other algorithm together. What this session already computed
 * for a trusted entry is not computed again (--verify-cache re-hashes regardless).
 */
async function cachedDigests(o: Omit<DownloadAllOptions, "jobs">, sha256: string, size: number | undefined, algs: string[]): Promise<HashSet | null> {
  if (!o.cache.hasWheel(sha256)) return null;
  const path = o.cache.wheelPath(sha256);
  const trusted = size === undefined || o.cache.wheelSize(sha256) === size;
  // --verify-cache re-hashes every use, even of a file this session already hashed.
  const known = trusted && !o.verifyCache ? runDigests.get(o.cache)?.get(sha256) : undefined;
  if (known) {
    const missing = algs.filter((a) => !known.has(a));
    if (!missing.length) return known;
    const more = await digestFile(path, missing, false);
    remember(o.cache, sha256, more);
    return known.union(more);
  }
  if (trusted && !o.verifyCache && algs.length === 0) return HashSet.of([{ alg: "sha256", hex: sha256 }]);
  const d = await digestFile(path, algs);
  if (d.get("sha256")[0] !== sha256) {
    rmSync(path, { force: true });
    return null;
  }
  remember(o.cache, sha256, d);
  return d;
}

/** Download (or find in the cache) one file; `others` are further requests for the same file. */
export async function fetchToCache(req: DownloadRequest, o: Omit<DownloadAllOptions, "jobs">, others: DownloadRequest[] = []): Promise<DownloadedFile> {
  const reporter = o.reporter ?? silentReporter;
  for (const r of [req, ...others]) indexHashes(r); // a malformed digest fails before any download
  const id = req.sha256 ?? req.url.key;
  const known = req.sha256?.toLowerCase() ?? o.cache.shaForUrl(req.url.key) ?? undefined;
  const algs = extraAlgorithms([req, ...others]);
  const hit = known ? await cachedDigests(o, known, req.size, algs) : null;
  if (known && hit) {
    const path = o.cache.wheelPath(known);
    const size = o.cache.wheelSize(known) ?? 0;
    const bad = mismatchAll([{ ...req, sha256: known }, ...others], hit, size);
    if (!bad) {
      reporter.progress.fileDone(id, { filename: req.filename, bytes: size, cached: true });
      return { path, sha256: known, size, filename: req.filename, url: req.url.key, cached: true };
    }
    // The index's own hash matched these bytes, so a new download would bring the same ones.
    if (req.sha256) throw integrityError(req, bad.expected, bad.found, 1);
  }
  reporter.progress.fileStart(id, { filename: req.filename, size: req.size });
  let lastFound = "";
  let expected: string[] = [];
  for (let attempt = 1; attempt <= 2; attempt++) {
    const tmp = o.cache.downloadTempPath();
    try {
      const r = await o.net.download(req.url.reveal(), tmp, { maxBytes: req.size, onProgress: (b) => reporter.progress.fileProgress(id, b), missing: { what: req.filename, cache: o.cache.root, details: { file: req.filename } }, algorithms: algs });
      const bad = mismatchAll([req, ...others], r.digests, r.size);
      if (bad) {
        lastFound = bad.found;
        expected = bad.expected;
        rmSync(tmp, { force: true });
        if (attempt === 1) reporter.log.verbose(`${req.filename}: hash mismatch, downloading it again`);
        continue;
      }
      const path = o.cache.commitWheel(tmp, r.sha256);
      remember(o.cache, r.sha256, r.digests);
      if (!req.sha256) o.cache.recordUrlSha(req.url.key, r.sha256);
      reporter.progress.fileDone(id, { filename: req.filename, bytes: r.size, cached: false });
      return { path, sha256: r.sha256, size: r.size, filename: req.filename, url: req.url.key, cached: false };
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
    const key = r.sha256 ? `sha256:${r.sha256.toLowerCase()}` : `url:${r.url.key}`;
    const list = unique.get(key);
    if (list) list.push(r);
    else unique.set(key, [r]);
  }
  const groups = [...unique.values()];
  for (const g of groups) {
    const r = g[0]!;
    if (/^https?:/i.test(r.url.key) && !g.some(hasAnyHash)) reporter.log.warn(`${r.filename} from ${r.url} comes with no hash from the index or the requirements: nothing but the connection vouches for its bytes`);
  }
  const sizes = groups.map((g) => g[0]!.size);
  reporter.progress.start({ files: groups.length, bytes: sizes.every((s) => s !== undefined) ? sizes.reduce<number>((a, b) => a + (b ?? 0), 0) : undefined });
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
            await o.onFile?.(f);
            for (const r of group) out.set(r.url.key, f);
            out.set(f.sha256, f);
          } catch (e) {
            failed ??= e;
          }
        }),
      ),
    );
  } finally {
    reporter.progress.finish();
  }
  if (failed) throw failed;
  return out;
}
