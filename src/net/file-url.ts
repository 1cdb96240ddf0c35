/**
 * `file://` URLs behind the same interface as http(s) (a local index, find-links directory or
 * wheel): `get` reads a file under the same cap as an HTTP body (refused from its size before it
 * is read), answers a byte range with 206 and reads only that range, and answers a missing file
 * with 404 when the caller accepts one; `download` copies the file to `dest`, hashing it on the way.
 * Errors are E_NETWORK naming the (redacted) URL, as for a failed request.
 */
import { createReadStream } from "node:fs";
import { open, stat } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { WbError } from "../errors.js";
import type { DownloadOptions, DownloadResult, GetOptions, HttpResponse } from "./http.js";
import { DEFAULT_MAX_GET, tooLargeError } from "./limits.js";
import { MultiHasher } from "../util/multi-hasher.js";

export function isFileUrl(url: string): boolean {
  return /^file:/i.test(url);
}

function unreadable(shown: string, code: string | undefined, e: unknown): WbError {
  return new WbError("E_NETWORK", `cannot read ${shown}: ${code === "ENOENT" ? "no such file" : (code ?? String(e))}`, { details: { url: shown } });
}

/** The inclusive byte range [first, last] of a file of `size` bytes (empty when first > last). */
function rangeOf(range: NonNullable<GetOptions["range"]>, size: number): [number, number] {
  if (Array.isArray(range)) return [range[0], Math.min(range[1], size - 1)];
  return [Math.max(0, size - range.suffix), size - 1];
}

/** GET a file:// URL; `display` shows a URL as it may be printed. */
export async function getFileUrl(url: string, opts: GetOptions, display: (url: string) => string): Promise<HttpResponse> {
  const path = fileURLToPath(url);
  const max = opts.maxBytes ?? DEFAULT_MAX_GET;
  let size: number | undefined;
  try {
    const st = await stat(path);
    if (st.isFile()) size = st.size;
  } catch {
    // reported by the read below
  }
  if (!opts.range && size !== undefined && size > max) throw tooLargeError(display(url), max, opts.what, size, true);
  try {
    const fh = await open(path, "r");
    try {
      const total = (await fh.stat()).size;
      if (opts.range) {
        const [a, b] = rangeOf(opts.range, total);
        const body = Buffer.alloc(Math.max(0, b - a + 1));
        let got = 0;
        while (got < body.length) {
          const { bytesRead } = await fh.read(body, got, body.length - got, a + got);
          if (bytesRead === 0) break;
          got += bytesRead;
        }
        const read = body.subarray(0, got);
        return { status: 206, url, headers: { "content-range": `bytes ${a}-${a + read.length - 1}/${total}` }, body: read };
      }
      const body = await fh.readFile();
      if (body.length > max) throw tooLargeError(display(url), max, opts.what, body.length, true);
      return { status: 200, url, headers: {}, body };
    } finally {
      await fh.close();
    }
  } catch (e) {
    if (e instanceof WbError) throw e;
    const code = (e as NodeJS.ErrnoException).code;
    if ((code === "ENOENT" || code === "ENOTDIR") && opts.allowStatus?.includes(404)) return { status: 404, url, headers: {}, body: Buffer.alloc(0) };
    throw unreadable(display(url), code, e);
  }
}

/** Copy a file:// URL to `dest` (created or truncated) with its sha256. */
export async function downloadFileUrl(url: string, dest: string, opts: DownloadOptions, display: (url: string) => string): Promise<DownloadResult> {
  const path = fileURLToPath(url);
  try {
    await stat(path);
  } catch {
    throw unreadable(display(url), "ENOENT", undefined);
  }
  const fh = await open(dest, "w");
  const hash = new MultiHasher(opts.algorithms);
  let written = 0;
  try {
    for await (const chunk of createReadStream(path)) {
      const b = chunk as Buffer;
      await fh.write(b, 0, b.length, written);
      hash.update(b);
      written += b.length;
      opts.onProgress?.(written);
    }
  } finally {
    await fh.close();
  }
  const digests = hash.digest();
  return { size: written, sha256: digests.get("sha256")[0]!, digests, url, resumed: 0 };
}
