/**
 * One streaming pass over an interpreter archive (tar.gz): checks that it is shaped like a
 * python-build-standalone `install_only` archive (every entry a file, directory or symlink under
 * `python/`, no absolute or `..` path, no link pointing out of `python/`, the interpreter at
 * `python/bin/python3` or `python/python.exe`) and measures its platform floor from the binaries
 * themselves: the highest GLIBC_x.y any ELF file needs, the highest macOS minimum any Mach-O
 * slice names. Files are read only as far as needed (ELF/Mach-O bodies are buffered, capped).
 */
import { createReadStream } from "node:fs";
import { pipeline } from "node:stream/promises";
import { createGunzip } from "node:zlib";
import { posix } from "node:path";
import { Parser, type ReadEntry } from "tar";
import { isElf, readElf, ElfError } from "./elf-floor.js";
import { isMacho, readMacho, MachoError } from "./macho-floor.js";

export interface DistScan {
  files: number;
  /** "python/bin/python3" or "python/python.exe", or null when absent. */
  executable: string | null;
  /** "3.12" from python/lib/python3.12/, when present. */
  libVersion: string | null;
  glibc: [number, number] | null;
  /** The file that needs `glibc`. */
  glibcFile: string | null;
  macos: [number, number] | null;
  macosFile: string | null;
  /** e_machine of ELF executables under python/bin/ (or Mach-O slice arches). */
  machines: string[];
  /** Shape problems, one line each; empty when the archive is PBS-shaped. */
  problems: string[];
}

const MAX_BINARY = 512 * 1024 * 1024;
const ELF_NAMES: Record<number, string> = { 62: "x86_64", 183: "aarch64", 3: "i686", 40: "armv7", 21: "ppc64le", 22: "s390x", 243: "riscv64" };

function newer(a: [number, number] | null, b: [number, number]): boolean {
  return !a || b[0] > a[0] || (b[0] === a[0] && b[1] > a[1]);
}

function safeRel(p: string): boolean {
  return p !== "" && !p.startsWith("/") && !/[\\\0]/.test(p) && p.split("/").every((s) => s !== "..");
}

export async function scanDist(path: string): Promise<DistScan> {
  const scan: DistScan = { files: 0, executable: null, libVersion: null, glibc: null, glibcFile: null, macos: null, macosFile: null, machines: [], problems: [] };
  const problem = (p: string) => {
    if (scan.problems.length < 20) scan.problems.push(p);
  };
  const names = new Set<string>();
  const parser = new Parser({ onwarn: (_code: string, message: string) => problem(`tar: ${message}`) });
  parser.on("entry", (entry: ReadEntry) => {
    const name = entry.path.replace(/\/+$/, "");
    if (!safeRel(name) || (name !== "python" && !name.startsWith("python/"))) {
      problem(`entry ${JSON.stringify(name.slice(0, 200))} is not under python/`);
      return void entry.resume();
    }
    if (entry.type === "SymbolicLink" || entry.type === "Link") {
      const target = entry.linkpath ?? "";
      const resolved = entry.type === "Link" ? target : posix.normalize(posix.join(posix.dirname(name), target));
      if (target.startsWith("/") || !(resolved === "python" || resolved.startsWith("python/"))) problem(`link ${name} points outside python/ (${target})`);
      names.add(name);
      return void entry.resume();
    }
    if (entry.type === "Directory") {
      const m = /^python\/lib\/python(\d+\.\d+)t?$/.exec(name);
      if (m) scan.libVersion = m[1] ?? null;
      return void entry.resume();
    }
    if (entry.type !== "File" && entry.type !== "OldFile" && entry.type !== "ContiguousFile") {
      problem(`entry ${name} is a ${entry.type}`);
      return void entry.resume();
    }
    scan.files++;
    names.add(name);
    const m = /^python\/lib\/python(\d+\.\d+)t?\//.exec(name);
    if (m && !scan.libVersion) scan.libVersion = m[1] ?? null;
    const chunks: Buffer[] = [];
    let size = 0;
    let kind: "elf" | "macho" | "other" | null = null;
    entry.on("data", (d: Buffer) => {
      if (kind === null) {
        const head = size === 0 && d.length >= 8 ? d : Buffer.concat([...chunks, d]);
        if (head.length >= 8) kind = isElf(head) ? "elf" : isMacho(head) ? "macho" : "other";
      }
      if (kind === "other") return;
      size += d.length;
      if (size > MAX_BINARY) {
        kind = "other";
        chunks.length = 0;
        return;
      }
      chunks.push(d);
    });
    entry.on("end", () => {
      if (kind !== "elf" && kind !== "macho") return;
      const buf = Buffer.concat(chunks);
      const inBin = name.startsWith("python/bin/") || name === "python/python.exe";
      try {
        if (kind === "elf") {
          const info = readElf(buf);
          if (info.glibc && newer(scan.glibc, info.glibc)) {
            scan.glibc = info.glibc;
            scan.glibcFile = name;
          }
          if (inBin) scan.machines.push(ELF_NAMES[info.machine] ?? `machine${info.machine}`);
        } else {
          for (const s of readMacho(buf)) {
            if (s.minos && newer(scan.macos, s.minos)) {
              scan.macos = s.minos;
              scan.macosFile = name;
            }
            if (inBin) scan.machines.push(s.arch);
          }
        }
      } catch (e) {
        if (e instanceof ElfError || e instanceof MachoError) problem(`${name}: malformed binary: ${e.message}`);
        else throw e;
      }
    });
  });
  try {
    await pipeline(createReadStream(path), createGunzip(), parser);
  } catch (e) {
    problem(`cannot read it as a tar.gz: ${(e as Error).message}`);
  }
  scan.executable = ["python/bin/python3", "python/python.exe"].find((n) => names.has(n)) ?? null;
  if (!scan.executable && scan.problems.length === 0) problem("it holds neither python/bin/python3 nor python/python.exe");
  scan.machines = [...new Set(scan.machines)].sort();
  return scan;
}
