/**
 * The bundle's entry list, as the archive writers consume it: the bundle's files (with their
 * expected sha256 and size) and directories, relative to the bundle root, in one sorted order
 * shared by every format (byte order of the path, a directory right before its contents).
 * Pure: no I/O (reading an entry's bytes is entries.ts).
 */
import type { ErrorCode } from "../errors.js";

export type EntrySource = { kind: "path"; path: string } | { kind: "bytes"; data: Buffer };

export interface BundleFileEntry {
  type: "file";
  /** Relative to the bundle root, `/`-separated. */
  path: string;
  /** 0o644 or 0o755, or an app file's own stricter bits (0o600, 0o640, 0o700...). */
  mode: number;
  size: number;
  sha256: string;
  source: EntrySource;
  /** Store without recompressing (wheels are already deflated). */
  store: boolean;
  /** The error code when the source does not match (E_INTEGRITY for cached wheels). */
  mismatchCode: ErrorCode;
}

export interface BundleDirEntry {
  type: "dir";
  path: string;
  mode: 0o755;
}

export type BundleEntry = BundleFileEntry | BundleDirEntry;

export interface ArchivePlan {
  /** The single top-level directory of the archive (and the archive's base name). */
  stem: string;
  /** Entry times, seconds since the epoch. */
  mtime: number;
  /** Sorted, every directory before its contents. */
  entries: BundleEntry[];
}

/** Adds every parent directory of the files and sorts files and directories in one order. */
export function withDirectories(files: BundleFileEntry[]): BundleEntry[] {
  const dirs = new Set<string>();
  for (const f of files) {
    const parts = f.path.split("/");
    for (let i = 1; i < parts.length; i++) dirs.add(parts.slice(0, i).join("/"));
  }
  const all: BundleEntry[] = [...files, ...[...dirs].map((path): BundleDirEntry => ({ type: "dir", path, mode: 0o755 }))];
  // Sorting on `path/` for directories puts a directory right before its contents.
  const key = (e: BundleEntry): Buffer => Buffer.from(e.type === "dir" ? `${e.path}/` : e.path, "utf8");
  return all.sort((a, b) => Buffer.compare(key(a), key(b)));
}
