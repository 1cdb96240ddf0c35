/**
 * Deterministic `.tar.gz` writer: ustar headers encoded by node-tar's `Header` (a pax header
 * carrying only the path when a name does not fit ustar), inside a gzip stream assembled here:
 * a fixed 10-byte gzip header (no name, mtime 0, XFL 0, OS 255 "unknown" whatever the host), a
 * raw deflate body, and the CRC-32/ISIZE trailer.
 *
 * Speed (README "The bundle"): wheels are already deflated, so their data is written at deflate level 0
 * (stored blocks) and everything else at level 6. The level is switched with zlib's `params()`,
 * which sync-flushes at the entry boundary; only level changes cost a flush.
 *
 * Deterministic by construction: sorted entries (entries.ts), modes 0644/0755 and dirs 0755,
 * uid/gid 0, empty uname/gname, mtime = the plan's epoch, data fed to zlib in fixed 1 MiB
 * chunks and one 512-byte header per write, so the same inputs give the same bytes with the same
 * Node.js (zlib) version.
 */
import { createDeflateRaw, crc32, constants as Z, type DeflateRaw } from "node:zlib";
import { Header, Pax } from "tar";
import type { ArchivePlan, BundleEntry } from "./entries.js";
import { readEntry } from "./entries.js";

export const TEXT_LEVEL = 6;
const GZIP_HEADER = Buffer.from([0x1f, 0x8b, 0x08, 0x00, 0, 0, 0, 0, 0x00, 0xff]);

function tarHeader(path: string, e: BundleEntry, size: number, mtime: Date): Buffer[] {
  const data = {
    path,
    mode: e.mode,
    uid: 0,
    gid: 0,
    size,
    mtime,
    type: e.type === "dir" ? ("Directory" as const) : ("File" as const),
    uname: "",
    gname: "",
  };
  const h = new Header(data);
  const block = Buffer.alloc(512);
  h.encode(block, 0);
  if (!h.needPax) return [block];
  // Only the path goes into the pax record: no times, no host names.
  const pax = new Pax({ path });
  const fallback = new Header({ ...data, path: path.slice(-99) });
  const b2 = Buffer.alloc(512);
  fallback.encode(b2, 0);
  return [pax.encode(), b2];
}

/** Resolves when `register(done)` calls done, rejects if the stream closes first. */
function untilOrClosed(z: DeflateRaw, register: (done: () => void) => boolean): Promise<void> {
  return new Promise((res, rej) => {
    if (z.destroyed) return rej(new Error("the deflate stream was closed"));
    const onClose = (): void => rej(new Error("the deflate stream was closed"));
    z.once("close", onClose);
    const done = (): void => {
      z.off("close", onClose);
      res();
    };
    if (register(done)) done();
  });
}

/** Writes a chunk to the deflate stream, honouring back-pressure. */
function write(z: DeflateRaw, chunk: Buffer): Promise<void> {
  return untilOrClosed(z, (done) => {
    if (z.write(chunk)) return true;
    z.once("drain", done);
    return false;
  });
}

/** Switches the deflate level at an entry boundary (zlib sync-flushes first). */
function setLevel(z: DeflateRaw, level: number): Promise<void> {
  return untilOrClosed(z, (done) => {
    z.params(level, Z.Z_DEFAULT_STRATEGY, done);
    return false;
  });
}

/**
 * The .tar.gz bytes of `plan`, as chunks. `onChunk` receives every output chunk in order (the
 * caller writes them to the temp file and hashes them).
 */
export async function writeTarGz(plan: ArchivePlan, onChunk: (c: Buffer) => Promise<void>): Promise<void> {
  // A fixed output chunk size (it shapes the stored blocks, so it is part of the byte layout).
  const z = createDeflateRaw({ level: TEXT_LEVEL, chunkSize: 256 * 1024 });
  let level = TEXT_LEVEL;
  let crc = 0;
  let isize = 0;
  const mtime = new Date(plan.mtime * 1000);

  const consumer = (async () => {
    await onChunk(GZIP_HEADER);
    for await (const c of z as AsyncIterable<Buffer>) await onChunk(c);
  })();

  const feed = async (chunk: Buffer): Promise<void> => {
    crc = crc32(chunk, crc);
    isize = (isize + chunk.length) >>> 0;
    await write(z, chunk);
  };

  const producer = (async () => {
    for (const e of plan.entries) {
      const name = e.type === "dir" ? `${plan.stem}/${e.path}/` : `${plan.stem}/${e.path}`;
      const want = e.type === "file" && e.store ? 0 : TEXT_LEVEL;
      if (want !== level && e.type === "file") {
        await setLevel(z, want);
        level = want;
      }
      for (const block of tarHeader(name, e, e.type === "file" ? e.size : 0, mtime)) await feed(block);
      if (e.type === "dir") continue;
      for await (const chunk of readEntry(e)) await feed(chunk);
      const pad = (512 - (e.size % 512)) % 512;
      if (pad) await feed(Buffer.alloc(pad));
    }
    if (level !== TEXT_LEVEL) await setLevel(z, TEXT_LEVEL);
    await feed(Buffer.alloc(1024));
    z.end();
  })();

  try {
    await Promise.all([producer, consumer]);
  } catch (err) {
    z.destroy();
    await Promise.allSettled([producer, consumer]);
    throw err;
  }
  const trailer = Buffer.alloc(8);
  trailer.writeUInt32LE(crc >>> 0, 0);
  trailer.writeUInt32LE(isize, 4);
  await onChunk(trailer);
}
