/**
 * The download cache: content-addressed by sha256, with a versioned layout so a future format
 * lives beside this one instead of misreading it.
 *
 *   <root>/wheels-v1/sha256/<ab>/<hex>      distribution files (wheels, and sdists when asked)
 *   <root>/metadata-v2/wheel/<ab>/<hex>     METADATA read from a wheel whose bytes wheelbarrow
 *                                           hashed to <hex> (sha256) itself
 *   <root>/metadata-v2/sidecar/<ab>/<hex>   a PEP 658 sidecar, named by the sha256 of its own
 *                                           bytes and re-hashed when read
 *   <root>/metadata-v2/url/<ab>/<key>       METADATA nobody verified yet (range reads, a sidecar
 *                                           without a hash), key = sha256 of the wheel URL and
 *                                           the sha256 its page claimed: only that URL finds it
 *   <root>/simple-v1/<ab>/<key>.json        index responses (body, validators), key = sha256 of
 *                                           the credential-free URL; for --offline and ETags
 *   <root>/urls-v1/<ab>/<key>               sha256 of a file whose index gave no hash
 *   <root>/wheel-checks-v1/<ab>/<hex>       the wheel check's verdict on the wheel whose bytes
 *                                           wheelbarrow hashed to <hex>: passed, by which check
 *                                           version, under which file name (JSON)
 *
 * Every write goes to a temp file in the destination directory and is renamed into place, so a
 * reader never sees a partial file and two wheelbarrow processes sharing the cache are safe:
 * both may download the same file, the second rename replaces identical bytes. A file in
 * wheels-v1 is re-hashed before use (verifyWheel) and removed if it does not match its name.
 * Temp names carry the writer's pid (store/temp-files.ts): a signal removes this process's
 * temps, and opening a session sweeps download temps whose process is gone.
 *
 * No entry is ever keyed by a hash an index page merely claims (docs/cache.md): one run against
 * a hostile index must not change what a later run against an honest one bundles. metadata-v1
 * (keyed by claimed wheel hashes) is no longer read.
 */
