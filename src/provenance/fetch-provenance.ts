/**
 * Fetches the PEP 740 provenance of every shipped wheel whose index offers one (the `provenance`
 * URL of its PEP 691 JSON entry or the `data-provenance` attribute of its HTML link; on PyPI that
 * URL is the Integrity API), checks it names the wheel (provenance.ts) and keeps it in the cache
 * next to the wheel, so `--offline` rebuilds ship the same files. A 404 or a malformed object is a
 * warning (the bundle ships without it); a provenance object whose statements name another file
 * or hash is E_INTEGRITY; `--offline` without a cached copy is E_NETWORK.
 */
import { mkdirSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { WbError } from "../errors.js";
import type { Net } from "../net/dispatcher.js";
import type { Cache } from "../store/cache.js";
import type { SafeUrl } from "../text/safe-url.js";
import { ProvenanceError, checkProvenance, describePublisher, type ProvenanceSummary } from "./provenance.js";

export interface ProvenanceRequest {
  filename: string;
  sha256: string;
  /** The index's provenance URL (may carry a token); prints redacted. */
  url: SafeUrl;
}

export interface FetchedProvenance {
  /** Redacted URL it came from. */
  url: string;
  data: Buffer;
  summary: ProvenanceSummary;
}

export interface ProvenanceDeps {
  net: Pick<Net, "get" | "displayUrl">;
  cache: Pick<Cache, "root" | "writeAtomic">;
  warn: (message: string) => void;
}

const MAX_BYTES = 4 * 1024 * 1024;

function cachePath(cache: Pick<Cache, "root">, sha256: string): string {
  if (!/^[0-9a-f]{64}$/.test(sha256)) throw new Error(`internal: bad sha256 ${sha256}`);
  return join(cache.root, "provenance-v1", "sha256", sha256.slice(0, 2), `${sha256}.json`);
}

function readCached(path: string): Buffer | null {
  try {
    return readFileSync(path);
  } catch {
    return null;
  }
}

async function fetchOne(r: ProvenanceRequest, d: ProvenanceDeps): Promise<FetchedProvenance | null> {
  const shown = d.net.displayUrl(r.url.reveal());
  const path = cachePath(d.cache, r.sha256);
  let data = readCached(path);
  const fromCache = data !== null;
  if (data === null) {
    const res = await d.net.get(r.url.reveal(), { allowStatus: [404, 410], maxBytes: MAX_BYTES, headers: { accept: "application/vnd.pypi.integrity.v1+json, application/json;q=0.9" }, missing: { what: `the provenance of ${r.filename} (${shown})`, cache: d.cache.root, details: { file: r.filename } } });
    if (res.status === 404 || res.status === 410) {
      d.warn(`the index lists a provenance for ${r.filename}, but ${shown} answers ${res.status}; the bundle ships without it`);
      return null;
    }
    data = res.body;
  }
  let summary: ProvenanceSummary;
  try {
    summary = checkProvenance(data, r.filename, r.sha256);
  } catch (e) {
    if (!(e instanceof ProvenanceError)) throw e;
    if (/statement's subject/.test(e.message)) {
      throw new WbError("E_INTEGRITY", `the provenance of ${r.filename} from ${shown} is for another file: ${e.message}`, {
        hint: "the index serves an attestation that does not match the wheel it serves; report it to the index operator",
        details: { url: shown, file: r.filename },
      });
    }
    d.warn(`the provenance of ${r.filename} from ${shown} is not a PEP 740 provenance object (${e.message}); the bundle ships without it`);
    return null;
  }
  if (!fromCache) {
    mkdirSync(dirname(path), { recursive: true });
    d.cache.writeAtomic(path, data);
  }
  return { url: shown, data, summary };
}

/** Keyed by wheel sha256. */
export async function fetchProvenance(reqs: ProvenanceRequest[], d: ProvenanceDeps): Promise<Map<string, FetchedProvenance>> {
  const out = new Map<string, FetchedProvenance>();
  for (const r of reqs) {
    if (out.has(r.sha256)) continue;
    const got = await fetchOne(r, d);
    if (got) out.set(r.sha256, got);
  }
  return out;
}

/** What the bundle writer ships of a fetched provenance (undefined when there is none). */
export function shippedProvenance(f: FetchedProvenance | undefined): { data: Buffer; publishers: string[] } | undefined {
  return f ? { data: f.data, publishers: f.summary.publishers.map(describePublisher) } : undefined;
}
