/**
 * From a link on a page (or a file in a directory) to an IndexFile: absolute URL without its
 * fragment, the fragment's `#<alg>=<hex>` as a hash, the file name from the decoded URL path,
 * and whether the file belongs to a given project (canonical names; sdists by the canonical
 * `name-` prefix of their stem followed by a valid version, as pip does).
 */
import { filenameFromUrl, isSdistFilename, isWheelFilename, parseDistFilename } from "../pypa/dist-filename.js";
import { checkedHashes as parseCheckedHashes, parseHashFragment } from "../pypa/hashes.js";
import type { HtmlPage } from "./parse-html.js";
import type { IndexFile } from "../model/index-file.js";
import type { SourceInfo } from "../model/source-info.js";
import { SafeUrl } from "../text/safe-url.js";

/**
 * The URL without fragment, the well-formed hashes its fragment names (`#<alg>=<hex>`, any of
 * the algorithms pip accepts; other fragment parts such as `egg=` are ignored), and the first
 * malformed digest of a known algorithm (`#sha256=abcd`), if any (src/pypa/hashes.ts).
 */
export function splitHashFragment(url: string): { url: string; hashes: Record<string, string>; problem?: string } {
  const r = parseHashFragment(url);
  return r.problem === undefined ? { url: r.url, hashes: r.hashes.toRecord() } : { url: r.url, hashes: r.hashes.toRecord(), problem: r.problem };
}

/** Known algorithms only, lowercased; a malformed digest of a known algorithm is reported, not kept. */
export function checkedHashes(raw: Record<string, string>): { hashes: Record<string, string>; problem?: string } {
  const r = parseCheckedHashes(raw);
  return r.problem === undefined ? { hashes: r.hashes.toRecord() } : { hashes: r.hashes.toRecord(), problem: r.problem };
}

/**
 * Which links a page may use: http(s) and file URLs only (`javascript:`, `data:`, `mailto:` and
 * the like are never files), and a page fetched over http(s) may not send wheelbarrow to a file
 * on this machine (`file://`): such a link is ignored with a warning. Local pages (file://
 * indexes, find-links directories and HTML files) may link to local files.
 */
export interface LinkContext {
  /** The URL of the page the link is on (after redirects). */
  pageUrl: string;
  warn?: (message: string) => void;
}

function schemeAllowed(absUrl: string, ctx: LinkContext | undefined, display: (url: string) => string): boolean {
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(absUrl)?.[1]?.toLowerCase();
  if (scheme === "http" || scheme === "https") return true;
  if (scheme !== "file") return false;
  if (ctx && /^https?:/i.test(ctx.pageUrl)) {
    ctx.warn?.(`${display(ctx.pageUrl)} links to a file on this machine (${display(absUrl.split("#")[0]!)}); ignored: a remote index may not point at local files`);
    return false;
  }
  return true;
}

/** Length of the prefix of `stem` whose canonical form is `project` (then a "-"), or null. */

/** True when `filename` is a wheel or sdist of the canonical project `project`. */
export function fileBelongsTo(filename: string, project: string): boolean {
  return parseDistFilename(filename, project) !== null;
}

/** A usable distribution file name: a wheel or an sdist, one path segment. */
export function isDistributionFile(filename: string): boolean {
  if (filename === "" || /[/\\]/.test(filename) || /[\x00-\x1f]/.test(filename)) return false;
  return isWheelFilename(filename) || isSdistFilename(filename);
}

export interface LinkFields {
  hashes?: Record<string, string>;
  requiresPython?: string;
  yanked?: false | string;
  coreMetadata?: false | true | Record<string, string>;
  size?: number;
  uploadTime?: string;
  /** PEP 740 provenance URL, already absolute. */
  provenance?: string;
  /** Overrides the file name taken from the URL (JSON pages give it). */
  filename?: string;
}

/** Build an IndexFile from an absolute URL (fragment allowed). Null when it is not a distribution file. */
export function makeIndexFile(absUrl: string, fields: LinkFields, source: SourceInfo, display: (url: string) => string, ctx?: LinkContext): IndexFile | null {
  if (!schemeAllowed(absUrl, ctx, display)) return null;
  const { url, hashes: fragHashes, problem: fragProblem } = splitHashFragment(absUrl);
  const filename = fields.filename ?? filenameFromUrl(url);
  if (!isDistributionFile(filename)) return null;
  const given = checkedHashes(fields.hashes ?? {});
  const f: IndexFile = {
    filename,
    url: SafeUrl.of(url),
    hashes: { ...fragHashes, ...given.hashes },
    yanked: fields.yanked ?? false,
    coreMetadata: fields.coreMetadata ?? false,
    source,
  };
  if (fields.requiresPython !== undefined && fields.requiresPython.trim() !== "") f.requiresPython = fields.requiresPython;
  if (fields.size !== undefined) f.size = fields.size;
  if (fields.uploadTime !== undefined) f.uploadTime = fields.uploadTime;
  if (fields.provenance !== undefined) f.provenance = SafeUrl.of(fields.provenance);
  const problem = given.problem ?? fragProblem;
  if (problem !== undefined) f.hashProblem = problem;
  return f;
}

function metadataAttr(v: string | null | undefined): false | true | Record<string, string> {
  if (v === undefined) return false;
  if (v === null || v.trim() === "" || v.trim().toLowerCase() === "true") return true;
  if (v.trim().toLowerCase() === "false") return false;
  const eq = v.indexOf("=");
  if (eq > 0) return { [v.slice(0, eq).trim().toLowerCase()]: v.slice(eq + 1).trim().toLowerCase() };
  return true;
}

/** A (maybe relative) URL attribute resolved against `base`; undefined when absent or unusable. */
export function resolveOptional(href: string | null | undefined, base: string): string | undefined {
  if (typeof href !== "string" || href.trim() === "") return undefined;
  try {
    return new URL(href.trim(), base).toString();
  } catch {
    return undefined;
  }
}

/**
 * The files of an HTML page. Relative hrefs resolve against `<base href>` (itself resolved
 * against the page), else against the page's final URL after redirects.
 */
export function htmlPageFiles(page: HtmlPage, pageUrl: string, source: SourceInfo, display: (url: string) => string, warn?: (message: string) => void): IndexFile[] {
  let base = pageUrl;
  if (page.baseHref) {
    try {
      base = new URL(page.baseHref, pageUrl).toString();
    } catch {
      // an unusable <base href> is ignored, as browsers do
    }
  }
  const out: IndexFile[] = [];
  for (const link of page.links) {
    let abs: string;
    try {
      abs = new URL(link.href, base).toString();
    } catch {
      continue;
    }
    const a = link.attrs;
    const yanked = "data-yanked" in a ? (a["data-yanked"] ?? "") : false;
    const core = "data-core-metadata" in a ? metadataAttr(a["data-core-metadata"]) : metadataAttr(a["data-dist-info-metadata"]);
    const provenance = resolveOptional(a["data-provenance"], base);
    const f = makeIndexFile(abs, { requiresPython: a["data-requires-python"] ?? undefined, yanked, coreMetadata: core, provenance }, source, display, { pageUrl, warn });
    if (f) out.push(f);
  }
  return out;
}
