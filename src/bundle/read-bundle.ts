/**
 * Opens a bundle for verify / inspect / diff: a `.tar.gz`, a `.zip` (detected by content, not by
 * name) or an unpacked directory (the bundle directory itself, or a directory holding exactly one
 * bundle directory, as `tar -xzf` leaves it). One streaming pass records every file's size, mode
 * and sha256 and keeps the small top-level records (manifest.json, SHA256SUMS, pylock.toml,
 * requirements.txt, sbom.cdx.json) in memory.
 *
 * Nothing is extracted. Anything that is not a plain file or directory under the single
 * top-level directory (links, devices, entries outside it, unsafe or duplicate paths, a damaged
 * compressed stream) is reported as a problem naming the entry, for verify to list with the rest.
 *
 * Archives are also held to what wheelbarrow writes, so that a change of any byte is noticed:
 * one time stamp for every entry, modes 0644/0755 (directories 0755), tar owners uid/gid 0 with
 * empty names, wheelbarrow's exact gzip header, the gzip CRC-32/length of the whole tar stream,
 * and for zip the CRC-32 of every entry plus the byte-exact layout check of zip-layout.ts. (A
 * few bits inside deflate's Huffman tables carry no information; flipping them changes nothing
 * that is read, so nothing can notice.) Unpacked directories are checked for content only:
 * copying a tree rarely keeps times, and Windows keeps no modes.
 */
import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { lstat, open, readdir, stat } from "node:fs/promises";
import { basename, join } from "node:path";
import { crc32, createInflateRaw } from "node:zlib";
import { Parser, type ReadEntry } from "tar";
import yauzl from "yauzl";
import { WbError } from "../errors.js";
import { MANIFEST_NAME, SUMS_NAME, SUMS_SIG_NAME, isSafeRelPath } from "./manifest.js";
import { checkZipLayout } from "./zip-layout.js";

export type ReadFormat = "tar.gz" | "zip" | "dir";

export interface ReadFile {
  path: string;
  size: number;
  /** null when opened without hashing. */
  sha256: string | null;
  executable: boolean;
}

export interface Problem {
  file: string;
  problem: string;
}

export interface OpenedBundle {
  source: string;
  format: ReadFormat;
  /** The top-level directory name (archives) or the bundle directory's name. */
  root: string;
  /** Regular files, by path relative to the bundle root. */
  files: Map<string, ReadFile>;
  /** The top-level records, by name. */
  texts: Map<string, Buffer>;
  problems: Problem[];
  /** Size of the archive file (sum of file sizes for a directory). */
  size: number;
}

export const RECORD_FILES = new Set([MANIFEST_NAME, SUMS_NAME, SUMS_SIG_NAME, "pylock.toml", "requirements.txt", "sbom.cdx.json"]);
const MAX_RECORD = 64 * 1024 * 1024;
const ARCHIVE = "(archive)";

interface RawEntry {
  /** Full path inside the archive, `/`-separated, without a trailing slash for directories. */
  name: string;
  kind: "file" | "dir" | "other";
  kindName: string;
  executable: boolean;
  /** Archives only: permission bits, a time stamp in the format's own units, format-specific anomalies. */
  perms?: number;
  stamp?: number;
  anomalies?: string[];
}

/** Collects raw archive entries and maps them under the single top-level directory. */
class Collector {
  readonly files = new Map<string, ReadFile>();
  readonly texts = new Map<string, Buffer>();
  readonly problems: Problem[] = [];
  root: string | null = null;
  private readonly seen = new Set<string>();
  private stamp: number | null = null;

  constructor(private readonly hash: boolean) {}

