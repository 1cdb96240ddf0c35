/**
 * Source policy (README "Indexes, proxies, certificates, credentials"). Sources are consulted in the order given:
 * `--index-url` (default https://pypi.org/simple unless --no-index), each `--extra-index-url`,
 * then each `--find-links`. For each project the FIRST source that has it is the only one used:
 * its files are never merged with another source's, so a public index cannot shadow an internal
 * package of the same name (dependency confusion). An index "has" a project when its project
 * page exists (HTTP 200, even with no files); a find-links source when it lists a file of it.
 * A spec file may pin a project to a named index: then only that index is asked.
 *
 * A source that fails (network, auth, TLS) fails the run: skipping it would silently move the
 * project to the next source, which is the confusion this policy prevents.
 */
import { WbError } from "../errors.js";
import type { Net } from "../net/dispatcher.js";
import { stripCredentials } from "../net/redact.js";
import type { Reporter } from "../model/reporter.js";
import { canonicalizeName } from "../pypa/names.js";
import type { Cache } from "../store/cache.js";
import { FileIndex } from "./file-index.js";
import { FindLinks, findLinksUrl } from "./find-links.js";
import { fetchProjectPage, parseProjectPage, type IndexDeps } from "./simple-api.js";
import type { IndexFile, ProjectListing } from "../model/index-file.js";
import type { SourceInfo } from "../model/source-info.js";
import { fetchWheelMetadata } from "./wheel-metadata.js";
import { SafeUrl } from "../text/safe-url.js";

export type { IndexFile, ProjectListing } from "../model/index-file.js";
export type { SourceInfo } from "../model/source-info.js";

export const DEFAULT_INDEX_URL = "https://pypi.org/simple/";

export interface SourcesOptions {
  indexUrl?: string;
  extraIndexUrls: string[];
  findLinks: string[];
  noIndex: boolean;
  /** Canonical project name -> the name (or URL) of the only index to ask for it. */
  pinned?: Record<string, string>;
  namedIndexes?: { name: string; url: string }[];
  /** "first-index" (default): the first source that has a project is the only one used. */
  indexStrategy?: "first-index" | "unsafe-best-match";
  /**
   * False when a requirements file chose the primary index: WHEELBARROW_INDEX_USERNAME/_PASSWORD
   * then go to no index (they are for the index the user named). Default true.
   */
  envCredentialsToPrimary?: boolean;
}

interface Source {
  info: SourceInfo;
  /** Credential-free URL. */
  url: string;
  getProject(name: string): Promise<ProjectListing | null>;
}

export class Sources {
  private readonly ordered: Source[];
  private readonly byName = new Map<string, Source>();
  private readonly memo = new Map<string, Promise<ProjectListing | null>>();
  private readonly deps: IndexDeps;
  private readonly warned = new Set<string>();

  constructor(
    private readonly o: SourcesOptions,
    private readonly net: Net,
    private readonly cache: Cache,
    opts: { cwd: string; reporter?: Reporter },
  ) {
    this.deps = { net, cache, reporter: opts.reporter };
    const named = o.namedIndexes ?? [];
    const nameOf = (url: string) => named.find((n) => sameUrl(n.url, url))?.name;
    const indexes: { url: string; name: string }[] = [];
    const findLinks = o.findLinks.map((loc) => findLinksUrl(loc, opts.cwd));
    const primaryIndex = o.indexUrl ?? (o.noIndex ? null : DEFAULT_INDEX_URL);
    // Every URL this run may ask, registered with the Net once (credentials.ts).
    net.registerCredentials({
      urls: [...new Set([...(primaryIndex ? [primaryIndex] : []), ...o.extraIndexUrls, ...findLinks, ...named.map((n) => n.url), ...Object.values(o.pinned ?? {}).filter(isUrl)])],
      primaryIndex: o.envCredentialsToPrimary === false ? null : primaryIndex,
    });
    if (!o.noIndex) {
      const primary = o.indexUrl ?? DEFAULT_INDEX_URL;
      indexes.push({ url: primary, name: nameOf(primary) ?? (o.indexUrl ? "index-url" : "pypi") });
      o.extraIndexUrls.forEach((u, i) => indexes.push({ url: u, name: nameOf(u) ?? (o.extraIndexUrls.length > 1 ? `extra-index-url #${i + 1}` : "extra-index-url") }));
    }
    this.ordered = indexes.map((ix) => this.indexSource(ix.url, ix.name));
    findLinks.forEach((url, i) => {
      const clean = stripCredentials(url);
      const info: SourceInfo = { name: o.findLinks.length > 1 ? `find-links #${i + 1}` : "find-links", url: SafeUrl.of(clean), kind: "find-links" };
      const fl = new FindLinks(clean, info, this.deps);
      this.ordered.push({ info, url: clean, getProject: (p) => fl.getProject(p) });
    });
    for (const s of this.ordered) if (!this.byName.has(s.info.name)) this.byName.set(s.info.name, s);
    // Named indexes that are not in the ordered list are still available to pinned projects.
    for (const n of named) if (!this.byName.has(n.name)) this.byName.set(n.name, this.indexSource(n.url, n.name));
  }

