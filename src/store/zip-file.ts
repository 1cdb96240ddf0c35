/**
 * Opening a local zip (a wheel) with yauzl through a reader that reads the file in large blocks.
 * `yauzl.open` reads the central directory one record at a time (two `fs.read` calls per entry)
 * and every member's local header separately: for a wheel of a few thousand members that is
 * thousands of thread-pool round trips, each waiting its turn behind every other read on a busy
 * machine. Here every read is served from 256 KiB blocks of the file (a few kept, least recently
 * used first out), so reading all entries of a wheel costs about one `fs.read` per block it spans.
 * Member data streams block by block, never more than a block ahead of its consumer. What yauzl
 * checks and how it reports a broken zip are unchanged (the same code reads the same bytes).
 * `readMember` streams a member as yauzl does, except that a small one is read in one piece and
 * inflated synchronously: a wheel is mostly members of a few KiB, for which a stream pipeline and
 * a thread-pool inflate per member cost far more than the inflating itself.
 */
import { close, fstat, open, read } from "node:fs";
import { Readable } from "node:stream";
import { createInflateRaw, inflateRawSync } from "node:zlib";
import yauzl from "yauzl";

export const BLOCK = 256 * 1024;
const KEEP_BLOCKS = 4;

export class BlockFileReader extends yauzl.RandomAccessReader {
  private readonly blocks = new Map<number, Promise<Buffer>>();
  /** fs.read calls made (tests assert the reader is frugal). */
  reads = 0;

  constructor(
    private readonly fd: number,
    readonly size: number,
  ) {
    super();
  }

  private block(i: number): Promise<Buffer> {
    const kept = this.blocks.get(i);
    if (kept) {
      this.blocks.delete(i);
      this.blocks.set(i, kept);
      return kept;
    }
    const start = i * BLOCK;
    const length = Math.min(BLOCK, this.size - start);
    this.reads++;
    const p = new Promise<Buffer>((res, rej) => {
      const buf = Buffer.allocUnsafe(length);
      read(this.fd, buf, 0, length, start, (err, n) => {
        if (err) rej(err);
        else if (n < length) rej(new Error(`short read: ${n} of ${length} bytes at ${start} (the file changed while it was read)`));
        else res(buf);
      });
    });
    this.blocks.set(i, p);
    // A failed read is not kept: the next caller asks again.
    p.catch(() => this.blocks.get(i) === p && this.blocks.delete(i));
    while (this.blocks.size > KEEP_BLOCKS) this.blocks.delete(this.blocks.keys().next().value!);
    return p;
  }

  /** Bytes [start, end) of the file that lie in one block (end is clipped to the block's end). */
  private async inBlock(start: number, end: number): Promise<Buffer> {
    const i = Math.floor(start / BLOCK);
    const b = await this.block(i);
    const from = start - i * BLOCK;
    return b.subarray(from, Math.min(b.length, from + (end - start)));
  }

  override read(buffer: Buffer, offset: number, length: number, position: number, callback: (err: Error | null, bytesRead?: number) => void): void {
    const end = Math.min(this.size, position + length);
    const fill = async (): Promise<number> => {
      let at = position;
      while (at < end) {
        const part = await this.inBlock(at, end);
        part.copy(buffer, offset + (at - position));
        at += part.length;
      }
      return Math.max(0, end - position);
    };
    fill().then(
      (n) => callback(null, n),
      (e: unknown) => callback(e as Error),
    );
  }

  override _readStreamForRange(start: number, end: number): Readable {
    let at = start;
    const last = Math.min(end, this.size);
    const inBlock = (s: number, e: number): Promise<Buffer> => this.inBlock(s, e);
    return new Readable({
      highWaterMark: BLOCK,
      read() {
        if (at >= last) {
          this.push(null);
          return;
        }
        inBlock(at, last).then(
          (b) => {
            at += b.length;
            this.push(b);
          },
          (e: unknown) => this.destroy(e as Error),
        );
      },
    });
  }

  override close(callback: (err: Error | null) => void): void {
    this.blocks.clear();
    close(this.fd, (err) => callback(err ?? null));
  }
}

