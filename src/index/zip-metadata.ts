/**
 * Reading a wheel's `*.dist-info/METADATA` out of a zip, locally or over HTTP range requests: a
 * yauzl RandomAccessReader that fetches the byte ranges yauzl asks for (at least 64 KiB at a
 * time, so the central directory, the local header and the member usually take two requests)
 * and keeps what it fetched.
 */
import { PassThrough, type Readable } from "node:stream";
import yauzl from "yauzl";
import { WbError } from "../errors.js";
import { canonicalizeName } from "../pypa/names.js";
import { openZipFile } from "../store/zip-file.js";

export const MIN_FETCH = 64 * 1024;
/** The largest METADATA read, inside a zip or as a PEP 658 sidecar (real ones are a few KiB). */
export const MAX_METADATA = 16 * 1024 * 1024;

interface Segment {
  start: number;
  buf: Buffer;
}

export class RangeReader extends yauzl.RandomAccessReader {
  private readonly segments: Segment[] = [];
  /** Number of range requests made (tests assert the reader is frugal). */
  requests = 0;

  constructor(
    private readonly size: number,
    private readonly fetchRange: (start: number, endInclusive: number) => Promise<Buffer>,
    initial?: Segment,
  ) {
    super();
    if (initial) this.segments.push(initial);
  }

  private async slice(start: number, end: number): Promise<Buffer> {
    for (const s of this.segments) if (start >= s.start && end <= s.start + s.buf.length) return s.buf.subarray(start - s.start, end - s.start);
    const to = Math.min(this.size, Math.max(end, start + MIN_FETCH));
    this.requests++;
    const buf = await this.fetchRange(start, to - 1);
    if (buf.length < end - start) throw new Error(`short range read: asked ${start}-${end - 1}, got ${buf.length} bytes`);
    this.segments.push({ start, buf });
    return buf.subarray(0, end - start);
  }

  // yauzl reads the central directory two small reads per entry; served from the fetched
  // segments directly, not through a stream each (a wheel can have tens of thousands of entries).
  override read(buffer: Buffer, offset: number, length: number, position: number, callback: (err: Error | null, bytesRead?: number) => void): void {
    this.slice(position, position + length).then(
      (b) => {
        b.copy(buffer, offset);
        callback(null, b.length);
      },
      (e: unknown) => callback(e as Error),
    );
  }

  override _readStreamForRange(start: number, end: number): Readable {
    const out = new PassThrough();
    this.slice(start, end).then(
      (b) => out.end(b),
      (e: unknown) => out.destroy(e as Error),
    );
    return out;
  }
}

function openZip(open: (cb: (err: Error | null, zip: yauzl.ZipFile) => void) => void): Promise<yauzl.ZipFile> {
  return new Promise((res, rej) => open((err, zip) => (err ? rej(err) : res(zip))));
}

export function zipFromReader(reader: RangeReader, size: number): Promise<yauzl.ZipFile> {
  return openZip((cb) => yauzl.fromRandomAccessReader(reader, size, { lazyEntries: true, autoClose: false }, cb));
}

export function zipFromFile(path: string): Promise<yauzl.ZipFile> {
  return openZipFile(path, { lazyEntries: true, autoClose: false });
}

/** Every entry name of the zip, in order, with the entries themselves. */
function entries(zip: yauzl.ZipFile): Promise<yauzl.Entry[]> {
  return new Promise((res, rej) => {
    const out: yauzl.Entry[] = [];
    zip.on("entry", (e: yauzl.Entry) => {
      out.push(e);
      zip.readEntry();
    });
    zip.on("end", () => res(out));
    zip.on("error", rej);
    zip.readEntry();
  });
}

/**
 * The member's bytes, inflated with a limit: never more than the size its header declares (the
 * caller has capped that), so a member that inflates far beyond its claim costs no memory.
 */
function readEntry(zip: yauzl.ZipFile, entry: yauzl.Entry, filename: string, shownUrl: string): Promise<Buffer> {
  const limit = entry.uncompressedSize;
  return new Promise((res, rej) => {
    zip.openReadStream(entry, (err, stream) => {
      if (err) return rej(err);
      const chunks: Buffer[] = [];
      let n = 0;
      const overflow = (): WbError =>
        new WbError("E_INTEGRITY", `${filename} (${shownUrl}): ${entry.fileName} inflates to more than the ${limit} bytes its zip header declares: it is not a valid wheel`, {
          details: { file: filename, url: shownUrl, member: entry.fileName },
        });
      stream.on("data", (c: Buffer) => {
        n += c.length;
        if (n > limit) {
          stream.destroy();
          rej(overflow());
          return;
        }
        chunks.push(c);
      });
      stream.on("end", () => res(Buffer.concat(chunks)));
      // yauzl checks the declared size itself and may be first to notice.
      stream.on("error", (e: Error) => rej(/too many bytes/.test(e.message) ? overflow() : e));
    });
  });
}

/**
 * The METADATA text of the wheel `filename` in `zip`: the `<name>-<version>.dist-info/METADATA`
 * at the top level whose name matches the file name's project (or the only one there is).
 */
export async function metadataFromZip(zip: yauzl.ZipFile, filename: string, shownUrl: string): Promise<string> {
  try {
    const project = canonicalizeName(filename.split("-")[0] ?? "");
    const candidates = (await entries(zip)).filter((e) => /^[^/]+\.dist-info\/METADATA$/.test(e.fileName));
    const matching = candidates.filter((e) => {
      const dir = e.fileName.slice(0, e.fileName.indexOf(".dist-info/"));
      const dash = dir.lastIndexOf("-");
      return canonicalizeName(dash === -1 ? dir : dir.slice(0, dash)) === project;
    });
    const entry = matching[0] ?? (candidates.length === 1 ? candidates[0] : undefined);
    if (!entry) {
      throw new WbError("E_INTEGRITY", `${filename} (${shownUrl}) has no ${project.replace(/-/g, "_")}-*.dist-info/METADATA: it is not a valid wheel`, { details: { file: filename, url: shownUrl } });
    }
    if (entry.uncompressedSize > MAX_METADATA) {
      throw new WbError("E_INTEGRITY", `${filename}: its METADATA is ${entry.uncompressedSize} bytes, more than any real wheel's`, { details: { file: filename, url: shownUrl } });
    }
    return (await readEntry(zip, entry, filename, shownUrl)).toString("utf8");
  } finally {
    zip.close();
  }
}