import { createHash } from "node:crypto";
import { createReadStream, existsSync, mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { sweepStaleTemps, tempName, untrackTemp } from "./temp-files.js";

export function defaultCacheDir(env: Record<string, string | undefined>, platform: NodeJS.Platform): string {
  const explicit = env["WHEELBARROW_CACHE_DIR"];
  if (explicit) return explicit;
  const home = env["HOME"] ?? env["USERPROFILE"] ?? ".";
  if (platform === "win32") {
    const base = env["LOCALAPPDATA"] ?? join(home, "AppData", "Local");
    return join(base, "wheelbarrow", "Cache");
  }
  if (platform === "darwin") return join(home, "Library", "Caches", "wheelbarrow");
  const xdg = env["XDG_CACHE_HOME"];
  return join(xdg && xdg.startsWith("/") ? xdg : join(home, ".cache"), "wheelbarrow");
}

const HEX64 = /^[0-9a-f]{64}$/;

function check(sha256: string): string {
  const s = sha256.toLowerCase();
  if (!HEX64.test(s)) throw new Error(`internal: not a sha256 hex digest: ${JSON.stringify(sha256)}`);
  return s;
}

export function sha256Hex(text: string | Buffer): string {
  return createHash("sha256").update(text).digest("hex");
}

export async function hashFile(path: string): Promise<{ sha256: string; size: number }> {
  const h = createHash("sha256");
  let size = 0;
  for await (const chunk of createReadStream(path)) {
    h.update(chunk as Buffer);
    size += (chunk as Buffer).length;
  }
  return { sha256: h.digest("hex"), size };
}

/** The largest verdict file read back (a real one is under 300 bytes). */
const MAX_WHEEL_CHECK_BYTES = 4096;

/** A wheel that passed the wheel check (src/bundle/validate-wheel.ts): which check, under which file name. */
export interface WheelCheckRecord {
  version: number;
  filename: string;
}

/** A cached index response. */
export interface CachedPage {
  /** Credential-free URL that was asked for. */
  url: string;
  /** Final URL after redirects (relative links resolve against it). */
  finalUrl: string;
  /** 200, or 404 when the index does not have the project. */
  status: number;
  contentType: string;
  etag?: string;
  lastModified?: string;
  body: string;
  fetchedAt: string;
}

export class Cache {
  readonly root: string;

  constructor(root: string) {
    this.root = root;
  }

  wheelPath(sha256: string): string {
    const s = check(sha256);
    return join(this.root, "wheels-v1", "sha256", s.slice(0, 2), s);
  }

  hasWheel(sha256: string): boolean {
    return existsSync(this.wheelPath(sha256));
  }

  /** True when the cached file still hashes to its name; a damaged file is removed. */
  async verifyWheel(sha256: string): Promise<boolean> {
    const p = this.wheelPath(sha256);
    if (!existsSync(p)) return false;
    const got = await hashFile(p);
    if (got.sha256 === sha256.toLowerCase()) return true;
    rmSync(p, { force: true });
    rmSync(this.wheelCheckPath(sha256), { force: true });
    return false;
  }

  /**
   * A fresh temp path in the directory of `finalPath` (created), named with this process's pid
   * and registered, so an interrupted run removes it and a later run can tell it is stale.
   */
  tempPath(finalPath: string): string {
    mkdirSync(dirname(finalPath), { recursive: true });
    return tempName(finalPath);
  }

  /** Remove download temps left by runs that were killed (their process is gone). */
  sweepStaleTemps(): string[] {
    return sweepStaleTemps(join(this.root, "wheels-v1", "sha256"), (n) => n.startsWith("incoming.tmp-"));
  }

  /** A temp path in the wheels area, for a download whose sha256 is not known yet. */
  downloadTempPath(): string {
    return this.tempPath(join(this.root, "wheels-v1", "sha256", "incoming"));
  }

  /** Move a fully written and verified temp file into place under its sha256. */
  commitWheel(tempPath: string, sha256: string): string {
    const dest = this.wheelPath(sha256);
    mkdirSync(dirname(dest), { recursive: true });
    try {
      renameSync(tempPath, dest);
      untrackTemp(tempPath);
    } catch (e) {
      // Windows refuses to replace a file another process holds open: if the same content is
      // already there (a concurrent download), ours is redundant.
      if (existsSync(dest)) {
        rmSync(tempPath, { force: true });
        untrackTemp(tempPath);
      } else throw e;
    }
    return dest;
  }

  /** Write a small file atomically (temp + rename in the same directory). */
  writeAtomic(path: string, data: string | Buffer): void {
    const tmp = this.tempPath(path);
    try {
      writeFileSync(tmp, data);
      renameSync(tmp, path);
    } catch (e) {
      rmSync(tmp, { force: true });
      if (!existsSync(path)) throw e;
    } finally {
      untrackTemp(tmp);
    }
  }

  /** Where the METADATA of the wheel whose verified sha256 is `wheelSha256` is kept. */
  metadataPath(wheelSha256: string): string {
    const s = check(wheelSha256);
    return join(this.root, "metadata-v2", "wheel", s.slice(0, 2), s);
  }

  /** METADATA read from a wheel whose bytes hashed to `wheelSha256`; null when not cached. */
  readMetadata(wheelSha256: string): string | null {
    try {
      return readFileSync(this.metadataPath(wheelSha256), "utf8");
    } catch {
      return null;
    }
  }

  /** Only for METADATA read out of a wheel whose sha256 the caller computed from its bytes. */
  writeMetadata(wheelSha256: string, text: string): void {
    this.writeAtomic(this.metadataPath(wheelSha256), text);
  }

  private sidecarPath(sha256: string): string {
    const s = check(sha256);
    return join(this.root, "metadata-v2", "sidecar", s.slice(0, 2), s);
  }

  /** The sidecar bytes whose sha256 is `sha256`, re-hashed; null when absent or damaged (then removed). */
  readSidecar(sha256: string): Buffer | null {
    const p = this.sidecarPath(sha256);
    let data: Buffer;
    try {
      data = readFileSync(p);
    } catch {
      return null;
    }
    if (sha256Hex(data) === sha256.toLowerCase()) return data;
    rmSync(p, { force: true });
    return null;
  }

  /** Store sidecar bytes under their own sha256 (returned). */
  writeSidecar(data: Buffer): string {
    const sha = sha256Hex(data);
    this.writeAtomic(this.sidecarPath(sha), data);
    return sha;
  }

  private unverifiedPath(url: string, claimedSha256: string | undefined): string {
    const k = sha256Hex(`${url}\n${claimedSha256?.toLowerCase() ?? ""}`);
    return join(this.root, "metadata-v2", "url", k.slice(0, 2), k);
  }

  /** METADATA read from `url` without verifying the wheel (range reads, an unhashed sidecar). */
  readUnverifiedMetadata(url: string, claimedSha256: string | undefined): string | null {
    try {
      return readFileSync(this.unverifiedPath(url, claimedSha256), "utf8");
    } catch {
      return null;
    }
  }

  writeUnverifiedMetadata(url: string, claimedSha256: string | undefined, text: string): void {
    this.writeAtomic(this.unverifiedPath(url, claimedSha256), text);
  }

  private pagePath(url: string): string {
    const k = sha256Hex(url);
    return join(this.root, "simple-v1", k.slice(0, 2), `${k}.json`);
  }

  readPage(url: string): CachedPage | null {
    try {
      const p = JSON.parse(readFileSync(this.pagePath(url), "utf8")) as CachedPage;
      return p.url === url ? p : null;
    } catch {
      return null;
    }
  }

  writePage(page: CachedPage): void {
    this.writeAtomic(this.pagePath(page.url), JSON.stringify(page));
  }

  private urlShaPath(url: string): string {
    const k = sha256Hex(url);
    return join(this.root, "urls-v1", k.slice(0, 2), k);
  }

  /** The sha256 recorded for a file URL whose index gave no hash. */
  shaForUrl(url: string): string | null {
    try {
      const s = readFileSync(this.urlShaPath(url), "utf8").trim();
      return HEX64.test(s) ? s : null;
    } catch {
      return null;
    }
  }

  recordUrlSha(url: string, sha256: string): void {
    this.writeAtomic(this.urlShaPath(url), check(sha256));
  }

  private wheelCheckPath(sha256: string): string {
    const s = check(sha256);
    return join(this.root, "wheel-checks-v1", s.slice(0, 2), s);
  }

  /** The kept verdict of the wheel check on the wheel with this sha256; null when none (or unreadable). */
  readWheelCheck(sha256: string): WheelCheckRecord | null {
    try {
      const path = this.wheelCheckPath(sha256);
      // A verdict is a few dozen bytes; a bigger file is not one of ours.
      if (statSync(path).size > MAX_WHEEL_CHECK_BYTES) return null;
      const r = JSON.parse(readFileSync(path, "utf8")) as Partial<WheelCheckRecord>;
      return typeof r.version === "number" && typeof r.filename === "string" ? { version: r.version, filename: r.filename } : null;
    } catch {
      return null;
    }
  }

  /** Only for a wheel whose bytes the caller hashed to `sha256` and checked. */
  writeWheelCheck(sha256: string, record: WheelCheckRecord): void {
    this.writeAtomic(this.wheelCheckPath(sha256), JSON.stringify(record));
  }

  /** Size of a cached wheel, or null. */
  wheelSize(sha256: string): number | null {
    try {
      return statSync(this.wheelPath(sha256)).size;
    } catch {
      return null;
    }
  }
}