  /** Returns a sink for the entry's data, or null when the data is not wanted. */
  add(e: RawEntry, size: number): { data(c: Buffer): void; end(): void } | null {
    const name = e.name.replace(/\/+$/, "");
    if (!isSafeRelPath(name)) {
      this.problems.push({ file: e.name, problem: "unsafe path in the archive (absolute, '..' or backslash)" });
      return null;
    }
    const [top, ...rest] = name.split("/");
    if (this.root === null) this.root = top as string;
    const rel = rest.join("/");
    if (top !== this.root || (rel === "" && e.kind !== "dir")) {
      this.problems.push({ file: name, problem: `unexpected entry outside the bundle's top-level directory ${this.root}/` });
      return null;
    }
    if (rel === "") return null;
    if (this.seen.has(rel)) {
      this.problems.push({ file: rel, problem: "appears twice in the archive" });
      return null;
    }
    this.seen.add(rel);
    // wheelbarrow writes one time stamp and modes 0644/0755 (directories 0755): anything else was altered.
    const odd = [...(e.anomalies ?? [])];
    if (e.perms !== undefined) {
      const allowed = e.kind === "dir" ? [0o755] : [0o644, 0o755];
      if (!allowed.includes(e.perms)) odd.push(`mode ${e.perms.toString(8).padStart(4, "0")} is not one wheelbarrow writes`);
    }
    if (e.stamp !== undefined) {
      if (this.stamp === null) this.stamp = e.stamp;
      else if (e.stamp !== this.stamp) odd.push("its time stamp differs from the other entries'");
    }
    for (const why of odd) this.problems.push({ file: rel, problem: why });
    if (e.kind === "dir") return null;
    if (e.kind === "other") {
      this.problems.push({ file: rel, problem: `unexpected ${e.kindName} (a bundle holds only files and directories)` });
      return null;
    }
    const h = this.hash ? createHash("sha256") : null;
    const keep = RECORD_FILES.has(rel) && size <= MAX_RECORD ? ([] as Buffer[]) : null;
    let n = 0;
    return {
      data: (c) => {
        h?.update(c);
        keep?.push(c);
        n += c.length;
      },
      end: () => {
        this.files.set(rel, { path: rel, size: n, sha256: h ? h.digest("hex") : null, executable: e.executable });
        if (keep) this.texts.set(rel, Buffer.concat(keep));
      },
    };
  }
}

async function sniff(path: string): Promise<"tar.gz" | "zip" | null> {
  const fh = await open(path, "r");
  try {
    const b = Buffer.alloc(4);
    await fh.read(b, 0, 4, 0);
    if (b[0] === 0x1f && b[1] === 0x8b) return "tar.gz";
    if (b[0] === 0x50 && b[1] === 0x4b) return "zip";
    return null;
  } finally {
    await fh.close();
  }
}

const WB_GZIP_HEADER = Buffer.from([0x1f, 0x8b, 0x08, 0x00, 0, 0, 0, 0, 0x00, 0xff]);
const TAR_KIND: Record<string, RawEntry["kind"]> = { File: "file", OldFile: "file", ContiguousFile: "file", Directory: "dir" };

/** Length of a gzip member header (RFC 1952), or null if `b` does not start one. */
function gzipHeaderLength(b: Buffer): number | null {
  if (b.length < 10 || b[0] !== 0x1f || b[1] !== 0x8b || b[2] !== 8) return null;
  const flg = b[3] as number;
  let i = 10;
  if (flg & 4) i += 2 + b.readUInt16LE(i);
  for (const bit of [8, 16]) {
    if (!(flg & bit)) continue;
    const z = b.indexOf(0, i);
    if (z === -1) return null;
    i = z + 1;
  }
  if (flg & 2) i += 2;
  return i <= b.length ? i : null;
}

/**
 * Inflates the gzip body as raw deflate and checks CRC-32/ISIZE against the trailer itself:
 * zlib's gunzip would fail on a bad checksum before handing over the last data, and verify
 * wants to see (and name) every entry even in a damaged archive.
 */
