/**
 * What the archive writers consume: the bundle's files (with their expected sha256 and size) and
 * directories, relative to the bundle root, in one sorted order shared by every format
 * (byte order of the path, a directory right before its contents). File data is read in fixed
 * 1 MiB chunks and checked against the expected sha256/size as it is copied, so a cache file
 * that changed (or vanished) fails the write instead of shipping.
 */
import { createHash } from "node:crypto";
import { open } from "node:fs/promises";
import { WbError, type ErrorCode } from "../errors.js";

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

export const CHUNK = 1024 * 1024;

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

function mismatch(e: BundleFileEntry, found: { sha256: string; size: number }): WbError {
  const what = e.source.kind === "path" ? e.source.path : e.path;
  return new WbError(e.mismatchCode, `${what} changed while it was being bundled: expected sha256 ${e.sha256} (${e.size} bytes), found ${found.sha256} (${found.size} bytes)`, {
    hint: e.mismatchCode === "E_INTEGRITY" ? "the cached file is damaged: bundle again with --verify-cache (every cache entry is re-hashed and a damaged one downloaded anew), or remove it from the cache" : "bundle again once the file stops changing",
    details: { file: e.path, expected: e.sha256, found: found.sha256 },
  });
}

/** The entry's bytes in fixed-size chunks, verified against its sha256 and size at the end. */
export async function* readEntry(e: BundleFileEntry): AsyncGenerator<Buffer> {
  if (e.source.kind === "bytes") {
    for (let i = 0; i < e.source.data.length; i += CHUNK) yield e.source.data.subarray(i, i + CHUNK);
    return;
  }
  const h = createHash("sha256");
  let size = 0;
  let fh;
  try {
    fh = await open(e.source.path, "r");
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? "error";
    throw new WbError(e.mismatchCode, `cannot read ${e.source.path} for ${e.path} (${code})`, {
      hint: e.mismatchCode === "E_INTEGRITY" ? "the cache lost the file; bundle again to download it anew" : undefined,
      details: { file: e.path },
      cause: err,
    });
  }
  try {
    for (;;) {
      const buf = Buffer.allocUnsafe(CHUNK);
      const { bytesRead } = await fh.read(buf, 0, CHUNK, null);
      if (bytesRead === 0) break;
      const chunk = buf.subarray(0, bytesRead);
      h.update(chunk);
      size += bytesRead;
      if (size > e.size) throw mismatch(e, { sha256: "(larger than expected)", size });
      yield chunk;
    }
  } finally {
    await fh.close();
  }
  const sha256 = h.digest("hex");
  if (sha256 !== e.sha256 || size !== e.size) throw mismatch(e, { sha256, size });
}
