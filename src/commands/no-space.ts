/**
 * A full disk (ENOSPC) or an exhausted quota (EDQUOT) under --out or the cache, as E_NO_SPACE
 * with the directory, the bytes needed and the bytes free, instead of an internal error or a
 * network error (the HTTP client reports a failed write of a download body as a failed fetch).
 */
import { statfsSync } from "node:fs";
import { dirname } from "node:path";
import { WbError, isWbError } from "../errors.js";
import { formatBytes } from "../util/format-bytes.js";

const NO_SPACE_CODES = new Set(["ENOSPC", "EDQUOT"]);
const NO_SPACE_TEXT = /\b(ENOSPC|EDQUOT)\b/;

function chain(e: unknown): unknown[] {
  const out: unknown[] = [];
  for (let c: unknown = e; c !== undefined && c !== null && out.length < 10; c = (c as { cause?: unknown }).cause) out.push(c);
  return out;
}

/** The errno code when `e` (or something it wraps) is a full disk or quota. */
export function noSpaceCode(e: unknown): "ENOSPC" | "EDQUOT" | null {
  for (const c of chain(e)) {
    if (typeof c === "string") {
      const m = NO_SPACE_TEXT.exec(c);
      if (m) return m[1] as "ENOSPC" | "EDQUOT";
      continue;
    }
    const code = (c as { code?: unknown }).code;
    if (typeof code === "string" && NO_SPACE_CODES.has(code)) return code as "ENOSPC" | "EDQUOT";
    // a wrapped write failure keeps the errno only in its text
    if (isWbError(c) && c.code === "E_NETWORK") {
      const m = NO_SPACE_TEXT.exec(`${c.message} ${String(c.details["reason"] ?? "")}`);
      if (m) return m[1] as "ENOSPC" | "EDQUOT";
    }
  }
  return null;
}

/** Free bytes on the file system holding `path` (or its nearest existing parent), or null. */
export function freeBytes(path: string): number | null {
  for (let p = path; ; p = dirname(p)) {
    try {
      const s = statfsSync(p);
      return Number(s.bavail) * Number(s.bsize);
    } catch {
      if (dirname(p) === p) return null;
    }
  }
}

export interface SpaceNeed {
  /** The directory being written (--out or the cache). */
  path: string;
  /** What is written there, for the message: "the bundles", "the downloads". */
  what: string;
  /** Bytes the step needs, when known. */
  needed?: number;
  /** `needed` counts only the files whose size is known. */
  atLeast?: boolean;
}

export function spaceError(code: "ENOSPC" | "EDQUOT", need: SpaceNeed, cause?: unknown): WbError {
  const free = freeBytes(need.path);
  const amounts = [need.needed !== undefined ? `${need.atLeast ? "at least " : ""}${formatBytes(need.needed)} needed` : null, free !== null ? `${formatBytes(free)} free` : null].filter(Boolean).join(", ");
  const why = code === "EDQUOT" ? "the disk quota is exhausted" : "no space left on the device";
  return new WbError("E_NO_SPACE", `${why} writing ${need.what} to ${need.path}${amounts ? ` (${amounts})` : ""}`, {
    hint: [
      need.what === "the downloads" ? "free space there, or point --cache-dir (or WHEELBARROW_CACHE_DIR) at a larger disk" : "free space there, or write the bundles elsewhere with --out DIR",
      "nothing of this run was kept; run the command again afterwards",
    ],
    details: { path: need.path, needed: need.needed ?? null, free, errno: code },
    cause,
  });
}

/** `e` as E_NO_SPACE when it is a full disk or quota; otherwise null. */
export function noSpaceError(e: unknown, need?: SpaceNeed): WbError | null {
  if (isWbError(e) && e.code === "E_NO_SPACE") return e;
  const code = noSpaceCode(e);
  if (!code) return null;
  const path = need?.path ?? chain(e).map((c) => (c as { path?: unknown })?.path).find((p): p is string => typeof p === "string") ?? "(unknown path)";
  return spaceError(code, { what: "files", ...need, path });
}

/** Refuse before starting when the file system holding `need.path` has less than needed. */
export function checkSpace(need: SpaceNeed): void {
  if (!need.needed) return;
  const free = freeBytes(need.path);
  if (free !== null && free < need.needed) throw spaceError("ENOSPC", need);
}

/** Run `step`, turning a full disk under `need.path` into E_NO_SPACE. */
export async function withSpace<T>(need: SpaceNeed, step: () => Promise<T>): Promise<T> {
  try {
    return await step();
  } catch (e) {
    throw noSpaceError(e, need) ?? e;
  }
}
