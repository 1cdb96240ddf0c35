/**
 * Deterministic `.tar.gz` writer: ustar headers encoded by node-tar's `Header` (a pax header
 * carrying only the path when a name does not fit ustar), inside a gzip stream assembled here:
 * a fixed 10-byte gzip header (no name, mtime 0, XFL 0, OS 255 "unknown" whatever the host), a
 * raw deflate body, and the CRC-32/ISIZE trailer.
 *
 * Speed (README "The bundle"): wheels are already deflated, so their data is written as stored
 * deflate blocks, framed here without zlib (a copy with a 5-byte header per 64 KiB), and
 * everything else (tar headers, padding, generated and app files) is deflated at level 6 in
 * segments of at most 1 MiB, each its own raw deflate stream ended by a sync flush, compressed
 * synchronously (no thread-pool round trip per chunk). Concatenated, they are one valid deflate
 * stream (RFC 1951) that `gzip -d`, `tar xzf` and Python's `tarfile` read as usual.
 *
 * Deterministic by construction: sorted entries (entries.ts), modes 0644/0755 and dirs 0755,
 * uid/gid 0, empty uname/gname, mtime = the plan's epoch, text cut into segments at fixed
 * offsets of the text stream and wheel data framed in fixed 64 KiB blocks of each 1 MiB read
 * chunk, so the same inputs give the same bytes with the same Node.js (zlib) version.
 */
import { crc32, deflateRawSync, constants as Z } from "node:zlib";
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

/** Stored deflate blocks hold at most this many bytes (RFC 1951 3.2.4). */
const STORED_MAX = 0xffff;
/** Text is compressed in segments of at most this many bytes (part of the byte layout). */
const TEXT_SEGMENT = 1024 * 1024;
/** The last block of the stream: an empty stored block with BFINAL set. */
const FINAL_BLOCK = Buffer.from([0x01, 0x00, 0x00, 0xff, 0xff]);

/**
 * `data` as non-final stored deflate blocks (RFC 1951 3.2.4). The stream is at a byte boundary
 * here (a text segment ends with a sync flush), so each block is a 0x00 header byte, LEN, NLEN
 * and the bytes.
 */
export function storedBlocks(data: Buffer): Buffer {
  const blocks = Math.ceil(data.length / STORED_MAX);
  const out = Buffer.allocUnsafe(data.length + blocks * 5);
  let at = 0;
  for (let i = 0; i < data.length; i += STORED_MAX) {
    const n = Math.min(STORED_MAX, data.length - i);
    out[at] = 0x00;
    out.writeUInt16LE(n, at + 1);
    out.writeUInt16LE(~n & 0xffff, at + 3);
    data.copy(out, at + 5, i, i + n);
    at += 5 + n;
  }
  return out;
}

/**
 * A text segment as deflate blocks: a deflate stream of its own (level TEXT_LEVEL) ended with a
 * sync flush instead of a final block, so the next segment or stored block follows at a byte
 * boundary. Each segment starts with an empty window; back-references never cross segments.
 */
function textBlocks(data: Buffer): Buffer {
  return deflateRawSync(data, { level: TEXT_LEVEL, finishFlush: Z.Z_SYNC_FLUSH });
}

/**
 * The .tar.gz bytes of `plan`, as chunks. `onChunk` receives every output chunk in order (the
 * caller writes them to the temp file and hashes them).
 */
export async function writeTarGz(plan: ArchivePlan, onChunk: (c: Buffer) => Promise<void>): Promise<void> {
  let crc = 0;
  let isize = 0;
  const mtime = new Date(plan.mtime * 1000);
  // Text (tar headers, padding, generated files, app files) waiting to be compressed.
  let pending: Buffer[] = [];
  let pendingBytes = 0;

  const account = (chunk: Buffer): void => {
    crc = crc32(chunk, crc);
    isize = (isize + chunk.length) >>> 0;
  };
  const flushText = async (): Promise<void> => {
    if (pendingBytes === 0) return;
    const data = pending.length === 1 ? pending[0]! : Buffer.concat(pending, pendingBytes);
    pending = [];
    pendingBytes = 0;
    await onChunk(textBlocks(data));
  };
  const text = async (chunk: Buffer): Promise<void> => {
    account(chunk);
    // Fixed segment boundaries: the same input gives the same segments, whatever the read sizes.
    let at = 0;
    while (at < chunk.length) {
      const n = Math.min(TEXT_SEGMENT - pendingBytes, chunk.length - at);
      pending.push(chunk.subarray(at, at + n));
      pendingBytes += n;
      at += n;
      if (pendingBytes === TEXT_SEGMENT) await flushText();
    }
  };
  const stored = async (chunk: Buffer): Promise<void> => {
    account(chunk);
    await flushText();
    await onChunk(storedBlocks(chunk));
  };

  await onChunk(GZIP_HEADER);
  for (const e of plan.entries) {
    const name = e.type === "dir" ? `${plan.stem}/${e.path}/` : `${plan.stem}/${e.path}`;
    for (const block of tarHeader(name, e, e.type === "file" ? e.size : 0, mtime)) await text(block);
    if (e.type === "dir") continue;
    const feed = e.store ? stored : text;
    for await (const chunk of readEntry(e)) await feed(chunk);
    const pad = (512 - (e.size % 512)) % 512;
    if (pad) await text(Buffer.alloc(pad));
  }
  await text(Buffer.alloc(1024));
  await flushText();
  const trailer = Buffer.alloc(8);
  trailer.writeUInt32LE(crc >>> 0, 0);
  trailer.writeUInt32LE(isize, 4);
  await onChunk(Buffer.concat([FINAL_BLOCK, trailer]));
}
