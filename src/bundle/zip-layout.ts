/**
 * Strict layout check of a bundle `.zip`: every byte that is not file data must be exactly what
 * archive-zip.ts (yazl with DOS timestamps, no comments) writes for the entries the central
 * directory describes. The central records, local headers, data descriptors and end records are
 * rebuilt from the parsed values and compared byte for byte, and the structures must tile the
 * file with no gap. File data itself is checked by the reader (CRC-32 and sha256), so together a
 * change of any byte of the archive is reported.
 *
 * Layout written by yazl: local header (version 20, flags 0x0800 UTF-8, +0x0008 when a data
 * descriptor follows, no extra field), data, data descriptor (signed; 64-bit sizes for ZIP64
 * entries); central records (made by 0x033f, needed 20 or 45, a ZIP64 extra of 28 bytes when a
 * size or offset does not fit 32 bits); optional ZIP64 end record and locator; end record without
 * comment.
 */
import { open, type FileHandle } from "node:fs/promises";

export interface LayoutProblem {
  /** The entry's name in the archive, or null for the archive as a whole. */
  entry: string | null;
  problem: string;
}

interface Central {
  raw: Buffer;
  name: string;
  nameRaw: Buffer;
  flags: number;
  method: number;
  time: number;
  date: number;
  crc: number;
  csize: number;
  usize: number;
  external: number;
  offset: number;
  zip64: boolean;
}

const u64 = (b: Buffer, at: number): number => Number(b.readBigUInt64LE(at));
const w64 = (b: Buffer, v: number, at: number): void => void b.writeBigUInt64LE(BigInt(v), at);

async function readAt(fh: FileHandle, at: number, len: number): Promise<Buffer> {
  const b = Buffer.alloc(len);
  const { bytesRead } = await fh.read(b, 0, len, at);
  return b.subarray(0, bytesRead);
}

function centralRecord(c: Omit<Central, "raw">): Buffer {
  const fixed = Buffer.alloc(46);
  fixed.writeUInt32LE(0x02014b50, 0);
  fixed.writeUInt16LE((3 << 8) | 63, 4);
  fixed.writeUInt16LE(c.zip64 ? 45 : 20, 6);
  fixed.writeUInt16LE(c.flags, 8);
  fixed.writeUInt16LE(c.method, 10);
  fixed.writeUInt16LE(c.time, 12);
  fixed.writeUInt16LE(c.date, 14);
  fixed.writeUInt32LE(c.crc, 16);
  fixed.writeUInt32LE(c.zip64 ? 0xffffffff : c.csize, 20);
  fixed.writeUInt32LE(c.zip64 ? 0xffffffff : c.usize, 24);
  fixed.writeUInt16LE(c.nameRaw.length, 28);
  fixed.writeUInt16LE(c.zip64 ? 28 : 0, 30);
  // yazl stores only the Unix mode (high 16 bits); the mode itself is checked by the reader.
  fixed.writeUInt32LE((c.external & 0xffff0000) >>> 0, 38);
  fixed.writeUInt32LE(c.zip64 ? 0xffffffff : c.offset, 42);
  if (!c.zip64) return Buffer.concat([fixed, c.nameRaw]);
  const extra = Buffer.alloc(28);
  extra.writeUInt16LE(1, 0);
  extra.writeUInt16LE(24, 2);
  w64(extra, c.usize, 4);
  w64(extra, c.csize, 12);
  w64(extra, c.offset, 20);
  return Buffer.concat([fixed, c.nameRaw, extra]);
}

function localHeader(c: Central): Buffer {
  const b = Buffer.alloc(30);
  const known = (c.flags & 8) === 0;
  b.writeUInt32LE(0x04034b50, 0);
  b.writeUInt16LE(20, 4);
  b.writeUInt16LE(c.flags, 6);
  b.writeUInt16LE(c.method, 8);
  b.writeUInt16LE(c.time, 10);
  b.writeUInt16LE(c.date, 12);
  b.writeUInt32LE(known ? c.crc : 0, 14);
  b.writeUInt32LE(known ? c.csize : 0, 18);
  b.writeUInt32LE(known ? c.usize : 0, 22);
  b.writeUInt16LE(c.nameRaw.length, 26);
  return Buffer.concat([b, c.nameRaw]);
}

function dataDescriptor(c: Central): Buffer {
  if ((c.flags & 8) === 0) return Buffer.alloc(0);
  const b = Buffer.alloc(c.zip64 ? 24 : 16);
  b.writeUInt32LE(0x08074b50, 0);
  b.writeUInt32LE(c.crc, 4);
  if (c.zip64) {
    w64(b, c.csize, 8);
    w64(b, c.usize, 16);
  } else {
    b.writeUInt32LE(c.csize, 8);
    b.writeUInt32LE(c.usize, 12);
  }
  return b;
}