async function readTarGz(path: string, fileSize: number, c: Collector): Promise<void> {
  const fh = await open(path, "r");
  let headerLen: number | null;
  let gzHead = Buffer.alloc(0);
  const trailer = Buffer.alloc(8);
  try {
    const head = Buffer.alloc(Math.min(fileSize, 64 * 1024));
    await fh.read(head, 0, head.length, 0);
    headerLen = gzipHeaderLength(head);
    gzHead = Buffer.from(head.subarray(0, headerLen ?? 10));
    if (fileSize >= 18) await fh.read(trailer, 0, 8, fileSize - 8);
  } finally {
    await fh.close();
  }
  if (headerLen === null || fileSize < headerLen + 8) {
    c.problems.push({ file: ARCHIVE, problem: "the gzip header is damaged" });
    return;
  }
  if (!gzHead.equals(WB_GZIP_HEADER)) c.problems.push({ file: ARCHIVE, problem: "the gzip header is not the one wheelbarrow writes (name, time or OS byte changed)" });
  const parser = new Parser({
    onwarn: (code: string, message: string) => {
      c.problems.push({ file: ARCHIVE, problem: `tar: ${message} (${code})` });
    },
  });
  parser.on("error", (e: Error) => c.problems.push({ file: ARCHIVE, problem: `tar: ${e.message}` }));
  parser.on("entry", (entry: ReadEntry) => {
    const kind = TAR_KIND[entry.type] ?? "other";
    const anomalies: string[] = [];
    if (entry.header.uid !== 0 || entry.header.gid !== 0 || (entry.header.uname ?? "") !== "" || (entry.header.gname ?? "") !== "") anomalies.push("its owner is not uid/gid 0 with empty names");
    const sink = c.add(
      {
        name: entry.path,
        kind,
        kindName: `${entry.type} entry`,
        executable: ((entry.mode ?? 0) & 0o111) !== 0,
        perms: (entry.mode ?? 0) & 0o7777,
        stamp: entry.mtime ? entry.mtime.getTime() / 1000 : -1,
        anomalies,
      },
      entry.size,
    );
    if (!sink) return void entry.resume();
    entry.on("data", (d: Buffer) => sink.data(d));
    entry.on("end", () => sink.end());
  });
  await new Promise<void>((resolve) => {
    const src = createReadStream(path, { start: headerLen as number, end: fileSize - 9 });
    const inflate = createInflateRaw();
    let crc = 0;
    let isize = 0;
    let done = false;
    const finish = (problem?: string): void => {
      if (done) return;
      done = true;
      if (problem) c.problems.push({ file: ARCHIVE, problem });
      parser.end(() => resolve());
    };
    src.on("error", (e) => {
      inflate.destroy();
      finish(`cannot read the archive: ${e.message}`);
    });
    inflate.on("error", (e) => {
      src.destroy();
      finish(`the gzip stream is damaged: ${e.message}`);
    });
    inflate.on("data", (chunk: Buffer) => {
      crc = crc32(chunk, crc);
      isize = (isize + chunk.length) >>> 0;
      if (!parser.write(chunk)) {
        inflate.pause();
        parser.once("drain", () => inflate.resume());
      }
    });
    inflate.on("end", () => {
      const ok = trailer.readUInt32LE(0) === crc >>> 0 && trailer.readUInt32LE(4) === isize;
      finish(ok ? undefined : "the gzip stream is damaged: its CRC-32 or length does not match the content");
    });
    src.pipe(inflate);
  });
}

/** An archive entry name relative to the bundle root (the top-level directory stripped). */
function inBundle(name: string): string {
  const i = name.indexOf("/");
  return (i === -1 ? name : name.slice(i + 1)).replace(/\/$/, "") || name;
}

async function readZip(path: string, fileSize: number, c: Collector): Promise<void> {
  let zip: yauzl.ZipFile;
  try {
    zip = await new Promise<yauzl.ZipFile>((res, rej) => yauzl.open(path, { lazyEntries: true, validateEntrySizes: true }, (err, z) => (err ? rej(err) : res(z))));
  } catch (e) {
    c.problems.push({ file: ARCHIVE, problem: `not a readable zip archive: ${(e as Error).message}` });
    return;
  }
  for (const p of await checkZipLayout(path, fileSize)) c.problems.push({ file: p.entry === null ? ARCHIVE : inBundle(p.entry), problem: p.problem });
  await new Promise<void>((res) => {
    const fail = (e: Error): void => {
      c.problems.push({ file: ARCHIVE, problem: `the zip archive is damaged: ${e.message}` });
      zip.close();
      res();
    };
    zip.on("error", fail);
    zip.on("end", () => res());
    zip.on("entry", (entry: yauzl.Entry) => {
      const attrs = entry.externalFileAttributes >>> 16;
      const unixType = attrs & 0o170000;
      const isDir = entry.fileName.endsWith("/");
      const kind: RawEntry["kind"] = isDir ? "dir" : unixType === 0 || unixType === 0o100000 ? "file" : "other";
      const sink = c.add(
        {
          name: entry.fileName,
          kind,
          kindName: unixType === 0o120000 ? "symlink" : "special file",
          executable: (attrs & 0o111) !== 0,
          perms: attrs & 0o7777,
          stamp: entry.lastModFileDate * 65536 + entry.lastModFileTime,
        },
        entry.uncompressedSize,
      );
      if (!sink) return void zip.readEntry();
      zip.openReadStream(entry, (err, s) => {
        if (err) return fail(err);
        let crc = 0;
        s.on("data", (d: Buffer) => {
          crc = crc32(d, crc);
          sink.data(d);
        });
        s.on("error", fail);
        s.on("end", () => {
          sink.end();
          if (crc >>> 0 !== entry.crc32) c.problems.push({ file: inBundle(entry.fileName), problem: "its CRC-32 does not match the zip directory" });
          zip.readEntry();
        });
      });
    });
    zip.readEntry();
  });
}

