/**
 * Reading the bytes of the entries the archive writers consume (the entry list and its order
 * are entry-list.ts, re-exported here for the writers). File data is read in fixed
 * 1 MiB chunks and checked against the expected sha256/size as it is copied, so a cache file
 * that changed (or vanished) fails the write instead of shipping.
 */
import { createHash } from "node:crypto";
import { open } from "node:fs/promises";
import { WbError } from "../errors.js";

export { withDirectories, type ArchivePlan, type BundleDirEntry, type BundleEntry, type BundleFileEntry, type EntrySource } from "./entry-list.js";
import type { BundleFileEntry } from "./entry-list.js";

export const CHUNK = 1024 * 1024;

function mismatch(e: BundleFileEntry, found: { sha256: string; size: number }): WbError {
  const what = e.source.kind === "path" ? e.source.path : e.path;
  return new WbError(e.mismatchCode, `${what} changed while it was being bundled: expected sha256 ${e.sha256} (${e.size} bytes), found ${found.sha256} (${found.size} bytes)`, {
    hint: e.mismatchCode === "E_INTEGRITY" ? "the cached file is damaged; remove it from the cache (or run with a fresh --cache-dir) and bundle again" : "bundle again once the file stops changing",
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
