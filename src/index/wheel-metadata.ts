/**
 * A wheel's METADATA without downloading the wheel when possible, cheapest
 * first:
 *   1. the metadata cache (docs/cache.md): METADATA of a wheel whose bytes wheelbarrow hashed
 *      itself, the wheel itself when it is already in the cache, a sidecar stored under the
 *      sha256 of its own bytes (the hash the page gives for the sidecar finds it, and the bytes
 *      are re-hashed), or what an earlier run read from this same URL without verifying it;
 *   2. the PEP 658/714 sidecar `<file URL>.metadata` when the index advertises it, verified
 *      against the advertised hash; a 404 on advertised metadata is an error (the index is
 *      inconsistent), never a silent fallback;
 *   3. HTTP range requests on the zip's central directory and the METADATA member (yauzl over a
 *      random-access reader), when the server honours Range;
 *   4. a full download into the cache (hash-verified), then read locally.
 * file:// wheels are read in place. With --offline only step 1 (and file:// wheels) work.
 * What a sidecar or a range read said is only planning input: the downloaded wheel's own
 * METADATA is compared with it before the wheel is bundled (metadata-agreement.ts).
 */
import { fileURLToPath } from "node:url";
import type { CacheMiss } from "../net/offline.js";
import { WbError, isWbError } from "../errors.js";
import { fetchToCache } from "../download/downloader.js";
import { digestBytes, digestMismatches, digestProblem, isIndexHashAlg } from "../download/digests.js";
import { MAX_METADATA, metadataFromZip, MIN_FETCH, RangeReader, zipFromFile, zipFromReader } from "./zip-metadata.js";
import type { IndexDeps } from "./simple-api.js";
import type { IndexFile } from "../model/index-file.js";

/** The sidecar hashes the page gives, known algorithms only; a malformed one is E_INTEGRITY. */
function sidecarHashes(file: IndexFile): Record<string, string> {
  if (typeof file.coreMetadata !== "object") return {};
  const out: Record<string, string> = {};
  for (const [a, hex] of Object.entries(file.coreMetadata)) {
    const alg = a.toLowerCase();
    if (!isIndexHashAlg(alg)) continue;
    const bad = digestProblem(alg, hex);
    if (bad) {
      throw new WbError("E_INTEGRITY", `the index gives a malformed core-metadata hash for ${file.filename} (${file.url}): ${bad}`, {
        hint: "the index page is broken or was tampered with; report it to the index's owner",
        details: { url: file.url.display, file: file.filename },
      });
    }
    out[alg] = hex.toLowerCase();
  }
  return out;
}

/** E_INTEGRITY when the index gave a malformed digest for the wheel itself. */
export function checkHashSyntax(file: IndexFile): void {
  if (file.hashProblem === undefined) return;
  throw new WbError("E_INTEGRITY", `the index gives a malformed hash for ${file.filename} (${file.url}): ${file.hashProblem}`, {
    hint: "the index page is broken or was tampered with; report it to the index's owner",
    details: { url: file.url.display, file: file.filename },
  });
}

function notAWheel(file: IndexFile, e: unknown): WbError {
  return new WbError("E_INTEGRITY", `${file.filename} from ${file.url} is not a readable wheel (zip): ${(e as Error).message}`, {
    details: { file: file.filename, url: file.url.display },
  });
}

async function fromLocalZip(path: string, file: IndexFile): Promise<string> {
  try {
    return await metadataFromZip(await zipFromFile(path), file.filename, file.url.display);
  } catch (e) {
    throw isWbError(e) ? e : notAWheel(file, e);
  }
}

/** The sidecar's bytes, verified against every hash the page gives for it. */
async function fromSidecar(file: IndexFile, deps: IndexDeps, expected: Record<string, string>, missing: CacheMiss): Promise<Buffer> {
  const url = file.url.append(".metadata");
  const shown = url.display;
  const res = await deps.net.get(url.reveal(), { allowStatus: [404, 410], maxBytes: MAX_METADATA, what: `the core metadata of ${file.filename}`, missing });
  if (res.status === 404 || res.status === 410) {
    throw new WbError("E_NETWORK", `the index advertises core metadata for ${file.filename}, but ${shown} answered HTTP ${res.status}`, {
      hint: "the index is inconsistent (PEP 658); report it to the index's owner",
      details: { url: shown, status: res.status, file: file.filename },
    });
  }
  const bad = digestMismatches(expected, digestBytes(res.body, Object.keys(expected)))[0];
  if (bad) {
    throw new WbError("E_INTEGRITY", `the core metadata of ${file.filename} (${shown}) does not match the hash the index gives: expected ${bad.alg}:${bad.expected}, found ${bad.alg}:${bad.found}`, {
      hint: "the index or a proxy in between served different bytes; retry later, or report it to the index's owner",
      details: { expected: `${bad.alg}:${bad.expected}`, found: `${bad.alg}:${bad.found}`, url: shown },
    });
  }
  return res.body;
}

/**
 * Origins known not to answer Range requests, per Net (one run): probed once, then every other
 * wheel from them is downloaded directly instead of being asked for twice.
 */
const noRanges = new WeakMap<object, Set<string>>();
const probing = new WeakMap<object, Map<string, Promise<void>>>();

