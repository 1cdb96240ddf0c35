/**
 * From a link on a page (or a file in a directory) to an IndexFile: absolute URL without its
 * fragment, the fragment's `#<alg>=<hex>` as a hash, the file name from the decoded URL path,
 * and whether the file belongs to a given project (canonical names; sdists by the canonical
 * `name-` prefix of their stem followed by a valid version, as pip does).
 */
import { filenameFromUrl, isSdistFilename, isWheelFilename, parseDistFilename } from "../pypa/dist-filename.js";
import type { HtmlPage } from "./parse-html.js";
import type { IndexFile, SourceInfo } from "./types.js";

const HASH_ALGS = new Set(["sha1", "sha224", "sha256", "sha384", "sha512", "md5", "blake2b"]);

/** The URL without fragment, and the hashes its fragment names. */
export function splitHashFragment(url: string): { url: string; hashes: Record<string, string> } {
  const i = url.indexOf("#");
  if (i === -1) return { url, hashes: {} };
  const hashes: Record<string, string> = {};
  for (const part of url.slice(i + 1).split("&")) {
    const eq = part.indexOf("=");
    if (eq === -1) continue;
    const alg = part.slice(0, eq).toLowerCase();
    const hex = part.slice(eq + 1);
    if (HASH_ALGS.has(alg) && /^[0-9a-fA-F]+$/.test(hex)) hashes[alg] = hex.toLowerCase();
  }
  return { url: url.slice(0, i), hashes };
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
  /** Overrides the file name taken from the URL (JSON pages give it). */
  filename?: string;
}

/** Build an IndexFile from an absolute URL (fragment allowed). Null when it is not a distribution file. */
export function makeIndexFile(absUrl: string, fields: LinkFields, source: SourceInfo, display: (url: string) => string): IndexFile | null {
  const { url, hashes: fragHashes } = splitHashFragment(absUrl);
  const filename = fields.filename ?? filenameFromUrl(url);
  if (!isDistributionFile(filename)) return null;
  const f: IndexFile = {
    filename,
    url,
    displayUrl: display(url),
    hashes: { ...fragHashes, ...(fields.hashes ?? {}) },
    yanked: fields.yanked ?? false,
    coreMetadata: fields.coreMetadata ?? false,
    source,
  };
  if (fields.requiresPython !== undefined && fields.requiresPython.trim() !== "") f.requiresPython = fields.requiresPython;
  if (fields.size !== undefined) f.size = fields.size;
  if (fields.uploadTime !== undefined) f.uploadTime = fields.uploadTime;
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

/**
 * The files of an HTML page. Relative hrefs resolve against `<base href>` (itself resolved
 * against the page), else against the page's final URL after redirects.
 */
export function htmlPageFiles(page: HtmlPage, pageUrl: string, source: SourceInfo, display: (url: string) => string): IndexFile[] {
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
    const f = makeIndexFile(abs, { requiresPython: a["data-requires-python"] ?? undefined, yanked, coreMetadata: core }, source, display);
    if (f) out.push(f);
  }
  return out;
}
