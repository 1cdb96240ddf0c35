/**
 * The I/O half of embedding an interpreter: for each target, find its archive (from a mirror's
 * SHA256SUMS, or as named by --python-dist / [[python]]), download it through the session's Net
 * into the content-addressed cache (verified against its sha256), then check the archive itself:
 * PBS-shaped, built for the target's triple and Python, and a platform floor (measured from its
 * binaries) no higher than the target's.
 */
import { isAbsolute, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { WbError } from "../errors.js";
import { fetchToCache } from "../download/downloader.js";
import type { Reporter } from "../model/reporter.js";
import type { Net } from "../net/dispatcher.js";
import type { Cache } from "../store/cache.js";
import { parseSha256Sums } from "../bundle/sha256sums.js";
import { fetchPage } from "../index/simple-api.js";
import { parsePbsFilename, pbsTripleFor, type PbsFilename } from "./pbs-filename.js";
import { selectDist, versionFits, type DistTarget } from "./select-dist.js";
import { scanDist } from "./scan-dist.js";
import { SafeUrl } from "../text/safe-url.js";

export interface DistSource {
  /** A mirror directory URL (https, http, file) holding archives and SHA256SUMS. */
  mirror?: string;
  /** An archive path or URL, optionally with `#sha256=HEX`. */
  dist?: string;
  /** The sha256 given beside `dist` (spec file). */
  sha256?: string;
}

export interface FloorTarget extends DistTarget {
  libc?: { family: "glibc" | "musl"; major: number; minor: number } | null;
  macos?: { major: number; minor: number } | null;
}

export interface EmbeddedPython {
  implementation: "cpython";
  version: string;
  build: string;
  triple: string;
  filename: string;
  sha256: string;
  size: number;
  cachePath: string;
  /** Redacted URL it came from. */
  source: string;
  /** Measured from the archive's binaries. */
  floor: { glibc: string | null; macos: string | null };
}

export interface FetchDistOptions {
  net: Net;
  cache: Cache;
  cwd: string;
  /** --verify-cache: re-hash a cached archive before using it. */
  verifyCache?: boolean;
  reporter?: Reporter;
}

const HEX64 = /^[0-9a-f]{64}$/;

/** "dir" or "dir/" -> "dir/" (the mirror URL works with or without a trailing slash). */
export function mirrorBase(url: string): string {
  return url.endsWith("/") ? url : url + "/";
}

/** `PATH|URL[#sha256=HEX]` -> url (file: for paths) and the hash. */
export function parseDistRef(ref: string, cwd: string, sha256?: string): { url: string; sha256?: string; filename: string } {
  let body = ref;
  let hash = sha256?.toLowerCase();
  const m = /#sha256=([0-9A-Fa-f]*)$/.exec(ref);
  if (m) {
    body = ref.slice(0, m.index);
    hash = m[1]!.toLowerCase();
  }
  if (hash !== undefined && !HEX64.test(hash)) throw new WbError("E_USAGE", `--python-dist ${ref}: sha256 must be 64 hex digits`, { hint: "for example --python-dist cpython-...tar.gz#sha256=<64 hex digits>" });
  const isUrl = /^[a-z][a-z0-9+.-]+:\/\//i.test(body);
  if (isUrl && !/^(https?|file):/i.test(body)) throw new WbError("E_USAGE", `--python-dist ${ref}: only https, http and file URLs are supported`);
  const url = isUrl ? body : pathToFileURL(isAbsolute(body) ? body : resolve(cwd, body)).href;
  const filename = decodeURIComponent(new URL(url).pathname.replace(/^.*\//, ""));
  return { url, sha256: hash, filename };
}

function tooLow(t: FloorTarget, what: string, need: string, have: string, file: string | null): WbError {
  return new WbError("E_PYTHON_DIST", `target ${t.spec} promises ${what} ${have}, but the interpreter needs ${what} ${need}${file ? ` (${file})` : ""}`, {
    hint: [`target a platform of ${what} ${need} or newer, or embed an interpreter built for ${what} ${have}`],
    details: { target: t.spec, expected: have, found: need, file },
  });
}

/** Checks an archive's name against the target: the right triple, Python and threading. */
export function checkDistName(name: PbsFilename | null, filename: string, t: DistTarget): PbsFilename {
  if (!name || name.kind === null) {
    throw new WbError("E_PYTHON_DIST", `${filename} is not a python-build-standalone install_only archive name`, {
      hint: ["expected cpython-X.Y.Z+BUILD-TRIPLE-install_only[_stripped].tar.gz, e.g. cpython-3.12.4+20240726-x86_64-unknown-linux-gnu-install_only_stripped.tar.gz"],
      details: { file: filename },
    });
  }
  const triple = pbsTripleFor(t);
  if (name.triple !== triple) {
    throw new WbError("E_PYTHON_DIST", `${filename} is built for ${name.triple}, target ${t.spec} needs ${triple ?? "a build python-build-standalone does not publish"}`, {
      hint: "name the archive for that triple, or give TARGET=ARCHIVE for each target",
      details: { file: filename, target: t.spec, expected: triple, found: name.triple },
    });
  }
  if (!versionFits(t.pythonVersion, name) && !(t.pythonVersion.split(".").length === 2 && `${name.major}.${name.minor}` === t.pythonVersion)) {
    throw new WbError("E_PYTHON_DIST", `${filename} is CPython ${name.version}, target ${t.spec} needs Python ${t.pythonVersion}`, {
      hint: `name an archive of CPython ${t.pythonVersion}, or target the Python this archive is (@${name.major}.${name.minor})`,
      details: { file: filename, target: t.spec, expected: t.pythonVersion, found: name.version },
    });
  }
  if (name.freeThreaded !== t.freeThreaded) {
    throw new WbError("E_PYTHON_DIST", `${filename} is ${name.freeThreaded ? "" : "not "}a free-threaded build, target ${t.spec} is ${t.freeThreaded ? "" : "not "}free-threaded`, {
      hint: t.freeThreaded ? "name a free-threaded archive (cpython-X.Y.Z+BUILD-TRIPLE-freethreaded+...-install_only.tar.gz)" : "name a default (GIL) build, or target the free-threaded Python (e.g. @3.13t)",
      details: { file: filename, target: t.spec },
    });
  }
  return name;
}

/**
 * The mirror's SHA256SUMS text. An http(s) mirror's goes through the page cache as index pages do
 * (revalidated online, used as is with --offline), so an offline run finds the archive it named;
 * a file:// mirror is read fresh every time.
 */
async function mirrorSums(base: string, o: FetchDistOptions): Promise<string> {
  const sumsUrl = new URL("SHA256SUMS", base).href;
  const shown = o.net.displayUrl(base);
  const missing = (status?: number) =>
    new WbError("E_PYTHON_DIST", `${shown} has no SHA256SUMS${status ? ` (HTTP ${status})` : ""}`, { hint: "the mirror directory must hold the release's SHA256SUMS beside its archives", details: { url: o.net.displayUrl(sumsUrl) } });
  if (/^https?:/i.test(sumsUrl)) {
    const page = await fetchPage(sumsUrl, { net: o.net, cache: o.cache, reporter: o.reporter }, "text/plain, */*", `the SHA256SUMS of ${shown}`);
    if (!page) throw missing(404);
    return page.body;
  }
  try {
    const res = await o.net.get(sumsUrl, { allowStatus: [404, 410], maxBytes: 16 * 1024 * 1024 });
    if (res.status !== 200) throw missing(res.status);
    return res.body.toString("utf8");
  } catch (e) {
    if (e instanceof WbError && e.code === "E_NETWORK" && /ENOENT|not found|no such file/i.test(e.message)) throw missing();
    throw e;
  }
}

async function mirrorRef(mirror: string, t: DistTarget, o: FetchDistOptions): Promise<{ url: string; sha256: string; filename: string }> {
  const base = mirrorBase(mirror);
  const sumsUrl = new URL("SHA256SUMS", base).href;
  const shown = o.net.displayUrl(base);
  const text = await mirrorSums(base, o);
  const sums = parseSha256Sums(text.replace(/\r\n/g, "\n"));
  if (sums.entries.length === 0) {
    throw new WbError("E_PYTHON_DIST", `${shown}SHA256SUMS lists no files`, {
      hint: ["it must be the release's SHA256SUMS: one '<sha256>  <archive name>' line per archive", ...sums.problems.slice(0, 3)],
      details: { url: o.net.displayUrl(sumsUrl) },
    });
  }
  const picked = selectDist(sums.entries, t, shown);
  return { url: new URL(encodeURIComponent(picked.name.filename).replace(/%2B/gi, "+"), base).href, sha256: picked.sha256, filename: picked.name.filename };
}

function fmt(v: [number, number] | null): string | null {
  return v ? `${v[0]}.${v[1]}` : null;
}

function below(have: { major: number; minor: number }, need: [number, number]): boolean {
  return have.major < need[0] || (have.major === need[0] && have.minor < need[1]);
}

/** Finds, downloads and checks the interpreter archive for one target. */
export async function fetchDist(src: DistSource, t: FloorTarget, o: FetchDistOptions): Promise<EmbeddedPython> {
  let ref: { url: string; sha256?: string; filename: string };
  if (src.dist) ref = parseDistRef(src.dist, o.cwd, src.sha256);
  else if (src.mirror) ref = await mirrorRef(src.mirror, t, o);
  else throw new Error("internal: fetchDist needs a mirror or a dist");
  const name = checkDistName(parsePbsFilename(ref.filename), ref.filename, t);
  const displayUrl = o.net.displayUrl(ref.url);
  const got = await fetchToCache({ url: SafeUrl.of(ref.url), filename: ref.filename, sha256: ref.sha256 }, { net: o.net, cache: o.cache, verifyCache: o.verifyCache, reporter: o.reporter });
  const scan = await scanDist(got.path);
  if (scan.problems.length) {
    throw new WbError("E_PYTHON_DIST", `${ref.filename} is not shaped like a python-build-standalone install_only archive: ${scan.problems.slice(0, 5).join("; ")}`, {
      hint: "use an install_only or install_only_stripped .tar.gz from python-build-standalone (every entry under python/)",
      details: { file: ref.filename, url: displayUrl, problems: scan.problems },
    });
  }
  if (scan.libVersion && scan.libVersion !== `${name.major}.${name.minor}`) {
    throw new WbError("E_PYTHON_DIST", `${ref.filename} is named CPython ${name.version} but holds python/lib/python${scan.libVersion}`, {
      hint: "the archive is mislabelled (renamed, or repacked from another build); use the one python-build-standalone published under that name",
      details: { file: ref.filename, expected: `${name.major}.${name.minor}`, found: scan.libVersion },
    });
  }
  const wantArch = name.os === "macos" ? (name.arch === "aarch64" ? "arm64" : name.arch) : name.arch;
  if (scan.machines.length && !scan.machines.includes(wantArch)) {
    throw new WbError("E_PYTHON_DIST", `${ref.filename} is named for ${name.triple} but its interpreter is built for ${scan.machines.join(", ")}`, {
      hint: "the mirror holds a mislabelled archive; use the one built for the target",
      details: { file: ref.filename, expected: wantArch, found: scan.machines },
    });
  }
  if (scan.glibc) {
    if (t.os === "linux" && t.libc?.family === "glibc" && below(t.libc, scan.glibc)) throw tooLow(t, "glibc", fmt(scan.glibc)!, `${t.libc.major}.${t.libc.minor}`, scan.glibcFile);
  }
  if (scan.macos && t.os === "macos" && t.macos && below(t.macos, scan.macos)) throw tooLow(t, "macOS", fmt(scan.macos)!, `${t.macos.major}.${t.macos.minor}`, scan.macosFile);
  return {
    implementation: "cpython",
    version: name.version,
    build: name.build,
    triple: name.triple,
    filename: ref.filename,
    sha256: got.sha256,
    size: got.size,
    cachePath: got.path,
    source: displayUrl,
    floor: { glibc: fmt(scan.glibc), macos: fmt(scan.macos) },
  };
}
