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
 */
import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { lstat, open, readdir, stat } from "node:fs/promises";
import { basename, join } from "node:path";
import { createGunzip } from "node:zlib";
import { pipeline } from "node:stream/promises";
import { Writable } from "node:stream";
import { Parser, type ReadEntry } from "tar";
import yauzl from "yauzl";
import { WbError } from "../errors.js";
import { MANIFEST_NAME, SUMS_NAME, isSafeRelPath } from "./manifest.js";

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

export const RECORD_FILES = new Set([MANIFEST_NAME, SUMS_NAME, "pylock.toml", "requirements.txt", "sbom.cdx.json"]);
const MAX_RECORD = 64 * 1024 * 1024;
const ARCHIVE = "(archive)";

interface RawEntry {
  /** Full path inside the archive, `/`-separated, without a trailing slash for directories. */
  name: string;
  kind: "file" | "dir" | "other";
  kindName: string;
  executable: boolean;
}

/** Collects raw archive entries and maps them under the single top-level directory. */
class Collector {
  readonly files = new Map<string, ReadFile>();
  readonly texts = new Map<string, Buffer>();
  readonly problems: Problem[] = [];
  root: string | null = null;
  private readonly seen = new Set<string>();

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

const TAR_KIND: Record<string, RawEntry["kind"]> = { File: "file", OldFile: "file", ContiguousFile: "file", Directory: "dir" };

async function readTarGz(path: string, c: Collector): Promise<void> {
  const parser = new Parser({
    onwarn: (code: string, message: string) => {
      c.problems.push({ file: ARCHIVE, problem: `tar: ${message} (${code})` });
    },
  });
  parser.on("entry", (entry: ReadEntry) => {
    const kind = TAR_KIND[entry.type] ?? "other";
    const sink = c.add({ name: entry.path, kind, kindName: `${entry.type} entry`, executable: ((entry.mode ?? 0) & 0o111) !== 0 }, entry.size);
    if (!sink) return void entry.resume();
    entry.on("data", (d: Buffer) => sink.data(d));
    entry.on("end", () => sink.end());
  });
  const sinkStream = new Writable({
    write(chunk: Buffer, _enc, cb) {
      if (parser.write(chunk)) cb();
      else parser.once("drain", () => cb());
    },
    final(cb) {
      parser.end(() => cb());
    },
  });
  try {
    await pipeline(createReadStream(path), createGunzip(), sinkStream);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code ?? "";
    c.problems.push({ file: ARCHIVE, problem: `the gzip stream is damaged: ${(e as Error).message}${code ? ` (${code})` : ""}` });
  }
}

async function readZip(path: string, c: Collector): Promise<void> {
  let zip: yauzl.ZipFile;
  try {
    zip = await new Promise<yauzl.ZipFile>((res, rej) => yauzl.open(path, { lazyEntries: true, validateEntrySizes: true }, (err, z) => (err ? rej(err) : res(z))));
  } catch (e) {
    c.problems.push({ file: ARCHIVE, problem: `not a readable zip archive: ${(e as Error).message}` });
    return;
  }
  await new Promise<void>((res) => {
    const fail = (e: Error): void => {
      c.problems.push({ file: ARCHIVE, problem: `the zip archive is damaged: ${e.message}` });
      zip.close();
      res();
    };
    zip.on("error", fail);
    zip.on("end", () => res());
    zip.on("entry", (entry: yauzl.Entry) => {
      const unixType = (entry.externalFileAttributes >>> 16) & 0o170000;
      const isDir = entry.fileName.endsWith("/");
      const kind: RawEntry["kind"] = isDir ? "dir" : unixType === 0 || unixType === 0o100000 ? "file" : "other";
      const sink = c.add(
        { name: entry.fileName, kind, kindName: unixType === 0o120000 ? "symlink" : "special file", executable: ((entry.externalFileAttributes >>> 16) & 0o111) !== 0 },
        entry.uncompressedSize,
      );
      if (!sink) return void zip.readEntry();
      zip.openReadStream(entry, (err, s) => {
        if (err) return fail(err);
        s.on("data", (d: Buffer) => sink.data(d));
        s.on("error", fail);
        s.on("end", () => {
          sink.end();
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
  if (format === "tar.gz") await readTarGz(path, c);
  else await readZip(path, c);
  return { source, format, root: c.root ?? "", files: c.files, texts: c.texts, problems: c.problems, size: st.size };
}