  /** The sources in the order they are consulted (for messages and docs). */
  get sources(): SourceInfo[] {
    return this.ordered.map((s) => s.info);
  }

  private warn = (m: string) => {
    if (this.warned.has(m)) return;
    this.warned.add(m);
    this.deps.reporter?.log.warn(m);
  };

  private indexSource(url: string, name: string): Source {
    const clean = stripCredentials(url);
    const info: SourceInfo = { name, url: SafeUrl.of(clean), kind: "index" };
    if (/^file:/i.test(clean)) {
      let fi: FileIndex | null = null;
      return {
        info,
        url: clean,
        getProject: async (p) => {
          fi ??= new FileIndex(clean, info, (u) => this.net.displayUrl(u), this.warn);
          return fi.getProject(p);
        },
      };
    }
    if (!/^https?:/i.test(clean)) {
      throw new WbError("E_USAGE", `index URL ${this.net.displayUrl(clean)} must be http, https or file://`, { hint: "for a local directory of wheels use --find-links DIR" });
    }
    return {
      info,
      url: clean,
      getProject: async (p) => {
        const page = await fetchProjectPage(clean, p, this.deps);
        return page ? parseProjectPage(page, p, info, this.net, this.warn) : null;
      },
    };
  }

  private pinnedSource(project: string): Source | null {
    const target = this.o.pinned?.[project];
    if (target === undefined) return null;
    const byName = this.byName.get(target);
    if (byName) return byName;
    if (isUrl(target)) {
      const found = this.ordered.find((s) => sameUrl(s.url, stripCredentials(target)));
      return found ?? this.indexSource(target, this.net.displayUrl(stripCredentials(target)));
    }
    throw new WbError("E_USAGE", `${project} is pinned to the index '${target}', which is not defined`, {
      hint: `define it in the spec file: [[index]] name = "${target}" url = "…"`,
      details: { project, index: target },
    });
  }

  /** The project's files from the first source that has it; memoised per run. */
  getProject(name: string): Promise<ProjectListing | null> {
    const project = canonicalizeName(name);
    let p = this.memo.get(project);
    if (!p) {
      p = this.lookup(project);
      this.memo.set(project, p);
    }
    return p;
  }

  private async lookup(project: string): Promise<ProjectListing | null> {
    const pinned = this.pinnedSource(project);
    if (!pinned && this.o.indexStrategy === "unsafe-best-match") {
      // Every source's files, in source order (ties between equal files go to the earlier source).
      const listings = (await Promise.all(this.ordered.map((s) => s.getProject(project)))).filter((l): l is ProjectListing => l !== null);
      if (listings.length === 0) return null;
      return { ...listings[0]!, files: listings.flatMap((l) => l.files) };
    }
    for (const s of pinned ? [pinned] : this.ordered) {
      const listing = await s.getProject(project);
      if (listing) {
        this.deps.reporter?.log.verbose(`${project}: ${listing.files.length} file(s) from ${s.info.name} (${s.info.url})`);
        return listing;
      }
    }
    return null;
  }

  /** A wheel's METADATA (see wheel-metadata.ts for the order of attempts). */
  fetchMetadata(file: IndexFile): Promise<string> {
    return fetchWheelMetadata(file, this.deps);
  }
}

function isUrl(s: string): boolean {
  return /^(https?|file):/i.test(s);
}

function sameUrl(a: string, b: string): boolean {
  const norm = (u: string) => stripCredentials(u).replace(/\/+$/, "").toLowerCase();
  return norm(a) === norm(b);
}
