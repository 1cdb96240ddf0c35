/**
 * `--find-links` sources (pip's --find-links): a local directory (not recursive: its wheels and
 * sdists, plus the links in its .html files), a local HTML file, or an http(s) URL of one HTML
 * page listing files of any project. The whole source is read once per run, then filtered by
 * project. A find-links location that does not exist is an error (pip only warns), because a
 * silently missing source changes what gets bundled.
 */
import { readFileSync, readdirSync, statSync } from "node:fs";
import { isAbsolute, join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { WbError } from "../errors.js";
import { directoryFiles } from "./file-index.js";
import { fileBelongsTo, htmlPageFiles } from "./links.js";
import { parseHtmlPage } from "./parse-html.js";
import { fetchPage, type IndexDeps } from "./simple-api.js";
import type { IndexFile, ProjectListing } from "../model/index-file.js";
import type { SourceInfo } from "../model/source-info.js";

const HTML_ACCEPT = "text/html, application/vnd.pypi.simple.v1+html;q=0.9, */*;q=0.1";

/** The location as a URL: http(s)/file URLs as given, paths resolved against cwd. */
export function findLinksUrl(location: string, cwd: string): string {
  if (/^(https?|file):/i.test(location)) return location;
  return pathToFileURL(isAbsolute(location) ? location : resolve(cwd, location)).toString();
}

export class FindLinks {
  private all: Promise<IndexFile[]> | null = null;

  constructor(
    readonly url: string,
    private readonly source: SourceInfo,
    private readonly deps: IndexDeps,
  ) {}

  files(): Promise<IndexFile[]> {
    this.all ??= this.load();
    return this.all;
  }

  async getProject(project: string): Promise<ProjectListing | null> {
    const files = (await this.files()).filter((f) => fileBelongsTo(f.filename, project));
    return files.length ? { name: project, files, source: this.source } : null;
  }

  private display = (u: string) => this.deps.net.displayUrl(u);

  private async load(): Promise<IndexFile[]> {
    if (!this.url.startsWith("file:")) {
      const page = await fetchPage(this.url, this.deps, HTML_ACCEPT, "the find-links page");
      if (!page) throw new WbError("E_NETWORK", `the find-links page ${this.display(this.url)} was not found (HTTP 404)`, { details: { url: this.display(this.url) } });
      return htmlPageFiles(parseHtmlPage(page.body), page.finalUrl, this.source, this.display, (m) => this.deps.reporter?.log.warn(m));
    }
    const path = fileURLToPath(this.url);
    let st;
    try {
      st = statSync(path);
    } catch {
      throw new WbError("E_USAGE", `--find-links ${path}: no such file or directory`, { hint: "find-links takes a directory of wheels, an HTML file or an http(s) URL" });
    }
    if (st.isDirectory()) {
      const files = directoryFiles(path, this.source, this.display);
      for (const name of readdirSync(path).sort()) {
        if (!/\.html?$/i.test(name)) continue;
        const p = join(path, name);
        files.push(...htmlPageFiles(parseHtmlPage(readFileSync(p, "utf8")), pathToFileURL(p).toString(), this.source, this.display));
      }
      return files;
    }
    return htmlPageFiles(parseHtmlPage(readFileSync(path, "utf8")), this.url, this.source, this.display);
  }
}
