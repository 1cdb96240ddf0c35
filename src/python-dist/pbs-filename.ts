/**
 * python-build-standalone archive names, e.g.
 * `cpython-3.12.4+20240726-x86_64-unknown-linux-gnu-install_only_stripped.tar.gz`:
 * `cpython-{X.Y.Z[pre]}+{build}-{triple}-{flavour}.{ext}`.
 *
 * Only the `install_only` and `install_only_stripped` flavours (optionally `freethreaded-`, and on
 * old Windows releases `shared-`) are installable layouts (every entry under `python/`); any other
 * flavour (`debug-full`, `pgo+lto-full`, ...) or extension (`.tar.zst`) parses with `kind: null`
 * so callers can list it but never pick it. Pure: no I/O.
 */

export type PbsOs = "linux" | "macos" | "windows";

export interface PbsFilename {
  filename: string;
  implementation: "cpython";
  /** "3.12.4" or "3.14.0rc1". */
  version: string;
  major: number;
  minor: number;
  patch: number;
  /** "a1", "rc2", or "" for a final release. */
  pre: string;
  /** The release tag, normally a date: "20240726". */
  build: string;
  /** "x86_64-unknown-linux-gnu". */
  triple: string;
  /** PBS's own arch spelling: x86_64, aarch64, i686, armv7, ppc64le, s390x, riscv64 ... */
  arch: string;
  os: PbsOs;
  libc: "glibc" | "musl" | null;
  freeThreaded: boolean;
  /** The installable layouts; null for every other flavour or extension. */
  kind: "install_only" | "install_only_stripped" | null;
  /** Everything after the triple: "install_only_stripped", "debug-full" ... */
  flavour: string;
  ext: string;
}

const NAME_RE = /^cpython-(\d+)\.(\d+)\.(\d+)((?:a|b|rc)\d+)?\+([0-9A-Za-z._]+)-(.+?)\.(tar\.gz|tar\.zst|tar\.bz2|zip)$/;
const TRIPLE_RE = /^([a-z0-9_]+)-(unknown-linux-gnu(?:eabihf|eabi)?|unknown-linux-musl(?:eabihf)?|apple-darwin|pc-windows-msvc)(?:-(.+))?$/;

/** Parses a PBS archive name; null when the name is not one. */
export function parsePbsFilename(filename: string): PbsFilename | null {
  const m = NAME_RE.exec(filename);
  if (!m) return null;
  const [, maj, min, pat, pre, build, rest, ext] = m as unknown as [string, string, string, string, string | undefined, string, string, string];
  const t = TRIPLE_RE.exec(rest);
  if (!t) return null;
  const [, arch, sys, flavourRaw] = t as unknown as [string, string, string, string | undefined];
  const flavour = flavourRaw ?? "";
  const os: PbsOs = sys === "apple-darwin" ? "macos" : sys === "pc-windows-msvc" ? "windows" : "linux";
  const libc = os !== "linux" ? null : sys.startsWith("unknown-linux-musl") ? "musl" : "glibc";
  const parts = flavour.split("-");
  let i = 0;
  let freeThreaded = false;
  if (parts[i] === "freethreaded") {
    freeThreaded = true;
    i++;
  } else if (parts[i]?.startsWith("freethreaded+")) freeThreaded = true;
  if (parts[i] === "shared" && os === "windows") i++;
  const tail = parts.slice(i).join("-");
  const kind = ext === "tar.gz" && (tail === "install_only" || tail === "install_only_stripped") ? tail : null;
  return {
    filename,
    implementation: "cpython",
    version: `${maj}.${min}.${pat}${pre ?? ""}`,
    major: Number(maj),
    minor: Number(min),
    patch: Number(pat),
    pre: pre ?? "",
    build,
    triple: `${arch}-${sys}`,
    arch,
    os,
    libc,
    freeThreaded,
    kind,
    flavour,
    ext,
  };
}

/** The PBS triple for a target's os/arch/libc, or null when PBS has no build for it. */
export function pbsTripleFor(t: { os: string; arch: string; libc?: { family: "glibc" | "musl" } | null }): string | null {
  if (t.os === "linux") {
    const arch = t.arch === "armv7l" ? "armv7" : t.arch;
    if (!/^[a-z0-9_]+$/.test(arch)) return null;
    if (t.libc?.family === "musl") return `${arch}-unknown-linux-musl`;
    return arch === "armv7" ? "armv7-unknown-linux-gnueabihf" : `${arch}-unknown-linux-gnu`;
  }
  if (t.os === "macos") return t.arch === "arm64" ? "aarch64-apple-darwin" : t.arch === "x86_64" ? "x86_64-apple-darwin" : null;
  if (t.os === "windows") return t.arch === "x86_64" ? "x86_64-pc-windows-msvc" : t.arch === "arm64" ? "aarch64-pc-windows-msvc" : t.arch === "x86" ? "i686-pc-windows-msvc" : null;
  return null;
}
