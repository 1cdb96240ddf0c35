/**
 * A wheel's METADATA without downloading the wheel when possible, cheapest
 * first:
 *   1. the metadata cache (metadata-v1, keyed by the wheel's sha256), or the wheel itself when it
 *      is already in the cache;
 *   2. the PEP 658/714 sidecar `<file URL>.metadata` when the index advertises it, verified
 *      against the advertised hash; a 404 on advertised metadata is an error (the index is
 *      inconsistent), never a silent fallback;
 *   3. HTTP range requests on the zip's central directory and the METADATA member (yauzl over a
 *      random-access reader), when the server honours Range;
 *   4. a full download into the cache (hash-verified), then read locally.
 * file:// wheels are read in place. With --offline only step 1 (and file:// wheels) work.
 */
import { createHash } from "node:crypto";
import { fileURLToPath } from "node:url";
import { WbError, isWbError } from "../errors.js";
import { fetchToCache } from "../download/downloader.js";
import { MAX_METADATA, metadataFromZip, MIN_FETCH, RangeReader, zipFromFile, zipFromReader } from "./zip-metadata.js";
import type { IndexDeps } from "./simple-api.js";
import type { IndexFile } from "./types.js";

const VERIFIABLE = ["sha256", "sha384", "sha512"];

function notAWheel(file: IndexFile, e: unknown): WbError {
  return new WbError("E_INTEGRITY", `${file.filename} from ${file.displayUrl} is not a readable wheel (zip): ${(e as Error).message}`, {
    details: { file: file.filename, url: file.displayUrl },
  });
}

async function fromLocalZip(path: string, file: IndexFile): Promise<string> {
  try {
    return await metadataFromZip(await zipFromFile(path), file.filename, file.displayUrl);
  } catch (e) {
    throw isWbError(e) ? e : notAWheel(file, e);
  }
}

async function fromSidecar(file: IndexFile, deps: IndexDeps): Promise<string> {
  const url = `${file.url}.metadata`;
  const shown = `${file.displayUrl}.metadata`;
  const res = await deps.net.get(url, { allowStatus: [404, 410], maxBytes: MAX_METADATA, what: `the core metadata of ${file.filename}` });
  if (res.status === 404 || res.status === 410) {
    throw new WbError("E_NETWORK", `the index advertises core metadata for ${file.filename}, but ${shown} answered HTTP ${res.status}`, {
      hint: "the index is inconsistent (PEP 658); report it to the index's owner",
      details: { url: shown, status: res.status, file: file.filename },
    });
  }
  if (typeof file.coreMetadata === "object") {
    const algs = VERIFIABLE.filter((a) => file.coreMetadata !== true && file.coreMetadata !== false && a in file.coreMetadata);
    for (const alg of algs) {
      const expected = (file.coreMetadata as Record<string, string>)[alg]!.toLowerCase();
      const found = createHash(alg).update(res.body).digest("hex");
      if (found !== expected) {
        throw new WbError("E_INTEGRITY", `the core metadata of ${file.filename} (${shown}) does not match the hash the index gives: expected ${alg}:${expected}, found ${alg}:${found}`, {
          hint: "the index or a proxy in between served different bytes; retry later, or report it to the index's owner",
          details: { expected: `${alg}:${expected}`, found: `${alg}:${found}`, url: shown },
        });
      }
    }
  }
  return res.body.toString("utf8");
}

/**
 * Origins known not to answer Range requests, per Net (one run): probed once, then every other
 * wheel from them is downloaded directly instead of being asked for twice.
 */
const noRanges = new WeakMap<object, Set<string>>();

function originOf(url: string): string {
  try {
    return new URL(url).origin;
  } catch {
    return url;
  }
}

/** METADATA by range requests, or null when the server does not honour Range. */
async function fromRanges(file: IndexFile, deps: IndexDeps): Promise<string | null> {
  const origin = originOf(file.url);
  let known = noRanges.get(deps.net);
  if (!known) noRanges.set(deps.net, (known = new Set()));
  if (known.has(origin)) return null;
  const tail = await deps.net.get(file.url, { range: { suffix: MIN_FETCH }, maxBytes: MIN_FETCH, what: `the end of ${file.filename}` });
  const m = /^bytes (\d+)-(\d+)\/(\d+)$/.exec(tail.headers["content-range"] ?? "");
  if (tail.rangeIgnored || tail.status !== 206 || !m) {
    known.add(origin);
    deps.reporter?.debug(`${originOf(file.displayUrl)} does not answer Range requests; wheels from it are downloaded whole for their METADATA`);
    return null;
  }
  const size = Number(m[3]);
  const reader = new RangeReader(
    size,
    async (start, end) => {
      const r = await deps.net.get(file.url, { range: [start, end], maxBytes: end - start + 1, what: `a byte range of ${file.filename}` });
      if (r.status !== 206) throw new Error(`the server stopped honouring Range (HTTP ${r.status})`);
      return r.body;
    },
    { start: Number(m[1]), buf: tail.body },
  );
  try {
    return await metadataFromZip(await zipFromReader(reader, size), file.filename, file.displayUrl);
  } catch (e) {
    throw isWbError(e) ? e : notAWheel(file, e);
  }
}

export async function fetchWheelMetadata(file: IndexFile, deps: IndexDeps): Promise<string> {
  if (!file.filename.endsWith(".whl")) throw new Error(`internal: METADATA asked for ${file.filename}, which is not a wheel`);
  const sha = file.hashes["sha256"]?.toLowerCase();
  if (sha) {
    const cached = deps.cache.readMetadata(sha);
    if (cached !== null) return cached;
    if (deps.cache.hasWheel(sha)) {
      const text = await fromLocalZip(deps.cache.wheelPath(sha), file);
      deps.cache.writeMetadata(sha, text);
      return text;
    }
  }
  if (file.url.startsWith("file:")) return fromLocalZip(fileURLToPath(file.url), file);
  if (deps.offline) {
    throw new WbError("E_NETWORK", `--offline: the METADATA of ${file.filename} is not in the cache (${deps.cache.root})`, {
      hint: "run the same command once without --offline (with the same --cache-dir) to fill the cache",
      details: { file: file.filename, url: file.displayUrl, cache: deps.cache.root },
    });
  }
  let text: string | null = null;
  if (file.coreMetadata !== false) text = await fromSidecar(file, deps);
  if (text === null) text = await fromRanges(file, deps);
  if (text === null) {
    deps.reporter?.debug(`${file.displayUrl}: no metadata sidecar and no Range support; downloading the wheel`);
    const got = await fetchToCache({ url: file.url, displayUrl: file.displayUrl, filename: file.filename, sha256: sha, size: file.size }, { net: deps.net, cache: deps.cache, offline: deps.offline, reporter: deps.reporter });
    text = await fromLocalZip(got.path, file);
    deps.cache.writeMetadata(got.sha256, text);
    return text;
  }
  if (sha) deps.cache.writeMetadata(sha, text);
  return text;
}