/** The bundle directory: `dir` itself if it holds manifest.json, else its only subdirectory that does. */
async function findBundleDir(dir: string, display: string): Promise<string> {
  const has = async (d: string): Promise<boolean> => (await lstat(join(d, MANIFEST_NAME)).catch(() => null))?.isFile() ?? false;
  if (await has(dir)) return dir;
  const subdirs = [];
  for (const name of (await readdir(dir)).sort()) {
    if ((await lstat(join(dir, name))).isDirectory() && (await has(join(dir, name)))) subdirs.push(join(dir, name));
  }
  if (subdirs.length === 1) return subdirs[0] as string;
  throw new WbError("E_BUNDLE", `${display} is not a bundle: it has no manifest.json${subdirs.length > 1 ? ` (it holds ${subdirs.length} bundle directories; name one)` : ""}`, {
    hint: "give a bundle archive (.tar.gz or .zip) or the directory that holds its manifest.json",
  });
}

async function readDir(dir: string, c: Collector): Promise<number> {
  let total = 0;
  const walk = async (abs: string, rel: string): Promise<void> => {
    for (const name of (await readdir(abs)).sort()) {
      const p = join(abs, name);
      const r = rel === "" ? name : `${rel}/${name}`;
      const st = await lstat(p);
      if (st.isDirectory()) {
        c.add({ name: `${c.root}/${r}`, kind: "dir", kindName: "directory", executable: false }, 0);
        await walk(p, r);
        continue;
      }
      const kindName = st.isSymbolicLink() ? "symlink" : "special file";
      const sink = c.add({ name: `${c.root}/${r}`, kind: st.isFile() ? "file" : "other", kindName, executable: (st.mode & 0o111) !== 0 }, st.size);
      if (!sink) continue;
      for await (const chunk of createReadStream(p) as AsyncIterable<Buffer>) sink.data(chunk);
      sink.end();
      total += st.size;
    }
  };
  await walk(dir, "");
  return total;
}

/** `opts.display`: how to name the bundle in messages (default `path`). */
export async function openBundle(path: string, opts: { hash?: boolean; display?: string } = {}): Promise<OpenedBundle> {
  const source = opts.display ?? path;
  const st = await stat(path).catch(() => null);
  if (!st) throw new WbError("E_USAGE", `no such bundle: ${source}`, { hint: "give the path of a bundle archive or of an unpacked bundle directory" });
  const c = new Collector(opts.hash ?? true);
  if (st.isDirectory()) {
    const dir = await findBundleDir(path, source);
    c.root = basename(dir);
    const size = await readDir(dir, c);
    return { source, format: "dir", root: c.root, files: c.files, texts: c.texts, problems: c.problems, size };
  }
  const format = await sniff(path);
  if (format === null) {
    throw new WbError("E_BUNDLE", `${source} is neither a .tar.gz nor a .zip bundle`, { hint: "give a bundle archive written by 'wheelbarrow bundle', or an unpacked bundle directory" });
  }
  if (format === "tar.gz") await readTarGz(path, st.size, c);
  else await readZip(path, st.size, c);
  return { source, format, root: c.root ?? "", files: c.files, texts: c.texts, problems: c.problems, size: st.size };
}