function parseCentral(cd: Buffer): { entries: Central[]; problem: string | null } {
  const entries: Central[] = [];
  let i = 0;
  while (i < cd.length) {
    if (i + 46 > cd.length || cd.readUInt32LE(i) !== 0x02014b50) return { entries, problem: `the central directory is damaged at byte ${i}` };
    const n = cd.readUInt16LE(i + 28);
    const m = cd.readUInt16LE(i + 30);
    const k = cd.readUInt16LE(i + 32);
    const end = i + 46 + n + m + k;
    if (end > cd.length) return { entries, problem: `the central directory is damaged at byte ${i}` };
    const raw = cd.subarray(i, end);
    const nameRaw = raw.subarray(46, 46 + n);
    let csize = raw.readUInt32LE(20);
    let usize = raw.readUInt32LE(24);
    let offset = raw.readUInt32LE(42);
    const zip64 = m === 28 && raw.readUInt16LE(46 + n) === 1;
    if (zip64) {
      usize = u64(raw, 46 + n + 4);
      csize = u64(raw, 46 + n + 12);
      offset = u64(raw, 46 + n + 20);
    }
    entries.push({
      raw,
      name: nameRaw.toString("utf8"),
      nameRaw,
      flags: raw.readUInt16LE(8),
      method: raw.readUInt16LE(10),
      time: raw.readUInt16LE(12),
      date: raw.readUInt16LE(14),
      crc: raw.readUInt32LE(16),
      csize,
      usize,
      external: raw.readUInt32LE(38),
      offset,
      zip64,
    });
    i = end;
  }
  return { entries, problem: null };
}

function endRecords(count: number, cdOffset: number, cdSize: number): Buffer {
  const zip64 = count >= 0xffff || cdSize >= 0xffffffff || cdOffset >= 0xffffffff;
  const eocd = Buffer.alloc(22);
  eocd.writeUInt32LE(0x06054b50, 0);
  eocd.writeUInt16LE(count >= 0xffff ? 0xffff : count, 8);
  eocd.writeUInt16LE(count >= 0xffff ? 0xffff : count, 10);
  eocd.writeUInt32LE(cdSize >= 0xffffffff ? 0xffffffff : cdSize, 12);
  eocd.writeUInt32LE(cdOffset >= 0xffffffff ? 0xffffffff : cdOffset, 16);
  if (!zip64) return eocd;
  const rec = Buffer.alloc(56);
  rec.writeUInt32LE(0x06064b50, 0);
  w64(rec, 44, 4);
  rec.writeUInt16LE((3 << 8) | 63, 12);
  rec.writeUInt16LE(45, 14);
  w64(rec, count, 24);
  w64(rec, count, 32);
  w64(rec, cdSize, 40);
  w64(rec, cdOffset, 48);
  const loc = Buffer.alloc(20);
  loc.writeUInt32LE(0x07064b50, 0);
  w64(loc, cdOffset + cdSize, 8);
  loc.writeUInt32LE(1, 16);
  return Buffer.concat([rec, loc, eocd]);
}

export async function checkZipLayout(path: string, fileSize: number): Promise<LayoutProblem[]> {
  const problems: LayoutProblem[] = [];
  const whole = (problem: string): LayoutProblem[] => [...problems, { entry: null, problem }];
  const fh = await open(path, "r");
  try {
    if (fileSize < 22) return whole("too short to be a zip archive");
    const eocd = await readAt(fh, fileSize - 22, 22);
    if (eocd.readUInt32LE(0) !== 0x06054b50) return whole("the end of the zip archive is not wheelbarrow's end record (damaged, or a comment was added)");
    let count = eocd.readUInt16LE(10);
    let cdSize = eocd.readUInt32LE(12);
    let cdOffset = eocd.readUInt32LE(16);
    if (count === 0xffff || cdSize === 0xffffffff || cdOffset === 0xffffffff) {
      if (fileSize < 98) return whole("the ZIP64 end records are damaged");
      const rec = await readAt(fh, fileSize - 98, 56);
      if (rec.readUInt32LE(0) !== 0x06064b50) return whole("the ZIP64 end records are damaged");
      count = u64(rec, 32);
      cdSize = u64(rec, 40);
      cdOffset = u64(rec, 48);
    }
    const expectedEnd = endRecords(count, cdOffset, cdSize);
    if (cdOffset + cdSize + expectedEnd.length !== fileSize) return whole("the zip end records do not match the file's size (bytes added, removed or damaged)");
    const actualEnd = await readAt(fh, cdOffset + cdSize, expectedEnd.length);
    if (!actualEnd.equals(expectedEnd)) problems.push({ entry: null, problem: "the zip end records are not what wheelbarrow writes" });

    const { entries, problem } = parseCentral(await readAt(fh, cdOffset, cdSize));
    if (problem) return whole(problem);
    if (entries.length !== count) problems.push({ entry: null, problem: `the end record counts ${count} entries, the central directory holds ${entries.length}` });
    let cursor = 0;
    for (const c of entries) {
      if (!c.raw.equals(centralRecord(c))) problems.push({ entry: c.name, problem: "its central directory record is not what wheelbarrow writes" });
      if (c.offset !== cursor) {
        problems.push({ entry: c.name, problem: `its local header is at byte ${c.offset}, expected ${cursor} (bytes were added or removed)` });
        cursor = c.offset;
      }
      const head = localHeader(c);
      if (!(await readAt(fh, cursor, head.length)).equals(head)) problems.push({ entry: c.name, problem: "its local header does not match the central directory" });
      cursor += head.length + c.csize;
      const desc = dataDescriptor(c);
      if (desc.length > 0 && !(await readAt(fh, cursor, desc.length)).equals(desc)) problems.push({ entry: c.name, problem: "its data descriptor does not match the central directory" });
      cursor += desc.length;
    }
    if (cursor !== cdOffset) problems.push({ entry: null, problem: `the entries end at byte ${cursor} but the central directory starts at ${cdOffset}` });
    return problems;
  } finally {
    await fh.close();
  }
}
