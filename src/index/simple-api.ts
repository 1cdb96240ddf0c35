/**
 * The Simple repository API client (PEP 503/691, packaging.python.org "Simple repository API"): `<index>/<normalized-name>/`, PEP 691 JSON
 * first with HTML (PEP 503) as fallback by content negotiation, PEP 629 version check, relative
 * URLs against the final URL after redirects.
 *
 * Pages are kept in the cache (simple-v1) with their ETag / Last-Modified: online, a page is
 * revalidated on every run (yank status is never trusted from the cache); with --offline the
 * cached page is used as is, and a missing one is an error naming the project and the index.
 */
import { WbError } from "../errors.js";
import type { Net } from "../net/dispatcher.js";
import type { Reporter } from "../model/reporter.js";
import type { Cache, CachedPage } from "../store/cache.js";
import { stripCredentials } from "../net/redact.js";
import { htmlPageFiles, fileBelongsTo, makeIndexFile, resolveOptional } from "./links.js";
import { parseHtmlPage } from "./parse-html.js";
import { JsonPageError, parseJsonPage } from "./parse-json.js";
import type { IndexFile, ProjectListing } from "../model/index-file.js";
import type { SourceInfo } from "../model/source-info.js";

export const ACCEPT = "application/vnd.pypi.simple.v1+json, application/vnd.pypi.simple.v1+html;q=0.1, text/html;q=0.01";
/** Highest minor version of API 1.x this client knows (PEP 792 project status is 1.4). */
export const SUPPORTED_MINOR = 4;

export interface IndexDeps {
  net: Net;
  cache: Cache;
  reporter?: Reporter;
}

/** `<index>/<name>/`, with exactly one slash between. */
export function projectUrl(indexUrl: string, canonicalName: string): string {
  return `${indexUrl.replace(/\/+$/, "")}/${encodeURIComponent(canonicalName)}/`;
}

/** PEP 629: missing = 1.0; major > 1 fails; a newer minor warns once per index. */
export function checkApiVersion(version: string | undefined, pageUrl: string, warn: (m: string) => void): string {
  const v = version ?? "1.0";
  const m = /^(\d+)\.(\d+)$/.exec(v.trim());
  if (!m) {
    warn(`${pageUrl} declares repository version '${v}', which is not MAJOR.MINOR; reading it as 1.0`);
    return "1.0";
  }
  if (Number(m[1]) > 1) {
    throw new WbError("E_NETWORK", `${pageUrl} serves Simple API version ${v}; wheelbarrow reads version 1.x`, {
      hint: "upgrade wheelbarrow, or point --index-url at an index that serves API version 1",
      details: { url: pageUrl, apiVersion: v },
    });
  }
  if (Number(m[1]) === 1 && Number(m[2]) > SUPPORTED_MINOR) warn(`${pageUrl} serves Simple API version ${v}, newer than the 1.${SUPPORTED_MINOR} wheelbarrow knows; reading what it understands`);
  return v;
}

function mediaType(contentType: string): string {
  return (contentType.split(";")[0] ?? "").trim().toLowerCase();
}

/** Parse a fetched project page into the project's files. */
export function parseProjectPage(page: CachedPage, project: string, source: SourceInfo, net: Pick<Net, "displayUrl">, warn: (m: string) => void): ProjectListing {
  const display = (u: string) => net.displayUrl(u);
  const shown = display(page.finalUrl);
  const type = mediaType(page.contentType);
  let files: IndexFile[];
  let apiVersion: string | undefined;
  if (type === "application/vnd.pypi.simple.v1+json") {
    let doc;
    try {
      doc = parseJsonPage(page.body);
    } catch (e) {
      if (!(e instanceof JsonPageError)) throw e;
      throw new WbError("E_NETWORK", `${shown} is not a valid Simple API JSON page: ${e.message}`, { details: { url: shown } });
    }
    apiVersion = checkApiVersion(doc.apiVersion, shown, warn);
    files = [];
    for (const f of doc.files) {
      let abs: string;
      try {
        abs = new URL(f.url, page.finalUrl).toString();
      } catch {
        continue;
      }
      const file = makeIndexFile(abs, { ...f, provenance: resolveOptional(f.provenance, page.finalUrl) }, source, display, { pageUrl: page.finalUrl, warn });
      if (file) files.push(file);
    }
  } else if (type === "application/vnd.pypi.simple.v1+html" || type === "text/html") {
    const html = parseHtmlPage(page.body);
    apiVersion = checkApiVersion(html.apiVersion, shown, warn);
    files = htmlPageFiles(html, page.finalUrl, source, display, warn);
  } else {
    throw new WbError("E_NETWORK", `${shown} answered with Content-Type '${page.contentType || "(none)"}', which is not a Simple API page`, {
      hint: "check that the index URL points at the Simple API root (it usually ends in /simple)",
      details: { url: shown, contentType: page.contentType },
    });
  }
  return { name: project, files: files.filter((f) => fileBelongsTo(f.filename, project)), source, apiVersion };
}

/**
 * Fetch `<index>/<project>/` (http or https). Null when the index does not have the project
 * (404 / 410). Uses and refreshes the page cache as described in the header.
 */
export async function fetchProjectPage(indexUrl: string, project: string, deps: IndexDeps): Promise<CachedPage | null> {
  return fetchPage(projectUrl(indexUrl, project), deps, ACCEPT, `the index page of ${project}`);
}

/** The largest project page (HTML or JSON) read; the biggest real ones are a few MiB. */
export const MAX_PAGE_BYTES = 64 * 1024 * 1024;

/** GET a page through the page cache (revalidated online, used as is offline). */
export async function fetchPage(url: string, deps: IndexDeps, accept: string, what: string): Promise<CachedPage | null> {
  const key = stripCredentials(url);
  const cached = deps.cache.readPage(key);
  // Offline, a cached page is used as it is; a page not in the cache is the Net's refusal.
  if (cached && deps.net.offline) return cached.status === 200 ? cached : null;
  const headers: Record<string, string> = { accept, "cache-control": "max-age=0" };
  if (cached?.status === 200) {
    if (cached.etag) headers["if-none-match"] = cached.etag;
    if (cached.lastModified) headers["if-modified-since"] = cached.lastModified;
  }
  const missing = { what: `${what} from ${deps.net.displayUrl(url)}`, cache: deps.cache.root };
  const res = await deps.net.get(url, { headers, allowStatus: [304, 404, 410], maxBytes: MAX_PAGE_BYTES, what, missing });
  if (res.status === 304) {
    if (cached) return cached;
    throw new WbError("E_NETWORK", `${deps.net.displayUrl(res.url)} answered 304 Not Modified to a request that was not conditional`, { details: { url: deps.net.displayUrl(res.url) } });
  }
  if (res.status === 404 || res.status === 410) {
    deps.cache.writePage({ url: key, finalUrl: stripCredentials(res.url), status: 404, contentType: "", body: "", fetchedAt: new Date().toISOString() });
    return null;
  }
  const page: CachedPage = {
    url: key,
    finalUrl: stripCredentials(res.url),
    status: 200,
    contentType: res.headers["content-type"] ?? "",
    body: res.body.toString("utf8"),
    fetchedAt: new Date().toISOString(),
  };
  if (res.headers["etag"]) page.etag = res.headers["etag"];
  if (res.headers["last-modified"]) page.lastModified = res.headers["last-modified"];
  deps.cache.writePage(page);
  return page;
}