/** `yauzl.open(path, options)` over a BlockFileReader; the file is closed on failure, and by zip.close() (or autoClose) after success. */
export function openZipFile(path: string, options: yauzl.Options): Promise<yauzl.ZipFile> {
  return new Promise((res, rej) => {
    open(path, "r", (err, fd) => {
      if (err) return rej(err);
      fstat(fd, (err2, st) => {
        if (err2) return close(fd, () => rej(err2));
        yauzl.fromRandomAccessReader(new BlockFileReader(fd, st.size), st.size, options, (err3, zip) => {
          if (err3) return close(fd, () => rej(err3));
          res(zip);
        });
      });
    });
  });
}

/** Members up to this size (compressed and uncompressed) are read whole and inflated synchronously. */
export const SMALL_MEMBER = 256 * 1024;

function memberBytes(zip: yauzl.ZipFile, entry: yauzl.Entry): Promise<Buffer> {
  return new Promise((res, rej) => {
    zip.readLocalFileHeader(entry, { minimal: true }, (err, header) => {
      if (err) return rej(err);
      const raw = Buffer.allocUnsafe(entry.compressedSize);
      // yauzl's ZipFile keeps its reader as `reader` (not in its type declarations).
      const reader = (zip as unknown as { reader: yauzl.RandomAccessReader }).reader;
      reader.read(raw, 0, raw.length, header.fileDataStart, (err2: Error | null) => (err2 ? rej(err2) : res(raw)));
    });
  });
}

/**
 * A big deflated member, inflated in 256 KiB chunks (yauzl's inflater uses zlib's 16 KiB default:
 * a thread-pool round trip and a buffer per 16 KiB, tens of thousands for one shared library).
 */
function streamMember(zip: yauzl.ZipFile, entry: yauzl.Entry, onChunk: (c: Buffer) => void): Promise<void> {
  const deflated = entry.compressionMethod === 8 && !entry.isEncrypted();
  const want = entry.uncompressedSize;
  return new Promise((res, rej) => {
    zip.openReadStream(entry, deflated ? { decompress: false } : {}, (err, raw) => {
      if (err) return rej(err);
      if (!deflated) {
        raw.on("data", onChunk);
        raw.on("end", () => res());
        raw.on("error", rej);
        return;
      }
      const inflate = createInflateRaw({ chunkSize: BLOCK });
      let n = 0;
      const fail = (e: Error): void => {
        raw.unpipe(inflate);
        raw.destroy();
        inflate.destroy();
        rej(e);
      };
      inflate.on("data", (c: Buffer) => {
        n += c.length;
        if (n > want) return fail(new Error(`too many bytes in the stream. expected ${want}. got at least ${n}`));
        onChunk(c);
      });
      inflate.on("end", () => (n < want ? rej(new Error(`not enough bytes in the stream. expected ${want}. got only ${n}`)) : res()));
      inflate.on("error", fail);
      raw.on("error", fail);
      raw.pipe(inflate);
    });
  });
}

/**
 * Every byte of `entry` through `onChunk`, with yauzl's checks and messages: encrypted and
 * unsupported entries refused, the inflated size equal to the declared one.
 */
export async function readMember(zip: yauzl.ZipFile, entry: yauzl.Entry, onChunk: (c: Buffer) => void): Promise<void> {
  const small = entry.compressedSize <= SMALL_MEMBER && entry.uncompressedSize <= SMALL_MEMBER && (entry.compressionMethod === 0 || entry.compressionMethod === 8) && !entry.isEncrypted();
  if (!small) return streamMember(zip, entry, onChunk);
  const want = entry.uncompressedSize;
  if (entry.compressionMethod === 0 && entry.compressedSize !== want) {
    throw new Error(`compressed/uncompressed size mismatch for stored file: ${entry.compressedSize} != ${want}`);
  }
  const raw = await memberBytes(zip, entry);
  let data: Buffer;
  if (entry.compressionMethod === 0) data = raw;
  else {
    try {
      data = inflateRawSync(raw, { maxOutputLength: want + 1 });
    } catch (e) {
      if ((e as { code?: string }).code === "ERR_BUFFER_TOO_LARGE") throw new Error(`too many bytes in the stream. expected ${want}. got at least ${want + 1}`);
      throw e;
    }
  }
  if (data.length > want) throw new Error(`too many bytes in the stream. expected ${want}. got at least ${data.length}`);
  if (data.length < want) throw new Error(`not enough bytes in the stream. expected ${want}. got only ${data.length}`);
  if (data.length) onChunk(data);
}