function originOf(url: string): string {
  try {
    return new URL(url).origin;
  } catch {
    return url;
  }
}

/** METADATA by range requests, or null when the server does not honour Range. */
async function fromRanges(file: IndexFile, deps: IndexDeps, missing: CacheMiss): Promise<string | null> {
  const origin = originOf(file.url.key);
  let known = noRanges.get(deps.net);
  if (!known) noRanges.set(deps.net, (known = new Set()));
  // Pins plan concurrently: while the first probe of an origin is out, the others wait for it
  // rather than each being answered with a whole file.
  const pending = probing.get(deps.net)?.get(origin);
  if (pending) await pending;
  if (known.has(origin)) return null;
  let probes = probing.get(deps.net);
  if (!probes) probing.set(deps.net, (probes = new Map()));
  let settle = (): void => undefined;
  if (!pending) probes.set(origin, new Promise<void>((res) => (settle = res)));
  let tail;
  try {
    tail = await deps.net.get(file.url.reveal(), { range: { suffix: MIN_FETCH }, maxBytes: MIN_FETCH, what: `the end of ${file.filename}`, missing });
  } catch (e) {
    settle();
    throw e;
  } finally {
    if (!pending) probes.delete(origin);
  }
  const m = /^bytes (\d+)-(\d+)\/(\d+)$/.exec(tail.headers["content-range"] ?? "");
  const ignored = tail.rangeIgnored || tail.status !== 206 || !m;
  if (ignored) known.add(origin);
  settle(); // the waiting probes see the answer (or, after a failure, try for themselves)
  if (ignored || !m) {
    deps.reporter?.log.verbose(`${originOf(file.url.display)} does not answer Range requests; wheels from it are downloaded whole for their METADATA`);
    return null;
  }
  const size = Number(m[3]);
  const reader = new RangeReader(
    size,
    async (start, end) => {
      const r = await deps.net.get(file.url.reveal(), { range: [start, end], maxBytes: end - start + 1, what: `a byte range of ${file.filename}`, missing });
      if (r.status !== 206) throw new Error(`the server stopped honouring Range (HTTP ${r.status})`);
      return r.body;
    },
    { start: Number(m[1]), buf: tail.body },
  );
  try {
    return await metadataFromZip(await zipFromReader(reader, size), file.filename, file.url.display);
  } catch (e) {
    throw isWbError(e) ? e : notAWheel(file, e);
  }
}

export async function fetchWheelMetadata(file: IndexFile, deps: IndexDeps): Promise<string> {
  if (!file.filename.endsWith(".whl")) throw new Error(`internal: METADATA asked for ${file.filename}, which is not a wheel`);
  checkHashSyntax(file);
  const sha = file.hashes["sha256"]?.toLowerCase();
  const sidecar = file.coreMetadata !== false ? sidecarHashes(file) : {};
  const sidecarSha = sidecar["sha256"];
  // Trusted: read from wheel bytes whose sha256 we computed. A claimed hash only finds it; if
  // the index lies about the hash, the download of its wheel fails the hash check.
  if (sha) {
    const cached = deps.cache.readMetadata(sha);
    if (cached !== null) return cached;
    if (deps.cache.hasWheel(sha)) {
      const text = await fromLocalZip(deps.cache.wheelPath(sha), file);
      deps.cache.writeMetadata(sha, text);
      return text;
    }
  }
  // Self-verifying: a sidecar under the sha256 of its own bytes, checked against every hash given.
  if (sidecarSha) {
    const data = deps.cache.readSidecar(sidecarSha);
    if (data && digestMismatches(sidecar, digestBytes(data, Object.keys(sidecar))).length === 0) return data.toString("utf8");
  }
  if (file.url.isFile) return fromLocalZip(fileURLToPath(file.url.reveal()), file);
  // Unverified, for this very URL and claimed hash only (never found from another index's page).
  const unverified = deps.cache.readUnverifiedMetadata(file.url.key, sha);
  if (unverified !== null) return unverified;
  // From here on the network: offline, the Net refuses the first request naming the METADATA.
  const missing: CacheMiss = { what: `the METADATA of ${file.filename}`, cache: deps.cache.root, details: { file: file.filename } };
  if (file.coreMetadata !== false) {
    const data = await fromSidecar(file, deps, sidecar, missing);
    const text = data.toString("utf8");
    if (sidecarSha) deps.cache.writeSidecar(data);
    else deps.cache.writeUnverifiedMetadata(file.url.key, sha, text);
    return text;
  }
  const ranged = await fromRanges(file, deps, missing);
  if (ranged !== null) {
    deps.cache.writeUnverifiedMetadata(file.url.key, sha, ranged);
    return ranged;
  }
  deps.reporter?.log.verbose(`${file.url}: no metadata sidecar and no Range support; downloading the wheel`);
  const got = await fetchToCache({ url: file.url, filename: file.filename, sha256: sha, size: file.size, indexHashes: file.hashes }, { net: deps.net, cache: deps.cache, reporter: deps.reporter });
  const text = await fromLocalZip(got.path, file);
  deps.cache.writeMetadata(got.sha256, text);
  return text;
}
