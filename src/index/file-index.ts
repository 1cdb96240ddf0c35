/**
 * `file://` indexes, such as a local mirror (`file:///opt/pypi/simple`): the project page is
 * `<root>/<name>/index.html` (pip appends index.html to a directory URL); a project directory
 * without index.html lists its wheels and sdists directly. When the normalized directory name
 * does not exist, a directory whose name normalizes to the project is used (mirrors written by
 * older tools keep the original spelling). Local pages are read fresh every time, offline too.
 */
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { WbError } from "../errors.js";
import { canonicalizeName } from "../pypa/names.js";
import { fileBelongsTo, htmlPageFiles, makeIndexFile } from "./links.js";
import { parseHtmlPage } from "./parse-html.js";
import { checkApiVersion } from "./simple-api.js";
import type { IndexFile, ProjectListing } from "../model/index-file.js";
import type { SourceInfo } from "../model/source-info.js";

function isDir(p: string): boolean {
  try {
    return statSync(p).isDirectory();
  } catch {
    return false;
  }
}

/** Files of a local directory (not recursive) that are distributions, as file:// IndexFiles. */
export function directoryFiles(dir: string, source: SourceInfo, display: (u: string) => string): IndexFile[] {
  const out: IndexFile[] = [];
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (isDir(p)) continue;
    const f = makeIndexFile(pathToFileURL(p).toString(), { filename: name }, source, display);
    if (f) out.push(f);
  }
  return out;
}

export class FileIndex {
  private readonly root: string;
  private listing: Map<string, string> | null = null;

  constructor(
    readonly url: string,
    private readonly source: SourceInfo,
    private readonly display: (u: string) => string,
    private readonly warn: (m: string) => void,
  ) {
    try {
      this.root = fileURLToPath(url);
    } catch {
      throw new WbError("E_USAGE", `${url} is not a usable file:// URL`);
    }
    if (!isDir(this.root)) {
      throw new WbError("E_USAGE", `the index ${url} is not a directory`, { hint: "a file:// index is a directory with one sub-directory per project (PEP 503 layout)" });
    }
  }

  private projectDir(project: string): string | null {
    const exact = join(this.root, project);
    if (isDir(exact)) return exact;
    if (!this.listing) {
      this.listing = new Map();
      for (const d of readdirSync(this.root)) this.listing.set(canonicalizeName(d), d);
    }
    const d = this.listing.get(project);
    return d ? join(this.root, d) : null;
  }

  getProject(project: string): ProjectListing | null {
    const dir = this.projectDir(project);
    if (!dir) return null;
    const indexHtml = join(dir, "index.html");
    let files: IndexFile[];
    let apiVersion = "1.0";
    if (existsSync(indexHtml)) {
      const pageUrl = pathToFileURL(indexHtml).toString();
      const page = parseHtmlPage(readFileSync(indexHtml, "utf8"));
      apiVersion = checkApiVersion(page.apiVersion, this.display(pageUrl), this.warn);
      files = htmlPageFiles(page, pageUrl, this.source, this.display);
    } else {
      files = directoryFiles(dir, this.source, this.display);
    }
    return { name: project, files: files.filter((f) => fileBelongsTo(f.filename, project)), source: this.source, apiVersion };
  }
}
