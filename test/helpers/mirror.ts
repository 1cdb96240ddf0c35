/**
 * Finds this machine's local package mirror: the first `file://` URL among pip's configured
 * index-url / extra-index-url (`pip config list`, e.g. file:///opt/pypi/simple) that exists.
 * Returns null where there is none (or pip is missing), so tests can skip cleanly.
 */
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";

export interface LocalMirror {
  /** file:// URL of the simple index root. */
  url: string;
  /** The same as a directory path. */
  path: string;
}

export function parsePipConfig(text: string): string[] {
  const urls: string[] = [];
  for (const line of text.split(/\r?\n/)) {
    const m = /^[^=]*\.(index-url|extra-index-url)\s*=\s*(['"]?)(.*)\2\s*$/.exec(line.trim());
    if (m) urls.push(...m[3]!.split(/\s+/).filter(Boolean));
  }
  return urls;
}

export function findLocalMirror(): LocalMirror | null {
  let out: string;
  try {
    out = execFileSync("python3", ["-m", "pip", "config", "list"], { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"], timeout: 20_000 });
  } catch {
    return null;
  }
  for (const url of parsePipConfig(out)) {
    if (!url.startsWith("file:")) continue;
    try {
      const path = fileURLToPath(url);
      if (existsSync(path)) return { url, path };
    } catch {
      // not a usable file URL
    }
  }
  return null;
}

export interface MirrorConfig {
  /** Directories of every existing file:// index (index-url and extra-index-url), in pip's order. */
  indexDirs: string[];
  /** pip's find-links entries (directories or URLs) as configured. */
  findLinks: string[];
}

/** Every file:// index and every find-links entry of pip's configuration; null when no file:// index exists. */
export function findMirror(): MirrorConfig | null {
  let out: string;
  try {
    out = execFileSync("python3", ["-m", "pip", "config", "list"], { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"], timeout: 20_000 });
  } catch {
    return null;
  }
  const indexDirs: string[] = [];
  for (const url of parsePipConfig(out)) {
    if (!url.startsWith("file:")) continue;
    try {
      const path = fileURLToPath(url);
      if (existsSync(path)) indexDirs.push(path);
    } catch {
      // not a usable file URL
    }
  }
  const findLinks: string[] = [];
  for (const line of out.split(/\r?\n/)) {
    const m = /^[^=]*\.find-links\s*=\s*(['"]?)(.*)\1\s*$/.exec(line.trim());
    if (m) for (const f of m[2]!.split(/\s+/).filter(Boolean)) if (!findLinks.includes(f)) findLinks.push(f);
  }
  return indexDirs.length ? { indexDirs, findLinks } : null;
}
