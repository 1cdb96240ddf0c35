/**
 * Deterministic `.zip` writer on yazl: entries in the shared sorted order, directory entries
 * included, modes 0644/0755 (dirs 0755) in the Unix external attributes, wheels stored
 * (already deflated), everything else deflated at level 6.
 *
 * Times: DOS timestamps only (`forceDosTimestamp`; no extended-timestamp field). yazl encodes a
 * DOS time from the Date's *local* fields, so the Date passed is built so that its local fields
 * equal the UTC fields of the epoch: the archive is the same in every time zone.
 */
import { Readable } from "node:stream";
import yazl from "yazl";
import type { ArchivePlan } from "./entries.js";
import { readEntry } from "./entries.js";

export const ZIP_TEXT_LEVEL = 6;

/** A Date whose local-time fields are the UTC fields of `epochSeconds` (for yazl's DOS times). */
export function dosDate(epochSeconds: number): Date {
  const u = new Date(epochSeconds * 1000);
  return new Date(u.getUTCFullYear(), u.getUTCMonth(), u.getUTCDate(), u.getUTCHours(), u.getUTCMinutes(), u.getUTCSeconds());
}

export async function writeZip(plan: ArchivePlan, onChunk: (c: Buffer) => Promise<void>): Promise<void> {
  const zip = new yazl.ZipFile();
  const mtime = dosDate(plan.mtime);
  let failed: ((e: unknown) => void) | null = null;
  const failure = new Promise<never>((_res, rej) => {
    failed = rej;
  });
  failure.catch(() => undefined);
  const fail = (e: unknown): void => failed?.(e);
  zip.on("error", fail);

  for (const e of plan.entries) {
    const name = `${plan.stem}/${e.path}`;
    if (e.type === "dir") {
      zip.addEmptyDirectory(name, { mtime, mode: 0o40755, forceDosTimestamp: true });
      continue;
    }
    const options = { mtime, mode: 0o100000 | e.mode, forceDosTimestamp: true, compress: !e.store, compressionLevel: e.store ? 0 : ZIP_TEXT_LEVEL };
    if (e.source.kind === "bytes") {
      zip.addBuffer(e.source.data, name, options);
    } else {
      zip.addReadStreamLazy(name, { ...options, size: e.size }, (cb) => {
        const s = Readable.from(readEntry(e), { objectMode: false });
        s.on("error", fail);
        cb(null, s);
      });
    }
  }
  zip.end();
  const consume = (async () => {
    for await (const c of zip.outputStream as AsyncIterable<Buffer>) await onChunk(c);
  })();
  try {
    await Promise.race([consume, failure]);
  } catch (err) {
    (zip.outputStream as Readable).destroy();
    await consume.catch(() => undefined);
    throw err;
  }
}
